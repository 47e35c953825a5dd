"""`copy --regions` against a sandbox serving two Regions (seeded 3:1): a migration per Region in
one migration directory, run side by side; kill -9, a runtime limit and --resume across both;
a Region that fails stops alone; one summary, one report, one exit status.

What counts is read from the sandbox's own records (its copy jobs and the recovery points that
landed in each Region's destination vaults) and from each Region's journal, read with the
product's StateStore as --resume reads it.
"""

from __future__ import annotations

import csv
import json
import random
import signal
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from harness import ACCOUNT_FLAGS, TERMINAL, Job, Run, copy_config, served

from shuffle_aws_vaults.domain.migration import Status
from shuffle_aws_vaults.infrastructure.journal_store import StateStore
from shuffle_aws_vaults.sandbox import SeedSpec

pytestmark = pytest.mark.e2e

EAST, WEST, ELSEWHERE = "us-east-1", "eu-west-1", "ap-south-1"
TIMEOUT = 240.0
RUN_FLAGS = ("--workers", "100", "--poll-interval", "0.2", "--no-progress")


def copy_regions(state_dir: Path, *extra: str) -> list[str]:
    return [
        "copy",
        *ACCOUNT_FLAGS,
        "--regions",
        f"{EAST},{WEST}",
        "--all-vaults",
        *RUN_FLAGS,
        "--state-dir",
        str(state_dir),
        *extra,
    ]


@dataclass(frozen=True)
class Journal:
    identity: dict[str, Any]
    items: list[tuple[str, str]]  # (source ARN, destination vault ARN)
    status: list[str]
    job_ids: list[str | None]
    dest_arns: dict[int, str]

    def count(self, *statuses: str) -> int:
        return sum(1 for status in self.status if status in statuses)


def read_journal(path: Path) -> Journal:
    identity, state = StateStore(path).read()
    return Journal(
        identity,
        [(item.source_arn, item.dest_vault_arn) for item in state.items],
        [Status(s).name for s in state.status],
        list(state.job_ids),
        dict(state.dest_arns),
    )


def region_of(arn: str) -> str:
    return arn.split(":")[3]


# -- kill -9, a runtime limit and --resume across two Regions ------------------------------------

KILL_SEED = 1_606
KILLS = 3


@dataclass(frozen=True)
class Migration:
    kills: list[float]
    limited: Run
    final: Run
    journals: dict[str, Journal]
    jobs: tuple[Job, ...]
    dest_points: dict[tuple[str, str], list[str]]
    seeded: dict[str, int]
    summary: dict[str, Any]
    report: list[dict[str, str]]


@pytest.fixture(scope="module")
def migration(tmp_path_factory: pytest.TempPathFactory) -> Migration:
    workdir = tmp_path_factory.mktemp("copy-regions")
    state, summary, report = workdir / "migration", workdir / "summary.json", workdir / "report.csv"
    rng = random.Random(KILL_SEED)
    kills: list[float] = []
    config = copy_config(10_000.0, 16, regions=(EAST, WEST))
    spec = SeedSpec(recovery_points=1200, region_shares=(3, 1))
    with served(workdir, config, spec, timeout=TIMEOUT) as box:
        assert box.sandbox.seeded is not None
        seeded = dict(box.sandbox.seeded.by_region)
        while len(kills) < KILLS:
            proc = box.start(*copy_regions(state, "--resume"))
            delay = rng.uniform(0.8, 2.5)
            try:
                proc.wait(timeout=delay)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGKILL)
                kills.append(delay)
            proc.communicate(timeout=TIMEOUT)
        limited = box.run(*copy_regions(state, "--resume", "--max-runtime-minutes", "0.01"))
        final = box.run(
            *copy_regions(
                state, "--resume", "--summary-output", str(summary), "--report-csv", str(report)
            )
        )
        journals = {region: read_journal(state / f"{region}.jsonl") for region in (EAST, WEST)}
        jobs, dest_points = box.jobs(), box.dest_points_by_region()
    with report.open() as handle:
        rows = list(csv.DictReader(handle))
    return Migration(
        kills,
        limited,
        final,
        journals,
        jobs,
        dest_points,
        seeded,
        json.loads(summary.read_text()),
        rows,
    )


