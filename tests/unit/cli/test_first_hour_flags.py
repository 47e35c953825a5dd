"""A new user's first hour with the flags: a mistyped command named with the closest one, the
destination shown as required in the usage, status's help showing only what status uses, and
the poll interval's default from the environment."""

from __future__ import annotations

import argparse
import re

import pytest

from shuffle_aws_vaults.cli.exit_status import UsageError
from shuffle_aws_vaults.cli.parser import STATUS_UNUSED, build_parser
from shuffle_aws_vaults.cli.request_types import Copy
from shuffle_aws_vaults.cli.requests import request_of
from shuffle_aws_vaults.cli.run_defaults import poll_interval

ACCOUNTS = ["--source-account", "111111111111", "--dest-account", "222222222222"]
KNOWN = frozenset({"us-east-1"})
VARIABLE = "SHUFFLE_AWS_VAULTS_POLL_INTERVAL"


def command(name: str) -> argparse.ArgumentParser:
    commands = next(
        action
        for action in build_parser()._actions
        if isinstance(action, argparse._SubParsersAction)
    )
    chosen = commands.choices[name]
    assert isinstance(chosen, argparse.ArgumentParser)
    return chosen


def usage_of(name: str) -> str:
    return " ".join(command(name).format_usage().split())


def test_a_mistyped_command_is_named_with_the_closest_command() -> None:
    with pytest.raises(UsageError) as refused:
        build_parser().parse_args(["cpy", *ACCOUNTS])
    assert str(refused.value) == "shuffle-aws-vaults: unknown command 'cpy' (did you mean copy?)"


def test_a_command_like_none_lists_the_commands() -> None:
    with pytest.raises(UsageError) as refused:
        build_parser().parse_args(["zzzz"])
    message = str(refused.value)
    assert "unknown command 'zzzz' (commands: list, filter, copy," in message
    assert "\n" not in message


@pytest.mark.parametrize("name", ["copy", "verify", "preflight"])
def test_the_destination_is_shown_as_a_required_choice(name: str) -> None:
    usage = usage_of(name)
    assert "(--dest-account ID | --route-csv PATH)" in usage
    assert "[--dest-account" not in usage and "[--route-csv" not in usage


def test_the_destination_shown_required_still_takes_both_or_either() -> None:
    # Only the usage line shows a choice: the command itself checks the pair.
    parser = build_parser()
    both = parser.parse_args(["copy", *ACCOUNTS, "--route-csv", "r.csv", "--vault", "v"])
    assert both.dest_account == "222222222222" and both.route_csv == "r.csv"
    routed = parser.parse_args(["copy", "--source-account", "1" * 12, "--route-csv", "r.csv"])
    assert routed.dest_account is None
    # The help's sections keep their order (the usage's grouping moved nothing there).
    help_text = command("copy").format_help()
    assert help_text.index("--dest-profile") < help_text.index("--route-csv PATH  ")


def test_status_help_shows_only_what_status_uses() -> None:
    shown = command("status").format_help()
    usage = usage_of("status")
    listed = set(re.findall(r"^  (--[a-z-]+)", shown, re.MULTILINE))
    for flag in (*STATUS_UNUSED, "--workers", "--summary-output", "--poll-interval"):
        assert flag not in listed and f"[{flag}" not in usage, flag
    assert {"--state-file", "--source-account", "--dest-account", "--vault", "--output"} <= listed


def test_status_still_accepts_the_copys_whole_command_line() -> None:
    args = build_parser().parse_args(
        ["status", *ACCOUNTS, "--vault", "v", "--source-profile", "p", "--workers", "10"]
    )
    assert args.source_profile == "p" and args.copy_workers == 10


def test_the_poll_interval_flag_wins_over_the_environment() -> None:
    assert poll_interval(5.0, {VARIABLE: "0.5"}) == 5.0


@pytest.mark.parametrize(("environ", "expected"), [({}, 30.0), ({VARIABLE: "0.5"}, 0.5)])
def test_the_poll_interval_default_comes_from_the_environment(
    environ: dict[str, str], expected: float
) -> None:
    args = build_parser().parse_args(["copy", *ACCOUNTS, "--vault", "v"])
    made = request_of(args, environ, lambda: KNOWN)
    assert isinstance(made, Copy) and made.copy.poll_interval == expected


@pytest.mark.parametrize("raw", ["0", "-1", "soon", "nan", "inf"])
def test_a_bad_poll_interval_in_the_environment_is_named(raw: str) -> None:
    with pytest.raises(UsageError) as refused:
        poll_interval(None, {VARIABLE: raw})
    assert str(refused.value).startswith(f"{VARIABLE}={raw!r}: expected")
