"""How many copy jobs to keep in flight: in all, and per lane (see lanes.py).

Only evidence about concurrent jobs lowers a cap: StartCopyJob answering LimitExceededException,
or jobs piling up in CREATED while their lane's running count has stopped growing (a limit AWS
does not announce, such as EBS's 20 snapshot copies). Throttling never does: it limits the rate
of calls, which the account's request pacer answers; cutting jobs in flight in reply to it costs
throughput and hardly lowers the rate (AWS_BACKUP_NOTES.md, "Quotas").

A cap is lowered to what AWS showed it takes (the jobs in flight when it refused one, or those
running plus a little headroom), not halved, and it grows back by about one job per cap's worth
of accepted submissions, so the limit is probed again: limits are shared with the account's own
backup plans, and what they take changes.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from .lanes import Lanes

HEADROOM_SHARE = 0.1  # jobs kept waiting in CREATED past a limit, so a freed slot is used at once
# Refusals from several lanes are the account's limit only with about as many jobs in flight as
# AWS has accepted before.
ACCOUNT_SHARE = 0.9


def headroom(running: int) -> int:
    return max(1, math.ceil(running * HEADROOM_SHARE))


class Cap:
    """One concurrency cap between `floor` and `ceiling`."""

    def __init__(self, ceiling: int, *, floor: int = 1) -> None:
        if ceiling < floor:
            raise ValueError("ceiling must be at least floor")
        self.ceiling = ceiling
        self.floor = floor
        self._cap = float(ceiling)
        self.lowest = ceiling
        self.decreases = 0

    @property
    def limit(self) -> int:
        return max(self.floor, int(self._cap))

    def lower_to(self, jobs: int) -> bool:
        """AWS showed it takes about `jobs` at once: cap there (never raises the cap)."""
        target = max(self.floor, min(jobs, self.ceiling))
        if target >= self.limit:
            return False
        self._cap = float(target)
        self.lowest = min(self.lowest, target)
        self.decreases += 1
        return True

    def on_success(self) -> None:
        if self._cap < self.ceiling:
            self._cap = min(float(self.ceiling), self._cap + 1.0 / self._cap)


@dataclass(frozen=True)
class LaneReport:
    cap: int
    lowest: int
    ceiling: int
    decreases: int


class JobLimits:
    """The account's cap (at most --workers) and one cap per lane (at most its --type-limit).

    Which limit a refusal concerns is not in AWS's answer: one lane refused alone is its own
    limit; refusals from two lanes within `evidence_window` seconds are the account's.
    """

    ACCOUNT = "(account)"

    def __init__(self, workers: int, lanes: Lanes, *, evidence_window: float = 60.0) -> None:
        self.workers = workers
        self.lanes = lanes
        self.evidence_window = evidence_window
        self.total = Cap(workers)
        self._caps: dict[str, Cap] = {}
        self._refused_at: dict[str, float] = {}
        # The most jobs in flight AWS has accepted one more at, and the most our census found
        # running: a refusal or a pile-up well below them comes from lanes' limits, not the
        # account's, however many lanes it comes from.
        self._peak_accepted = 0
        self._peak_running = 0
        self._census: dict[str, tuple[int, int]] = {}  # lane -> (running, created) last time

    def cap(self, lane: str) -> Cap:
        found = self._caps.get(lane)
        if found is None:
            ceiling = min(self.workers, self.lanes.ceilings.get(lane, self.workers))
            found = self._caps[lane] = Cap(ceiling)
        return found

    def limit(self, lane: str) -> int:
        return self.cap(lane).limit

    def capped(self) -> bool:
        """Whether any cap is below its ceiling (census listings then show whether to grow)."""
        return self.total.limit < self.total.ceiling or any(
            cap.limit < cap.ceiling for cap in self._caps.values()
        )

    def on_accepted(self, lane: str, total_in_flight: int) -> None:
        """AWS accepted a job of `lane`, which made `total_in_flight` jobs in flight."""
        self.cap(lane).on_success()
        self.total.on_success()
        self._peak_accepted = max(self._peak_accepted, total_in_flight)

    def on_refused(self, lane: str, lane_in_flight: int, total_in_flight: int, now: float) -> None:
        """LimitExceededException for a job of `lane`, with that many jobs of the lane (and in
        all) in flight besides the refused one."""
        self.cap(lane).lower_to(lane_in_flight)
        others = [
            when
            for other, when in self._refused_at.items()
            if other != lane and now - when <= self.evidence_window
        ]
        if others and total_in_flight >= ACCOUNT_SHARE * self._peak_accepted:
            self.total.lower_to(total_in_flight)
        self._refused_at[lane] = now

    def on_census(self, running: Mapping[str, int], created: Mapping[str, int]) -> list[str]:
        """Our jobs by lane, RUNNING and still CREATED; lowers the caps of lanes whose jobs pile
        up in CREATED while their running count has stopped growing. Returns those lanes."""
        piled: list[str] = []
        active = 0
        for lane in sorted(set(running) | set(created)):
            now_running, waiting = running.get(lane, 0), created.get(lane, 0)
            if now_running + waiting == 0:
                continue
            active += 1
            before = self._census.get(lane)
            self._census[lane] = (now_running, waiting)
            stuck = before is not None and before[1] > 0 and now_running <= before[0]
            if waiting > headroom(now_running) and stuck:
                piled.append(lane)
                self.cap(lane).lower_to(now_running + headroom(now_running))
        all_running = sum(running.values())
        self._peak_running = max(self._peak_running, all_running)
        if (
            active >= 2
            and len(piled) == active
            and all_running >= ACCOUNT_SHARE * self._peak_running
        ):
            self.total.lower_to(all_running + headroom(all_running))  # every lane waits
        return piled

    def report(self) -> dict[str, LaneReport]:
        """Every cap that was ever lowered, the account's under ACCOUNT."""
        caps = {self.ACCOUNT: self.total, **self._caps}
        return {
            name: LaneReport(cap.limit, cap.lowest, cap.ceiling, cap.decreases)
            for name, cap in sorted(caps.items())
            if cap.decreases
        }

    def decreases(self) -> Counter[str]:
        return Counter({name: r.decreases for name, r in self.report().items()})
