"""The service opt-in check: every resource type in the selection opted in to AWS Backup."""

from __future__ import annotations

import json
import shlex

from shuffle_aws_vaults.domain import preflight as checks
from shuffle_aws_vaults.domain.preflight import Outcome

ALL_IN = {"EBS": True, "RDS": True, "Storage Gateway": True, "S3": True}


def test_every_selected_type_opted_in_passes() -> None:
    result = checks.service_opt_in(
        ["EBS", "RDS", "EBS"], ALL_IN, account="111111111111", region="eu-west-1", required=True
    )
    assert result.outcome is Outcome.PASS
    assert result.detail == "EBS, RDS opted in (eu-west-1)"


def test_a_type_opted_out_in_the_source_fails_with_the_exact_command() -> None:
    prefs = {**ALL_IN, "RDS": False, "Storage Gateway": False}
    result = checks.service_opt_in(
        ["RDS", "EBS", "Storage Gateway"],
        prefs,
        account="111111111111",
        region="eu-west-1",
        required=True,
    )
    assert result.outcome is Outcome.FAIL
    assert result.name == "service opt-in (source)"
    assert (
        result.detail == "RDS, Storage Gateway not opted in to AWS Backup in 111111111111 eu-west-1"
    )
    prefix = "in account 111111111111: "
    assert result.fix.startswith(prefix)
    argv = shlex.split(result.fix.removeprefix(prefix))
    assert argv[:5] == ["aws", "backup", "update-region-settings", "--region", "eu-west-1"]
    assert argv[5] == "--resource-type-opt-in-preference"
    # the whole map, the types opted out switched on and the others as they were
    assert json.loads(argv[6]) == ALL_IN


def test_a_type_opted_out_in_the_destination_only_warns() -> None:
    result = checks.service_opt_in(
        ["S3"],
        {**ALL_IN, "S3": False},
        account="222222222222",
        region="eu-west-1",
        required=False,
    )
    assert result.outcome is Outcome.WARN
    assert result.name == "service opt-in (destination)"
    assert "AWS does not say" in result.detail and "update-region-settings" in result.fix


def test_unreadable_settings_warn_and_an_empty_selection_passes() -> None:
    unreadable = checks.service_opt_in(
        ["EBS"], None, account="111111111111", region="eu-west-1", required=True
    )
    assert unreadable.outcome is Outcome.WARN
    assert "backup:DescribeRegionSettings" in unreadable.fix
    empty = checks.service_opt_in([], None, account="1", region="eu-west-1", required=True)
    assert empty.outcome is Outcome.PASS


def test_a_type_the_region_does_not_list_warns() -> None:
    result = checks.service_opt_in(
        ["EBS", "Tape"], ALL_IN, account="111111111111", region="eu-west-1", required=True
    )
    assert result.outcome is Outcome.WARN and "Tape" in result.detail
