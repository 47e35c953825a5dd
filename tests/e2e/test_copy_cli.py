"""`copy` run as a user runs it, in a subprocess, against a sandbox served over HTTP.

Every expectation is read from the sandbox's own records (its copy jobs, the recovery points in
its vaults, its call counters), never from the tool's output alone; the copy rules are written
out again below (nothing is imported from the product's planning code). The product is imported
only to read its journal (StateStore) the way `--resume` reads it.

Simulated time runs `time_scale` times faster than the wall clock, so two things are scaled to
stay as they are against AWS: the IdempotencyToken window is a day of *wall* time (the tool
repeats a call within seconds, never a simulated day later); cold storage goes by the caller's
calendar, as on AWS, so recovery points do not turn cold just because the copy clock ran ahead
(should one turn cold mid-run, the tool records StartCopyJob's refusal as AWS's message).
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from harness import (
    COPYABLE_STATUSES,
    DEST,
    FULLY_MANAGED_TYPES,
    REGION,
    SOURCE,
    TERMINAL,
    Job,
    Point,
    Run,
    Truth,
    clean_environ,
    copy_args,
    copy_config,
    mode,
    recent,
    run_cli,
    served,
)

from shuffle_aws_vaults.domain.migration import Status
from shuffle_aws_vaults.infrastructure.journal_store import StateStore
from shuffle_aws_vaults.sandbox import SeedSpec, messages
from shuffle_aws_vaults.sandbox.config import FaultConfig

pytestmark = pytest.mark.e2e

MAIN_RECOVERY_POINTS = 2000
MAIN_TIME_SCALE = 10_000.0
REPORT_COLUMNS = [
    "source_recovery_point_arn",
    "vault",
    "resource_arn",
    "resource_type",
    "final_state",
    "copy_job_id",
    "destination_recovery_point_arn",
    "attempts",
    "error_code",
    "error_message",
    "lifecycle",
    "lifecycle_clamped",
]
SUMMARY_FIELDS = frozenset(
    {
        "total_items",
        "planned_items",
        "already_copied",
        "completed",
        "failed",
        "skipped",
        "in_progress",
        "duration_seconds",
        "duration_formatted",
        "start_time",
        "end_time",
        "success_rate",
        "throughput_per_hour",
        "failures",
        "api_calls",
        "retries",
        "throttles",
        "bytes_copied",
        "skipped_by_reason",
    }
)
# The dry run's estimate assumes AWS's figures: 100 MiB/s and 2 minutes per job.
ASSUMED_BANDWIDTH = 100 * 1024**2
ASSUMED_OVERHEAD = 120.0


# -- the tool's journal -----------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedItem:
    source_arn: str
    source_vault: str
    resource_arn: str
    resource_type: str
    size: int
    dest_vault_arn: str


@dataclass(frozen=True)
class Journal:
    """The state file as `--resume` reads it."""

    identity: dict[str, Any]
    items: tuple[PlannedItem, ...]
    status: tuple[str, ...]
    job_ids: tuple[str | None, ...]
    dest_arns: dict[int, str]
    failures: dict[int, tuple[str, str]]
    attempts: tuple[int, ...]

    def count(self, status: str) -> int:
        return sum(1 for s in self.status if s == status)


def read_journal(path: Path) -> Journal:
    identity, state, journal = StateStore(path).load()
    journal.close()
    return Journal(
        identity=identity,
        items=tuple(
            PlannedItem(
                item.source_arn,
                item.source_vault,
                item.resource_arn,
                item.resource_type,
                item.size_bytes,
                item.dest_vault_arn,
            )
            for item in state.items
        ),
        status=tuple(Status(s).name for s in state.status),
        job_ids=tuple(state.job_ids),
        dest_arns=dict(state.dest_arns),
        failures={i: (f.code, f.message) for i, f in state.failures.items()},
        attempts=tuple(state.attempts),
    )


# -- the rules, written out again --------------------------------------------------------------


def exclusion(point: Point, now: float, aws_managed: Mapping[str, bool | None]) -> str | None:
    """Why AWS Backup cannot copy `point` to another account at `now`, or None."""
    if point.status not in COPYABLE_STATUSES:
        return "status-not-completed"
    if ":recovery-point:continuous:" in point.arn:
        return "continuous-backup"
    if point.cold_at is not None and point.cold_at <= now:
        return "cold-storage"
    backup_owned = point.arn.split(":")[2] == "backup"
    if point.resource_type == "DynamoDB" and not backup_owned:
        return "type-not-copyable"
    if point.resource_type == "FSx" and ":volume/" in point.resource_arn:
        return "type-not-copyable"
    if point.resource_type == "RDS" and ":cluster:" in point.resource_arn:
        return "type-not-copyable"
    if (
        aws_managed.get(point.key or "") is True
        and point.resource_type not in FULLY_MANAGED_TYPES
        and not backup_owned
    ):
        return "aws-managed-kms-key"
    return None


@dataclass(frozen=True)
class Expected:
    included: tuple[Point, ...]
    excluded: Counter[str]

    @property
    def arns(self) -> set[str]:
        return {p.arn for p in self.included}


def expected_plan(
    points: Sequence[Point], at: datetime, aws_managed: Mapping[str, bool | None]
) -> Expected:
    included: list[Point] = []
    excluded: Counter[str] = Counter()
    for point in points:
        reason = exclusion(point, at.timestamp(), aws_managed)
        if reason is None:
            included.append(point)
        else:
            excluded[reason] += 1
    return Expected(tuple(included), excluded)


def dest_vault_arn(vault: str) -> str:
    return f"arn:aws:backup:{REGION}:{DEST}:backup-vault:{vault}"


def human(size: float) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def duration_text(seconds: float) -> str:
    whole = round(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m {secs}s"
    return f"{secs}s"


# AWS's documented per-service limits, which --dry-run's estimate assumes.
DOCUMENTED_LIMITS = {("EBS",): 20, ("RDS", "Aurora"): 20}


def estimate(points: Sequence[Point], workers: int) -> float:
    chains: dict[str, float] = defaultdict(float)
    groups: dict[tuple[str, ...], float] = defaultdict(float)
    for point in points:
        seconds = ASSUMED_OVERHEAD + point.size / ASSUMED_BANDWIDTH
        chains[point.resource_arn] += seconds
        for group in DOCUMENTED_LIMITS:
            if point.resource_type in group:
                groups[group] += seconds
    limited = [groups[group] / limit for group, limit in DOCUMENTED_LIMITS.items()]
    return max(sum(chains.values()) / workers, *limited, max(chains.values()))


# -- exactly once ------------------------------------------------------------------------------


def aws_failure_message(item: PlannedItem, jobs: Sequence[Job], truth: Truth) -> str | None:
    """The message AWS gave for an item that ended without a copy, per the sandbox."""
    if jobs:
        last = max(jobs, key=lambda job: job.seq)
        return last.message if last.state == "FAILED" else None
    if truth.point(item.source_arn).cold_now:  # refused by StartCopyJob itself
        return messages.COLD.format(arn=item.source_arn)
    return None


def exactly_once_violations(journal: Journal, truth: Truth) -> list[str]:
    """Everything that contradicts "each planned item copied once, or failed with AWS's word"."""
    problems: list[str] = []
    jobs = truth.jobs_of()
    planned = [item.source_arn for item in journal.items]
    if len(planned) != len(set(planned)):
        problems.append("the plan names a recovery point twice")
    stray = sorted({job.source_arn for job in truth.jobs} - set(planned))
    if stray:
        problems.append(f"{len(stray)} recovery points outside the plan were copied: {stray[:3]}")
    unfinished = [job.job_id for job in truth.jobs if job.state not in TERMINAL]
    if unfinished:
        problems.append(f"{len(unfinished)} copy jobs still running: {unfinished[:3]}")
    for i, item in enumerate(journal.items):
        mine = jobs.get(item.source_arn, [])
        if any(job.dest_vault_arn != item.dest_vault_arn for job in mine):
            problems.append(f"{item.source_arn}: a job into another vault")
        completed = [job for job in mine if job.state == "COMPLETED"]
        status = journal.status[i]
        if status == "COMPLETED":
            if len(completed) != 1:
                problems.append(f"{item.source_arn}: {len(completed)} COMPLETED copy jobs")
            elif (journal.job_ids[i], journal.dest_arns.get(i)) != (
                completed[0].job_id,
                completed[0].dest_arn,
            ):
                problems.append(f"{item.source_arn}: journal job/ARN differ from the sandbox's")
        elif status == "FAILED":
            if completed:
                problems.append(f"{item.source_arn}: FAILED, but AWS completed {len(completed)}")
            message = journal.failures.get(i, ("", ""))[1]
            if message != aws_failure_message(item, mine, truth):
                problems.append(f"{item.source_arn}: FAILED with {message!r}, not AWS's message")
        else:
            problems.append(f"{item.source_arn}: ended {status}")
    for vault, arns in truth.dest_points.items():
        landed = [job.dest_arn for job in truth.completed if job.dest_vault_arn.endswith(vault)]
        if len(arns) != len(set(arns)):
            problems.append(f"destination vault {vault} holds an ARN twice")
        if sorted(arns) != sorted(a for a in landed if a):
            problems.append(
                f"destination vault {vault}: {len(arns)} recovery points, "
                f"{len(landed)} completed copies into it"
            )
    return problems


def state_files(path: Path) -> list[Path]:
    return [path, path.with_name(path.name + ".snapshot"), path.with_name(path.name + ".lock")]


def parse_time(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    assert value.tzinfo is not None, text
    return value


# -- the main run: 2,000 recovery points, a dry run, then the copy ------------------------------


@dataclass(frozen=True)
class MainRun:
    dry: Run
    dry_stats: dict[str, Any]
    dry_source_calls: dict[str, int]
    dry_expected: tuple[Expected, Expected]  # at the dry run's launch and exit
    dry_state_written: bool
    run: Run
    expected: tuple[Expected, Expected]  # at the copy's launch and its start_time
    truth: Truth
    journal: Journal
    summary: dict[str, Any]
    report: list[dict[str, str]]
    report_header: list[str]
    modes: dict[str, int]


@pytest.fixture(scope="module")
def main_run(tmp_path_factory: pytest.TempPathFactory) -> MainRun:
    """A dry run, then the copy of all vaults, on a fresh 2,000-recovery-point sandbox.

    At 10,000 simulated seconds per second the copy takes about 15 s of wall time, bounded by
    the tool's own 2,000 StartCopyJob calls and the longest chain of one resource's copies.
    """
    workdir = tmp_path_factory.mktemp("copy-main")
    state = workdir / "state" / "migration.jsonl"
    state.parent.mkdir()
    summary_path, report_path = workdir / "summary.json", workdir / "report.csv"
    config = copy_config(MAIN_TIME_SCALE, 1)
    with served(workdir, config, SeedSpec(recovery_points=MAIN_RECOVERY_POINTS)) as box:
        before = box.truth()
        verdicts = box.key_verdicts({p.key for p in before.points if p.key})
        dry = box.run(*copy_args(state, "--dry-run"))
        dry_stats = box.stats()
        dry_source_calls = box.source_calls()
        dry_expected = (
            expected_plan(before.points, dry.launched, verdicts),
            expected_plan(before.points, dry.exited, verdicts),
        )
        dry_state_written = any(path.exists() for path in state_files(state))
        run = box.run(
            *copy_args(
                state,
                "--summary-output",
                str(summary_path),
                "--report-csv",
                str(report_path),
            )
        )
        truth = box.truth()
    assert "Traceback" not in run.stderr, run.stderr
    assert summary_path.exists(), run.stderr
    summary = json.loads(summary_path.read_text())
    with report_path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        report = list(reader)
        header = list(reader.fieldnames or [])
    modes = {p.name: mode(p) for p in [*state_files(state), summary_path, report_path]}
    started = parse_time(summary["start_time"])
    expected = (
        expected_plan(before.points, run.launched, verdicts),
        expected_plan(before.points, started, verdicts),
    )
    return MainRun(
        dry=dry,
        dry_stats=dry_stats,
        dry_source_calls=dry_source_calls,
        dry_expected=dry_expected,
        dry_state_written=dry_state_written,
        run=run,
        expected=expected,
        truth=truth,
        journal=read_journal(state),
        summary=summary,
        report=report,
        report_header=header,
        modes=modes,
    )


def parse_dry_run(text: str) -> dict[str, Any]:
    sections: dict[str, dict[str, tuple[int, str]]] = {}
    current: str | None = None
    parsed: dict[str, Any] = {"sections": sections}
    for line in text.splitlines():
        if line.startswith("Plan: "):
            match = re.fullmatch(
                r"Plan: ([\d,]+) recovery points, (\S+ \w+) \(of ([\d,]+) listed; "
                r"([\d,]+) excluded\)\.",
                line,
            )
            assert match, line
            parsed["plan"] = (
                int(match[1].replace(",", "")),
                match[2],
                int(match[3].replace(",", "")),
                int(match[4].replace(",", "")),
            )
        elif line.startswith("Estimated duration"):
            parsed["estimate"] = line
        elif line.endswith(":") and not line.startswith(" "):
            current = line[:-1]
            sections[current] = {}
        elif line.startswith("  ") and current is not None:
            if current == "Excluded by reason":
                name, count, _ = line.split(maxsplit=2)
                sections[current][name] = (int(count.replace(",", "")), "")
            else:
                match = re.fullmatch(r"  (\S.*?)\s+([\d,]+)\s+(\S+ \w+)", line)
                assert match, line
                sections[current][match[1]] = (int(match[2].replace(",", "")), match[3])
    return parsed


def rendered_plan(expected: Expected) -> dict[str, Any]:
    """The dry run's numbers for an expected plan, as the dry run prints them."""
    by_vault: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_type: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for point in expected.included:
        for table, key in ((by_vault, point.vault), (by_type, point.resource_type)):
            table[key][0] += 1
            table[key][1] += point.size
    total = sum(p.size for p in expected.included)
    excluded = sum(expected.excluded.values())
    return {
        "plan": (len(expected.included), human(total), len(expected.included) + excluded, excluded),
        "sections": {
            "By vault": {name: (n, human(size)) for name, (n, size) in by_vault.items()},
            "By resource type": {name: (n, human(size)) for name, (n, size) in by_type.items()},
            **(
                {"Excluded by reason": {r: (n, "") for r, n in expected.excluded.items()}}
                if expected.excluded
                else {}
            ),
        },
        "estimate": duration_text(estimate(expected.included, 100)),
    }


