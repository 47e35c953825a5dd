"""Which plan items to submit next.

Never two jobs for one resource at once; the resource with the most remaining work first (its
chain bounds the migration's duration); each resource's items in plan order (oldest first);
an item that failed transiently waits out its back-off before its resource is ready again.
"""

from __future__ import annotations

import heapq
from collections import deque

from .migration import MigrationState, Status


class Scheduler:
    def __init__(self, state: MigrationState) -> None:
        self._state = state
        self._resource_of: list[int] = []
        self._queues: list[deque[int]] = []
        self._weights: list[int] = []
        ids: dict[str, int] = {}
        for i, item in enumerate(state.items):
            r = ids.get(item.resource_arn)
            if r is None:
                r = ids[item.resource_arn] = len(self._queues)
                self._queues.append(deque())
                self._weights.append(0)
            self._resource_of.append(r)
            status = state.status[i]
            if status == Status.PENDING:
                self._queues[r].append(i)
                self._weights[r] += item.weight
        in_flight = (Status.INTENT, Status.SUBMITTED)
        self._busy: set[int] = {
            self._resource_of[i] for i, status in enumerate(state.status) if status in in_flight
        }
        self._ready: list[tuple[int, int]] = []
        self._waiting: list[tuple[float, int]] = []
        self._queued: set[int] = set()
        for r in range(len(self._queues)):
            self._make_ready(r)

    def _make_ready(self, r: int, not_before: float | None = None) -> None:
        if r in self._busy or r in self._queued or not self._queues[r]:
            return
        self._queued.add(r)
        if not_before is None:
            heapq.heappush(self._ready, (-self._weights[r], r))
        else:
            heapq.heappush(self._waiting, (not_before, r))

    def next_ready_at(self) -> float | None:
        """When the earliest backed-off resource becomes ready (None: nothing is waiting)."""
        return self._waiting[0][0] if self._waiting else None

    def take(self, count: int, now: float) -> list[int]:
        """Up to `count` items to submit now; their resources become busy."""
        while self._waiting and self._waiting[0][0] <= now:
            _, r = heapq.heappop(self._waiting)
            heapq.heappush(self._ready, (-self._weights[r], r))
        picked: list[int] = []
        while self._ready and len(picked) < count:
            _, r = heapq.heappop(self._ready)
            self._queued.discard(r)
            i = self._queues[r].popleft()
            self._weights[r] -= self._state.items[i].weight
            self._busy.add(r)
            picked.append(i)
        return picked

    def release(self, i: int, *, retry_at: float | None = None) -> None:
        """Item `i` is no longer in flight; with `retry_at` it goes back first in its queue."""
        r = self._resource_of[i]
        self._busy.discard(r)
        if retry_at is not None:
            self._queues[r].appendleft(i)
            self._weights[r] += self._state.items[i].weight
            self._make_ready(r, not_before=retry_at)
        else:
            self._make_ready(r)
