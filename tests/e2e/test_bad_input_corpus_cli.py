"""Bad input beyond test_bad_input_cli.py: a recorded migration's state, files the tool cannot
write, AWS refusing the tool, signals while planning, a typo in every command.

The rules (USER_GUIDE.md, "Exit codes"): bad input gets one `error:` line on stderr naming the
problem (the file, the line, the flag), exit status 1, never a traceback, and nothing already
recorded (the journal, its snapshot and plan) is lost or changed. A run that had started prints
its own lines first ("Resuming from ...", the closing line); its `error:` line is then the last.

Already end to end elsewhere, so not repeated here: the metadata CSV missing / empty / without
resourceArn / with wrong field counts / not UTF-8 / with a BOM and CRLF / with duplicated ARNs /
with a field over 128 KiB, account IDs, unknown vaults, bad dates and a mistyped `list` flag
(test_bad_input_cli.py); `--workers 0|-1|1000` and `--resume --reset` (test_copy_cli.py); the
state of another migration (another vault, another filter) and two copies on one state
(test_copy_resume_cli.py).

One sandbox serves the module (only one may run in a process at a time). Where AWS Backup has
no knob for what a test needs (ListRecoveryPointsByBackupVault answering AccessDenied, a listing
that takes a while), the served world's method is wrapped, in this process, for that test only.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from harness import (
    CLI,
    DEST,
    REGION,
    SOURCE,
    Box,
    Run,
    box_fixture,
    copy_args,
    copy_config,
    environment_of,
    recent,
)

from shuffle_aws_vaults.domain.migration import Status
from shuffle_aws_vaults.infrastructure.journal_store import StateStore
from shuffle_aws_vaults.sandbox import SeedSpec, errors, messages

pytestmark = pytest.mark.e2e

CLI_TIMEOUT = 120.0
TIME_SCALE = 3000.0  # a copy job (two simulated minutes) takes 40 ms of wall time
OTHER_ACCOUNT = "333333333333"
SOURCE_FLAGS = ("--source-account", SOURCE, "--source-profile", "sandbox-source")
ACCOUNT_FLAGS = (*SOURCE_FLAGS, "--dest-account", DEST, "--dest-profile", "sandbox-dest")
# Sets the file size limit, then becomes the CLI (no preexec_fn: this process runs threads).
# CPython ignores SIGXFSZ, so a write past the limit fails with EFBIG ("File too large").
LIMITED = (
    "import os, resource, sys\n"
    "limit = int(sys.argv[1])\n"
    "resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))\n"
    "os.execv(sys.executable, [sys.executable, '-m', 'shuffle_aws_vaults', *sys.argv[2:]])\n"
)


# -- the sandbox, the CLI, and the state a run leaves ----------------------------------------------


def limited(file_size: int) -> tuple[str, ...]:
    """The CLI under RLIMIT_FSIZE: no file it writes may grow past `file_size` bytes."""
    return (sys.executable, "-c", LIMITED, str(file_size))


# dest_refusal="call": a destination vault whose policy refuses the source account makes
# StartCopyJob itself answer AccessDeniedException.
box = box_fixture(
    "corpus",
    copy_config(TIME_SCALE, 21, bandwidth_bytes_per_second=1024.0**4, dest_refusal="call"),
    SeedSpec(recovery_points=300, vaults=3),
    timeout=CLI_TIMEOUT,
)


def state_files(state: Path) -> list[Path]:
    """What a migration recorded: the journal and its companions (snapshot, plan), no lock."""
    if not state.parent.is_dir():
        return []
    return sorted(
        path
        for path in state.parent.iterdir()
        if path.name == state.name
        or (path.name.startswith(f"{state.name}.") and not path.name.endswith(".lock"))
    )


def fingerprint(state: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in state_files(state)}


def copy_state(state: Path, into: Path) -> Path:
    into.mkdir(parents=True)
    for path in state_files(state):
        shutil.copy2(path, into / path.name)
    return into / state.name


def tally(state: Path) -> tuple[int, int, int, int]:
    """(items, completed, failed, pending) as `status` reads them: no file is touched."""
    _, recorded = StateStore(state).read()
    status = [Status(s) for s in recorded.status]
    return (
        len(status),
        status.count(Status.COMPLETED),
        status.count(Status.FAILED),
        status.count(Status.PENDING),
    )


def error_line(
    proc: Run | subprocess.CompletedProcess[str], *fragments: str, alone: bool = True
) -> str:
    """The one `error:` line of a failed run; it must contain every fragment.

    `alone`: nothing else on stderr (refused before anything ran); otherwise the run's own
    lines may come first, and the error is the last line.
    """
    assert proc.returncode == 1, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    found = [line for line in lines if line.startswith("error:")]
    assert len(found) == 1, proc.stderr
    assert (lines == found) if alone else (lines[-1] == found[0]), proc.stderr
    for fragment in fragments:
        assert fragment in found[0], (fragment, found[0])
    return found[0]


# -- recorded migrations: one copied to the end, one stopped with items still to go ----------------


@dataclass(frozen=True)
class Recorded:
    state: Path
    selection: tuple[str, ...]  # the flags that made it; --resume needs the same
    returncode: int
    summary: Path | None = None
    report: Path | None = None

    def copy(self, state: Path, *extra: str) -> list[str]:
        return copy_args(state, *self.selection, *extra)


@pytest.fixture(scope="module")
def done(box: Box) -> Recorded:
    """Vault 0's recent recovery points, copied to the end (with a summary and a report)."""
    where = box.workdir / "done"
    state, summary, report = where / "state.jsonl", where / "summary.json", where / "report.csv"
    where.mkdir()
    selection = ("--vault", box.vaults[0], "--created-after", recent())
    proc = box.run(
        *copy_args(state, *selection, "--summary-output", str(summary), "--report-csv", str(report))
    )
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, proc.stderr
    items, completed, failed, _ = tally(state)
    assert completed + failed == items > 10, proc.stderr
    return Recorded(state, selection, proc.returncode, summary, report)