def test_a_dry_run_starts_no_copy_job_and_writes_no_state(main_run: MainRun) -> None:
    assert main_run.dry.returncode == 0, main_run.dry.stderr
    assert "Traceback" not in main_run.dry.stderr and "error" not in main_run.dry.stderr
    assert main_run.dry_stats["calls"].get("StartCopyJob", 0) == 0
    assert main_run.dry_stats["jobs_by_state"] == {}
    assert main_run.dry_state_written is False


DRY_RUN_TABLES = ("By vault", "By resource type", "Excluded by reason")


def test_a_dry_run_prints_counts_and_bytes_by_vault_and_type_and_exclusions_by_reason(
    main_run: MainRun,
) -> None:
    printed = parse_dry_run(main_run.dry.stdout)
    shown = (printed["plan"], {t: printed["sections"].get(t) for t in DRY_RUN_TABLES})
    candidates = [rendered_plan(expected) for expected in main_run.dry_expected]
    assert shown in [
        (c["plan"], {t: c["sections"].get(t) for t in DRY_RUN_TABLES}) for c in candidates
    ], main_run.dry.stdout
    assert printed["plan"][2] == MAIN_RECOVERY_POINTS


def test_a_dry_run_prints_the_estimated_duration_at_the_workers_given(main_run: MainRun) -> None:
    line = parse_dry_run(main_run.dry.stdout)["estimate"]
    match = re.fullmatch(
        r"Estimated duration at 100 concurrent jobs: (.+?), bound by .+? \(.*\)\.", line
    )
    assert match, line
    assert match[1] in {rendered_plan(e)["estimate"] for e in main_run.dry_expected}


