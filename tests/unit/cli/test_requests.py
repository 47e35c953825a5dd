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
