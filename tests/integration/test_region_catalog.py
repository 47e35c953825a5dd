"""The Region catalog and per-Region wiring against a multi-Region sandbox through real boto3:
account:ListRegions, then ec2:DescribeRegions where that is denied, then the AWS config file's
Regions. A denial is a botocore Stubber's AccessDeniedException on that one client (the sandbox
has no IAM evaluation to deny with): the answer botocore parses is AWS's error shape."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber

from shuffle_aws_vaults import bootstrap
from shuffle_aws_vaults.bootstrap import AccountSettings
from shuffle_aws_vaults.domain.regions import RegionsUnknown
from shuffle_aws_vaults.infrastructure.aws_sessions import AccountAccess, AccountSpec, RetrySettings
from shuffle_aws_vaults.infrastructure.region_catalog import Boto3RegionCatalog
from shuffle_aws_vaults.sandbox import SeedSpec
from shuffle_aws_vaults.sandbox.regions import DEFAULT_ENABLED_REGIONS

from . import SOURCE

pytestmark = pytest.mark.integration

EAST, OPT_IN = "us-east-1", "ap-east-1"  # ap-east-1: an opt-in Region (launched 2019)


@pytest.fixture
def box(make_sandbox: Callable[..., Any]) -> Any:
    spec = SeedSpec(recovery_points=40, vaults=2, region_shares=(3, 1), edge_case_share=0.0)
    return make_sandbox(spec=spec, regions=(EAST, OPT_IN), jitter=0.0)


def access() -> AccountAccess:
    return AccountAccess(
        AccountSpec("source", profile="sandbox-source"), RetrySettings("standard", 1)
    )


def deny(account: AccountAccess, service: str, operation: str) -> Stubber:
    stub = Stubber(account.client(service))
    stub.add_client_error(operation, "AccessDeniedException", "not authorized", 403)
    stub.activate()
    return stub


def test_list_regions_names_the_default_regions_and_the_opt_in_regions_enabled(box: Any) -> None:
    found = Boto3RegionCatalog(access()).enabled_regions()
    assert found == sorted(DEFAULT_ENABLED_REGIONS | {OPT_IN})
    assert "me-south-1" not in found  # an opt-in Region the sandbox's accounts did not enable


def test_where_list_regions_is_denied_describe_regions_answers_the_same(box: Any) -> None:
    account = access()
    deny(account, "account", "list_regions")
    assert Boto3RegionCatalog(account).enabled_regions() == sorted(
        DEFAULT_ENABLED_REGIONS | {OPT_IN}
    )
    assert account.calls["DescribeRegions"] == 1


def test_where_both_are_denied_the_config_files_regions_are_taken(box: Any) -> None:
    config = Path(os.environ["AWS_CONFIG_FILE"])
    config.write_text(config.read_text() + "\n[profile other]\nregion = eu-west-3\n")
    account = access()
    deny(account, "account", "list_regions")
    deny(account, "ec2", "describe_regions")
    assert Boto3RegionCatalog(account).enabled_regions() == ["eu-west-3", EAST]


def test_where_nothing_tells_the_error_names_the_sources_and_asks_for_regions(box: Any) -> None:
    config = Path(os.environ["AWS_CONFIG_FILE"])
    config.write_text(
        "".join(
            line for line in config.read_text().splitlines(True) if not line.startswith("region")
        )
    )
    account = access()
    deny(account, "account", "list_regions")
    deny(account, "ec2", "describe_regions")
    with pytest.raises(RegionsUnknown) as caught:
        Boto3RegionCatalog(account).enabled_regions()
    message = str(caught.value)
    assert "account:ListRegions refused (AccessDeniedException)" in message
    assert "ec2:DescribeRegions refused (AccessDeniedException)" in message
    assert "AWS config file names no Region" in message and "give --regions" in message


def test_the_accounts_reach_each_routes_vaults_with_one_identity_check(box: Any) -> None:
    settings = AccountSettings("source", "--source-account", SOURCE, "sandbox-source", None, None)
    accounts = bootstrap.build(bootstrap.Connections(settings, max_attempts=1)).accounts
    counts = {
        region: sum(v.recovery_points for v in accounts.wiring(region).source.list_vaults())
        for region in (EAST, OPT_IN)
    }
    assert counts == box.seeded.by_region == {EAST: 30, OPT_IN: 10}
    assert accounts.wiring(OPT_IN) is accounts.wiring(OPT_IN)  # built once
    assert accounts.wiring(EAST).statistics.calls()["GetCallerIdentity"] == 1
    assert accounts.source_account == SOURCE and accounts.home == EAST
