"""The state of every plan item, rebuilt by applying journal events in order.

PENDING -> INTENT -> SUBMITTED(job id) -> COMPLETED(destination ARN) | FAILED(code, message);
a transient job failure goes back to PENDING with one more attempt counted, and so does a FAILED
item the operator retries. ALREADY_COPIED items were found in the destination when they were
planned (adopted): they are never submitted. Arrays indexed by item keep a million items in a
few tens of MiB.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from enum import IntEnum

from .events import (
    Event,
    Intent,
    JobEnded,
    Landed,
    Refused,
    Retried,
    RunEnded,
    RunStarted,
    Submitted,
)
from .plan import PlanItem
from .runs import RunLog


class Status(IntEnum):
    PENDING = 0
    INTENT = 1
    SUBMITTED = 2
    COMPLETED = 3
    FAILED = 4
    ALREADY_COPIED = 5

    @property
    def in_flight(self) -> bool:
        return self in (Status.INTENT, Status.SUBMITTED)

    @property
    def final(self) -> bool:
        return self >= Status.COMPLETED


@dataclass(frozen=True, slots=True)
class Landing:
    """A destination vault as AWS last reported it in a completed copy job."""

    vault_type: str
    lock_state: str | None = None
    key_arn: str | None = None


@dataclass(frozen=True, slots=True)
class Failure:
    code: str
    message: str
    at: float


_COMPLETED = Status.COMPLETED.value  # COMPLETED, FAILED, ALREADY_COPIED: from here on, final
_FAILED = Status.FAILED.value


class InconsistentJournal(Exception):
    """An event that cannot follow the item's current state (a corrupt or foreign journal)."""


class MigrationState:
    """Per-item status, attempts, job IDs, destination ARNs and failures."""

    def __init__(self, items: list[PlanItem]) -> None:
        self.items = items
        count = len(items)
        self.status = bytearray(count)
        self.attempts = bytearray(count)
        self.job_ids: list[str | None] = [None] * count
        self.dest_arns: dict[int, str] = {}
        self.failures: dict[int, Failure] = {}
        # Job IDs of earlier attempts, so a resume never takes one for the current attempt's.
        self.retired: dict[int, list[str]] = {}
        self.landings: dict[str, Landing] = {}  # destination vault ARN -> as AWS reported it
        # Keyed by the Status members, looked up by them or by the plain status bytes.
        self.counts: Counter[int] = Counter({status: 0 for status in Status})
        self.counts[Status.PENDING] = count
        self.retries = 0
        self.retried_failed = 0  # FAILED items the operator sent back (--retry-failed)
        self.log = RunLog()  # the runs, and the last hour's completions

    def __len__(self) -> int:
        return len(self.items)

    def recount(self) -> None:
        """Recompute the counts after the arrays were filled in bulk (snapshot load)."""
        counts = Counter(self.status)
        self.counts = Counter({status: counts.get(status, 0) for status in Status})

    def status_of(self, i: int) -> Status:
        return Status(self.status[i])

    # apply() runs once per journal event (millions in a large run), so it compares the status
    # bytes as plain ints; the counts' keys are the Status members, which hash as those ints.
    def _move(self, i: int, to: Status) -> None:
        counts = self.counts
        counts[self.status[i]] -= 1
        counts[to] += 1
        self.status[i] = to

    def apply(self, event: Event) -> None:
        if isinstance(event, (RunStarted, RunEnded)):
            self.log.note(event)
            return
        if isinstance(event, Landed):
            self.landings[event.vault_arn] = Landing(
                event.vault_type, event.lock_state, event.key_arn
            )
            return
        i = event.i
        if not 0 <= i < len(self.status):
            raise InconsistentJournal(f"event for item {i}, but the plan has {len(self.items)}")
        current = self.status[i]
        if isinstance(event, Intent):
            if current >= _COMPLETED:
                raise self._after_final("intent", i)
            self.attempts[i] = min(event.attempt, 255)
            self._move(i, Status.INTENT)
        elif isinstance(event, Submitted):
            if current >= _COMPLETED:
                raise self._after_final("job", i)
            self.job_ids[i] = event.job_id
            self._move(i, Status.SUBMITTED)
        elif isinstance(event, JobEnded):
            if current == _COMPLETED or current == Status.ALREADY_COPIED:
                return  # a late report of what is already recorded
            if event.state == "COMPLETED":
                if event.dest_arn:
                    self.dest_arns[i] = event.dest_arn
                if self.failures:
                    self.failures.pop(i, None)
                self._move(i, Status.COMPLETED)
                self.log.completed(i, event.at)
            else:
                self.failures[i] = Failure(event.state, event.message or "", event.at)
                if event.retry:
                    self.retries += 1
                    self.retired.setdefault(i, []).append(event.job_id)
                    self.job_ids[i] = None
                    self._move(i, Status.PENDING)
                else:
                    self._move(i, Status.FAILED)
        elif isinstance(event, Refused):
            if current >= _COMPLETED:
                raise self._after_final("refusal", i)
            self.failures[i] = Failure(event.code, event.message, event.at)
            self._move(i, Status.FAILED)
        elif isinstance(event, Retried):
            if current != _FAILED:
                raise InconsistentJournal(f"retry of item {i}, which is {self.status_of(i).name}")
            self.retried_failed += 1
            job_id = self.job_ids[i]
            if job_id is not None:
                self.retired.setdefault(i, []).append(job_id)
                self.job_ids[i] = None
            self._move(i, Status.PENDING)
        else:
            raise InconsistentJournal(f"unknown event {event!r}")

    def adopt(self, i: int, dest_arn: str) -> None:
        """Item `i`'s copy is already in the destination (found when it was planned)."""
        if self.status[i] != Status.PENDING:
            raise InconsistentJournal(f"adoption of item {i}, which is {self.status_of(i).name}")
        self.dest_arns[i] = dest_arn
        self._move(i, Status.ALREADY_COPIED)

    def extend(self, items: list[PlanItem]) -> None:
        """Append newly planned items (--include-new), each PENDING."""
        count = len(items)
        self.items = self.items + items
        self.status.extend(bytes(count))
        self.attempts.extend(bytes(count))
        self.job_ids.extend([None] * count)
        self.counts[Status.PENDING] += count

    def _after_final(self, what: str, i: int) -> InconsistentJournal:
        return InconsistentJournal(
            f"{what} for item {i}, which is already {self.status_of(i).name}"
        )

    def indexes(self, status: Status) -> list[int]:
        return [i for i, s in enumerate(self.status) if s == status]

    @property
    def in_flight(self) -> int:
        return self.counts[Status.INTENT] + self.counts[Status.SUBMITTED]

    @property
    def done(self) -> bool:
        counts = self.counts
        final = counts[Status.COMPLETED] + counts[Status.FAILED] + counts[Status.ALREADY_COPIED]
        return final == len(self.items)
