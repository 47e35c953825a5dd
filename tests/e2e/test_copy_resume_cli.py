"""Stopping `copy` (kill -9, a runtime limit, SIGINT once or twice) and resuming it, and the
state file's rules; the CLI runs in a subprocess against a sandbox served over HTTP.

What counts is read from the sandbox's own records: its copy jobs and the recovery points that
landed in the destination vaults. The journal is read with the product's StateStore, as
`--resume` reads it, and compared with them.

Simulated time runs `time_scale` times faster than the wall clock; the IdempotencyToken window
is scaled to a day of wall time, as the tool repeats a call within seconds, not simulated days.
"""

from __future__ import annotations

import json
import random
import re
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from harness import (
    TERMINAL,
    Box,
    Job,
    Run,
    Truth,
    copy_args,
    copy_config,
    recent,
    served,
)

from shuffle_aws_vaults.domain.migration import Status
from shuffle_aws_vaults.infrastructure.journal_store import StateStore
from shuffle_aws_vaults.sandbox import SeedSpec, messages

pytestmark = pytest.mark.e2e

CLI_TIMEOUT = 180.0
RESUME_HINT = "run again with --resume"
# Sandboxes where a copy job takes about two simulated minutes (AWS's overhead), that is two
# seconds of wall time, and only recent recovery points are selected: short chains per resource.
SLOW = {"time_scale": 60.0, "bandwidth_bytes_per_second": 1024.0**4}
QUICK = {"time_scale": 3000.0, "bandwidth_bytes_per_second": 1024.0**4}


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def finish(proc: subprocess.Popen[str], timeout: float = CLI_TIMEOUT) -> Run:
    began = time.monotonic()
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode is not None
    return Run(proc.returncode, stdout, stderr, time.monotonic() - began)


# -- the journal, as --resume reads it ---------------------------------------------------------


@dataclass(frozen=True)
class Journal:
    items: tuple[tuple[str, str], ...]  # (source recovery point ARN, destination vault ARN)
    status: tuple[str, ...]
    job_ids: tuple[str | None, ...]
    dest_arns: dict[int, str]
    failures: dict[int, str]  # item -> AWS's message

    def count(self, status: str) -> int:
        return sum(1 for s in self.status if s == status)

    def completed_view(self) -> dict[str, tuple[str | None, str | None]]:
        """Source ARN -> (copy job ID, destination ARN) of every completed item."""
        return {
            self.items[i][0]: (self.job_ids[i], self.dest_arns.get(i))
            for i, s in enumerate(self.status)
            if s == "COMPLETED"
        }


def read_journal(path: Path) -> Journal:
    _, state, journal = StateStore(path).load()
    journal.close()
    return Journal(
        items=tuple((item.source_arn, item.dest_vault_arn) for item in state.items),
        status=tuple(Status(s).name for s in state.status),
        job_ids=tuple(state.job_ids),
        dest_arns=dict(state.dest_arns),
        failures={i: failure.message for i, failure in state.failures.items()},
    )


def aws_failure_message(source_arn: str, jobs: Sequence[Job], truth: Truth) -> str | None:
    if jobs:
        last = max(jobs, key=lambda job: job.seq)
        return last.message if last.state == "FAILED" else None
    if source_arn in truth.cold_now:  # StartCopyJob itself refused it
        return messages.COLD.format(arn=source_arn)
    return None


def exactly_once_violations(journal: Journal, truth: Truth) -> list[str]:
    """Everything that contradicts "each planned item copied once, or failed with AWS's word"."""
    problems: list[str] = []
    jobs = truth.jobs_of()
    planned = [arn for arn, _ in journal.items]
    if len(planned) != len(set(planned)):
        problems.append("the plan names a recovery point twice")
    stray = sorted({job.source_arn for job in truth.jobs} - set(planned))
    if stray:
        problems.append(f"{len(stray)} recovery points outside the plan were copied: {stray[:3]}")
    unfinished = [job.job_id for job in truth.jobs if job.state not in TERMINAL]
    if unfinished:
        problems.append(f"{len(unfinished)} copy jobs still running: {unfinished[:3]}")
    for i, (arn, dest_vault) in enumerate(journal.items):
        mine = jobs.get(arn, [])
        if any(job.dest_vault_arn != dest_vault for job in mine):
            problems.append(f"{arn}: a job into another vault")
        completed = [job for job in mine if job.state == "COMPLETED"]
        status = journal.status[i]
        if status == "COMPLETED":
            if len(completed) != 1:
                problems.append(f"{arn}: {len(completed)} COMPLETED copy jobs")
            elif (journal.job_ids[i], journal.dest_arns.get(i)) != (
                completed[0].job_id,
                completed[0].dest_arn,
            ):
                problems.append(f"{arn}: the journal's job or destination differ from AWS's")
        elif status == "FAILED":
            if completed:
                problems.append(f"{arn}: FAILED, but AWS completed {len(completed)} copies")
            message = journal.failures.get(i)
            if message != aws_failure_message(arn, mine, truth):
                problems.append(f"{arn}: FAILED with {message!r}, not AWS's message")
        else:
            problems.append(f"{arn}: ended {status}")
    for vault, arns in truth.dest_points.items():
        landed = [job.dest_arn for job in truth.completed if job.dest_vault_arn.endswith(vault)]
        if len(arns) != len(set(arns)):
            problems.append(f"destination vault {vault} holds an ARN twice")
        if sorted(arns) != sorted(a for a in landed if a):
            problems.append(
                f"destination vault {vault}: {len(arns)} recovery points for "
                f"{len(landed)} completed copies"
            )
    return problems


