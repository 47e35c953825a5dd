"""Long migrations: the destination is the truth. A lost state file, backups that arrive every
night, failures whose cause is fixed later, and one cause failing every item; `copy` runs as a
user runs it (in-process, and in a subprocess where kill -9 is needed) against a served sandbox.

What counts is read from the sandbox's own records (its copy jobs and StartCopyJob calls) and
from what the CLI wrote (summary JSON, report CSV, `status --output json`).
"""

from __future__ import annotations

import csv
import json
import random
import signal
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from harness import ACCOUNT_FLAGS, Box, Run, copy_args, copy_config, recent, served

from shuffle_aws_vaults.domain.migration import Status
from shuffle_aws_vaults.infrastructure.journal_store import StateStore
from shuffle_aws_vaults.sandbox import SeedSpec

pytestmark = pytest.mark.e2e

QUICK = {"time_scale": 3000.0, "bandwidth_bytes_per_second": 1024.0**4}


def status_of(box: Box, state: Path) -> dict[str, Any]:
    run = box.run("status", "--state-file", str(state), "--output", "json")
    assert run.returncode == 0, run.stderr
    found: dict[str, Any] = json.loads(run.stdout)
    return found


def statuses(state: Path) -> Counter[str]:
    _, recorded = StateStore(state).read()
    return Counter(Status(s).name for s in recorded.status)


# -- a lost or mistyped state file --------------------------------------------------------------


@dataclass(frozen=True)
class LostState:
    first: Run
    first_summary: dict[str, Any]
    again: Run
    again_summary: dict[str, Any]
    starts_before: int
    starts_after: int
    status: dict[str, Any]
    report: list[dict[str, str]]
    verify: Run
    reset: Run
    starts_after_reset: int


@pytest.fixture(scope="module")
def lost_state(tmp_path_factory: pytest.TempPathFactory) -> LostState:
    workdir = tmp_path_factory.mktemp("lost-state")
    state, typo = workdir / "migration.jsonl", workdir / "migraton.jsonl"
    summaries = workdir / "first.json", workdir / "again.json"
    report = workdir / "report.csv"
    with served(workdir, copy_config(seed=21, **QUICK), SeedSpec(recovery_points=300)) as box:
        selection = ("--vault", box.vaults[0], "--created-after", recent())
        first = box.run(*copy_args(state, *selection, "--summary-output", str(summaries[0])))
        starts_before = box.started_copies()
        again = box.run(
            *copy_args(
                typo,
                *selection,
                "--resume",
                "--summary-output",
                str(summaries[1]),
                "--report-csv",
                str(report),
            )
        )
        starts_after = box.started_copies()
        status = status_of(box, typo)
        verify = box.run(
            "verify", *ACCOUNT_FLAGS, *selection, "--state-file", str(typo), "--output", "json"
        )
        with report.open(newline="") as handle:
            rows = list(csv.DictReader(handle))
        reset = box.run(*copy_args(state, *selection, "--reset"))
        starts_after_reset = box.started_copies()
    return LostState(
        first,
        json.loads(summaries[0].read_text()),
        again,
        json.loads(summaries[1].read_text()),
        starts_before,
        starts_after,
        status,
        rows,
        verify,
        reset,
        starts_after_reset,
    )


def test_a_finished_migration_with_a_mistyped_state_file_starts_no_copy_job(
    lost_state: LostState,
) -> None:
    assert lost_state.first.returncode == 0, lost_state.first.stderr
    copied = lost_state.first_summary["completed"]
    assert copied > 5
    again = lost_state.again
    assert again.returncode == 0, again.stderr
    assert lost_state.starts_after == lost_state.starts_before
    summary = lost_state.again_summary
    assert (summary["already_copied"], summary["failed"]) == (copied, 0)
    assert summary["completed"] == copied  # in the destination: counted as completed too
    assert f"{copied:,} already in the destination" in again.stderr


def test_a_missing_state_under_resume_is_named_in_one_line(lost_state: LostState) -> None:
    lines = [line for line in lost_state.again.stderr.splitlines() if "no state at" in line]
    assert len(lines) == 1
    assert "migraton.jsonl: planning a new migration (adopting what the destination" in lines[0]


def test_status_and_the_report_count_the_copies_found_in_the_destination(
    lost_state: LostState,
) -> None:
    copied = lost_state.first_summary["completed"]
    assert lost_state.status["already_copied"] == copied
    assert lost_state.status["percent_done"] == 100.0
    assert Counter(row["final_state"] for row in lost_state.report) == {"ALREADY_COPIED": copied}
    assert all(row["destination_recovery_point_arn"] for row in lost_state.report)


