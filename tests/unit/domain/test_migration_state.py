from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shuffle_aws_vaults.domain.events import Event, Intent, JobEnded, Refused, Submitted
from shuffle_aws_vaults.domain.migration import (
    Failure,
    InconsistentJournal,
    MigrationState,
    Status,
)

from ..application.copy_fakes import independent_items, state_after

DEST = "arn:aws:backup:us-east-1:222222222222:backup-vault:migrated:recovery-point:copy-1"
INTERNAL_ERROR = "An internal error occurred."


def fresh(count: int = 3) -> MigrationState:
    return MigrationState(independent_items(count))


def counts_of(state: MigrationState) -> dict[Status, int]:
    return {status: n for status, n in state.counts.items() if n}


# -- transitions ------------------------------------------------------------------------------


def test_a_new_state_has_every_item_pending() -> None:
    state = fresh(3)
    assert len(state) == 3
    assert counts_of(state) == {Status.PENDING: 3}
    assert [state.status_of(i) for i in range(3)] == [Status.PENDING] * 3
    assert state.in_flight == 0
    assert not state.done


def test_an_intent_moves_an_item_to_intent_and_records_the_attempt() -> None:
    state = fresh()
    state.apply(Intent(1, 1, 10.0))
    assert state.status_of(1) is Status.INTENT
    assert state.attempts[1] == 1
    assert counts_of(state) == {Status.PENDING: 2, Status.INTENT: 1}
    assert state.in_flight == 1


def test_a_submission_records_the_job_id() -> None:
    state = state_after(independent_items(3), [Intent(0, 1, 1.0), Submitted(0, "job-1", 2.0)])
    assert state.status_of(0) is Status.SUBMITTED
    assert state.job_ids[0] == "job-1"
    assert counts_of(state) == {Status.PENDING: 2, Status.SUBMITTED: 1}
    assert state.in_flight == 1


def test_a_completed_job_records_the_copy_and_clears_an_earlier_failure() -> None:
    state = state_after(
        independent_items(3),
        [
            Intent(0, 1, 1.0),
            Submitted(0, "job-1", 2.0),
            JobEnded(0, "job-1", "FAILED", 3.0, message=INTERNAL_ERROR, retry=True),
            Intent(0, 2, 4.0),
            Submitted(0, "job-2", 5.0),
            JobEnded(0, "job-2", "COMPLETED", 6.0, dest_arn=DEST),
        ],
    )
    assert state.status_of(0) is Status.COMPLETED
    assert state.dest_arns == {0: DEST}
    assert state.failures == {}
    assert state.job_ids[0] == "job-2"
    assert state.attempts[0] == 2
    assert state.retries == 1
    assert counts_of(state) == {Status.PENDING: 2, Status.COMPLETED: 1}


def test_a_failed_job_to_retry_goes_back_to_pending_without_its_job_id() -> None:
    state = state_after(
        independent_items(2),
        [
            Intent(0, 1, 1.0),
            Submitted(0, "job-1", 2.0),
            JobEnded(0, "job-1", "FAILED", 3.0, message=INTERNAL_ERROR, retry=True),
        ],
    )
    assert state.status_of(0) is Status.PENDING
    assert state.job_ids[0] is None
    assert state.failures[0] == Failure("FAILED", INTERNAL_ERROR, 3.0)
    assert state.retries == 1
    assert state.attempts[0] == 1  # the next intent says which attempt it is
    assert counts_of(state) == {Status.PENDING: 2}


def test_a_failed_job_not_to_retry_fails_the_item_with_awss_state_and_message() -> None:
    state = state_after(
        independent_items(2),
        [
            Intent(0, 1, 1.0),
            Submitted(0, "job-1", 2.0),
            JobEnded(0, "job-1", "ABORTED", 3.0, message="Aborted by user"),
        ],
    )
    assert state.status_of(0) is Status.FAILED
    assert state.failures[0] == Failure("ABORTED", "Aborted by user", 3.0)
    assert counts_of(state) == {Status.PENDING: 1, Status.FAILED: 1}


