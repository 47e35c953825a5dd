"""Items StartCopyJob refused at a concurrency limit, waiting for their lane to free a slot.

They stay INTENT with the same attempt, so the same IdempotencyToken: AWS answered the call, so
it created no job, and should it have, the token would find it. While parked they do not count
against the caps (they hold no job in AWS), and they go before any new item of their lane: as
soon as one of the lane's jobs ends and leaves room, or when their timer runs out (the limit may
be held by jobs that are not ours, whose end we never see).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass


@dataclass
class _Parked:
    i: int
    ended_mark: int  # the lane's count of ended jobs when the item was parked
    not_after: float  # wall time: tried again then at the latest


class ParkedItems:
    def __init__(self) -> None:
        self._lanes: dict[str, list[_Parked]] = {}
        self._ended: Counter[str] = Counter()
        self.count = 0

    def park(self, lane: str, i: int, not_after: float) -> None:
        self._lanes.setdefault(lane, []).append(_Parked(i, self._ended[lane], not_after))
        self.count += 1

    def note_ended(self, lane: str) -> None:
        """A job of `lane` ended: its slot may take a parked item."""
        if lane in self._lanes:
            self._ended[lane] += 1

    def count_in(self, lane: str) -> int:
        return len(self._lanes.get(lane, ()))

    def lanes(self) -> list[str]:
        return list(self._lanes)

    def due(self, lane: str, now: float, room: int) -> list[int]:
        """The items of `lane` to try again now, oldest first: up to `room` of those parked
        before one of the lane's jobs ended, and any whose timer ran out."""
        parked = self._lanes.get(lane, [])
        ended = self._ended[lane]
        out: list[int] = []
        kept: list[_Parked] = []
        for entry in parked:
            if entry.not_after <= now or (room > len(out) and entry.ended_mark < ended):
                out.append(entry.i)
            else:
                kept.append(entry)
        if kept:
            self._lanes[lane] = kept
        else:
            self._lanes.pop(lane, None)
            self._ended.pop(lane, None)
        self.count -= len(out)
        return out

    def next_deadline(self) -> float | None:
        times = [entry.not_after for entries in self._lanes.values() for entry in entries]
        return min(times) if times else None