def sandbox_view(truth: Truth) -> dict[str, tuple[str | None, str | None]]:
    return {job.source_arn: (job.job_id, job.dest_arn) for job in truth.completed}


def assert_finished(run: Run, journal: Journal) -> None:
    assert "Traceback" not in run.stderr, run.stderr
    assert run.returncode == (1 if journal.count("FAILED") else 0), run.stderr
    assert journal.count("COMPLETED") + journal.count("FAILED") == len(journal.items)


# -- kill -9 at random moments, then --resume --------------------------------------------------

KILL_SEED = 20_240_601
KILLS = 7


@dataclass(frozen=True)
class KilledRun:
    kills: list[float]  # seconds after launch
    in_flight_after_kill: list[int]  # intents and submitted jobs in the journal after each kill
    exited_early: list[Run]
    final: Run
    truth: Truth
    journal: Journal
    summary: dict[str, Any]


@pytest.fixture(scope="module")
def killed_run(tmp_path_factory: pytest.TempPathFactory) -> KilledRun:
    workdir = tmp_path_factory.mktemp("copy-kill-9")
    state, summary = workdir / "state.jsonl", workdir / "summary.json"
    rng = random.Random(KILL_SEED)
    kills: list[float] = []
    in_flight: list[int] = []
    early: list[Run] = []
    with served(workdir, copy_config(10_000.0, 11), SeedSpec(recovery_points=2000)) as box:
        while len(kills) < KILLS:
            proc = box.start(*copy_args(state, "--resume"))
            delay = rng.uniform(0.6, 2.6)
            try:
                proc.wait(timeout=delay)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGKILL)
                kills.append(delay)
                finish(proc)
                if state.exists():
                    journal = read_journal(state)
                    in_flight.append(journal.count("INTENT") + journal.count("SUBMITTED"))
            else:
                early.append(finish(proc))
                break
        final = box.run(*copy_args(state, "--resume", "--summary-output", str(summary)))
        truth = box.truth()
    assert state.exists(), final.stderr
    return KilledRun(
        kills,
        in_flight,
        early,
        final,
        truth,
        read_journal(state),
        json.loads(summary.read_text()),
    )


def test_kill_9_lands_at_least_six_times_while_copies_are_under_way(killed_run: KilledRun) -> None:
    assert killed_run.exited_early == []
    assert len(killed_run.kills) >= 6
    assert any(n > 0 for n in killed_run.in_flight_after_kill), killed_run.in_flight_after_kill


def test_after_kills_and_resumes_every_item_is_copied_exactly_once(killed_run: KilledRun) -> None:
    assert_finished(killed_run.final, killed_run.journal)
    assert "Resuming from" in killed_run.final.stderr
    assert exactly_once_violations(killed_run.journal, killed_run.truth) == []
    assert killed_run.journal.count("COMPLETED") > 0.9 * len(killed_run.journal.items) > 1500


def test_after_kills_no_destination_recovery_point_is_duplicated(killed_run: KilledRun) -> None:
    truth = killed_run.truth
    copies = Counter(job.source_arn for job in truth.completed)
    assert [arn for arn, n in copies.items() if n > 1] == []
    landed = [arn for arns in truth.dest_points.values() for arn in arns]
    assert len(landed) == len(set(landed)) == len(truth.completed)
    assert killed_run.summary["completed"] == len(truth.completed)


