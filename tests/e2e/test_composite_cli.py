"""A migration of vaults that hold composite recovery points (CloudFormation stacks), the CLI in
a subprocess against a served sandbox: `filter` and `copy --dry-run` count the nested points
apart; `copy`, killed with SIGKILL at random moments and resumed, copies every composite
exactly once (AWS copies its nested points with it) and never a nested point on its own;
`verify` finds every composite's copy with its nested copies; a second `copy` with no journal
adopts the composites' copies.

What counts is read from the sandbox's own records: its copy jobs (ParentJobId, IsParent) and
the recovery points in the destination vaults.
"""

from __future__ import annotations

import csv
import io
import random
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from harness import ACCOUNT_FLAGS, DEST, SOURCE, Box, Run, copy_args, copy_config, recent, served

from shuffle_aws_vaults.domain.migration import Status
from shuffle_aws_vaults.infrastructure.journal_store import StateStore
from shuffle_aws_vaults.sandbox import SeedSpec

pytestmark = pytest.mark.e2e

SPEC = SeedSpec(recovery_points=900, vaults=2, composite_share=0.3)
KILL_SEED = 20_260_214
KILLS = 4
NESTED_LINE = "Nested recovery points: "


@dataclass(frozen=True)
class Source:
    """The seeded source vaults' composites and nested points, and the composites selected
    (filter's items: COMPLETED, and created in the window)."""

    composites: dict[str, Any]  # ARN -> StoredRecoveryPoint
    nested: dict[str, list[Any]]  # composite ARN -> its nested points
    selected: frozenset[str] = frozenset()

    @property
    def nested_arns(self) -> set[str]:
        return {rp.arn for points in self.nested.values() for rp in points}


def source_of(box: Box, filtered: dict[str, Any]) -> Source:
    points = [rp for vault in box.vaults for rp in box.points(SOURCE, vault)]
    nested: dict[str, list[Any]] = {}
    for rp in points:
        if rp.parent_arn is not None:
            nested.setdefault(rp.parent_arn, []).append(rp)
    composites = {rp.arn: rp for rp in points if rp.is_parent}
    listed = {item["recovery_point_arn"] for item in filtered["items"]}
    return Source(composites, nested, frozenset(listed & set(composites)))


@dataclass(frozen=True)
class Migrated:
    box: Box
    source: Source
    in_flight: list[int]
    early: int
    final: Run
    jobs: list[Any]  # the sandbox's CopyJob records after the resumed run
    journal: Any  # MigrationState
    verified: list[tuple[dict[str, Any], list[dict[str, str]]]]  # with, without the journal
    adopted: Run
    starts_after_adoption: int
    filtered: dict[str, Any]
    dry_run: Run
    listed: list[dict[str, Any]]


def verify(box: Box, *flags: str) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """verify's summary (--output json) and its rows (--output csv)."""
    args = ("verify", *ACCOUNT_FLAGS, "--all-vaults", *flags)
    summary = box.document(*args, status=0)["summary"]
    run = box.process(*args, "--output", "csv")
    assert run.returncode == 0, run.stderr
    return summary, list(csv.DictReader(io.StringIO(run.stdout)))


def in_flight_now(state_file: Any) -> int:
    _, state, store = StateStore(state_file).load()
    store.close()
    return sum(1 for i in range(len(state.items)) if state.status_of(i).in_flight)


def finish(proc: subprocess.Popen[str]) -> None:
    try:
        proc.communicate(timeout=180)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Migrated]:
    workdir = tmp_path_factory.mktemp("composite")
    state, again = workdir / "state.jsonl", workdir / "again.jsonl"
    rng = random.Random(KILL_SEED)
    with served(workdir, copy_config(1_500.0, 13), SPEC) as box:
        # Only recent recovery points: short chains per resource, a quick copy.
        since = ("--created-after", recent())
        filtered = box.document("filter", *ACCOUNT_FLAGS, "--all-vaults", *since, status=0)
        source = source_of(box, filtered)
        listed = box.document(
            "list", *ACCOUNT_FLAGS[:2], *ACCOUNT_FLAGS[4:6], "--all-vaults", status=0
        )
        dry_run = box.process(*copy_args(state, "--dry-run", *since))
        in_flight: list[int] = []  # intents and submitted jobs in the journal after each kill
        early = 0
        while len(in_flight) < KILLS:
            before = state.stat().st_mtime_ns if state.exists() else 0
            proc = box.start(*copy_args(state, "--resume", *since))
            # Killed a moment after this run has written its journal (copies under way), not
            # after a fixed time: on a loaded machine planning alone outlasted 2.6 s.
            deadline = time.monotonic() + 60.0
            while proc.poll() is None and time.monotonic() < deadline:
                if state.exists() and state.stat().st_mtime_ns != before:
                    break
                time.sleep(0.02)
            try:
                proc.wait(timeout=rng.uniform(0.2, 1.2))
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGKILL)
                finish(proc)
                in_flight.append(in_flight_now(state) if state.exists() else 0)
            else:
                finish(proc)
                early += 1
                break
        final = box.process(*copy_args(state, "--resume", *since))
        jobs = list(box.world.copy_jobs())
        _, journal, store = StateStore(state).load()
        store.close()
        journals = (("--state-file", str(state)), ())
        verified = [verify(box, *since, *journalled) for journalled in journals]
        starts = box.started_copies()
        adopted = box.process(*copy_args(again, *since))
        yield Migrated(
            box,
            source,
            in_flight,
            early,
            final,
            jobs,
            journal,
            verified,
            adopted,
            box.started_copies() - starts,
            filtered,
            dry_run,
            listed,
        )