@pytest.fixture(scope="module")
def unfinished(box: Box) -> Recorded:
    """Vault 1's recent recovery points, stopped by the runtime limit with most still to go."""
    where = box.workdir / "unfinished"
    selection = ("--vault", box.vaults[1], "--created-after", recent())
    state = where / "state.jsonl"
    proc = box.run(
        *copy_args(state, *selection, "--workers", "5", "--max-runtime-minutes", "0.001"),
        "--drain-minutes",
        "0",
    )
    assert proc.returncode == 2, proc.stderr
    items, _, _, pending = tally(state)
    assert pending > 10 and items > 20, proc.stderr
    return Recorded(state, selection, proc.returncode)


# -- the metadata CSV, with a state to keep --------------------------------------------------------

BAD_CSVS: dict[str, tuple[bytes | None, tuple[str, ...]]] = {
    "missing": (None, ("no such file",)),
    "wrong-field-count": (
        b"resourceArn,APMID\narn:aws:s3:::a,APM0001\narn:aws:s3:::b,APM0002,x\n",
        (":3:", "expected 2 fields, found 3"),
    ),
    "not-utf8": (b"resourceArn,APMID\narn:aws:s3:::caf\xe9,APM0001\n", (":2:", "not UTF-8")),
}


@pytest.mark.parametrize("kind", list(BAD_CSVS))
def test_a_bad_metadata_csv_given_to_resume_is_refused_and_the_state_is_untouched(
    box: Box, done: Recorded, tmp_path: Path, kind: str
) -> None:
    content, fragments = BAD_CSVS[kind]
    path = tmp_path / f"{kind}.csv"
    if content is not None:
        path.write_bytes(content)
    before = fingerprint(done.state)
    proc = box.run(*done.copy(done.state, "--resume", "--metadata-csv", str(path)))
    error_line(proc, str(path), *fragments)
    assert fingerprint(done.state) == before