def test_a_refusal_fails_the_item_with_the_error_code_and_message() -> None:
    state = state_after(
        independent_items(2),
        [Intent(1, 1, 1.0), Refused(1, "InvalidRequestException", "not copyable", 2.0)],
    )
    assert state.status_of(1) is Status.FAILED
    assert state.failures[1] == Failure("InvalidRequestException", "not copyable", 2.0)
    assert state.in_flight == 0


def test_the_attempt_counter_saturates_at_255() -> None:
    state = fresh(1)
    state.apply(Intent(0, 300, 1.0))
    assert state.attempts[0] == 255


def test_the_item_is_done_when_every_item_is_completed_or_failed() -> None:
    state = state_after(
        independent_items(2),
        [
            Intent(0, 1, 1.0),
            Submitted(0, "job-1", 2.0),
            JobEnded(0, "job-1", "COMPLETED", 3.0, dest_arn=DEST),
            Intent(1, 1, 1.0),
            Refused(1, "InvalidRequestException", "no", 2.0),
        ],
    )
    assert state.done
    assert state.indexes(Status.COMPLETED) == [0]
    assert state.indexes(Status.FAILED) == [1]


# -- late and illegal events ------------------------------------------------------------------


@pytest.mark.parametrize("late_state", ["COMPLETED", "FAILED", "ABORTED"])
def test_a_late_job_end_for_a_completed_item_is_ignored(late_state: str) -> None:
    state = state_after(
        independent_items(1),
        [
            Intent(0, 1, 1.0),
            Submitted(0, "job-1", 2.0),
            JobEnded(0, "job-1", "COMPLETED", 3.0, dest_arn=DEST),
        ],
    )
    state.apply(JobEnded(0, "job-1", late_state, 9.0, dest_arn="other", message="late", retry=True))
    assert state.status_of(0) is Status.COMPLETED
    assert state.dest_arns == {0: DEST}
    assert state.failures == {}
    assert state.retries == 0
    assert counts_of(state) == {Status.COMPLETED: 1}


@pytest.mark.parametrize(
    "history",
    [
        [Intent(0, 1, 1.0), Submitted(0, "j", 2.0), JobEnded(0, "j", "COMPLETED", 3.0)],
        [Intent(0, 1, 1.0), Refused(0, "InvalidRequestException", "no", 2.0)],
    ],
    ids=["completed", "failed"],
)
@pytest.mark.parametrize(
    "event", [Intent(0, 2, 5.0), Submitted(0, "job-9", 5.0)], ids=["intent", "submitted"]
)
def test_an_intent_or_submission_for_a_final_item_is_an_inconsistent_journal(
    history: list[Event], event: Event
) -> None:
    state = state_after(independent_items(1), history)
    before = bytes(state.status)
    with pytest.raises(InconsistentJournal, match="item 0, which is already"):
        state.apply(event)
    assert bytes(state.status) == before


@pytest.mark.parametrize("index", [-1, 3, 1000])
def test_an_event_for_an_item_outside_the_plan_is_an_inconsistent_journal(index: int) -> None:
    state = fresh(3)
    with pytest.raises(InconsistentJournal, match=f"event for item {index}, but the plan has 3"):
        state.apply(Intent(index, 1, 1.0))
    assert counts_of(state) == {Status.PENDING: 3}


def test_a_refusal_for_a_completed_item_is_an_inconsistent_journal() -> None:
    state = state_after(
        independent_items(1),
        [
            Intent(0, 1, 1.0),
            Submitted(0, "job-1", 2.0),
            JobEnded(0, "job-1", "COMPLETED", 3.0, dest_arn=DEST),
        ],
    )
    with pytest.raises(InconsistentJournal):
        state.apply(Refused(0, "InvalidRequestException", "late refusal", 4.0))
    assert state.status_of(0) is Status.COMPLETED


