"""Which plan items to submit next.

Never two jobs for one resource at once; the resource with the most remaining work first (its
chain bounds the migration's duration); each resource's items in plan order (oldest first);
an item that failed transiently waits out its back-off before its resource is ready again.
Resources are grouped in lanes (resource types, or types that share a service limit): `take`
hands out items only from lanes that have room, heaviest resource first across those lanes,
and counts the items each lane has in flight.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Mapping

from .migration import MigrationState, Status


class Scheduler:
    """Each resource's pending items as a plain list and a read position (a million-item plan
    over a quarter of a million resources: lists cost a sixth of what deques do)."""

    def __init__(self, state: MigrationState, lane_of: Callable[[str], str] = str) -> None:
        self._state = state
        self._resource_of: list[int] = []
        self._queues: list[list[int]] = []
        self._heads: list[int] = []  # the next item of resource r is _queues[r][_heads[r]]
        self._weights: list[int] = []
        self._lane_of_resource: list[int] = []
        self.lane_names: list[str] = []
        lane_ids: dict[str, int] = {}
        # Items handed back for a retry that were not taken from their queue in this run
        # (in flight when the run began): they go first.
        self._front: dict[int, list[int]] = {}
        ids: dict[str, int] = {}
        pending = Status.PENDING
        statuses = state.status
        for i, item in enumerate(state.items):
            r = ids.get(item.resource_arn)
            if r is None:
                r = ids[item.resource_arn] = len(self._queues)
                self._queues.append([])
                self._weights.append(0)
                lane = lane_of(item.resource_type)
                lane_id = lane_ids.get(lane)
                if lane_id is None:
                    lane_id = lane_ids[lane] = len(self.lane_names)
                    self.lane_names.append(lane)
                self._lane_of_resource.append(lane_id)
            self._resource_of.append(r)
            if statuses[i] == pending:
                self._queues[r].append(i)
                self._weights[r] += item.weight
        self._heads = [0] * len(self._queues)
        in_flight = (Status.INTENT, Status.SUBMITTED)
        self._lane_in_flight = [0] * len(self.lane_names)
        self._busy: set[int] = set()
        for i, status in enumerate(statuses):
            if status in in_flight:
                r = self._resource_of[i]
                self._busy.add(r)
                self._lane_in_flight[self._lane_of_resource[r]] += 1
        self._ready: list[list[tuple[int, int]]] = [[] for _ in self.lane_names]
        self._waiting: list[tuple[float, int]] = []
        self._queued: set[int] = set()
        for r in range(len(self._queues)):
            self._make_ready(r)

    # -- lanes --------------------------------------------------------------------------------

    def lane_of_item(self, i: int) -> str:
        return self.lane_names[self._lane_of_resource[self._resource_of[i]]]

    def in_flight(self, lane: str) -> int:
        """Items of `lane` taken and not yet released."""
        try:
            return self._lane_in_flight[self.lane_names.index(lane)]
        except ValueError:
            return 0

    def in_flight_by_lane(self) -> dict[str, int]:
        return dict(zip(self.lane_names, self._lane_in_flight, strict=True))

    def waiting_lanes(self, now: float) -> list[str]:
        """Lanes with an item that could be handed out at `now`."""
        due = {self._lane_of_resource[r] for when, r in self._waiting if when <= now}
        return [
            name for lane, name in enumerate(self.lane_names) if self._ready[lane] or lane in due
        ]

    # -- handing out --------------------------------------------------------------------------

    def _has_work(self, r: int) -> bool:
        return r in self._front or self._heads[r] < len(self._queues[r])

    def _make_ready(self, r: int, not_before: float | None = None) -> None:
        if r in self._busy or r in self._queued or not self._has_work(r):
            return
        self._queued.add(r)
        if not_before is None:
            heapq.heappush(self._ready[self._lane_of_resource[r]], (-self._weights[r], r))
        else:
            heapq.heappush(self._waiting, (not_before, r))

    def _promote(self, now: float) -> None:
        while self._waiting and self._waiting[0][0] <= now:
            _, r = heapq.heappop(self._waiting)
            heapq.heappush(self._ready[self._lane_of_resource[r]], (-self._weights[r], r))

    def has_ready(self, now: float) -> bool:
        """Whether an item could be handed out at `now` (a free slot would be used at once)."""
        return any(self._ready) or bool(self._waiting and self._waiting[0][0] <= now)

    def next_ready_at(self, now: float) -> float | None:
        """When the earliest backed-off resource becomes ready, after `now` (None: nothing is
        waiting). Those ready by `now` are made ready first: while no slot is free they are not
        taken, and a deadline already past would have the caller wake at once, again and
        again."""
        self._promote(now)
        return self._waiting[0][0] if self._waiting else None

    def _pop(self, r: int) -> int:
        front = self._front.get(r)
        if front:
            i = front.pop()
            if not front:
                del self._front[r]
            return i
        head = self._heads[r]
        self._heads[r] = head + 1
        queue = self._queues[r]
        if head + 1 == len(queue):
            self._queues[r] = []  # done with it: let the memory go
            self._heads[r] = 0
        return queue[head]

    def take(self, count: int, now: float, room: Mapping[str, int] | None = None) -> list[int]:
        """Up to `count` items to submit now, at most `room[lane]` from each lane named there;
        their resources become busy."""
        self._promote(now)
        rooms = [
            count if room is None else min(count, room.get(name, count)) for name in self.lane_names
        ]
        # The lanes that may hand out, by the weight of their heaviest ready resource.
        lanes = [
            (heap[0][0], lane) for lane, heap in enumerate(self._ready) if heap and rooms[lane] > 0
        ]
        heapq.heapify(lanes)
        picked: list[int] = []
        items = self._state.items
        while lanes and len(picked) < count:
            _, lane = heapq.heappop(lanes)
            heap = self._ready[lane]
            _, r = heapq.heappop(heap)
            self._queued.discard(r)
            i = self._pop(r)
            self._weights[r] -= items[i].weight
            self._busy.add(r)
            self._lane_in_flight[lane] += 1
            rooms[lane] -= 1
            picked.append(i)
            if heap and rooms[lane] > 0:
                heapq.heappush(lanes, (heap[0][0], lane))
        return picked

    def release(self, i: int, *, retry_at: float | None = None) -> None:
        """Item `i` is no longer in flight; with `retry_at` it goes back first in its queue."""
        r = self._resource_of[i]
        if r in self._busy:
            self._busy.discard(r)
            self._lane_in_flight[self._lane_of_resource[r]] -= 1
        if retry_at is not None:
            head, queue = self._heads[r], self._queues[r]
            if head > 0 and queue[head - 1] == i:
                self._heads[r] = head - 1  # it was the last one taken: step back
            else:
                self._front.setdefault(r, []).append(i)
            self._weights[r] += self._state.items[i].weight
            self._make_ready(r, not_before=retry_at)
        else:
            self._make_ready(r)
