"""Rate, ETA and the run summary's arithmetic."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

# The rate the progress line shows: the copies of the last ten minutes, not the run's average
# (which falls for hours in a run's tail, where a few chains are left).
RATE_WINDOW = 600.0


@dataclass(frozen=True)
class Progress:
    total: int
    completed: int
    failed: int
    in_flight: int
    queued: int
    elapsed: float
    completed_this_run: int
    # The longest remaining resource chain and the last expected end of a job in flight
    # (domain/eta.py), in seconds; None while unknown.
    eta_floor: float | None = None
    # Copies completed per hour over the last `recent_window` seconds; None while unknown.
    recent_per_hour: float | None = None
    recent_window: float = 0.0
    # In the run's tail (no more left than can be in flight at once): the resources whose
    # chains are left, and when the next job in flight is expected to end (seconds).
    chains_left: int | None = None
    next_done_in: float | None = None

    @property
    def done(self) -> int:
        return self.completed + self.failed

    @property
    def remaining(self) -> int:
        return self.total - self.done

    @property
    def draining(self) -> bool:
        """The run's tail: what is left is what is in flight and its resources' chains."""
        return self.chains_left is not None and self.remaining > 0

    @property
    def rate_per_hour(self) -> float:
        """The rate to show: the recent window's when known, else this run's average."""
        return self.per_hour if self.recent_per_hour is None else self.recent_per_hour

    @property
    def per_hour(self) -> float:
        return self.completed_this_run * 3600.0 / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def eta_seconds(self) -> float | None:
        """The larger of the remaining items over this run's rate and the floor; None while
        no copy of this run has completed."""
        remaining = self.total - self.done
        if remaining == 0:
            return 0.0
        if self.completed_this_run == 0 or self.elapsed <= 0:
            return None
        by_rate = remaining * self.elapsed / self.completed_this_run
        return max(by_rate, self.eta_floor or 0.0)

    @property
    def percent(self) -> int:
        """Done of total, rounded down: 100 only when every item completed (a run with
        failures stops at 99, its failures shown beside)."""
        if not self.total or self.completed >= self.total:
            return 100
        return min(99, 100 * self.done // self.total)


class RecentRate:
    """Copies completed per hour over the last `window` seconds, from samples of a count taken
    on the caller's clock (the engine's, so tests drive it)."""

    def __init__(self, window: float = RATE_WINDOW) -> None:
        self._window = window
        self._samples: deque[tuple[float, int]] = deque()

    def add(self, now: float, completed: int) -> None:
        samples = self._samples
        samples.append((now, completed))
        # Keep the newest sample at or before the window's start: the rate spans the window.
        while len(samples) > 2 and samples[1][0] <= now - self._window:
            samples.popleft()

    @property
    def span(self) -> float:
        """The seconds the rate is measured over (up to the window)."""
        if len(self._samples) < 2:
            return 0.0
        return min(self._window, self._samples[-1][0] - self._samples[0][0])

    def per_hour(self) -> float | None:
        """None until two samples are some time apart."""
        if len(self._samples) < 2:
            return None
        (start, first), (end, last) = self._samples[0], self._samples[-1]
        if end <= start:
            return None
        return (last - first) * 3600.0 / (end - start)


def format_duration(seconds: float | None) -> str:
    """'2h 15m', '45m 10s', '12s'; '?' when unknown."""
    if seconds is None:
        return "?"
    whole = round(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m {secs}s"
    return f"{secs}s"


def combined(parts: list[Progress]) -> Progress:
    """Several Regions' progress as one: their counts added up; the run ends with its slowest
    Region, so the ETA is at least the longest of theirs. In its tail only when every Region
    with items left is in its own."""
    etas = [part.eta_seconds for part in parts]
    known = [eta for eta in etas if eta is not None]
    recent = [part.recent_per_hour for part in parts if part.recent_per_hour is not None]
    left = [part for part in parts if part.remaining > 0]
    tail = bool(left) and all(part.draining for part in left)
    next_ends = [part.next_done_in for part in left if part.next_done_in is not None]
    return Progress(
        total=sum(part.total for part in parts),
        completed=sum(part.completed for part in parts),
        failed=sum(part.failed for part in parts),
        in_flight=sum(part.in_flight for part in parts),
        queued=sum(part.queued for part in parts),
        elapsed=max((part.elapsed for part in parts), default=0.0),
        completed_this_run=sum(part.completed_this_run for part in parts),
        eta_floor=max(known) if known else None,
        recent_per_hour=sum(recent) if recent else None,
        recent_window=max((part.recent_window for part in parts), default=0.0),
        chains_left=sum(part.chains_left or 0 for part in left) if tail else None,
        next_done_in=min(next_ends) if tail and next_ends else None,
    )