def test_resume_into_another_destination_vault_is_refused_and_the_state_is_untouched(
    box: Box, done: Recorded
) -> None:
    before = fingerprint(done.state)
    submitted = box.calls("StartCopyJob")
    proc = box.run(*done.copy(done.state, "--resume", "--dest-vault", "elsewhere"))
    error_line(proc, f"state file {done.state} belongs to another migration", "--dest-vault")
    assert fingerprint(done.state) == before
    assert box.calls("StartCopyJob") == submitted


# -- a 200 MB field --------------------------------------------------------------------------------

HUGE_FIELD = 200 * 1024 * 1024


@dataclass(frozen=True)
class HugeFieldRun:
    path: Path
    returncode: int
    stderr: str
    seconds: float
    max_rss_mib: float


@pytest.fixture(scope="module")
def huge_field_run(box: Box, tmp_path_factory: pytest.TempPathFactory) -> HugeFieldRun:
    where = tmp_path_factory.mktemp("huge-field")
    path = where / "huge-field.csv"
    chunk = b"x" * 1024 * 1024
    with path.open("wb") as handle:  # streamed: never 200 MB in this process
        handle.write(b"resourceArn,APMID\narn:aws:s3:::a,APM0001\narn:aws:s3:::b,")
        for _ in range(HUGE_FIELD // len(chunk)):
            handle.write(chunk)
        handle.write(b"\n")
    try:
        return listed_with(box, path, where)
    finally:
        path.unlink()


def listed_with(box: Box, path: Path, where: Path) -> HugeFieldRun:
    """`list --metadata-csv PATH` in a child: its status, stderr, time and peak memory."""
    args = [*CLI, "list", *SOURCE_FLAGS, "--all-vaults", "--metadata-csv", str(path)]
    began = time.monotonic()
    with (where / "stdout").open("wb") as out, (where / "stderr").open("wb") as err:
        proc = subprocess.Popen(args, env=box.env, stdout=out, stderr=err)
        watchdog = threading.Timer(CLI_TIMEOUT, proc.kill)
        watchdog.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)  # this child's own peak memory
        finally:
            watchdog.cancel()
    seconds = time.monotonic() - began
    stderr = (where / "stderr").read_text()
    return HugeFieldRun(
        path, os.waitstatus_to_exitcode(status), stderr, seconds, usage.ru_maxrss / 1024
    )


@pytest.fixture(scope="module")
def small_csv_run(box: Box, tmp_path_factory: pytest.TempPathFactory) -> HugeFieldRun:
    """The same command with a two-row CSV: the memory a list costs anyway (a forked child
    can also carry its parent's high-water mark into ru_maxrss, so only the difference
    counts)."""
    where = tmp_path_factory.mktemp("small-csv")
    path = where / "small.csv"
    path.write_bytes(b"resourceArn,APMID\narn:aws:s3:::a,APM0001\narn:aws:s3:::b,APM0002\n")
    return listed_with(box, path, where)


def test_a_200_mb_field_is_refused_fast_naming_the_file_and_line(
    huge_field_run: HugeFieldRun,
) -> None:
    run = huge_field_run
    proc = subprocess.CompletedProcess[str]([], run.returncode, "", run.stderr)
    error_line(proc, f"{run.path}:3:", "longer than 131,072 characters")
    assert run.seconds < 15, run.seconds


def test_a_200_mb_field_is_refused_without_reading_it_into_memory(
    huge_field_run: HugeFieldRun, small_csv_run: HugeFieldRun
) -> None:
    assert small_csv_run.returncode == 0, small_csv_run.stderr
    extra = huge_field_run.max_rss_mib - small_csv_run.max_rss_mib
    assert extra < 64, f"peak {huge_field_run.max_rss_mib:.0f} MiB, {extra:.0f} MiB over a list"


# -- AWS refuses the tool --------------------------------------------------------------------------

DENIED_LISTING = (
    f"User: arn:aws:sts::{SOURCE}:assumed-role/SandboxOperator/session is not authorized to "
    "perform: backup:ListRecoveryPointsByBackupVault"
)


def deny(method: Any) -> Any:
    def denied(*args: Any, **kwargs: Any) -> Any:
        raise errors.access_denied(DENIED_LISTING)

    return denied


