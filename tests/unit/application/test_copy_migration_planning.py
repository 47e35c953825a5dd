"""The copy use case's planning and resuming against the destination's truth, on fakes:
adoption of existing copies, --dry-run's count, a missing state under --resume, --retry-failed
and --include-new."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shuffle_aws_vaults.application.copy_migration import CopyMigration
from shuffle_aws_vaults.application.copy_request import (
    CopyPorts,
    CopyRequest,
    OpenedMigration,
    PlanPreview,
)
from shuffle_aws_vaults.application.selection_stage import SelectionRequest
from shuffle_aws_vaults.domain.copy_job import CopyJobInfo
from shuffle_aws_vaults.domain.events import Refused, Retried
from shuffle_aws_vaults.domain.migration import Status
from shuffle_aws_vaults.domain.recovery_point import RecoveryPoint
from shuffle_aws_vaults.domain.selection import Selection

from ..domain.factories import rp
from .migration_fakes import DEST, SOURCE, FakeAccount, MemoryStateStore, vault_arn
from .route_fakes import RecordingNotices

VAULT = "production-backups"
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def source_point(n: int, **overrides: Any) -> RecoveryPoint:
    fields: dict[str, Any] = {
        "arn": f"arn:aws:ec2:us-east-1::snapshot/snap-{n:04d}",
        "vault_name": VAULT,
        "resource_arn": f"arn:aws:ec2:us-east-1:{SOURCE}:volume/vol-{n:04d}",
        "creation_date": NOW - timedelta(days=2, seconds=n),
        "size_bytes": (n + 1) * 1024**3,
    }
    fields.update(overrides)
    return rp(**fields)


def copy_in_dest(source: RecoveryPoint, name: str) -> RecoveryPoint:
    """What AWS leaves in the destination vault: a new ARN, the source's other fields."""
    return rp(
        arn=f"arn:aws:ec2:us-east-1::snapshot/{name}",
        vault_name=VAULT,
        resource_arn=source.resource_arn,
        creation_date=source.creation_date,
        size_bytes=source.size_bytes,
        source_vault_arn=vault_arn(SOURCE, VAULT),
    )


class Rig:
    def __init__(self, points: int = 4) -> None:
        self.source = FakeAccount(SOURCE, [VAULT])
        self.dest = FakeAccount(DEST, [VAULT])
        self.source.points[VAULT] = [source_point(n) for n in range(points)]
        self.store = MemoryStateStore()
        self.notices = RecordingNotices()
        self.said = self.notices.said

    def ports(self) -> CopyPorts:
        return CopyPorts(
            source=self.source,
            dest=self.dest,
            keys=None,
            metadata=None,
            source_checks=None,  # type: ignore[arg-type]  # --skip-preflight
            statistics=None,  # type: ignore[arg-type]  # no run here
            reports=None,  # type: ignore[arg-type]
            executor=None,  # type: ignore[arg-type]
        )

    def open(self, **flags: Any) -> OpenedMigration | PlanPreview:
        request = CopyRequest(
            selection=SelectionRequest((VAULT,), False, Selection()),
            skip_preflight=True,
            **flags,
        )
        with CopyMigration(request, self.store, self.notices, lambda: NOW) as migration:
            migration.check_state()
            return migration.open(self.ports())

    def copied_already(self, n: int, name: str) -> RecoveryPoint:
        point = self.source.points[VAULT][n]
        self.dest.points[VAULT].append(copy_in_dest(point, name))
        return point


def opened(result: OpenedMigration | PlanPreview) -> OpenedMigration:
    assert isinstance(result, OpenedMigration)
    return result


def status_by_source(state: Any) -> dict[str, str]:
    return {item.source_arn: state.status_of(i).name for i, item in enumerate(state.items)}


def test_items_whose_copy_the_destination_holds_are_recorded_as_already_copied() -> None:
    rig = Rig()
    first = rig.copied_already(0, "snap-copy-0")
    third = rig.copied_already(2, "snap-copy-2")

    state = opened(rig.open()).state

    statuses = status_by_source(state)
    assert statuses[first.arn] == statuses[third.arn] == "ALREADY_COPIED"
    assert sorted(statuses.values()).count("PENDING") == 2
    assert sorted(state.dest_arns.values()) == [
        "arn:aws:ec2:us-east-1::snapshot/snap-copy-0",
        "arn:aws:ec2:us-east-1::snapshot/snap-copy-2",
    ]
    assert any("2 already in the destination" in line for line in rig.said)
    assert rig.store.read()[1].counts[Status.ALREADY_COPIED] == 2  # in what was recorded