def test_copy_plans_exactly_the_recovery_points_aws_can_copy(main_run: MainRun) -> None:
    planned = {item.source_arn for item in main_run.journal.items}
    assert planned in [expected.arns for expected in main_run.expected]
    for item in main_run.journal.items:
        point = main_run.truth.point(item.source_arn)
        assert (item.source_vault, item.resource_arn, item.resource_type, item.size) == (
            point.vault,
            point.resource_arn,
            point.resource_type,
            point.size,
        )
        assert item.dest_vault_arn == dest_vault_arn(point.vault)


def test_copy_completes_every_planned_item_exactly_once(main_run: MainRun) -> None:
    journal, truth = main_run.journal, main_run.truth
    assert exactly_once_violations(journal, truth) == []
    assert journal.count("COMPLETED") == len(truth.completed) > 0.9 * len(journal.items)
    assert journal.count("COMPLETED") + journal.count("FAILED") == len(journal.items)


def test_destination_vaults_hold_as_many_recovery_points_as_completed_copies(
    main_run: MainRun,
) -> None:
    truth = main_run.truth
    per_vault = Counter(job.dest_vault_arn.rsplit(":", 1)[1] for job in truth.completed)
    held = {vault: len(arns) for vault, arns in truth.dest_points.items() if arns}
    assert held == dict(per_vault)
    assert sum(held.values()) == main_run.summary["completed"]
    all_dest = [arn for arns in truth.dest_points.values() for arn in arns]
    assert len(all_dest) == len(set(all_dest))


