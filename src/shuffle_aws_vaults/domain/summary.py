"""A migration's counts, written once for the copy's summary, `status` and the progress line."""

from __future__ import annotations

from dataclasses import dataclass

from .migration import Failure, MigrationState, Status
from .progress import Progress


@dataclass(frozen=True)
class MigrationCounts:
    total: int
    completed: int
    failed: int
    in_flight: int
    unconfirmed: int  # intents whose StartCopyJob answer was never recorded
    pending: int
    job_retries: int

    @classmethod
    def of(cls, state: MigrationState) -> MigrationCounts:
        counts = state.counts
        return cls(
            total=len(state),
            completed=counts[Status.COMPLETED],
            failed=counts[Status.FAILED],
            in_flight=state.in_flight,
            unconfirmed=counts[Status.INTENT],
            pending=counts[Status.PENDING],
            job_retries=state.retries,
        )

    @property
    def done(self) -> int:
        return self.completed + self.failed

    @property
    def percent_done(self) -> float:
        return round(100.0 * self.done / self.total, 2) if self.total else 100.0

    @property
    def success_rate(self) -> float:
        return round(100.0 * self.completed / self.done, 2) if self.done else 0.0


def bytes_copied(state: MigrationState) -> int:
    """The planned size of every item copied (a pass over the copies: for summaries only)."""
    return sum(state.items[i].size_bytes for i in state.dest_arns)


def failed_items(state: MigrationState) -> list[tuple[int, Failure]]:
    """The items that ended FAILED, with their last failure, in plan order."""
    return [(i, f) for i, f in sorted(state.failures.items()) if state.status[i] == Status.FAILED]


def progress_of(state: MigrationState, *, elapsed: float, completed_at_start: int) -> Progress:
    """The progress line's figures; `completed_at_start` sets the rate to this run's own."""
    counts = state.counts
    return Progress(
        total=len(state),
        completed=counts[Status.COMPLETED],
        failed=counts[Status.FAILED],
        in_flight=state.in_flight,
        queued=counts[Status.PENDING],
        elapsed=elapsed,
        completed_this_run=counts[Status.COMPLETED] - completed_at_start,
    )
