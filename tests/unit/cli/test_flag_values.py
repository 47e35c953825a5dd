"""Flag values: --dest-vault (a vault name, or an ARN in the destination account and Region)
and the journal's compaction interval from the environment."""

from __future__ import annotations

import pytest

from shuffle_aws_vaults.application.copy_engine import EngineSettings
from shuffle_aws_vaults.cli.exit_status import UsageError
from shuffle_aws_vaults.cli.flag_values import (
    COMPACT_EVERY_VARIABLE,
    compact_every,
    dest_vault_name,
)

DEST = "222222222222"


def normalized(value: str, region: str | None = None) -> str:
    return dest_vault_name(value, DEST, region)


@pytest.mark.parametrize("name", ["ab", "migrated-prod_01", "x" * 50])
def test_a_vault_name_is_kept(name: str) -> None:
    assert normalized(name) == name


def test_an_arn_in_the_destination_account_becomes_its_name() -> None:
    arn = f"arn:aws:backup:eu-west-1:{DEST}:backup-vault:migrated"
    assert normalized(arn, "eu-west-1") == "migrated"


def test_an_arn_in_another_account_is_refused_naming_both_accounts() -> None:
    with pytest.raises(UsageError) as raised:
        normalized("arn:aws:backup:us-east-1:333333333333:backup-vault:evil")
    assert str(raised.value) == (
        "--dest-vault arn:aws:backup:us-east-1:333333333333:backup-vault:evil is in account "
        f"333333333333, not --dest-account {DEST}"
    )


def test_an_arn_in_another_region_is_refused() -> None:
    with pytest.raises(UsageError, match="is in Region us-east-1, not the destination's eu-west-1"):
        normalized(f"arn:aws:backup:us-east-1:{DEST}:backup-vault:v", "eu-west-1")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("arn:aws:s3:::bucket", "not a backup vault ARN"),
        ("a", "a vault name is 2 to 50"),
        ("x" * 51, "a vault name is 2 to 50"),
        ("with space", "a vault name is 2 to 50"),
        ("vault/other", "a vault name is 2 to 50"),
    ],
)
def test_anything_else_is_refused_naming_the_flag(value: str, message: str) -> None:
    with pytest.raises(UsageError, match=message) as raised:
        normalized(value)
    assert str(raised.value).startswith("--dest-vault ")


def test_unset_compaction_means_the_engine_default() -> None:
    assert compact_every({}) == EngineSettings.compact_every


def test_a_positive_whole_number_is_taken() -> None:
    assert compact_every({COMPACT_EVERY_VARIABLE: "50"}) == 50


@pytest.mark.parametrize("raw", ["0", "-5", "1e3", "ten", "٣"])
def test_anything_else_is_a_usage_error_naming_the_variable(raw: str) -> None:
    with pytest.raises(UsageError, match=COMPACT_EVERY_VARIABLE):
        compact_every({COMPACT_EVERY_VARIABLE: raw})