def test_failed_items_carry_aws_message_and_set_the_exit_status(main_run: MainRun) -> None:
    journal, truth = main_run.journal, main_run.truth
    jobs = truth.jobs_of()
    failed = [i for i, s in enumerate(journal.status) if s == "FAILED"]
    for i in failed:
        item = journal.items[i]
        assert journal.failures[i][1] == aws_failure_message(
            item, jobs.get(item.source_arn, []), truth
        )
    failed_jobs = {job.source_arn for job in truth.jobs if job.state == "FAILED"}
    assert failed_jobs <= {journal.items[i].source_arn for i in failed}
    assert main_run.run.returncode == (1 if failed else 0), main_run.run.stderr


def test_summary_counts_agree_with_the_sandbox(main_run: MainRun) -> None:
    summary, truth, journal = main_run.summary, main_run.truth, main_run.journal
    assert set(summary) >= SUMMARY_FIELDS
    completed = len(truth.completed)
    failed = journal.count("FAILED")
    assert summary["planned_items"] == len(journal.items)
    # The original design's contract, which scripts check.
    parts = ("completed", "failed", "skipped", "in_progress", "pending")
    assert summary["total_items"] == sum(summary[part] for part in parts)
    assert (summary["completed"], summary["failed"]) == (completed, failed)
    assert (summary["in_progress"], summary["pending"]) == (0, 0)
    assert summary["skipped"] == MAIN_RECOVERY_POINTS - len(journal.items)
    assert summary["skipped"] == sum(summary["skipped_by_reason"].values())
    expected_reasons = [dict(expected.excluded) for expected in main_run.expected]
    assert summary["skipped_by_reason"] in expected_reasons
    assert summary["bytes_copied"] == sum(job.size for job in truth.completed)
    assert summary["success_rate"] == round(100 * completed / (completed + failed), 2)
    assert summary["stop_reason"] == "finished"


