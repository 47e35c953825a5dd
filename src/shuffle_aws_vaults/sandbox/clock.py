"""Simulated time: hours of copying pass in seconds of wall time."""

from __future__ import annotations

import time
from collections.abc import Callable


class SimClock:
    """Epoch seconds that start at the wall clock and run `scale` times faster."""

    def __init__(
        self,
        scale: float = 1.0,
        wall: Callable[[], float] = time.time,
        start: float | None = None,
    ) -> None:
        self._scale = scale
        self._wall = wall
        self._wall_start = wall()
        self._sim_start = self._wall_start if start is None else start

    @property
    def scale(self) -> float:
        return self._scale

    def now(self) -> float:
        return self._sim_start + (self._wall() - self._wall_start) * self._scale

    def wall_seconds(self, sim_seconds: float) -> float:
        """How long `sim_seconds` of simulated time take on the wall clock."""
        return sim_seconds / self._scale

    def calendar(self) -> float:
        """The caller's date: what lifecycle dates (cold storage) are judged by. AWS and its
        caller share one calendar; the copy clock running ahead must not move recovery points
        to cold storage that the caller, by its own clock, rightly plans as warm."""
        return self._wall()


class ManualClock:
    """A clock that moves only when told to; for tests."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._now = start
        self.scale = 1.0

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += seconds

    def wall_seconds(self, sim_seconds: float) -> float:
        return sim_seconds

    def calendar(self) -> float:
        return self._now
