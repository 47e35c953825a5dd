"""How long a migration has left: the --dry-run model, calibrated by the copies already made.

AWS publishes no copy speed; the model (as `--dry-run` uses it) says a job takes a fixed
overhead plus its size over an assumed bandwidth. During a run, the jobs that completed tell how
long a modelled second really takes here (queueing and AWS's own pace included), and the
remaining time is the largest of:

- the remaining items over the observed rate (what most of a run is bound by);
- the longest remaining chain of one resource's copies (a resource takes one job at a time, so
  the tail of a run is bound by it, however fast the rest went);
- the expected end of each job in flight.

Nothing is known before the run's first copy completes: the ETA is unknown until then.
"""

from __future__ import annotations

from array import array

from .events import Event, JobEnded, Refused, Submitted
from .migration import MigrationState, Status
from .plan import PlanItem

ASSUMED_BANDWIDTH = 100 * 1024**2  # bytes per second per job
ASSUMED_OVERHEAD = 120.0  # seconds per job


def job_seconds(item: PlanItem) -> float:
    return ASSUMED_OVERHEAD + item.size_bytes / ASSUMED_BANDWIDTH


class RemainingTime:
    """Fed every journal event of a run; answers the ETA's floor (the chain and in-flight
    bounds) at any moment, in O(resources)."""

    def __init__(self, state: MigrationState, now: float, step: float = 0.0) -> None:
        """`step`: the least a copy in a chain takes, whatever its size (the poll interval: a
        resource's next copy starts only once the engine has seen its last one end)."""
        self._items = state.items
        self._step = step
        resources: dict[str, int] = {}
        # Arrays, not lists: 8 bytes an item, where a list of ints costs 36 (a million items).
        self._resource_of = array(
            "l", (resources.setdefault(item.resource_arn, len(resources)) for item in state.items)
        )
        # Modelled seconds, and the count, of each resource's waiting items.
        self._pending = array("d", bytes(8 * len(resources)))
        self._waiting = array("l", bytes(8 * len(resources)))
        self._started: dict[int, float] = {}  # item in flight -> when its job was started
        pending, in_flight = Status.PENDING, (Status.INTENT, Status.SUBMITTED)
        for i, status in enumerate(state.status):
            if status == pending:
                self._pending[self._resource_of[i]] += job_seconds(state.items[i])
                self._waiting[self._resource_of[i]] += 1
            elif status in in_flight:
                self._started[i] = now  # started before this run: counted from its start
        self._modelled = 0.0  # of the jobs that completed in this run
        self._actual = 0.0

    def apply(self, event: Event) -> None:
        if isinstance(event, Submitted):
            self.submitted(event.i, event.at)
        elif isinstance(event, JobEnded):
            self.ended(event)
        elif isinstance(event, Refused):
            self.refused(event.i)

    # The engine calls these directly (a million items: no dispatch on its hot path).
    def submitted(self, i: int, at: float) -> None:
        if i not in self._started:
            self._pending[self._resource_of[i]] -= job_seconds(self._items[i])
            self._waiting[self._resource_of[i]] -= 1
            self._started[i] = at

    def ended(self, event: JobEnded) -> None:
        i = event.i
        started = self._started.pop(i, None)
        if event.state == "COMPLETED" and started is not None:
            self._modelled += job_seconds(self._items[i])
            self._actual += max(0.0, event.at - started)
        if event.retry:  # waits again for a new job
            self._pending[self._resource_of[i]] += job_seconds(self._items[i])
            self._waiting[self._resource_of[i]] += 1

    def refused(self, i: int) -> None:
        if i not in self._started:
            self._pending[self._resource_of[i]] -= job_seconds(self._items[i])
            self._waiting[self._resource_of[i]] -= 1

    @property
    def calibration(self) -> float | None:
        """Real seconds per modelled second, from this run's completed jobs."""
        return self._actual / self._modelled if self._modelled > 0 else None

    def chains_left(self) -> int:
        """The resources with a copy waiting or in flight (each takes one job at a time):
        O(resources), for the run's tail."""
        busy = {self._resource_of[i] for i in self._started}
        waiting = sum(1 for r, count in enumerate(self._waiting) if count > 0 and r not in busy)
        return len(busy) + waiting

    def next_end(self, now: float) -> float | None:
        """Seconds from `now` until the first job in flight is expected to end; None before a
        job of this run has completed or with none in flight."""
        scale = self.calibration
        if scale is None or not self._started:
            return None
        items = self._items
        return max(
            0.0,
            min(started + job_seconds(items[i]) * scale for i, started in self._started.items())
            - now,
        )

    def floor(self, now: float) -> float | None:
        """The longest remaining chain and the last expected end of a job in flight, in real
        seconds from `now`; None until a job of this run has completed."""
        scale = self.calibration
        if scale is None:
            return None
        step = self._step
        # The max over resources of max(time, steps) is the max of the two maxima: C speed.
        longest = max(max(self._pending, default=0.0) * scale, max(self._waiting, default=0) * step)
        for i, started in self._started.items():
            r = self._resource_of[i]
            left = max(0.0, started + job_seconds(self._items[i]) * scale - now)
            longest = max(longest, left + max(self._pending[r] * scale, self._waiting[r] * step))
        return max(0.0, longest)