def test_summary_failures_list_each_failed_item_with_aws_message(main_run: MainRun) -> None:
    summary, truth, journal = main_run.summary, main_run.truth, main_run.journal
    jobs = truth.jobs_of()
    by_arn = {item.source_arn: item for item in journal.items}
    listed = {failure["recovery_point_arn"]: failure for failure in summary["failures"]}
    failed = {journal.items[i].source_arn for i, s in enumerate(journal.status) if s == "FAILED"}
    assert set(listed) == failed
    start, end = parse_time(summary["start_time"]), parse_time(summary["end_time"])
    for arn, failure in listed.items():
        expected = aws_failure_message(by_arn[arn], jobs.get(arn, []), truth)
        assert failure["error_message"] == expected
        assert start <= parse_time(failure["timestamp"]) <= end


def test_summary_timing_fields_describe_the_run(main_run: MainRun) -> None:
    summary, run = main_run.summary, main_run.run
    start, end = parse_time(summary["start_time"]), parse_time(summary["end_time"])
    assert run.launched <= start < end <= run.exited
    assert summary["duration_seconds"] == pytest.approx((end - start).total_seconds(), abs=0.002)
    assert summary["duration_formatted"] == duration_text(summary["duration_seconds"])
    per_hour = summary["completed"] * 3600 / summary["duration_seconds"]
    assert summary["throughput_per_hour"] == pytest.approx(per_hour, rel=1e-3, abs=0.1)


def test_summary_api_calls_retries_and_throttles_agree_with_the_sandbox(main_run: MainRun) -> None:
    summary, truth = main_run.summary, main_run.truth
    before = main_run.dry_source_calls  # the dry run's calls came first
    sandbox_calls = {
        op: n - before.get(op, 0) for op, n in truth.source_calls.items() if n > before.get(op, 0)
    }
    backup_calls = {op: n for op, n in summary["api_calls"].items() if op in sandbox_calls}
    assert backup_calls == sandbox_calls
    jobs = truth.jobs_of()
    refused = sum(
        1
        for i, s in enumerate(main_run.journal.status)
        if s == "FAILED" and main_run.journal.items[i].source_arn not in jobs
    )
    assert sandbox_calls["StartCopyJob"] == len(truth.jobs) + refused
    assert truth.stats["faults_injected"] == {}
    assert (summary["retries"], summary["throttles"]) == (0, 0)


