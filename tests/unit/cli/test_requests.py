"""Flags into requests: typed and immutable, the output form from the flags (never from how
many routes there are), and the hidden benchmark flag."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import pytest

from shuffle_aws_vaults.cli.parser import build_parser
from shuffle_aws_vaults.cli.request_types import Copy, Discovery, Status
from shuffle_aws_vaults.cli.requests import request_of

ACCOUNTS = ["--source-account", "111111111111", "--dest-account", "222222222222"]
COPY = ["copy", *ACCOUNTS, "--vault", "production"]
KNOWN = frozenset({"us-east-1", "eu-west-1"})


def request(*argv: str, environ: dict[str, str] | None = None) -> object:
    args = build_parser().parse_args(list(argv))
    return request_of(args, environ or {}, lambda: KNOWN)


@pytest.mark.parametrize(
    ("extra", "newest_first"),
    [
        ([], False),
        (["--resource-order", "oldest-first"], False),
        (["--resource-order", "newest-first"], True),
    ],
)
def test_the_order_reaches_the_request(extra: list[str], newest_first: bool) -> None:
    made = request(*COPY, *extra)
    assert isinstance(made, Copy) and made.copy.newest_first is newest_first


def test_the_resource_order_is_not_shown_in_help() -> None:
    commands = next(
        action
        for action in build_parser()._actions
        if isinstance(action, argparse._SubParsersAction)
    )
    assert "--resource-order" not in commands.choices["copy"].format_help()


@pytest.mark.parametrize(
    ("flags", "sectioned"),
    [
        ([], False),
        (["--region", "us-east-1"], False),
        (["--regions", "us-east-1"], True),  # one Region named the several-Region way
        (["--regions", "us-east-1,eu-west-1"], True),
        (["--all-regions"], True),
    ],
)
def test_the_output_form_comes_from_the_flags(flags: list[str], sectioned: bool) -> None:
    made = request("filter", *ACCOUNTS, "--all-vaults", *flags)
    assert isinstance(made, Discovery) and made.routes.sectioned is sectioned


def test_status_of_a_migration_directory_alone_has_a_section_per_region(tmp_path: Path) -> None:
    made = request("status", "--state-dir", str(tmp_path))
    assert isinstance(made, Status) and made.sectioned and made.state.state_dir == tmp_path


def test_one_region_copy_names_its_default_journal_by_the_environments_region(
    tmp_path: Path,
) -> None:
    made = request(*COPY, environ={"XDG_STATE_HOME": str(tmp_path), "AWS_REGION": "eu-west-1"})
    assert isinstance(made, Copy)
    journal = made.state.journal()
    assert journal.parent == tmp_path / "shuffle-aws-vaults" and "eu-west-1" in journal.name


def test_requests_are_immutable() -> None:
    made = request(*COPY)
    assert isinstance(made, Copy)
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.routes = made.routes


DEST = ["--dest-account", "222222222222"]


def refusal(*argv: str) -> str:
    from shuffle_aws_vaults.cli.exit_status import UsageError

    with pytest.raises(UsageError) as refused:
        request(*argv)
    return str(refused.value)


def test_several_source_accounts_are_routes_by_account_found_in_any_order(tmp_path: Path) -> None:
    environ = {"XDG_STATE_HOME": str(tmp_path)}
    flags = [*DEST, "--vault", "v", "--role-name", "Migrator"]
    one = request("copy", "--source-accounts", "111111111112,111111111111", *flags, environ=environ)
    other = request(
        "copy",
        "--source-accounts",
        "111111111111",
        "--source-accounts",
        "111111111112",
        *flags,
        environ=environ,
    )
    assert isinstance(one, Copy) and isinstance(other, Copy)
    assert one.routes.accounts == ("111111111112", "111111111111")
    assert one.routes.by_account and one.routes.sectioned
    assert one.state.directory() == other.state.directory()  # the accounts' order aside
    assert one.connections.role_name == "Migrator"


def test_each_account_may_have_its_own_profile_instead_of_a_role() -> None:
    made = request(
        "filter",
        "--source-accounts",
        "111111111111,111111111112",
        "--source-profile",
        "111111111111=first,111111111112=second",
        *DEST,
        "--all-vaults",
    )
    assert isinstance(made, Discovery)
    assert made.connections.profiles == {"111111111111": "first", "111111111112": "second"}
    assert made.connections.source.profile is None


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--source-accounts", "111111111111,111111111112"], "give --role-name, or --source-pro"),
        (["--organization"], "--organization needs --role-name"),
        (["--source-accounts", "1234"], "--source-accounts must be a 12-digit account ID"),
        (
            ["--source-account", "111111111111", "--source-profile", "111111111111=p"],
            "--source-profile ID=PROFILE is for several source accounts",
        ),
        (
            ["--source-account", "111111111111", "--exclude-accounts", "111111111112"],
            "--exclude-accounts applies to --organization or --source-accounts",
        ),
        (
            ["--organization", "--role-name", "R", "--source-role-arn", "arn:aws:iam::1:role/x"],
            "--source-role-arn names one account's role",
        ),
        (
            ["--source-account", "111111111111", "--organization", "--role-name", "R"],
            "not allowed with argument",
        ),
    ],
)
def test_bad_account_flags_are_refused_naming_the_flag(flags: list[str], message: str) -> None:
    assert message in refusal("filter", *flags, *DEST, "--all-vaults")