def test_kill_9_landed_while_both_regions_were_copying(migration: Migration) -> None:
    assert len(migration.kills) == KILLS
    assert {region_of(job.source_arn) for job in migration.jobs} == {EAST, WEST}


def test_every_item_of_every_region_is_copied_exactly_once_in_its_own_region(
    migration: Migration,
) -> None:
    failed = sum(journal.count("FAILED") for journal in migration.journals.values())
    assert "Traceback" not in migration.final.stderr
    assert migration.final.returncode == (1 if failed else 0), migration.final.stderr
    by_source: dict[str, list[Job]] = {}
    for job in migration.jobs:
        by_source.setdefault(job.source_arn, []).append(job)
    assert [job.job_id for job in migration.jobs if job.state not in TERMINAL] == []
    for region, journal in migration.journals.items():
        assert journal.identity["source_region"] == journal.identity["dest_region"] == region
        assert journal.count("COMPLETED", "ALREADY_COPIED", "FAILED") == len(journal.items)
        for i, (arn, dest_vault) in enumerate(journal.items):
            assert region_of(arn) == region_of(dest_vault) == region
            completed = [job for job in by_source.get(arn, []) if job.state == "COMPLETED"]
            if journal.status[i] == "COMPLETED":
                assert len(completed) == 1, arn
                assert (journal.job_ids[i], journal.dest_arns.get(i)) == (
                    completed[0].job_id,
                    completed[0].dest_arn,
                )
            else:
                assert completed == [], arn
    landed = [arn for arns in migration.dest_points.values() for arn in arns]
    assert (
        len(landed)
        == len(set(landed))
        == sum(1 for job in migration.jobs if job.state == "COMPLETED")
    )
    for (region, _), arns in migration.dest_points.items():
        assert all(region_of(arn) in (region, "") for arn in arns)


def test_the_runtime_limit_stops_every_region_and_says_to_resume(migration: Migration) -> None:
    limited = migration.limited
    assert limited.returncode == 2, limited.stderr
    assert "run again with --resume" in limited.stderr
    assert f"  {EAST} -> {EAST}: " in limited.stderr
    assert "(runtime-limit)" in limited.stderr


def test_one_summary_adds_up_the_regions_and_keeps_a_section_for_each(
    migration: Migration,
) -> None:
    summary, journals = migration.summary, migration.journals
    assert set(summary["regions"]) == {EAST, WEST}
    for region, journal in journals.items():
        section = summary["regions"][region]
        assert section["dest_region"] == region
        assert section["planned_items"] == len(journal.items)
        assert section["completed"] == journal.count("COMPLETED", "ALREADY_COPIED")
        assert section["total_items"] == migration.seeded[region]
    for key in ("planned_items", "completed", "failed", "total_items", "skipped"):
        assert summary[key] == sum(section[key] for section in summary["regions"].values())
    assert summary["total_items"] == sum(migration.seeded.values())
    assert summary["regions_failed"] == [] and summary["stop_reason"] == "finished"
    # A request pacer per Region: each Region's section has its own, the top level all of them.
    assert set(summary["request_pacing"]) == {EAST, WEST}
    for region in (EAST, WEST):
        assert summary["regions"][region]["request_pacing"] == summary["request_pacing"][region]
        assert summary["regions"][region]["request_pacing"]["answered"] > 0


def test_one_report_csv_has_every_regions_items_with_a_region_column(migration: Migration) -> None:
    rows = migration.report
    assert next(iter(rows[0])) == "region"
    counts = Counter(row["region"] for row in rows)
    assert dict(counts) == {region: len(j.items) for region, j in migration.journals.items()}
    assert all(region_of(row["source_recovery_point_arn"]) == row["region"] for row in rows)


def test_progress_and_closing_lines_name_each_region_then_the_total(migration: Migration) -> None:
    err = migration.final.stderr
    assert f"  {EAST} -> {EAST}: " in err and f"  {WEST} -> {WEST}: " in err
    assert "All Regions: " in err
    assert f"[{EAST}] Resuming from " in err and f"[{WEST}] Resuming from " in err


# -- a Region that fails stops alone; the state's rules hold for the whole run -------------------


