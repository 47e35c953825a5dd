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
    already_copied: int = 0  # found in the destination when planned: never submitted
    retried_failed: int = 0  # FAILED items sent back by --retry-failed

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
            already_copied=counts[Status.ALREADY_COPIED],
            retried_failed=state.retried_failed,
        )

    @property
    def done(self) -> int:
        return self.completed + self.failed + self.already_copied

    @property
    def percent_done(self) -> float:
        return round(100.0 * self.done / self.total, 2) if self.total else 100.0

    @property
    def success_rate(self) -> float | None:
        """Items in the destination of the items finished, %; None until one has finished."""
        if not self.done:
            return None
        return round(100.0 * (self.completed + self.already_copied) / self.done, 2)


def bytes_copied(state: MigrationState) -> int:
    """The planned size of every item this migration copied (a pass over the copies: for
    summaries only); copies found already in the destination are not counted."""
    completed, status = Status.COMPLETED, state.status
    return sum(state.items[i].size_bytes for i in state.dest_arns if status[i] == completed)


def failed_items(state: MigrationState) -> list[tuple[int, Failure]]:
    """The items that ended FAILED, with their last failure, in plan order."""
    return [(i, f) for i, f in sorted(state.failures.items()) if state.status[i] == Status.FAILED]


def progress_of(
    state: MigrationState,
    *,
    elapsed: float,
    completed_at_start: int,
    eta_floor: float | None = None,
) -> Progress:
    """The progress line's figures; `completed_at_start` sets the rate to this run's own."""
    counts = state.counts
    return Progress(
        total=len(state),
        # As in the summary and `status`: a copy found in the destination is completed.
        completed=counts[Status.COMPLETED] + counts[Status.ALREADY_COPIED],
        failed=counts[Status.FAILED],
        in_flight=state.in_flight,
        queued=counts[Status.PENDING],
        elapsed=elapsed,
        completed_this_run=counts[Status.COMPLETED] - completed_at_start,
        eta_floor=eta_floor,
    )


def by_destination(states: list[MigrationState]) -> dict[str, dict[str, int]]:
    """Each destination account's items over the states: planned, in the destination
    (copied, or found there), failed, and still to do."""
    found: dict[str, dict[str, int]] = {}
    done = (Status.COMPLETED, Status.ALREADY_COPIED)
    for state in states:
        for i, item in enumerate(state.items):
            account = item.dest_vault_arn.split(":")[4]  # arn:aws:backup:REGION:ACCOUNT:...
            counts = found.setdefault(
                account, {"planned": 0, "completed": 0, "failed": 0, "to_do": 0}
            )
            counts["planned"] += 1
            status = state.status[i]
            if status in done:
                counts["completed"] += 1
            elif status == Status.FAILED:
                counts["failed"] += 1
            else:
                counts["to_do"] += 1
    return dict(sorted(found.items()))