def test_with_no_adopt_everything_is_planned_for_copying() -> None:
    rig = Rig()
    rig.copied_already(0, "snap-copy-0")
    state = opened(rig.open(adopt=False)).state
    assert set(status_by_source(state).values()) == {"PENDING"}
    assert rig.source.job_listings == 0


def test_a_copy_job_into_the_vault_picks_the_copy_among_look_alikes() -> None:
    rig = Rig(points=1)
    point = rig.copied_already(0, "snap-look-alike")
    rig.copied_already(0, "snap-real-copy")
    rig.source.jobs.append(
        CopyJobInfo(
            "job-1",
            "COMPLETED",
            point.arn,
            vault_arn(DEST, VAULT),
            dest_arn="arn:aws:ec2:us-east-1::snapshot/snap-real-copy",
        )
    )
    state = opened(rig.open()).state
    assert state.dest_arns == {0: "arn:aws:ec2:us-east-1::snapshot/snap-real-copy"}


def test_an_empty_destination_costs_no_copy_job_listing() -> None:
    rig = Rig()
    opened(rig.open())
    assert rig.source.job_listings == 0


def test_a_dry_run_counts_what_is_already_copied_and_records_nothing() -> None:
    rig = Rig()
    rig.copied_already(1, "snap-copy-1")
    preview = rig.open(dry_run=True)
    assert isinstance(preview, PlanPreview)
    assert (len(preview.items), preview.already_copied, len(preview.to_copy)) == (4, 1, 3)
    assert not rig.store.exists()


def test_resume_without_a_state_says_so_and_plans_a_new_migration() -> None:
    rig = Rig()
    opened(rig.open(resume=True))
    assert rig.said[0] == (
        "no state at /memory/state.jsonl: planning a new migration (adopting what the "
        "destination already holds)"
    )


def test_retry_failed_sends_every_failed_item_back_and_journals_it() -> None:
    rig = Rig()
    first = opened(rig.open())
    first.journal.append(Refused(1, "AccessDeniedException", "no grant", 1.0))
    first.journal.append(Refused(3, "AccessDeniedException", "no grant", 1.0))

    state = opened(rig.open(resume=True, retry_failed=True)).state

    assert [state.status_of(i) for i in (1, 3)] == [Status.PENDING, Status.PENDING]
    assert [e for e in rig.store.events if isinstance(e, Retried)] == [
        Retried(1, NOW.timestamp()),
        Retried(3, NOW.timestamp()),
    ]
    assert rig.store.read()[1].retried_failed == 2
    assert "--retry-failed: 2 failed item(s) will be copied again" in rig.said


def test_include_new_appends_recovery_points_created_since_the_plan() -> None:
    rig = Rig()
    opened(rig.open())
    later = [source_point(n, creation_date=NOW - timedelta(hours=n)) for n in (10, 11)]
    rig.source.points[VAULT] += later
    rig.copied_already(5, "snap-copy-11")  # a backup plan's copy rule got there first

    migration = opened(rig.open(resume=True, include_new=True))

    state = migration.state
    assert {item.source_arn for item in state.items[4:]} == {p.arn for p in later}
    added = {state.items[i].source_arn: state.status_of(i).name for i in range(4, 6)}
    assert added == {later[0].arn: "PENDING", later[1].arn: "ALREADY_COPIED"}
    identity, recorded = rig.store.read()
    assert len(recorded) == 6 and rig.store.extensions == 1
    assert identity["extensions"] == [{"at": NOW.isoformat(), "added": 2, "already_copied": 1}]
    assert any("2 recovery point(s) created since the plan added" in s for s in rig.said)


def test_include_new_with_nothing_new_changes_nothing() -> None:
    rig = Rig()
    opened(rig.open())
    opened(rig.open(resume=True, include_new=True))
    assert rig.store.extensions == 0
    assert "--include-new: 0 recovery point(s) created since the plan added" in rig.said


def test_without_include_new_resume_keeps_the_recorded_plan() -> None:
    rig = Rig()
    opened(rig.open())
    rig.source.points[VAULT].append(source_point(20))
    assert len(opened(rig.open(resume=True)).state) == 4


@pytest.mark.parametrize("flag", ["include_new", "retry_failed"])
def test_a_refused_resume_leaves_the_state_as_it_was(flag: str) -> None:
    rig = Rig()
    opened(rig.open())
    rig.source.points[VAULT].append(source_point(20))
    with pytest.raises(Exception):  # noqa: B017 (another migration's selection)
        rig.open(resume=True, dest_vault="elsewhere", **{flag: True})
    assert len(rig.store.read()[1]) == 4 and rig.store.events == []