def test_a_reset_migration_adopts_every_copy_instead_of_making_it_again(
    lost_state: LostState,
) -> None:
    assert lost_state.reset.returncode == 0, lost_state.reset.stderr
    assert lost_state.starts_after_reset == lost_state.starts_before
    copied = lost_state.first_summary["completed"]
    assert f"{copied:,} already in the destination (not copied again)" in lost_state.reset.stderr


def test_verify_finds_each_adopted_copy_in_the_destination(lost_state: LostState) -> None:
    verify = lost_state.verify
    assert verify.returncode == 0, verify.stderr + verify.stdout


# -- copy jobs aged out of ListCopyJobs ---------------------------------------------------------


def test_copies_are_adopted_from_the_destination_listing_alone_when_job_history_is_gone(
    tmp_path: Path,
) -> None:
    # Job history kept 30 simulated minutes: 0.6 s of wall time at this sandbox's speed.
    with served(
        tmp_path,
        copy_config(seed=23, copy_job_retention_seconds=1800.0, **QUICK),
        SeedSpec(recovery_points=300),
    ) as box:
        selection = ("--vault", box.vaults[1], "--created-after", recent())
        first = box.run(*copy_args(tmp_path / "a.jsonl", *selection))
        assert first.returncode == 0, first.stderr
        time.sleep(1.5)
        assert box.completed_jobs_listed() == 0  # nothing left to match but the listing
        starts = box.started_copies()
        summary = tmp_path / "summary.json"
        again = box.run(
            *copy_args(tmp_path / "b.jsonl", *selection, "--summary-output", str(summary))
        )
        assert again.returncode == 0, again.stderr
        assert box.started_copies() == starts
        planned = json.loads(summary.read_text())
        assert planned["already_copied"] == planned["planned_items"] > 5
        assert planned["completed"] == planned["already_copied"]  # counted as completed


# -- backups that arrive every night ------------------------------------------------------------


@dataclass(frozen=True)
class Nightly:
    planned: int
    added: list[str]
    plain: Run
    plain_starts: int
    extended: Run
    extended_starts: int
    status: dict[str, Any]
    copies: Counter[str]
    state: Path


@pytest.fixture(scope="module")
def nightly(tmp_path_factory: pytest.TempPathFactory) -> Nightly:
    workdir = tmp_path_factory.mktemp("nightly")
    state = workdir / "migration.jsonl"
    with served(workdir, copy_config(seed=22, **QUICK), SeedSpec(recovery_points=300)) as box:
        selection = ("--created-after", recent())
        first = box.run(*copy_args(state, *selection))
        assert first.returncode == 0, first.stderr
        planned = len(StateStore(state).read()[1])
        added = box.add_recovery_points(6)
        starts = box.started_copies()
        plain = box.run(*copy_args(state, *selection, "--resume"))
        plain_starts = box.started_copies() - starts
        extended = box.run(*copy_args(state, *selection, "--resume", "--include-new"))
        extended_starts = box.started_copies() - starts - plain_starts
        status = status_of(box, state)
        copies = box.copies_by_source()
    return Nightly(
        planned, added, plain, plain_starts, extended, extended_starts, status, copies, state
    )


def test_resume_without_include_new_keeps_the_recorded_plan(nightly: Nightly) -> None:
    assert nightly.plain.returncode == 0, nightly.plain.stderr
    assert nightly.plain_starts == 0


def test_include_new_copies_exactly_the_recovery_points_created_since_the_plan(
    nightly: Nightly,
) -> None:
    run = nightly.extended
    assert run.returncode == 0, run.stderr
    assert "--include-new: 6 recovery point(s) created since the plan added" in run.stderr
    assert nightly.extended_starts == 6
    assert [nightly.copies[arn] for arn in nightly.added] == [1] * 6
    assert max(nightly.copies.values()) == 1
    assert statuses(nightly.state) == {"COMPLETED": nightly.planned + 6}


def test_status_says_how_many_were_added(nightly: Nightly) -> None:
    assert nightly.status["added_since_plan"] == 6
    assert nightly.status["total_items"] == nightly.planned + 6


# -- one cause failing every item, then --retry-failed --------------------------------------------


@dataclass(frozen=True)
class Refused:
    stopped: Run
    stopped_summary: dict[str, Any]
    stopped_status: dict[str, Any]
    stopped_status_text: str  # `status --output text` at the same moment
    starts_when_stopped: int
    retried: Run
    retried_summary: dict[str, Any]
    copies: Counter[str]
    state: Path