def test_recount_rebuilds_the_counts_after_a_bulk_fill() -> None:
    state = fresh(4)
    state.status[:] = bytes([Status.COMPLETED, Status.SUBMITTED, Status.FAILED, Status.INTENT])
    state.recount()
    assert counts_of(state) == {
        Status.COMPLETED: 1,
        Status.SUBMITTED: 1,
        Status.FAILED: 1,
        Status.INTENT: 1,
    }
    assert state.in_flight == 2


# -- any prefix of a valid history ------------------------------------------------------------


@dataclass
class Model:
    """What each item's status must be, and which events may come next."""

    items: int
    status: list[Status] = field(default_factory=list)
    attempts: list[int] = field(default_factory=list)
    jobs: int = 0

    def __post_init__(self) -> None:
        self.status = [Status.PENDING] * self.items
        self.attempts = [0] * self.items

    def choices(self, i: int, at: float) -> list[Event]:
        status = self.status[i]
        job = f"job-{self.jobs}"
        if status is Status.PENDING:
            return [Intent(i, self.attempts[i] + 1, at)]
        if status is Status.INTENT:
            return [Submitted(i, job, at), Refused(i, "InvalidRequestException", "no", at)]
        if status is Status.SUBMITTED:
            return [
                JobEnded(i, job, "COMPLETED", at, dest_arn=f"{DEST}-{i}"),
                JobEnded(i, job, "FAILED", at, message=INTERNAL_ERROR, retry=True),
                JobEnded(i, job, "FAILED", at, message="Access denied", retry=False),
                JobEnded(i, job, "PARTIAL", at, message="partial", retry=False),
            ]
        if status is Status.COMPLETED:
            return [JobEnded(i, job, "FAILED", at, message="late")]  # ignored
        return []

    def apply(self, event: Event) -> None:
        i = event.i
        self.jobs += 1
        if isinstance(event, Intent):
            self.status[i] = Status.INTENT
            self.attempts[i] = event.attempt
        elif isinstance(event, Submitted):
            self.status[i] = Status.SUBMITTED
        elif isinstance(event, Refused):
            self.status[i] = Status.FAILED
        elif self.status[i] is not Status.COMPLETED:
            if event.state == "COMPLETED":
                self.status[i] = Status.COMPLETED
            else:
                self.status[i] = Status.PENDING if event.retry else Status.FAILED


@st.composite
def histories(draw: st.DrawFn) -> tuple[int, list[Event], list[list[Status]]]:
    """A valid event history for a few items, and each item's status after every event."""
    items = draw(st.integers(min_value=1, max_value=5))
    model = Model(items)
    events: list[Event] = []
    expected: list[list[Status]] = []
    for step in range(draw(st.integers(min_value=0, max_value=40))):
        i = draw(st.integers(min_value=0, max_value=items - 1))
        options = model.choices(i, float(step))
        if not options:
            continue
        event = draw(st.sampled_from(options))
        model.apply(event)
        events.append(event)
        expected.append(list(model.status))
    return items, events, expected


@settings(max_examples=150, deadline=None, database=None)
@given(histories())
def test_any_prefix_of_a_valid_history_replays_to_a_consistent_state(
    history: tuple[int, list[Event], list[list[Status]]],
) -> None:
    count, events, expected = history
    items = independent_items(count)
    for end in range(len(events) + 1):
        state = state_after(items, events[:end])
        statuses = [Status(code) for code in state.status]  # every code is a valid Status
        assert sum(state.counts.values()) == len(state) == count
        assert +state.counts == +Counter(statuses)
        assert state.in_flight == statuses.count(Status.INTENT) + statuses.count(Status.SUBMITTED)
        assert state.done == all(status.final for status in statuses)
        if end:
            assert statuses == expected[end - 1]
        for i, status in enumerate(statuses):
            if status is Status.SUBMITTED:
                assert state.job_ids[i] is not None
            if status is Status.FAILED:
                assert i in state.failures
            if i in state.dest_arns:
                assert status is Status.COMPLETED
