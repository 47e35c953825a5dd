"""The copies' lifecycle flags: on the commands whose plan they change, checked as AWS checks
a Lifecycle (each refusal one line naming its flag), and carried in the selection request."""

from __future__ import annotations

import argparse

import pytest

from shuffle_aws_vaults.cli.exit_status import UsageError
from shuffle_aws_vaults.cli.parser import build_parser
from shuffle_aws_vaults.cli.request_types import Copy, Discovery, Preflight
from shuffle_aws_vaults.cli.requests import request_of
from shuffle_aws_vaults.domain.lifecycle import LifecyclePolicy

ACCOUNTS = ["--source-account", "111111111111", "--dest-account", "222222222222"]
KNOWN = frozenset({"us-east-1"})


def request(*argv: str) -> object:
    return request_of(build_parser().parse_args(list(argv)), {}, lambda: KNOWN)


def help_of(command: str) -> str:
    commands = next(
        action
        for action in build_parser()._actions
        if isinstance(action, argparse._SubParsersAction)
    )
    return str(commands.choices[command].format_help())


def test_copy_carries_every_lifecycle_flag_in_its_selection() -> None:
    made = request(
        "copy",
        *ACCOUNTS,
        "--vault",
        "v",
        "--delete-after-days",
        "400",
        "--cold-after-days",
        "30",
        "--archive",
        "--fit-retention",
        "--allow-expired",
    )
    assert isinstance(made, Copy)
    assert made.copy.selection.lifecycle == LifecyclePolicy(400, 30, True, True, True)


def test_preflight_and_filter_take_the_flags_that_change_the_plan() -> None:
    checked = request("preflight", *ACCOUNTS, "--vault", "v", "--fit-retention")
    assert isinstance(checked, Preflight)
    assert checked.checks.selection.lifecycle == LifecyclePolicy(fit_retention=True)
    filtered = request(
        "filter", *ACCOUNTS, "--vault", "v", "--delete-after-days", "30", "--allow-expired"
    )
    assert isinstance(filtered, Discovery)
    assert filtered.selection.lifecycle == LifecyclePolicy(30, allow_expired=True)


@pytest.mark.parametrize("command", ["copy", "preflight"])
def test_the_flags_are_in_help(command: str) -> None:
    text = help_of(command)
    for flag in (
        "--delete-after-days",
        "--cold-after-days",
        "--archive",
        "--fit-retention",
        "--allow-expired",
    ):
        assert flag in text
    assert "SOURCE's creation date" in " ".join(text.split())


def test_filter_shows_only_the_flags_that_change_what_it_counts() -> None:
    text = help_of("filter")
    assert "--delete-after-days" in text and "--allow-expired" in text
    assert "--fit-retention" not in text and "--cold-after-days" not in text


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--delete-after-days", "0"], "--delete-after-days must be from 1 to 36,500"),
        (["--delete-after-days", "36501"], "--delete-after-days must be from 1 to 36,500"),
        (["--cold-after-days", "0"], "--cold-after-days must be from 1 to 36,500"),
        (
            ["--cold-after-days", "30", "--delete-after-days", "119"],
            "--delete-after-days 119 must be at least 90 days after --cold-after-days 30",
        ),
        (["--allow-expired"], "--allow-expired applies to copies that --delete-after-days"),
        (["--allow-expired", "--cold-after-days", "5"], "--allow-expired applies"),
    ],
)
def test_bad_lifecycle_flags_are_refused_in_one_line_naming_the_flag(
    flags: list[str], message: str
) -> None:
    with pytest.raises(UsageError) as refused:
        request("copy", *ACCOUNTS, "--vault", "v", *flags)
    assert str(refused.value).startswith(message)
    assert "\n" not in str(refused.value)


def test_the_boundaries_aws_allows_are_accepted() -> None:
    made = request(
        "copy", *ACCOUNTS, "--vault", "v", "--cold-after-days", "1", "--delete-after-days", "91"
    )
    assert isinstance(made, Copy) and made.copy.selection.lifecycle.delete_after_days == 91
    assert request("copy", *ACCOUNTS, "--vault", "v", "--delete-after-days", "36500")