@dataclass(frozen=True)
class Refusals:
    dry_run: Run
    state_file: Run
    one_region_fails: Run
    failed_summary: dict[str, Any]
    without_resume: Run
    journal_before: bytes
    journal_after: bytes
    fixed: Run
    jobs: tuple[Job, ...]


@pytest.fixture(scope="module")
def refusals(tmp_path_factory: pytest.TempPathFactory) -> Refusals:
    workdir = tmp_path_factory.mktemp("copy-regions-refusals")
    state, summary = workdir / "migration", workdir / "summary.json"
    config = copy_config(10_000.0, 3, regions=(EAST, WEST))
    spec = SeedSpec(recovery_points=160, region_shares=(3, 1))
    with served(workdir, config, spec, timeout=TIMEOUT) as box:
        dry_run = box.run(*copy_regions(state, "--dry-run"))
        state_file = box.run(
            "copy", *ACCOUNT_FLAGS, "--regions", EAST, "--all-vaults", "--state-file", "x.jsonl"
        )
        # eu-west-1's copies go to a Region where the destination has no vaults: its preflight
        # fails, and only eu-west-1 stops.
        one_region_fails = box.run(
            *copy_regions(
                state, "--dest-region", f"{WEST}={ELSEWHERE}", "--summary-output", str(summary)
            )
        )
        failed_summary = json.loads(summary.read_text())
        before = (state / f"{EAST}.jsonl").read_bytes()
        without_resume = box.run(*copy_regions(state))
        after = (state / f"{EAST}.jsonl").read_bytes()
        fixed = box.run(*copy_regions(state, "--resume"))
        jobs = box.jobs()
    return Refusals(
        dry_run,
        state_file,
        one_region_fails,
        failed_summary,
        without_resume,
        before,
        after,
        fixed,
        jobs,
    )


def test_a_dry_run_prints_each_regions_plan_and_records_nothing(refusals: Refusals) -> None:
    run = refusals.dry_run
    assert run.returncode == 0, run.stderr
    assert f"Region {EAST} -> {EAST}:" in run.stdout and f"Region {WEST} -> {WEST}:" in run.stdout
    assert run.stdout.count("Plan: ") == 2


def test_a_state_file_with_several_regions_is_one_error_naming_state_dir(
    refusals: Refusals,
) -> None:
    run = refusals.state_file
    assert run.returncode == 1
    assert run.stderr.strip().splitlines() == [
        "error: --state-file names one route's journal: with --regions, --all-regions, "
        "--source-accounts or --organization give --state-dir (the migration directory)"
    ]


def test_a_region_whose_preflight_fails_stops_alone_and_the_exit_status_says_so(
    refusals: Refusals,
) -> None:
    run, summary = refusals.one_region_fails, refusals.failed_summary
    assert run.returncode == 1, run.stderr
    assert f"error: Region {WEST}: preflight failed" in run.stderr
    assert "FAIL  destination vaults exist" in run.stderr
    assert summary["regions_failed"] == [WEST] and summary["stop_reason"] == "fatal"
    east = summary["regions"][EAST]
    assert east["stop_reason"] == "finished" and east["pending"] == 0 and east["completed"] > 0
    assert summary["regions"][WEST]["error"].startswith("preflight failed")
    assert "Traceback" not in run.stderr


def test_a_state_left_without_resume_refuses_the_run_and_keeps_every_journal(
    refusals: Refusals,
) -> None:
    run = refusals.without_resume
    assert run.returncode == 1
    assert "a migration state already exists" in run.stderr and "--resume" in run.stderr
    assert refusals.journal_after == refusals.journal_before


def test_after_the_cause_is_fixed_resume_plans_the_stopped_region_and_copies_once(
    refusals: Refusals,
) -> None:
    run = refusals.fixed
    assert run.returncode in (0, 1), run.stderr
    assert f"[{EAST}] Resuming from " in run.stderr
    assert f"[{WEST}] no state at " in run.stderr  # the failed Region had recorded nothing
    completed = Counter(job.source_arn for job in refusals.jobs if job.state == "COMPLETED")
    assert [arn for arn, n in completed.items() if n > 1] == []
    assert {region_of(arn) for arn in completed} == {EAST, WEST}