@pytest.mark.parametrize("command", ["list", "copy"])
def test_access_denied_listing_recovery_points_is_one_error_line_naming_the_call(
    box: Box, tmp_path: Path, command: str
) -> None:
    # The sandbox has no setting for this: its listing is wrapped to answer as AWS does.
    state = tmp_path / "state.jsonl"
    vault = box.vaults[2]
    if command == "list":
        args = ["list", *SOURCE_FLAGS, "--vault", vault]
    else:
        args = copy_args(state, "--vault", vault)
    with box.wrapped("list_recovery_points", deny):
        proc = box.run(*args)
    error_line(proc, "ListRecoveryPointsByBackupVault", "AccessDenied", DENIED_LISTING)
    assert state_files(state) == []


@pytest.fixture(scope="module")
def refusing_vault(box: Box) -> str:
    """A destination vault whose access policy lets another account in, not the source."""
    name = "refuses-the-source"
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"},
                "Action": "backup:CopyIntoBackupVault",
                "Resource": f"arn:aws:backup:{REGION}:{DEST}:backup-vault:{name}",
            }
        ],
    }
    with environment_of(box.sandbox):
        backup = boto3.Session(profile_name="sandbox-dest").client("backup")
        backup.create_backup_vault(BackupVaultName=name)
        backup.put_backup_vault_access_policy(BackupVaultName=name, Policy=json.dumps(policy))
    return name


def test_copy_into_a_vault_whose_policy_refuses_the_source_stops_at_preflight(
    box: Box, refusing_vault: str, tmp_path: Path
) -> None:
    state = tmp_path / "state.jsonl"
    submitted = box.calls("StartCopyJob")
    proc = box.run(*copy_args(state, "--vault", box.vaults[2], "--dest-vault", refusing_vault))
    error_line(proc, "preflight failed; nothing was copied", alone=False)
    assert (
        f"FAIL  destination access policies: {refusing_vault} do not allow "
        f"backup:CopyIntoBackupVault from {SOURCE}"
    ) in proc.stderr
    assert box.calls("StartCopyJob") == submitted
    assert state_files(state) == []


