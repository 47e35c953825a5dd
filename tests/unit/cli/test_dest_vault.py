"""--dest-vault: a vault name, or an ARN in the destination account and Region."""

from __future__ import annotations

import argparse

import pytest

from shuffle_aws_vaults.cli.exit_status import UsageError
from shuffle_aws_vaults.cli.options import normalize_dest_vault

DEST = "222222222222"


def args(value: str | None, **more: str | None) -> argparse.Namespace:
    return argparse.Namespace(dest_vault=value, dest_account=DEST, **more)


@pytest.mark.parametrize("name", ["ab", "migrated-prod_01", "x" * 50])
def test_a_vault_name_is_kept(name: str) -> None:
    given = args(name)
    normalize_dest_vault(given)
    assert given.dest_vault == name


def test_no_dest_vault_is_left_alone() -> None:
    given = args(None)
    normalize_dest_vault(given)
    assert given.dest_vault is None


def test_an_arn_in_the_destination_account_becomes_its_name() -> None:
    given = args(f"arn:aws:backup:eu-west-1:{DEST}:backup-vault:migrated", region="eu-west-1")
    normalize_dest_vault(given)
    assert given.dest_vault == "migrated"


def test_an_arn_in_another_account_is_refused_naming_both_accounts() -> None:
    with pytest.raises(UsageError) as raised:
        normalize_dest_vault(args("arn:aws:backup:us-east-1:333333333333:backup-vault:evil"))
    assert str(raised.value) == (
        "--dest-vault arn:aws:backup:us-east-1:333333333333:backup-vault:evil is in account "
        f"333333333333, not --dest-account {DEST}"
    )


def test_an_arn_in_another_region_is_refused() -> None:
    given = args(f"arn:aws:backup:us-east-1:{DEST}:backup-vault:v", region="us-east-1")
    given.dest_region = "eu-west-1"
    with pytest.raises(UsageError, match="is in Region us-east-1, not the destination's eu-west-1"):
        normalize_dest_vault(given)


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
        normalize_dest_vault(args(value))
    assert str(raised.value).startswith("--dest-vault ")