def test_report_csv_has_one_row_per_planned_item_agreeing_with_the_copy_jobs(
    main_run: MainRun,
) -> None:
    journal, truth = main_run.journal, main_run.truth
    assert main_run.report_header == REPORT_COLUMNS
    assert [row["source_recovery_point_arn"] for row in main_run.report] == [
        item.source_arn for item in journal.items
    ]
    jobs = truth.jobs_of()
    for row, item in zip(main_run.report, journal.items, strict=True):
        point = truth.point(item.source_arn)
        assert (row["vault"], row["resource_arn"], row["resource_type"]) == (
            point.vault,
            point.resource_arn,
            point.resource_type,
        )
        mine = sorted(jobs.get(item.source_arn, []), key=lambda job: job.seq)
        completed = [job for job in mine if job.state == "COMPLETED"]
        if completed:
            assert (row["final_state"], row["copy_job_id"]) == ("COMPLETED", completed[0].job_id)
            assert row["destination_recovery_point_arn"] == completed[0].dest_arn
            assert (row["error_code"], row["error_message"]) == ("", "")
        else:
            assert row["final_state"] == "FAILED"
            assert row["copy_job_id"] == (mine[-1].job_id if mine else "")
            assert row["destination_recovery_point_arn"] == ""
            assert row["error_message"] == aws_failure_message(item, mine, truth)
        assert int(row["attempts"]) == max(1, len(mine))


def test_state_summary_and_report_files_are_private(main_run: MainRun) -> None:
    assert main_run.modes == {
        "migration.jsonl": 0o600,
        "migration.jsonl.snapshot": 0o600,
        "migration.jsonl.lock": 0o600,
        "summary.json": 0o600,
        "report.csv": 0o600,
    }


# -- at the copy quota --------------------------------------------------------------------------

QUOTA = 50


@dataclass(frozen=True)
class QuotaRun:
    at_quota: str
    run: Run
    truth: Truth
    journal: Journal
    summary: dict[str, Any]

    @property
    def refused(self) -> int:
        """Items StartCopyJob refused for good (no job was created for them)."""
        jobs = self.truth.jobs_of()
        return sum(
            1
            for i, s in enumerate(self.journal.status)
            if s == "FAILED" and self.journal.items[i].source_arn not in jobs
        )

    @property
    def limit_rejections(self) -> int:
        """StartCopyJob calls the sandbox answered with LimitExceededException."""
        calls = int(self.truth.stats["calls"]["StartCopyJob"])
        return calls - len(self.truth.jobs) - self.refused


def run_at_quota(workdir: Path, at_quota: str) -> QuotaRun:
    state, summary_path = workdir / "state.jsonl", workdir / "summary.json"
    # Copies of about two simulated minutes, each near a second of wall time: the quota fills
    # up. Only recent recovery points: short chains per resource keep the run short.
    config = copy_config(
        150.0, 3, copy_quota=QUOTA, at_quota=at_quota, bandwidth_bytes_per_second=1024.0**4
    )
    with served(workdir, config, SeedSpec(recovery_points=600)) as box:
        run = box.run(
            *copy_args(state, "--created-after", recent(), "--summary-output", str(summary_path))
        )
        truth = box.truth()
    assert "Traceback" not in run.stderr, run.stderr
    assert summary_path.exists(), run.stderr
    return QuotaRun(at_quota, run, truth, read_journal(state), json.loads(summary_path.read_text()))


@pytest.fixture(scope="module")
def reject_run(tmp_path_factory: pytest.TempPathFactory) -> QuotaRun:
    """StartCopyJob answers LimitExceededException at the quota."""
    return run_at_quota(tmp_path_factory.mktemp("copy-quota-reject"), "reject")


@pytest.fixture(scope="module")
def queue_run(tmp_path_factory: pytest.TempPathFactory) -> QuotaRun:
    """StartCopyJob at the quota queues the job in CREATED."""
    return run_at_quota(tmp_path_factory.mktemp("copy-quota-queue"), "queue")


AT_QUOTA = pytest.mark.parametrize("at_quota", ["reject", "queue"])


@AT_QUOTA
def test_at_the_quota_every_item_is_copied_exactly_once(
    request: pytest.FixtureRequest, at_quota: str
) -> None:
    quota_run: QuotaRun = request.getfixturevalue(f"{at_quota}_run")
    journal = quota_run.journal
    assert quota_run.run.returncode == (1 if journal.count("FAILED") else 0), quota_run.run.stderr
    assert exactly_once_violations(journal, quota_run.truth) == []
    assert journal.count("COMPLETED") == len(quota_run.truth.completed) > 100
    assert quota_run.summary["stop_reason"] == "finished"


@AT_QUOTA
def test_the_sandbox_never_runs_more_copy_jobs_than_the_quota(
    request: pytest.FixtureRequest, at_quota: str
) -> None:
    quota_run: QuotaRun = request.getfixturevalue(f"{at_quota}_run")
    peak = quota_run.truth.stats["peak_running"]
    assert peak <= QUOTA
    assert peak == QUOTA, "the run never filled the quota, so it proves nothing"


