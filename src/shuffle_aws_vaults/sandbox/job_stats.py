"""How many copy jobs were in flight over a stretch of time, from the sandbox's job records.

Benchmarks and the torture run judge the tool by it: while items wait for a slot, the jobs in
flight (created and not yet ended: CREATED or RUNNING) should stay near --workers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class InFlightProfile:
    """Jobs in flight, weighted by time over [start, end)."""

    mean: float
    p10: float  # the count that the in-flight number was at or above 90 % of the time
    peak: int
    seconds: float

    def share_of(self, workers: int) -> tuple[float, float]:
        """The mean and the 10th percentile as shares of `workers`."""
        return self.mean / workers, self.p10 / workers


def in_flight_profile(
    intervals: Iterable[tuple[float, float | None]], start: float, end: float
) -> InFlightProfile:
    """`intervals`: each job's (creation, end), end None while it is still in flight."""
    if end <= start:
        return InFlightProfile(0.0, 0.0, 0, 0.0)
    events: list[tuple[float, int]] = []
    for created, ended in intervals:
        finish = end if ended is None else min(ended, end)
        begin = max(created, start)
        if finish > begin:
            events.append((begin, 1))
            events.append((finish, -1))
    events.sort()
    time_at: dict[int, float] = {}
    level, at, peak = 0, start, 0
    for when, delta in events:
        if when > at:
            time_at[level] = time_at.get(level, 0.0) + (when - at)
            at = when
        level += delta
        peak = max(peak, level)
    if end > at:
        time_at[level] = time_at.get(level, 0.0) + (end - at)
    span = end - start
    mean = sum(level * seconds for level, seconds in time_at.items()) / span
    below = 0.0
    p10 = 0
    for level in sorted(time_at):
        below += time_at[level]
        if below > 0.1 * span:
            p10 = level
            break
    return InFlightProfile(mean=mean, p10=float(p10), peak=peak, seconds=span)
