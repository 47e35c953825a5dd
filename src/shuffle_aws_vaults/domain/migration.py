"""The state of every plan item, rebuilt by applying journal events in order.

PENDING -> INTENT -> SUBMITTED(job id) -> COMPLETED(destination ARN) | FAILED(code, message);
a transient job failure goes back to PENDING with one more attempt counted. Arrays indexed by
item keep a million items in a few tens of MiB.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from enum import IntEnum

from .events import Event, Intent, JobEnded, Refused, Submitted
from .plan import PlanItem


class Status(IntEnum):
    PENDING = 0
    INTENT = 1
    SUBMITTED = 2
    COMPLETED = 3
    FAILED = 4

    @property
    def in_flight(self) -> bool:
        return self in (Status.INTENT, Status.SUBMITTED)

    @property
    def final(self) -> bool:
        return self in (Status.COMPLETED, Status.FAILED)


@dataclass(frozen=True, slots=True)
class Failure:
    code: str
    message: str
    at: float


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
        self.counts: Counter[Status] = Counter({Status.PENDING: count})
        self.retries = 0

    def __len__(self) -> int:
        return len(self.items)

    def recount(self) -> None:
        """Recompute the counts after the arrays were filled in bulk (snapshot load)."""
        counts = Counter(self.status)
        self.counts = Counter({Status(code): n for code, n in counts.items()})

    def status_of(self, i: int) -> Status:
        return Status(self.status[i])

    def _move(self, i: int, to: Status) -> None:
        self.counts[Status(self.status[i])] -= 1
        self.counts[to] += 1
        self.status[i] = to

    def apply(self, event: Event) -> None:
        i = event.i
        if not 0 <= i < len(self.items):
            raise InconsistentJournal(f"event for item {i}, but the plan has {len(self.items)}")
        current = Status(self.status[i])
        if isinstance(event, Intent):
            if current.final:
                raise InconsistentJournal(f"intent for item {i}, which is already {current.name}")
            self.attempts[i] = min(event.attempt, 255)
            self._move(i, Status.INTENT)
        elif isinstance(event, Submitted):
            if current.final:
                raise InconsistentJournal(f"job for item {i}, which is already {current.name}")
            self.job_ids[i] = event.job_id
            self._move(i, Status.SUBMITTED)
        elif isinstance(event, JobEnded):
            if current is Status.COMPLETED:
                return  # a late report of what is already recorded
            if event.state == "COMPLETED":
                if event.dest_arn:
                    self.dest_arns[i] = event.dest_arn
                self.failures.pop(i, None)
                self._move(i, Status.COMPLETED)
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
            if current.final:
                raise InconsistentJournal(f"refusal for item {i}, which is already {current.name}")
            self.failures[i] = Failure(event.code, event.message, event.at)
            self._move(i, Status.FAILED)

    def indexes(self, status: Status) -> list[int]:
        return [i for i, s in enumerate(self.status) if s == status]

    @property
    def in_flight(self) -> int:
        return self.counts[Status.INTENT] + self.counts[Status.SUBMITTED]

    @property
    def done(self) -> bool:
        return self.counts[Status.COMPLETED] + self.counts[Status.FAILED] == len(self.items)
