"""What --create-dest-vault creates: the flags that make it a logically air-gapped vault,
checked as AWS checks CreateLogicallyAirGappedBackupVault, before anything is read."""

from __future__ import annotations

import pytest

from shuffle_aws_vaults.cli.exit_status import UsageError
from shuffle_aws_vaults.cli.parser import build_parser
from shuffle_aws_vaults.cli.request_types import Copy, Preflight
from shuffle_aws_vaults.cli.requests import request_of
from shuffle_aws_vaults.domain.recovery_point import NewVault

ACCOUNTS = ["--source-account", "111111111111", "--dest-account", "222222222222"]
LAG = ["--create-dest-vault", "--dest-vault-type", "logically-air-gapped"]


def request(*argv: str) -> object:
    args = build_parser().parse_args(list(argv))
    return request_of(args, {}, lambda: frozenset({"us-east-1"}))


@pytest.mark.parametrize("command", ["copy", "preflight"])
def test_an_air_gapped_vault_with_its_bounds_reaches_the_request(command: str) -> None:
    made = request(
        command, *ACCOUNTS, "--vault", "prod", "--dest-vault", "central", *LAG,
        "--min-retention-days", "7", "--max-retention-days", "3650",
    )  # fmt: skip
    expected = NewVault(air_gapped=True, min_retention_days=7, max_retention_days=3650)
    if isinstance(made, Copy):
        assert made.copy.new_vault == expected
    else:
        assert isinstance(made, Preflight) and made.checks.new_vault == expected


def test_by_default_a_created_vault_is_standard() -> None:
    made = request("copy", *ACCOUNTS, "--vault", "prod", "--create-dest-vault")
    assert isinstance(made, Copy) and made.copy.new_vault == NewVault()


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--dest-vault-type", "logically-air-gapped"], "--dest-vault-type applies to vaults "
         "that --create-dest-vault creates"),
        ([*LAG], "needs --min-retention-days and --max-retention-days"),
        ([*LAG, "--min-retention-days", "7"], "needs --min-retention-days and"),
        ([*LAG, "--min-retention-days", "6", "--max-retention-days", "30"],
         "--min-retention-days must be from 7 to 36500 for a logically air-gapped vault, got 6"),
        ([*LAG, "--min-retention-days", "30", "--max-retention-days", "7"],
         r"--max-retention-days must be from --min-retention-days \(30\) to 36500, got 7"),
        ([*LAG, "--min-retention-days", "7", "--max-retention-days", "36501"],
         "got 36501"),
        (["--create-dest-vault", "--min-retention-days", "7"],
         "--min-retention-days applies to --dest-vault-type logically-air-gapped"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("command", ["copy", "preflight"])
def test_bad_vault_flags_are_refused_naming_the_flag(
    command: str, flags: list[str], message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        request(command, *ACCOUNTS, "--vault", "prod", *flags)


def test_a_mistyped_vault_type_is_a_usage_error_listing_the_choices() -> None:
    with pytest.raises(UsageError, match=r"invalid choice: 'lag' .*'logically-air-gapped'"):
        build_parser().parse_args(["copy", *ACCOUNTS, "--dest-vault-type", "lag"])