def test_after_kills_the_journal_agrees_with_the_sandbox_item_by_item(
    killed_run: KilledRun,
) -> None:
    assert killed_run.journal.completed_view() == sandbox_view(killed_run.truth)


# -- --max-runtime-minutes ---------------------------------------------------------------------


@dataclass(frozen=True)
class WindowedRun:
    stopped: Run
    stopped_summary: dict[str, Any]
    resumed: Run
    truth: Truth
    journal: Journal


@pytest.fixture(scope="module")
def windowed_run(tmp_path_factory: pytest.TempPathFactory) -> WindowedRun:
    workdir = tmp_path_factory.mktemp("copy-max-runtime")
    state, summary = workdir / "state.jsonl", workdir / "summary.json"
    with served(workdir, copy_config(seed=7, **SLOW), SeedSpec(recovery_points=600)) as box:
        since = recent()
        stopped = box.run(
            *copy_args(
                state,
                "--created-after",
                since,
                "--max-runtime-minutes",
                "0.05",
                "--drain-minutes",
                "0.05",
                "--summary-output",
                str(summary),
            )
        )
        stopped_summary = json.loads(summary.read_text())
        resumed = box.run(*copy_args(state, "--created-after", since, "--resume"))
        truth = box.truth()
    return WindowedRun(stopped, stopped_summary, resumed, truth, read_journal(state))


def test_max_runtime_stops_with_exit_status_2_and_says_to_resume(windowed_run: WindowedRun) -> None:
    stopped, summary = windowed_run.stopped, windowed_run.stopped_summary
    assert stopped.returncode == 2, stopped.stderr
    assert RESUME_HINT in stopped.stderr
    assert "Incomplete (runtime-limit)" in stopped.stderr
    assert summary["stop_reason"] == "runtime-limit"
    assert summary["pending"] > 0
    # 3 s of submitting, then at most 3 s of draining (plus planning and start-up).
    assert stopped.seconds < 20


def test_resume_after_the_runtime_limit_completes_exactly_once(windowed_run: WindowedRun) -> None:
    assert_finished(windowed_run.resumed, windowed_run.journal)
    assert "Resuming from" in windowed_run.resumed.stderr
    assert exactly_once_violations(windowed_run.journal, windowed_run.truth) == []
    assert windowed_run.journal.completed_view() == sandbox_view(windowed_run.truth)


# -- SIGINT once, SIGINT twice ------------------------------------------------------------------


@dataclass(frozen=True)
class InterruptedRun:
    interrupted: Run
    exit_seconds: float  # from the last signal to the exit
    summary: dict[str, Any]
    journal_after_stop: Journal
    resumed: Run
    truth: Truth
    journal: Journal


def interrupt(tmp: Path, *, signals: int, seed: int) -> InterruptedRun:
    state, summary = tmp / "state.jsonl", tmp / "summary.json"
    with served(tmp, copy_config(seed=seed, **SLOW), SeedSpec(recovery_points=600)) as box:
        since = recent()
        args = copy_args(state, "--created-after", since, "--summary-output", str(summary))
        proc = box.start(*args)
        try:
            wait_until(lambda: box.started_copies() >= 40, 60, "copies to start")
            for n in range(signals):
                if n:
                    time.sleep(0.1)
                proc.send_signal(signal.SIGINT)
            signalled = time.monotonic()
            interrupted = finish(proc, timeout=120)
            exit_seconds = time.monotonic() - signalled
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        journal_after_stop = read_journal(state)
        resumed = box.run(*copy_args(state, "--created-after", since, "--resume"))
        truth = box.truth()
    return InterruptedRun(
        interrupted,
        exit_seconds,
        json.loads(summary.read_text()),
        journal_after_stop,
        resumed,
        truth,
        read_journal(state),
    )


@pytest.fixture(scope="module")
def interrupted_once(tmp_path_factory: pytest.TempPathFactory) -> InterruptedRun:
    return interrupt(tmp_path_factory.mktemp("copy-sigint-once"), signals=1, seed=8)


@pytest.fixture(scope="module")
def interrupted_twice(tmp_path_factory: pytest.TempPathFactory) -> InterruptedRun:
    return interrupt(tmp_path_factory.mktemp("copy-sigint-twice"), signals=2, seed=9)