@pytest.fixture(scope="module")
def refused(tmp_path_factory: pytest.TempPathFactory) -> Refused:
    workdir = tmp_path_factory.mktemp("refused")
    state = workdir / "migration.jsonl"
    summaries = workdir / "stopped.json", workdir / "retried.json"
    spec = SeedSpec(recovery_points=300, vaults=3, dest_policy=False)
    with served(workdir, copy_config(seed=24, **QUICK), spec) as box:
        selection = ("--created-after", recent(), "--skip-preflight")
        stopped = box.run(
            *copy_args(state, *selection, "--summary-output", str(summaries[0])),
            "--workers",
            "4",
            "--failure-threshold",
            "5",
        )
        starts = box.started_copies()
        stopped_status = status_of(box, state)
        as_text = box.run("status", "--state-file", str(state), "--output", "text")
        assert as_text.returncode == 0, as_text.stderr
        box.grant_copies()
        retried = box.run(
            *copy_args(
                state,
                *selection,
                "--resume",
                "--retry-failed",
                "--summary-output",
                str(summaries[1]),
            )
        )
        copies = box.copies_by_source()
    return Refused(
        stopped,
        json.loads(summaries[0].read_text()),
        stopped_status,
        as_text.stdout,
        starts,
        retried,
        json.loads(summaries[1].read_text()),
        copies,
        state,
    )


def test_one_cause_failing_item_after_item_stops_the_run_at_the_threshold(
    refused: Refused,
) -> None:
    stopped, summary = refused.stopped, refused.stopped_summary
    assert stopped.returncode == 1, stopped.stderr
    assert summary["stop_reason"] == "failure-threshold"
    assert 5 <= summary["failed"] <= 5 + 4
    assert refused.starts_when_stopped <= 5 + 4  # never more than the threshold and the slots
    assert summary["pending"] > 20
    closing = stopped.stderr.strip().splitlines()[-1]
    assert "items in a row failed with FAILED: Access Denied" in closing
    assert "--resume --retry-failed" in closing and "Traceback" not in stopped.stderr


def test_status_groups_the_same_cause_hitting_different_items_as_one(refused: Refused) -> None:
    groups = refused.stopped_status["failures_by_message"]
    assert groups == {
        "FAILED: Access Denied trying to call AWS Backup service": refused.stopped_summary["failed"]
    }
    closing = refused.stopped.stderr.strip().splitlines()[-1]
    assert f"status --state-file {refused.state}" in closing
    # Text output keeps each cause, on a line of its own: the count, a tab, the cause.
    cause = "FAILED: Access Denied trying to call AWS Backup service"
    line = f"{refused.stopped_summary['failed']}\t{cause}"
    assert line in refused.stopped_status_text.splitlines(), refused.stopped_status_text


def test_after_the_grant_is_fixed_retry_failed_copies_every_item_exactly_once(
    refused: Refused,
) -> None:
    run, summary = refused.retried, refused.retried_summary
    assert run.returncode == 0, run.stderr
    assert summary["retried_failed"] == refused.stopped_summary["failed"]
    assert (summary["failed"], summary["pending"]) == (0, 0)
    assert summary["completed"] == summary["planned_items"]
    assert max(refused.copies.values()) == 1
    assert sum(refused.copies.values()) == summary["planned_items"]


# -- kill -9 while --include-new extends the plan ------------------------------------------------


def test_kill_9_during_include_new_then_resume_copies_everything_exactly_once(
    tmp_path: Path,
) -> None:
    state = tmp_path / "migration.jsonl"
    rng = random.Random(20261126)
    with served(tmp_path, copy_config(seed=25, **QUICK), SeedSpec(recovery_points=600)) as box:
        selection = ("--vault", box.vaults[0], "--created-after", recent())
        first = box.run(*copy_args(state, *selection))
        assert first.returncode == 0, first.stderr
        box.add_recovery_points(1500)
        args = copy_args(state, *selection, "--resume")
        sizes = {len(StateStore(state).read()[1])}
        for _ in range(4):
            proc = box.start(*args, "--include-new")
            time.sleep(rng.uniform(0.4, 2.0))
            proc.send_signal(signal.SIGKILL)
            proc.communicate(timeout=30)
            sizes.add(len(StateStore(state).read()[1]))  # loads after every kill
        final = box.run(*args, "--include-new")
        assert final.returncode == 0, final.stderr
        _, recorded = StateStore(state).read()
        copies = box.copies_by_source()
    assert len(sizes) <= 2  # the plan before the extension, or after it
    arns = [item.source_arn for item in recorded.items]
    assert len(arns) == len(set(arns))
    assert Counter(Status(s).name for s in recorded.status) == {"COMPLETED": len(arns)}
    assert all(copies[arn] == 1 for arn in arns) and max(copies.values()) == 1