def test_access_denied_on_start_copy_job_fails_each_item_with_aws_message_unretried(
    box: Box, refusing_vault: str, tmp_path: Path
) -> None:
    """Past the preflight (--skip-preflight), StartCopyJob answers AccessDeniedException: a
    configuration problem, so each item ends FAILED with AWS's message, and the exit status is 1
    ("an item failed"). Nothing lands in the vault. (--failure-threshold 0: every item is
    tried; the threshold that stops such a run early is tested in test_long_migrations_cli.)"""
    state, summary_path = tmp_path / "state.jsonl", tmp_path / "summary.json"
    submitted = box.calls("StartCopyJob")
    jobs = len(box.world.copy_jobs())
    proc = box.run(
        *copy_args(
            state,
            "--vault",
            box.vaults[2],
            "--created-after",
            recent(),
            "--dest-vault",
            refusing_vault,
            "--skip-preflight",
            "--failure-threshold",
            "0",
            "--summary-output",
            str(summary_path),
        )
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr and "error:" not in proc.stderr, proc.stderr
    summary = json.loads(summary_path.read_text())
    vault_arn = f"arn:aws:backup:{REGION}:{DEST}:backup-vault:{refusing_vault}"
    denied = [f for f in summary["failures"] if f["error_code"] == "AccessDeniedException"]
    assert {f["error_message"] for f in denied} == {
        messages.ACCESS_DENIED_CALL.format(vault_arn=vault_arn)
    }
    assert summary["completed"] == 0 and summary["stop_reason"] == "finished"
    assert summary["failed"] == summary["planned_items"] == len(summary["failures"]) > 5
    assert len(denied) > 0.8 * summary["planned_items"]  # the rest: refused as cold, say
    assert box.calls("StartCopyJob") - submitted == summary["planned_items"]  # none repeated
    assert len(box.world.copy_jobs()) == jobs
    assert tally(state) == (summary["planned_items"], 0, summary["planned_items"], 0)


# -- typos and commands that do not exist ----------------------------------------------------------

TYPOS: dict[str, tuple[list[str], str, str | None]] = {
    "filter": (
        ["filter", *ACCOUNT_FLAGS, "--all-vaults", "--metadata-cvs", "m.csv"],
        "--metadata-cvs",
        "--metadata-csv",
    ),
    "copy": (["copy", *ACCOUNT_FLAGS, "--all-vaults", "--wokers", "5"], "--wokers", "--workers"),
    "verify": (
        ["verify", *ACCOUNT_FLAGS, "--all-vaults", "--repot-csv", "v.csv"],
        "--repot-csv",
        "--report-csv",
    ),
    "preflight": (
        ["preflight", *ACCOUNT_FLAGS, "--all-vaults", "--dest-vualt", "x"],
        "--dest-vualt",
        "--dest-vault",
    ),
    "status": (["status", "--state-fiel", "s.jsonl"], "--state-fiel", "--state-file"),
    "iam-policy": (
        ["iam-policy", "--source-account", SOURCE, "--dest-account", DEST, "--outptu", "json"],
        "--outptu",
        "--output",
    ),
    "sandbox": (["sandbox", "--recovery-pionts", "10"], "--recovery-pionts", "--recovery-points"),
    "demo": (["demo", "--fastt"], "--fastt", None),
}


@pytest.mark.parametrize("command", list(TYPOS))
def test_a_mistyped_flag_is_named_with_the_flag_meant(box: Box, command: str) -> None:
    argv, typo, meant = TYPOS[command]
    proc = box.run(*argv, timeout=30)  # sandbox and demo would run on: the timeout fails them
    line = error_line(proc, f"unknown flag {typo}")
    if meant is not None:
        assert line.endswith(f"(did you mean {meant}?)"), line
    assert proc.stdout == ""


def test_a_flag_of_another_command_is_not_suggested_as_the_fix(box: Box, tmp_path: Path) -> None:
    # (status takes the copy's whole command line, so the example is the sandbox's flag.)
    proc = box.run("status", "--state-file", str(tmp_path / "s.jsonl"), "--env-file", "x")
    line = error_line(proc, "--env-file")
    assert "did you mean --env-file" not in line, line


@pytest.mark.parametrize(
    ("argv", "named"),
    [(["frobnicate", "--all-vaults"], "'frobnicate'"), ([], "COMMAND")],
    ids=["unknown-command", "no-command"],
)
def test_an_unknown_or_missing_command_is_one_error_line(
    box: Box, argv: list[str], named: str
) -> None:
    error_line(box.run(*argv, timeout=30), named)


def test_status_of_a_state_file_in_a_missing_directory_names_it_and_creates_nothing(
    box: Box, tmp_path: Path
) -> None:
    state = tmp_path / "no" / "such" / "directory" / "state.jsonl"
    error_line(box.run("status", "--state-file", str(state)), f"no migration state at {state}")
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize("command", ["verify", "preflight"])
def test_a_missing_metadata_csv_is_named_by_verify_and_preflight(
    box: Box, tmp_path: Path, command: str
) -> None:
    path = tmp_path / "absent.csv"
    proc = box.run(command, *ACCOUNT_FLAGS, "--vault", box.vaults[0], "--metadata-csv", str(path))
    error_line(proc, f"{path}: no such file")


# -- the journal: torn at the end by a full disk, damaged in the middle ----------------------------


@dataclass(frozen=True)
class FullJournal:
    state: Path
    run: Run
    left: Path  # a copy of the state as the run left it
    torn: bytes  # what the journal held after its last newline
    resumed: Run


@pytest.fixture(scope="module")
def full_journal(box: Box, unfinished: Recorded) -> FullJournal:
    """`--resume` of the unfinished migration where the journal may not pass 2 KiB: its plan
    and snapshot exist already, so the first files to outgrow the limit are the journal's."""
    state = copy_state(unfinished.state, box.workdir / "full-journal" / "state")
    run = box.process(*unfinished.copy(state, "--resume"), launcher=limited(2048))
    left = copy_state(state, box.workdir / "full-journal" / "as-left")
    journal = state.read_bytes()
    torn = journal[journal.rfind(b"\n") + 1 :]
    resumed = box.run(*unfinished.copy(state, "--resume"))
    return FullJournal(state, run, left, torn, resumed)


def test_a_full_disk_under_the_journal_stops_the_run_with_one_error_line(
    full_journal: FullJournal,
) -> None:
    error_line(full_journal.run, "cannot write", "File too large", alone=False)
    items, completed, failed, _ = tally(full_journal.left)  # it still loads
    assert completed + failed < items


def test_a_full_disk_under_the_journal_is_reported_naming_the_journal(
    full_journal: FullJournal,
) -> None:
    error_line(full_journal.run, str(full_journal.state), alone=False)


def test_resume_after_a_full_disk_drops_the_torn_last_line_and_finishes(
    full_journal: FullJournal,
) -> None:
    assert full_journal.torn, "the full disk left no torn line: the test proves nothing"
    resumed = full_journal.resumed
    assert "Traceback" not in resumed.stderr, resumed.stderr
    assert f"Resuming from {full_journal.state}" in resumed.stderr
    items, completed, failed, pending = tally(full_journal.state)
    assert completed + failed == items and pending == 0
    assert resumed.returncode == (1 if failed else 0), resumed.stderr
    journal = full_journal.state.read_bytes()
    assert journal.endswith(b"\n")
    assert full_journal.torn not in journal


def test_garbage_in_the_middle_of_the_journal_names_the_file_and_line_and_changes_nothing(
    box: Box, unfinished: Recorded, full_journal: FullJournal, tmp_path: Path
) -> None:
    state = copy_state(full_journal.left, tmp_path / "state")
    lines = state.read_bytes().split(b"\n")
    assert len(lines) > 6, "too few journal lines to damage one in the middle"
    lines.insert(3, b"\x00\xff{garbage: not an event")
    state.write_bytes(b"\n".join(lines))
    before = fingerprint(state)
    submitted = box.calls("StartCopyJob")
    proc = box.run(*unfinished.copy(state, "--resume"))
    error_line(proc, f"{state}:4: corrupt journal line")
    assert fingerprint(state) == before
    assert box.calls("StartCopyJob") == submitted


# -- a full disk under the state at planning, the summary, the report ------------------------------


def test_a_full_disk_under_a_new_state_is_one_error_line_naming_it_and_leaves_no_state(
    box: Box, tmp_path: Path
) -> None:
    state = tmp_path / "state.jsonl"
    proc = box.process(*copy_args(state, "--vault", box.vaults[0]), launcher=limited(1024))
    error_line(proc, str(state), "File too large", alone=False)
    assert [p.name for p in state_files(state)] in ([], [f"{state.name}.plan"])
    assert not StateStore(state).exists()


@dataclass(frozen=True)
class FullOutput:
    state: Path
    output: Path
    before: dict[str, str]
    run: Run


def full_output(
    box: Box, done: Recorded, where: Path, flag: str, name: str, limit: int
) -> FullOutput:
    state = copy_state(done.state, where / "state")
    output = where / name
    before = fingerprint(state)
    run = box.process(*done.copy(state, "--resume", flag, str(output)), launcher=limited(limit))
    return FullOutput(state, output, before, run)


@pytest.fixture(scope="module")
def full_summary(box: Box, done: Recorded, tmp_path_factory: pytest.TempPathFactory) -> FullOutput:
    # 400 bytes: the lock's few bytes fit; the closing compaction and the summary do not.
    where = tmp_path_factory.mktemp("full-summary")
    return full_output(box, done, where, "--summary-output", "summary.json", 400)


@pytest.fixture(scope="module")
def full_report(box: Box, done: Recorded, tmp_path_factory: pytest.TempPathFactory) -> FullOutput:
    # Room for the compaction and the summary, not for the report (sizes from the first run).
    assert done.summary is not None and done.report is not None
    fits = max(*(p.stat().st_size for p in state_files(done.state)), done.summary.stat().st_size)
    report = done.report.stat().st_size
    assert report > 1.3 * fits, (report, fits)
    where = tmp_path_factory.mktemp("full-report")
    return full_output(box, done, where, "--report-csv", "report.csv", (fits + report) // 2)


def test_a_full_disk_under_the_summary_is_one_error_line_and_the_state_is_untouched(
    full_summary: FullOutput,
) -> None:
    error_line(full_summary.run, "File too large", alone=False)
    assert fingerprint(full_summary.state) == full_summary.before  # the compaction failed whole
    tally(full_summary.state)
    assert not full_summary.output.exists()
    assert [p.name for p in full_summary.output.parent.iterdir() if p.name.startswith(".")] == []


def test_a_full_disk_under_the_report_csv_is_one_error_line_and_the_state_still_loads(
    full_report: FullOutput, done: Recorded
) -> None:
    error_line(full_report.run, "File too large", alone=False)
    assert tally(full_report.state) == tally(done.state)
    assert not full_report.output.exists()
    assert [p.name for p in full_report.output.parent.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("which", ["full_summary", "full_report"])
def test_a_full_disk_under_an_output_file_is_reported_naming_the_file(
    request: pytest.FixtureRequest, which: str
) -> None:
    full: FullOutput = request.getfixturevalue(which)
    line = error_line(full.run, str(full.output), alone=False)
    assert "unexpected" not in line


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a mode 0500 directory anyway")
def test_a_read_only_state_directory_is_one_error_line_naming_it(box: Box, tmp_path: Path) -> None:
    directory = tmp_path / "read-only"
    directory.mkdir(mode=0o500)
    state = directory / "state.jsonl"
    try:
        proc = box.run(*copy_args(state, "--vault", box.vaults[0]))
    finally:
        directory.chmod(0o700)
    error_line(proc, str(directory))
    assert list(directory.iterdir()) == []


# -- a signal while the selection is being listed --------------------------------------------------


@dataclass(frozen=True)
class Stopped:
    returncode: int
    stderr: str
    state: Path


def stopped_while_planning(box: Box, state: Path, signum: signal.Signals) -> Stopped:
    listing, release = threading.Event(), threading.Event()

    def held(method: Any) -> Any:
        def slow(*args: Any, **kwargs: Any) -> Any:
            listing.set()
            release.wait(15)
            return method(*args, **kwargs)

        return slow

    with box.wrapped("list_recovery_points", held):
        proc = box.start(*copy_args(state, "--vault", box.vaults[1]))
        try:
            assert listing.wait(60), "the copy never listed the vault"
            proc.send_signal(signum)
            _, stderr = proc.communicate(timeout=60)
        finally:
            release.set()
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    return Stopped(proc.returncode, stderr, state)


@pytest.fixture(scope="module")
def sigint_while_planning(box: Box) -> Stopped:
    return stopped_while_planning(box, box.workdir / "sigint" / "state.jsonl", signal.SIGINT)


@pytest.fixture(scope="module")
def sigterm_while_planning(box: Box) -> Stopped:
    return stopped_while_planning(box, box.workdir / "sigterm" / "state.jsonl", signal.SIGTERM)


@pytest.mark.parametrize("which", ["sigint_while_planning", "sigterm_while_planning"])
def test_a_signal_while_planning_leaves_no_half_written_state(
    request: pytest.FixtureRequest, which: str
) -> None:
    stopped: Stopped = request.getfixturevalue(which)
    assert "Traceback" not in stopped.stderr, stopped.stderr
    assert len(stopped.stderr.splitlines()) <= 1, stopped.stderr
    assert state_files(stopped.state) == []  # planning writes nothing before the plan is whole
    store = StateStore(stopped.state)
    store.lock("test")  # and the lock went with the process
    store.unlock()


def test_sigint_while_planning_exits_with_the_documented_status_2(
    sigint_while_planning: Stopped,
) -> None:
    assert sigint_while_planning.returncode == 2, sigint_while_planning.stderr


def test_sigterm_while_planning_exits_with_the_documented_status_2(
    sigterm_while_planning: Stopped,
) -> None:
    assert sigterm_while_planning.returncode == 2, sigterm_while_planning.stderr
    assert sigterm_while_planning.stderr.strip(), "no word on stderr"