def test_one_sigint_stops_gracefully_with_exit_status_2_and_the_state_saved(
    interrupted_once: InterruptedRun,
) -> None:
    run, summary = interrupted_once.interrupted, interrupted_once.summary
    assert run.returncode == 2, run.stderr
    assert "stopping: no new copies" in run.stderr
    assert "second signal" not in run.stderr
    assert RESUME_HINT in run.stderr and "Traceback" not in run.stderr
    assert summary["stop_reason"] == "stopped"
    saved = interrupted_once.journal_after_stop
    assert (saved.count("COMPLETED"), saved.count("FAILED")) == (
        summary["completed"],
        summary["failed"],
    )
    assert saved.count("PENDING") == summary["pending"] > 0
    assert saved.count("INTENT") == 0  # every call under way got its answer before the exit


def test_resume_after_one_sigint_completes_exactly_once(interrupted_once: InterruptedRun) -> None:
    assert_finished(interrupted_once.resumed, interrupted_once.journal)
    assert "Resuming from" in interrupted_once.resumed.stderr
    assert exactly_once_violations(interrupted_once.journal, interrupted_once.truth) == []
    assert interrupted_once.journal.completed_view() == sandbox_view(interrupted_once.truth)


def test_a_second_sigint_exits_with_status_2_at_once_leaving_a_loadable_journal(
    interrupted_twice: InterruptedRun,
) -> None:
    run = interrupted_twice.interrupted
    assert run.returncode == 2, run.stderr
    assert "second signal: stopping now" in run.stderr and "Traceback" not in run.stderr
    assert interrupted_twice.summary["stop_reason"] == "interrupted"
    # No drain: the copies under way (two seconds each) are left running in AWS.
    saved = interrupted_twice.journal_after_stop
    assert saved.count("SUBMITTED") + saved.count("INTENT") > 0
    assert interrupted_twice.exit_seconds < 3


def test_resume_after_two_sigints_completes_exactly_once(interrupted_twice: InterruptedRun) -> None:
    assert_finished(interrupted_twice.resumed, interrupted_twice.journal)
    assert exactly_once_violations(interrupted_twice.journal, interrupted_twice.truth) == []
    assert interrupted_twice.journal.completed_view() == sandbox_view(interrupted_twice.truth)


# -- the state file's rules ---------------------------------------------------------------------


@pytest.fixture
def quick_box(tmp_path: Path) -> Iterator[Box]:
    with served(tmp_path, copy_config(seed=4, **QUICK), SeedSpec(recovery_points=300)) as box:
        yield box


def one_vault(box: Box, *extra: str, since: str) -> tuple[str, ...]:
    return ("--vault", box.vaults[0], "--created-after", since, *extra)


def test_existing_state_without_resume_or_reset_is_refused_naming_both_options(
    quick_box: Box, tmp_path: Path
) -> None:
    since = recent()
    state = tmp_path / "state.jsonl"
    first = quick_box.run(*copy_args(state, *one_vault(quick_box, since=since)))
    assert first.returncode in (0, 1), first.stderr
    started = quick_box.started_copies()
    again = quick_box.run(*copy_args(state, *one_vault(quick_box, since=since)))
    assert again.returncode == 1
    lines = again.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), again.stderr
    assert all(word in lines[0] for word in (str(state), "--resume", "--reset")), lines[0]
    assert quick_box.started_copies() == started


def test_resume_without_a_state_file_plans_afresh_and_copies_exactly_once(
    quick_box: Box, tmp_path: Path
) -> None:
    since = recent()
    state = tmp_path / "fresh" / "state.jsonl"
    run = quick_box.run(*copy_args(state, *one_vault(quick_box, "--resume", since=since)))
    journal = read_journal(state)
    assert_finished(run, journal)
    assert "Resuming" not in run.stderr
    assert f"Planned {len(journal.items):,} copies" in run.stderr
    assert len(journal.items) > 5
    assert exactly_once_violations(journal, quick_box.truth()) == []


@dataclass(frozen=True)
class ResetRun:
    state: Path
    old: Journal
    old_files: tuple[bytes, bytes]  # the journal and its snapshot before --reset
    old_truth: Truth
    reset: Run
    fresh: Journal
    truth: Truth


@pytest.fixture(scope="module")
def reset_run(tmp_path_factory: pytest.TempPathFactory) -> ResetRun:
    workdir = tmp_path_factory.mktemp("copy-reset")
    state = workdir / "state.jsonl"
    with served(workdir, copy_config(seed=4, **QUICK), SeedSpec(recovery_points=300)) as box:
        selection = ("--vault", box.vaults[0], "--created-after", recent())
        first = box.run(*copy_args(state, *selection))
        old = read_journal(state)
        assert_finished(first, old)
        old_files = (state.read_bytes(), Path(f"{state}.snapshot").read_bytes())
        old_truth = box.truth()
        # Bounded: a run that cannot finish stops submitting after 3 s and drains for 3 s.
        window = ("--max-runtime-minutes", "0.05", "--drain-minutes", "0.05")
        # --no-adopt: the earlier copies are found by their jobs' tokens, not the listing.
        reset = box.run(*copy_args(state, *selection, "--reset", "--no-adopt", *window))
        truth = box.truth()
    return ResetRun(state, old, old_files, old_truth, reset, read_journal(state), truth)