def test_in_queue_mode_nothing_is_rejected_retried_or_throttled(queue_run: QuotaRun) -> None:
    assert queue_run.limit_rejections == 0
    assert (queue_run.summary["retries"], queue_run.summary["throttles"]) == (0, 0)


def test_in_reject_mode_limit_exceeded_answers_are_retried_and_counted_as_retries(
    reject_run: QuotaRun,
) -> None:
    assert reject_run.limit_rejections > 0
    assert reject_run.summary["retries"] == reject_run.limit_rejections


def test_in_reject_mode_the_summary_counts_the_limit_exceeded_answers_apart_from_throttles(
    reject_run: QuotaRun,
) -> None:
    # LimitExceeded concerns concurrent jobs, not the rate of calls: never a throttle.
    assert reject_run.limit_rejections > 0
    assert reject_run.summary["limit_refusals"] == reject_run.limit_rejections
    assert reject_run.summary["throttles"] == 0


# -- under faults -----------------------------------------------------------------------------

FAULT_TIME_SCALE = 2000.0
CREDENTIAL_TTL_WALL_SECONDS = 2.0


@dataclass(frozen=True)
class FaultyRun:
    run: Run
    truth: Truth
    journal: Journal
    summary: dict[str, Any]


@pytest.fixture(scope="module")
def faulty_run(tmp_path_factory: pytest.TempPathFactory) -> FaultyRun:
    workdir = tmp_path_factory.mktemp("copy-faults")
    state, summary_path = workdir / "state.jsonl", workdir / "summary.json"
    faults = FaultConfig(
        throttle_rate=0.2,
        unavailable_rate=0.05,
        drop_rate=0.02,
        job_failure_rate=0.03,
        # Simulated seconds: the role's credentials expire every couple of wall seconds.
        credential_ttl_seconds=CREDENTIAL_TTL_WALL_SECONDS * FAULT_TIME_SCALE,
    )
    config = copy_config(FAULT_TIME_SCALE, 5, faults=faults, bandwidth_bytes_per_second=1024.0**4)
    with served(workdir, config, SeedSpec(recovery_points=1000)) as box:
        run = box.run(
            *copy_args(state, "--created-after", recent(), "--summary-output", str(summary_path))
        )
        truth = box.truth()
    assert "Traceback" not in run.stderr, run.stderr
    assert summary_path.exists(), run.stderr
    return FaultyRun(run, truth, read_journal(state), json.loads(summary_path.read_text()))


def test_under_faults_every_item_ends_completed_or_failed_with_aws_message(
    faulty_run: FaultyRun,
) -> None:
    journal = faulty_run.journal
    assert faulty_run.summary["stop_reason"] == "finished", faulty_run.run.stderr
    assert journal.count("COMPLETED") + journal.count("FAILED") == len(journal.items) > 100
    assert faulty_run.run.returncode == (1 if journal.count("FAILED") else 0)
    assert exactly_once_violations(journal, faulty_run.truth) == []


def test_under_faults_no_recovery_point_is_copied_twice(faulty_run: FaultyRun) -> None:
    truth = faulty_run.truth
    copies = Counter(job.source_arn for job in truth.completed)
    assert [arn for arn, n in copies.items() if n > 1] == []
    landed = [arn for arns in truth.dest_points.values() for arn in arns]
    assert len(landed) == len(set(landed)) == len(truth.completed)