def test_the_seeded_vaults_hold_composites_with_nested_points(migrated: Migrated) -> None:
    source = migrated.source
    assert len(source.selected) >= 10
    assert set(source.nested) <= set(source.composites)
    assert all(source.nested.get(arn) for arn in source.selected)


def test_filter_counts_nested_points_apart_and_lists_none_as_an_item(migrated: Migrated) -> None:
    summary = migrated.filtered["summary"]
    source = migrated.source
    listed = {item["recovery_point_arn"] for item in migrated.filtered["items"]}
    assert listed.isdisjoint(source.nested_arns)
    assert source.selected <= listed
    assert summary["nested_listed"] == len(source.nested_arns)
    assert summary["composites_included"] == len(source.selected)
    assert summary["nested_included"] == sum(len(source.nested[arn]) for arn in source.selected)
    # Nested points are no items: the counts add up without them.
    assert (
        summary["total"]
        == summary["included"] + summary["excluded"]
        == SPEC.recovery_points - len(source.nested_arns)
    )


def test_list_shows_each_nested_point_as_copied_with_its_composite(migrated: Migrated) -> None:
    copyable = {row["recovery_point_arn"]: row["copyable"] for row in migrated.listed}
    nested = migrated.source.nested_arns
    assert {copyable[arn] for arn in nested} == {"with its composite"}
    assert {copyable[arn] for arn in migrated.source.selected} == {"yes"}


def test_a_dry_run_says_the_nested_points_go_with_their_composites(migrated: Migrated) -> None:
    run = migrated.dry_run
    assert run.returncode == 0, run.stderr
    [line] = [line for line in run.stdout.splitlines() if line.startswith(NESTED_LINE)]
    assert f"go with the {len(migrated.source.selected):,} composite(s) selected" in line


def test_after_kills_and_resumes_every_composite_is_copied_exactly_once(migrated: Migrated) -> None:
    assert migrated.early == 0 and len(migrated.in_flight) == KILLS
    assert any(n > 0 for n in migrated.in_flight), migrated.in_flight
    assert migrated.final.returncode == 0, migrated.final.stderr
    assert "Resuming from" in migrated.final.stderr
    parents = [job for job in migrated.jobs if job.is_parent]
    completed = Counter(
        job.source_recovery_point_arn for job in parents if job.state == "COMPLETED"
    )
    assert set(completed) == migrated.source.selected
    assert set(completed.values()) == {1}
    assert {job.state for job in migrated.jobs} == {"COMPLETED"}


def test_no_nested_point_is_ever_copied_on_its_own(migrated: Migrated) -> None:
    nested = migrated.source.nested_arns
    alone = [
        job.source_recovery_point_arn
        for job in migrated.jobs
        if job.source_recovery_point_arn in nested and job.parent_job_id is None
    ]
    assert alone == []
    children = [job for job in migrated.jobs if job.parent_job_id is not None]
    assert {job.source_recovery_point_arn for job in children} == {
        rp.arn for arn in migrated.source.selected for rp in migrated.source.nested[arn]
    }


def test_the_journal_holds_the_composites_with_their_parent_jobs_copies(migrated: Migrated) -> None:
    state = migrated.journal
    planned = {item.source_arn: i for i, item in enumerate(state.items)}
    assert set(planned).isdisjoint(migrated.source.nested_arns)
    by_source = {
        job.source_recovery_point_arn: job
        for job in migrated.jobs
        if job.is_parent and job.state == "COMPLETED"
    }
    for arn in migrated.source.selected:
        i = planned[arn]
        assert state.status_of(i) is Status.COMPLETED
        assert (state.job_ids[i], state.dest_arns[i]) == (
            by_source[arn].copy_job_id,
            by_source[arn].dest_recovery_point_arn,
        )


def test_each_composites_copy_holds_a_copy_of_each_nested_point(migrated: Migrated) -> None:
    box, source = migrated.box, migrated.source
    held = [rp for vault in box.vaults for rp in box.points(DEST, vault)]
    by_arn = {rp.arn: rp for rp in held}
    for job in migrated.jobs:
        if not job.is_parent:
            continue
        copy = by_arn[job.dest_recovery_point_arn]
        assert copy.is_parent and copy.status == "COMPLETED"
        nested = [rp for rp in held if rp.parent_arn == copy.arn]
        wanted = source.nested[job.source_recovery_point_arn]
        assert sorted((rp.resource_arn, rp.creation_date) for rp in nested) == sorted(
            (rp.resource_arn, rp.creation_date) for rp in wanted
        )


def test_verify_finds_every_composite_with_its_nested_copies_and_no_extras(
    migrated: Migrated,
) -> None:
    for summary, rows in migrated.verified:
        assert summary["verified"] == summary["total"] == len(rows) > 0
        assert summary["extra"] == 0
        composites = {
            row["source_recovery_point_arn"]: row["detail"]
            for row in rows
            if row["source_recovery_point_arn"] in migrated.source.selected
        }
        assert composites == {
            arn: f"with {len(migrated.source.nested[arn])} nested"
            for arn in migrated.source.selected
        }


def test_a_copy_without_the_journal_adopts_every_composites_copy(migrated: Migrated) -> None:
    run = migrated.adopted
    assert run.returncode == 0, run.stderr
    assert migrated.starts_after_adoption == 0
    assert "already in the destination (not copied again)" in run.stderr