def test_reset_says_what_it_discards_and_moves_the_old_state_aside(reset_run: ResetRun) -> None:
    state, old, reset = reset_run.state, reset_run.old, reset_run.reset
    assert "Traceback" not in reset.stderr, reset.stderr
    counts = f"{old.count('COMPLETED'):,} completed, {old.count('FAILED'):,} failed, 0 in flight"
    assert f"--reset: discarding the state at {state} ({counts}, 0 to go)" in reset.stderr
    moved = re.search(r"Previous state moved to (\S+)", reset.stderr)
    assert moved, reset.stderr
    aside = Path(moved[1])
    assert aside.parent == state.parent and aside.name.startswith(f"{state.name}.reset-")
    stamp = aside.name.removeprefix(f"{state.name}.reset-")
    assert aside.read_bytes() == reset_run.old_files[0]
    assert Path(f"{state}.snapshot.reset-{stamp}").read_bytes() == reset_run.old_files[1]
    assert reset_run.fresh.items == old.items  # planned afresh: the same selection
    assert f"Planned {len(old.items):,} copies" in reset.stderr


def test_after_reset_the_run_finishes_recognising_the_earlier_jobs_by_their_tokens(
    reset_run: ResetRun,
) -> None:
    # Within AWS's idempotency window the same tokens answer with the earlier copy jobs, which
    # have ended: they are described and adopted instead of stalling or copying again.
    fresh, truth = reset_run.fresh, reset_run.truth
    assert reset_run.reset.returncode in (0, 1), reset_run.reset.stderr
    assert fresh.count("COMPLETED") + fresh.count("FAILED") == len(fresh.items)
    old_jobs = {job.job_id for job in reset_run.old_truth.jobs}
    assert [job for job in truth.completed if job.job_id not in old_jobs] == []
    assert set(fresh.completed_view()) == {job.source_arn for job in truth.completed}


@pytest.mark.parametrize(
    ("change", "difference"),
    [
        (("--vault-index", "1"), "vaults"),
        (("--resource-type", "EBS"), "the selection filters differ"),
    ],
    ids=["another-vault", "another-filter"],
)
def test_resume_with_another_migrations_state_is_refused(
    quick_box: Box, tmp_path: Path, change: tuple[str, str], difference: str
) -> None:
    state = tmp_path / "state.jsonl"
    since = recent()
    first = quick_box.run(
        *copy_args(state, "--vault", quick_box.vaults[0], "--created-after", since)
    )
    assert first.returncode in (0, 1), first.stderr
    if change[0] == "--vault-index":
        other: tuple[str, ...] = ("--vault", quick_box.vaults[int(change[1])])
    else:
        other = ("--vault", quick_box.vaults[0], *change)
    started = quick_box.started_copies()
    before = state.read_bytes()
    refused = quick_box.run(*copy_args(state, *other, "--created-after", since, "--resume"))
    assert refused.returncode == 1
    lines = refused.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), refused.stderr
    assert f"state file {state} belongs to another migration" in lines[0]
    assert difference in lines[0]
    assert quick_box.started_copies() == started
    assert state.read_bytes() == before


def test_a_second_copy_on_the_same_state_is_refused_naming_the_holder_pid(tmp_path: Path) -> None:
    state = tmp_path / "state.jsonl"
    lock = Path(f"{state}.lock")
    with served(tmp_path, copy_config(seed=6, **SLOW), SeedSpec(recovery_points=300)) as box:
        args = copy_args(state, "--created-after", recent())
        holder = box.start(*args)
        try:
            wait_until(lambda: lock.exists() and lock.stat().st_size > 0, 60, "the lock")
            second = box.run(*args)
            assert holder.poll() is None, "the first copy ended before the second one tried"
        finally:
            holder.send_signal(signal.SIGKILL)
            finish(holder)
    assert second.returncode == 1
    lines = second.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), second.stderr
    assert str(state) in lines[0] and f"in use by pid {holder.pid} " in lines[0]
