"""The copy-job clock of one source account and region.

A discrete-event simulation evaluated lazily: every API call advances it to the current simulated
time, finishing jobs at their exact end times and starting waiting ones in the freed slots at
those same times. The makespan therefore does not depend on how often anyone polls.

Rules, as AWS documents them: at most `quota` jobs RUNNING at once; at most one job per resource
at a time, later ones wait in CREATED; waiting jobs start in arrival order.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable

from .records import CopyJob


class CopyQueue:
    def __init__(self, quota: int, on_finish: Callable[[CopyJob, float], None]) -> None:
        self.quota = quota
        self._on_finish = on_finish
        self._running: list[tuple[float, int, CopyJob]] = []
        self._waiting: list[CopyJob] = []
        self._busy: set[str] = set()
        self.peak_running = 0

    @property
    def running(self) -> int:
        return len(self._running)

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    @property
    def active(self) -> int:
        return len(self._running) + len(self._waiting)

    def admit(self, job: CopyJob, now: float) -> None:
        """Take a new job in CREATED; it starts at once when a slot and its resource are free."""
        self.advance(now)
        self._waiting.append(job)
        self._start_ready(now)

    def advance(self, now: float) -> None:
        while self._running and self._running[0][0] <= now:
            end, _, job = heapq.heappop(self._running)
            self._busy.discard(job.resource_arn)
            self._on_finish(job, end)
            self._start_ready(end)

    def _start_ready(self, at: float) -> None:
        index = 0
        while len(self._running) < self.quota and index < len(self._waiting):
            job = self._waiting[index]
            if job.resource_arn in self._busy:
                index += 1
                continue
            del self._waiting[index]
            job.state = "RUNNING"
            job.start_date = at
            self._busy.add(job.resource_arn)
            heapq.heappush(self._running, (at + job.duration, job.seq, job))
        self.peak_running = max(self.peak_running, len(self._running))
