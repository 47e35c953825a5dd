"""A new user's first commands, run as a user runs them: a mistyped command gets the closest
one in one line (exit 1, in a real process), copy's usage shows the destination as required,
and status's help lists only what status uses."""

from __future__ import annotations

import pytest
from harness import clean_environ, run_cli, run_process

pytestmark = pytest.mark.e2e


def test_a_mistyped_command_is_one_line_naming_the_closest_command() -> None:
    proc = run_process("cpy", "--vault", "x", timeout=60.0, env=clean_environ())
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        "error: shuffle-aws-vaults: unknown command 'cpy' (did you mean copy?)"
    ]
    assert proc.stdout == ""


def test_copys_usage_shows_the_destination_as_required() -> None:
    proc = run_cli("copy", "--help", timeout=30.0)
    assert proc.returncode == 0
    usage = " ".join(proc.stdout.split("\n\n")[0].split())
    assert "(--dest-account ID | --route-csv PATH)" in usage
    assert "(--source-account ID | --source-accounts ID,ID | --organization)" in usage


def test_copy_without_a_destination_is_still_the_commands_own_error() -> None:
    proc = run_cli("copy", "--source-account", "111111111111", "--vault", "v", timeout=30.0)
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == ["error: copy needs --dest-account (or --route-csv)"]


def test_status_help_lists_only_what_status_uses() -> None:
    proc = run_cli("status", "--help", timeout=30.0)
    assert proc.returncode == 0
    for unused in ("--source-profile", "--dest-role-arn", "--role-name", "--max-attempts"):
        assert f"[{unused}" not in proc.stdout and f"\n  {unused}" not in proc.stdout
    assert "--state-file PATH" in proc.stdout and "--dest-vault NAME" in proc.stdout
