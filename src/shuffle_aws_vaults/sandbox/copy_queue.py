"""The copy-job clock of one source account, source Region and destination Region.

A discrete-event simulation evaluated lazily: every API call advances it to the current simulated
time, finishing jobs at their exact end times and starting waiting ones in the freed slots at
those same times. The makespan therefore does not depend on how often anyone polls.

Rules, as AWS documents them: at most `quota` jobs RUNNING at once; at most one job per resource
at a time, later ones wait in CREATED; waiting jobs start in arrival order. With type limits (see
type_limits.py), at most `limit` jobs of a limit group run at once too: a job whose group is full
waits in CREATED without holding up jobs of other types behind it. `peak_running` and
`peak_running_by_type` keep the most jobs seen RUNNING at once, overall and per group.

Copies into a logically air-gapped vault have limits of their own (`lag_limits`, type groups
as type_limits.py reads them; AWS's quotas: 20 each for EBS, Aurora, DocumentDB and Neptune, 5
for FSx and Storage Gateway): they count per destination LAG vault, on top of the limits above,
and a job over one waits in CREATED the same way. `peak_running_by_lag` keeps their peaks, by
"GROUP VAULT_ARN".

AWS's copy job retry: a job with `hold_until` stays in CREATED until then, holding neither a
slot nor its resource; then it waits like any other job in its place, or ends FAILED at that
time when `fails_after_hold`. `on_start`, if given, sees each job as it starts (and may change
its duration: an incremental copy is decided then).
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable, Mapping

from .records import LAG_VAULT, CopyJob
from .type_limits import TypeGroups


def lag_key(group: str, vault_arn: str) -> str:
    """The counter of one LAG limit group's copies into one LAG vault."""
    return f"{group} {vault_arn}"


class CopyQueue:
    def __init__(
        self,
        quota: int,
        on_finish: Callable[[CopyJob, float], None],
        type_limits: Mapping[str, int] | None = None,
        on_start: Callable[[CopyJob, float], None] | None = None,
        lag_limits: Mapping[str, int] | None = None,
    ) -> None:
        self.quota = quota
        self._on_finish = on_finish
        self._on_start = on_start
        self._holds: list[tuple[float, int, CopyJob]] = []
        self._groups = TypeGroups(type_limits or {})
        self._lag_groups = TypeGroups(lag_limits or {})
        self._running: list[tuple[float, int, CopyJob]] = []
        self._waiting: list[CopyJob] = []
        self._busy: set[str] = set()
        self._running_in: Counter[str] = Counter()
        self._active_in: Counter[str] = Counter()
        self.peak_running = 0
        self.peak_running_by_type: dict[str, int] = dict.fromkeys(self._groups.limits, 0)
        self.peak_running_by_lag: dict[str, int] = {}
        self._limits_by_seq: dict[int, list[tuple[str, int]]] = {}  # each active job's

    @property
    def running(self) -> int:
        return len(self._running)

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    @property
    def active(self) -> int:
        return len(self._running) + len(self._waiting)

    def group_load(self, resource_type: str) -> tuple[str, int, int] | None:
        """(limit group, its active jobs, its limit) for `resource_type`; None if unlimited."""
        group = self._groups.group_of(resource_type)
        if group is None:
            return None
        return group, self._active_in[group], self._groups.limits[group]

    def lag_load(self, resource_type: str, vault_arn: str) -> tuple[str, int, int] | None:
        """(LAG limit group, its active jobs into `vault_arn`, its limit); None if unlimited."""
        group = self._lag_groups.group_of(resource_type)
        if group is None:
            return None
        return group, self._active_in[lag_key(group, vault_arn)], self._lag_groups.limits[group]

    def _limits_of(self, job: CopyJob) -> list[tuple[str, int]]:
        """The (counter, limit) pairs `job` counts against."""
        found: list[tuple[str, int]] = []
        group = self._groups.group_of(job.resource_type)
        if group is not None:
            found.append((group, self._groups.limits[group]))
        if job.dest_vault_type == LAG_VAULT:
            lag_group = self._lag_groups.group_of(job.resource_type)
            if lag_group is not None:
                limit = self._lag_groups.limits[lag_group]
                found.append((lag_key(lag_group, job.dest_vault_arn), limit))
        return found

    def admit(self, job: CopyJob, now: float) -> None:
        """Take a new job in CREATED; it starts at once when a slot and its resource are free."""
        self.advance(now)
        self._waiting.append(job)
        limits = self._limits_by_seq[job.seq] = self._limits_of(job)
        for key, _ in limits:
            self._active_in[key] += 1
        if job.hold_until is not None and job.hold_until > now:
            heapq.heappush(self._holds, (job.hold_until, job.seq, job))
        self._start_ready(now)

    def advance(self, now: float) -> None:
        while True:
            next_end = self._running[0][0] if self._running else None
            next_release = self._holds[0][0] if self._holds else None
            releases_first = next_end is None or (
                next_release is not None and next_release < next_end
            )
            if next_release is not None and next_release <= now and releases_first:
                self._release(next_release)
                continue
            if next_end is None or next_end > now:
                return
            end, _, job = heapq.heappop(self._running)
            self._busy.discard(job.resource_arn)
            for key, _ in self._limits_by_seq.pop(job.seq):
                self._running_in[key] -= 1
                self._active_in[key] -= 1
            self._on_finish(job, end)
            self._start_ready(end)

    def _release(self, at: float) -> None:
        """A held job's retry window ends: it fails now, or may start with the others."""
        _, _, job = heapq.heappop(self._holds)
        if job.fails_after_hold:
            self._waiting.remove(job)
            for key, _ in self._limits_by_seq.pop(job.seq):
                self._active_in[key] -= 1
            self._on_finish(job, at)
        self._start_ready(at)

    def _start_ready(self, at: float) -> None:
        index = 0
        while len(self._running) < self.quota and index < len(self._waiting):
            job = self._waiting[index]
            limits = self._limits_by_seq[job.seq]
            full = any(self._running_in[key] >= limit for key, limit in limits)
            held = job.hold_until is not None and job.hold_until > at
            if full or held or job.resource_arn in self._busy:
                index += 1
                continue
            del self._waiting[index]
            job.state = "RUNNING"
            job.start_date = at
            if self._on_start is not None:
                self._on_start(job, at)
            self._busy.add(job.resource_arn)
            for key, _ in limits:
                self._running_in[key] += 1
                peaks = (
                    self.peak_running_by_type
                    if key in self.peak_running_by_type
                    else self.peak_running_by_lag
                )
                peaks[key] = max(peaks.get(key, 0), self._running_in[key])
            heapq.heappush(self._running, (at + job.duration, job.seq, job))
        self.peak_running = max(self.peak_running, len(self._running))