def test_the_faults_really_happened_and_failed_jobs_were_retried(faulty_run: FaultyRun) -> None:
    truth, summary, journal = faulty_run.truth, faulty_run.summary, faulty_run.journal
    injected = truth.stats["faults_injected"]
    assert all(
        injected.get(kind, 0) > 0
        for kind in ("ThrottlingException", "ServiceUnavailableException", "drop-connection")
    ), injected
    transient = [job for job in truth.jobs if job.message == messages.TRANSIENT_FAILURE]
    assert transient, "no copy job failed transiently"
    given_up = sum(
        1
        for i, s in enumerate(journal.status)
        if s == "FAILED" and journal.failures[i][1] == messages.TRANSIENT_FAILURE
    )
    assert summary["job_retries"] == len(transient) - given_up
    # Every temporary key the sandbox saw is one AssumeRole: the role was assumed again.
    duration = summary["duration_seconds"]
    assert len(truth.temporary_keys) >= min(3, duration // CREDENTIAL_TTL_WALL_SECONDS)


# -- AWS-managed keys that KMS cannot describe ---------------------------------------------------


@dataclass(frozen=True)
class KeyFailureRun:
    run: Run
    verdicts: dict[str, bool | None]
    truth: Truth
    journal: Journal
    summary: dict[str, Any]

    @property
    def blocked(self) -> list[int]:
        """Planned items AWS cannot copy: an AWS-managed key on a type Backup does not manage."""
        return [
            i
            for i, item in enumerate(self.journal.items)
            if self.truth.point(item.source_arn).key in self.truth.aws_managed_keys
            and item.resource_type not in FULLY_MANAGED_TYPES
            and item.source_arn.split(":")[2] != "backup"
        ]


@pytest.fixture(scope="module")
def key_failure_run(tmp_path_factory: pytest.TempPathFactory) -> KeyFailureRun:
    """The AWS-managed keys are gone from KMS (as when kms:DescribeKey is denied): the plan
    cannot exclude their recovery points, and AWS fails their copy jobs."""
    from moto.kms.models import kms_backends

    workdir = tmp_path_factory.mktemp("copy-aws-managed-keys")
    state, summary_path = workdir / "state.jsonl", workdir / "summary.json"
    config = copy_config(3000.0, 2, bandwidth_bytes_per_second=1024.0**4)
    with served(workdir, config, SeedSpec(recovery_points=400, edge_case_share=0.4)) as box:
        world = box.sandbox.world
        assert world is not None
        for key_arn in world.aws_managed_keys:
            kms_backends[SOURCE][REGION].delete_key(key_arn.rsplit("/", 1)[1])
        verdicts = box.key_verdicts(set(world.aws_managed_keys))
        run = box.run(*copy_args(state, "--summary-output", str(summary_path)))
        truth = box.truth()
    assert "Traceback" not in run.stderr, run.stderr
    assert summary_path.exists(), run.stderr
    return KeyFailureRun(
        run, verdicts, truth, read_journal(state), json.loads(summary_path.read_text())
    )


def test_copies_aws_fails_for_an_aws_managed_key_end_failed_with_its_message_unretried(
    key_failure_run: KeyFailureRun,
) -> None:
    run, journal, truth = key_failure_run.run, key_failure_run.journal, key_failure_run.truth
    assert set(key_failure_run.verdicts.values()) == {None}
    blocked = key_failure_run.blocked
    assert len(blocked) >= 5
    jobs = truth.jobs_of()
    texts = {messages.AWS_MANAGED_KEY_SNAPSHOT} | {
        messages.AWS_MANAGED_KEY_RDS.format(key=key) for key in truth.aws_managed_keys
    }
    for i in blocked:
        arn = journal.items[i].source_arn
        (job,) = jobs[arn]  # a permanent failure is never retried
        assert (job.state, job.message in texts) == ("FAILED", True)
        assert journal.status[i] == "FAILED"
        assert journal.failures[i][1] == job.message
    failures = {
        f["recovery_point_arn"]: f["error_message"] for f in key_failure_run.summary["failures"]
    }
    assert {journal.items[i].source_arn for i in blocked} <= set(failures)
    assert key_failure_run.summary["failed"] == journal.count("FAILED") == len(failures)
    assert exactly_once_violations(journal, truth) == []
    assert run.returncode == 1, run.stderr


# -- bad flags ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        (["--workers", "0"], ["--workers", "1 to 500", "0"]),
        (["--workers", "-1"], ["--workers", "1 to 500", "-1"]),
        (["--workers", "1000"], ["--workers", "1 to 500", "1000"]),
        (["--resume", "--reset"], ["--resume", "--reset"]),
        (["--dest-account", None], ["--dest-account"]),
    ],
    ids=["workers-0", "workers-negative", "workers-1000", "resume-and-reset", "no-dest-account"],
)
def test_bad_copy_flags_give_one_error_line_and_exit_status_one(
    tmp_path: Path, flags: list[str | None], named: list[str]
) -> None:
    state = tmp_path / "state.jsonl"
    args = copy_args(state)
    if flags[1] is None:  # leave the flag out
        at = args.index(str(flags[0]))
        del args[at : at + 2]
    else:
        args += [flag for flag in flags if flag is not None]
    # Nothing listens on port 9: a call that got past validation could reach no AWS at all.
    env = {
        **clean_environ(),
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    proc = run_cli(*args, timeout=60, env=env)
    assert proc.returncode == 1
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert all(word in lines[0] for word in named), lines[0]
    assert proc.stdout == ""
    assert not any(path.exists() for path in state_files(state))
