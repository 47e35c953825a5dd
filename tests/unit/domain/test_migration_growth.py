"""Adopted items, --include-new's appended items and --retry-failed's Retried events."""

from __future__ import annotations

import pytest

from shuffle_aws_vaults.domain.events import Intent, JobEnded, Refused, Retried, Submitted
from shuffle_aws_vaults.domain.migration import InconsistentJournal, MigrationState, Status
from shuffle_aws_vaults.domain.summary import MigrationCounts, bytes_copied

from ..application.copy_fakes import independent_items


def test_an_adopted_item_is_final_and_counted_apart_from_copies() -> None:
    state = MigrationState(independent_items(3))
    state.adopt(0, "arn:dest:0")
    for event in (Intent(1, 1, 1.0), Submitted(1, "job-1", 2.0)):
        state.apply(event)
    state.apply(JobEnded(1, "job-1", "COMPLETED", 3.0, dest_arn="arn:dest:1"))
    counts = MigrationCounts.of(state)
    assert (counts.completed, counts.already_copied, counts.pending) == (1, 1, 1)
    assert counts.done == 2 and not state.done
    assert state.status_of(0).final
    assert bytes_copied(state) == state.items[1].size_bytes  # the adopted one was not copied


def test_only_a_pending_item_can_be_adopted() -> None:
    state = MigrationState(independent_items(1))
    state.apply(Intent(0, 1, 1.0))
    with pytest.raises(InconsistentJournal):
        state.adopt(0, "arn:dest:0")


def test_a_retried_failure_is_pending_again_with_its_job_retired() -> None:
    state = MigrationState(independent_items(2))
    state.apply(Intent(0, 1, 1.0))
    state.apply(Submitted(0, "job-1", 2.0))
    state.apply(JobEnded(0, "job-1", "FAILED", 3.0, message="Access Denied"))
    state.apply(Refused(1, "AccessDeniedException", "no", 4.0))
    state.apply(Retried(0, 5.0))
    state.apply(Retried(1, 5.0))
    assert [state.status_of(i) for i in (0, 1)] == [Status.PENDING, Status.PENDING]
    assert state.retired == {0: ["job-1"]} and state.job_ids[0] is None
    assert state.attempts[0] == 1  # the next attempt is 2: a new idempotency token
    assert MigrationCounts.of(state).retried_failed == 2


def test_only_a_failed_item_can_be_retried() -> None:
    state = MigrationState(independent_items(1))
    with pytest.raises(InconsistentJournal):
        state.apply(Retried(0, 1.0))


def test_extended_items_are_pending_after_the_recorded_ones() -> None:
    items = independent_items(4)
    state = MigrationState(items[:2])
    state.apply(Refused(0, "X", "y", 1.0))
    state.extend(items[2:])
    assert len(state) == 4 and state.items == items
    assert [state.status_of(i) for i in range(4)] == [
        Status.FAILED,
        Status.PENDING,
        Status.PENDING,
        Status.PENDING,
    ]
    assert state.counts[Status.PENDING] == 3
    state.apply(Intent(3, 1, 2.0))  # the new items take events like any other
    assert state.job_ids[3] is None and state.attempts[3] == 1
