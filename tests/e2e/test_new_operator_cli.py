"""What a new operator trips over: a selection that matches nothing, a vault-name typo, a flag
that needs another; the CLI runs in-process against a served sandbox."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from harness import (
    ACCOUNT_FLAGS,
    COPY_FLAGS,
    Box,
    box_fixture,
    copy_args,
    copy_config,
    one_error_line,
    recent,
    run_cli,
)

from shuffle_aws_vaults.sandbox import SeedSpec

pytestmark = pytest.mark.e2e

SOURCE_ONLY = ("--source-account", "111111111111", "--source-profile", "sandbox-source")


box = box_fixture(
    "new-operator",
    copy_config(3000.0, 31, bandwidth_bytes_per_second=1024.0**4),
    SeedSpec(recovery_points=200, vaults=2),
)


def test_a_copy_of_a_selection_that_matches_nothing_exits_1_and_writes_no_state(
    box: Box, tmp_path: Path
) -> None:
    state = tmp_path / "state.jsonl"
    code, _, stderr = box.run(*copy_args(state, "--region", "eu-west-1"))
    assert code == 1
    line = one_error_line(stderr)
    assert "nothing to copy" in line
    assert "account 111111111111, Region eu-west-1" in line and "(vaults: none)" in line
    written = sorted(path.name for path in tmp_path.iterdir())
    assert written in ([], ["state.jsonl.lock"])  # no journal, snapshot or plan


def test_a_selection_whose_filters_exclude_everything_says_how_many_were_listed(
    box: Box, tmp_path: Path
) -> None:
    state = tmp_path / "state.jsonl"
    code, _, stderr = box.run(*copy_args(state, "--created-after", "2099-01-01"))
    assert code == 1
    line = one_error_line(stderr)
    assert "Region us-east-1" in line and "all excluded" in line
    assert all(vault in line for vault in box.vaults)


def test_verify_of_a_selection_that_matches_nothing_exits_1(box: Box) -> None:
    code, _, stderr = box.run(
        "verify", *ACCOUNT_FLAGS, "--all-vaults", "--region", "eu-west-1", "--state-file", "none"
    )
    assert code == 1
    assert "nothing to verify" in one_error_line(stderr)


@pytest.mark.parametrize("command", ["list", "list-all", "filter"])
def test_list_and_filter_say_when_the_account_has_no_vaults_in_the_region(
    box: Box, command: str
) -> None:
    if command == "list":
        args: tuple[str, ...] = ("list", *SOURCE_ONLY)
    elif command == "list-all":
        args = ("list", *SOURCE_ONLY, "--all-vaults")
    else:
        args = ("filter", *ACCOUNT_FLAGS, "--all-vaults")
    code, _, stderr = box.run(*args, "--region", "eu-west-1")
    assert code == 0, stderr
    assert "warning: no vaults in account 111111111111, Region eu-west-1" in stderr


def test_a_vault_name_typo_names_the_account_and_the_region(box: Box) -> None:
    code, _, stderr = box.run("list", *SOURCE_ONLY, "--vault", "prodution-backups")
    assert code == 1
    line = one_error_line(stderr)
    assert "no vault named prodution-backups in account 111111111111, Region us-east-1" in line


def test_filter_counts_only_the_vaults_that_hold_selected_items(box: Box) -> None:
    code, _, stderr = box.run(
        "filter", *ACCOUNT_FLAGS, "--all-vaults", "--resource-type", "EBS", "--output", "csv"
    )
    assert code == 0, stderr
    assert "in 2 vault(s)" in stderr  # not the Default vault, which holds none


@pytest.mark.parametrize("flag", ["--include-new", "--retry-failed"])
def test_resume_only_flags_without_resume_are_refused_naming_them(
    box: Box, tmp_path: Path, flag: str
) -> None:
    code, _, stderr = box.run(*copy_args(tmp_path / "s.jsonl", flag))
    assert code == 1
    assert flag in one_error_line(stderr) and "--resume" in stderr


def test_status_takes_the_copys_own_command_line_and_finds_its_default_state(box: Box) -> None:
    since = recent()
    selection = ("--vault", box.vaults[0], "--created-after", since)
    code, _, stderr = box.run("copy", *ACCOUNT_FLAGS, *selection, *COPY_FLAGS)
    assert code == 0, stderr
    # The copy's whole command line, its run flags (--workers ...) included.
    code, stdout, stderr = box.run(
        "status", *ACCOUNT_FLAGS, *selection, *COPY_FLAGS, "--resume", "--output", "json"
    )
    assert code == 0, stderr
    data = json.loads(stdout)
    assert data["completed"] == data["total_items"] > 0

    code, stdout, stderr = box.run("verify", *ACCOUNT_FLAGS, *selection, "--output", "csv")
    assert code == 0, stderr
    rows = list(csv.DictReader(io.StringIO(stdout)))
    assert len(rows) == data["total_items"]
    assert {row["verdict"] for row in rows} == {"verified"}
    assert "Verified against the destination account" in stderr  # the summary, apart


def test_status_offers_no_csv(box: Box) -> None:
    code, _, stderr = box.run("status", "--state-file", "x", "--output", "csv")
    assert code == 1 and "--output" in stderr


# -- AWS CLI habits ----------------------------------------------------------------------------


def test_list_output_text_is_tab_separated_without_a_header(box: Box) -> None:
    code, stdout, stderr = box.run("list", *SOURCE_ONLY, "--output", "text")
    assert code == 0, stderr
    lines = stdout.splitlines()
    assert lines and all(len(line.split("\t")) == 6 for line in lines)
    assert {line.split("\t")[0] for line in lines} >= set(box.vaults)
    assert not any(line.startswith("VAULT") for line in lines)


def test_query_selects_from_what_json_would_print(box: Box) -> None:
    query = "[?recovery_points > `0`].vault"
    code, stdout, stderr = box.run("list", *SOURCE_ONLY, "--query", query)
    assert code == 0, stderr
    assert sorted(json.loads(stdout)) == sorted(box.vaults)
    code, stdout, _ = box.run(
        "filter", *ACCOUNT_FLAGS, "--all-vaults", "--query", "summary.included", "--output", "text"
    )
    assert code == 0 and int(stdout) > 0


def test_a_malformed_query_is_one_usage_error_before_any_aws_call(box: Box) -> None:
    code, _, stderr = box.run("list", *SOURCE_ONLY, "--query", "[?vault ==")
    assert code == 1
    assert "--query '[?vault =='" in one_error_line(stderr)


def test_aws_default_output_is_honoured(box: Box) -> None:
    proc = run_cli(
        "list", *SOURCE_ONLY, timeout=60.0, env={**box.env, "AWS_DEFAULT_OUTPUT": "json"}
    )
    assert proc.returncode == 0, proc.stderr
    assert {row["vault"] for row in json.loads(proc.stdout)} >= set(box.vaults)
    proc = run_cli(
        "list", *SOURCE_ONLY, timeout=60.0, env={**box.env, "AWS_DEFAULT_OUTPUT": "yaml"}
    )
    assert proc.returncode == 0 and "VAULT" in proc.stdout  # not ours to print: a table


def test_a_flag_prefix_is_not_taken_for_the_flag(box: Box, tmp_path: Path) -> None:
    code, _, stderr = box.run(*copy_args(tmp_path / "s.jsonl", "--worker", "10"))
    assert code == 1
    assert "unknown flag --worker (did you mean --workers?)" in one_error_line(stderr)


@pytest.mark.parametrize(
    ("command", "shown"),
    [("sandbox", "(default: 600)"), ("copy", "default 25"), ("list", "(default: 5)")],
)
def test_help_shows_the_defaults(command: str, shown: str) -> None:
    proc = run_cli(command, "--help", timeout=30.0)
    assert proc.returncode == 0
    assert shown in " ".join(proc.stdout.split())


def test_an_empty_json_listing_ends_its_line(box: Box) -> None:
    code, stdout, _ = box.run("list", *SOURCE_ONLY, "--region", "eu-west-1", "--output", "json")
    assert code == 0 and stdout == "[]\n"


def test_verbose_list_logs_each_aws_call(box: Box) -> None:
    code, _, stderr = box.run("list", *SOURCE_ONLY, "-v")
    assert code == 0, stderr
    assert "DEBUG: source account: ListBackupVaults -> HTTP 200 (0 retries)" in stderr


def test_verify_keeps_its_exit_status_and_summary_when_its_reader_leaves(box: Box) -> None:
    """`verify ... | head -1` under `set -o pipefail`: nothing is copied yet, so verify fails,
    and says so, although the reader took one line and went away."""
    args = ("verify", *ACCOUNT_FLAGS, "--all-vaults", "--state-file", "none", "--output", "csv")
    proc = box.start(*args, cwd=box.workdir)
    assert proc.stdout is not None and proc.stderr is not None
    assert "," in proc.stdout.readline()  # the CSV header; then the reader is gone
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == 1, err
    assert "Traceback" not in err and "BrokenPipe" not in err
    assert "no migration state at none" in err  # an explicit --state-file that is not there
    assert "problems" in err or "missing" in err, err  # the summary, on standard error


def test_a_typo_in_a_required_flag_is_named_and_a_directory_is_no_state_file(
    box: Box, tmp_path: Path
) -> None:
    code, _, stderr = box.run("list", "--sourc-account", "111111111111")
    assert code == 1
    assert "unknown flag --sourc-account (did you mean --source-account?)" in one_error_line(stderr)
    code, _, stderr = box.run("status", "--state-file", str(tmp_path))
    assert code == 1
    assert f"{tmp_path} is a directory" in one_error_line(stderr)
