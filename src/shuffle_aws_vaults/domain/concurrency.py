"""How many copy jobs to keep in flight: AIMD around the operator's --workers.

Throttling or LimitExceededException halves the cap (at most once per cool-down, so one burst of
refusals counts once); each accepted submission adds 1/cap, about +1 per round of submissions,
back up to the ceiling.
"""

from __future__ import annotations


class AdaptiveCap:
    def __init__(self, ceiling: int, *, floor: int = 1, cooldown: float = 10.0) -> None:
        if ceiling < floor:
            raise ValueError("ceiling must be at least floor")
        self.ceiling = ceiling
        self.floor = floor
        self.cooldown = cooldown
        self._cap = float(ceiling)
        self._last_decrease: float | None = None
        self.decreases = 0

    @property
    def limit(self) -> int:
        return max(self.floor, int(self._cap))

    def on_throttle(self, now: float) -> None:
        if self._last_decrease is not None and now - self._last_decrease < self.cooldown:
            return
        self._cap = max(float(self.floor), self._cap / 2)
        self._last_decrease = now
        self.decreases += 1

    def on_success(self) -> None:
        if self._cap < self.ceiling:
            self._cap = min(float(self.ceiling), self._cap + 1.0 / self._cap)
