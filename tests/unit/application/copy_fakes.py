"""Fakes for driving the copy engine on simulated time (no disk, threads, network or sleeping).

A `FakeClock` moves only when something advances it; the `FakeMailbox` advances it by the
timeout whenever the engine waits with nothing to read, so a day of copying costs no real time.
The `FakeCopyGateway` plays AWS Backup's copy jobs on that clock, with programmable faults, and
records every call. `make_rig` wires all of them to a `CopyEngine` run with `InlineExecutor`.
"""

from __future__ import annotations

import heapq
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from shuffle_aws_vaults.application.copy_engine import CopyEngine, EngineSettings, RunOutcome
from shuffle_aws_vaults.application.run_control import Clock, InlineExecutor, Mailbox, StopSignal
from shuffle_aws_vaults.domain.copy_job import CopyJobInfo, Lifecycle, StartedJob
from shuffle_aws_vaults.domain.errors import (
    AwsError,
    ErrorCategory,
    LimitExceeded,
    NotFound,
    Throttled,
)
from shuffle_aws_vaults.domain.events import Event, Intent
from shuffle_aws_vaults.domain.migration import MigrationState, Status
from shuffle_aws_vaults.domain.plan import PlanItem, idempotency_token
from shuffle_aws_vaults.domain.progress import Progress
from shuffle_aws_vaults.domain.recovery_point import RecoveryPoint, Vault

SOURCE_ACCOUNT = "111111111111"
DEST_ACCOUNT = "222222222222"
DEST_VAULT = f"arn:aws:backup:us-east-1:{DEST_ACCOUNT}:backup-vault:migrated"
ROLE = f"arn:aws:iam::{SOURCE_ACCOUNT}:role/copy-role"
WALL_START = 1_767_225_600.0  # 2026-01-01T00:00:00Z
MONOTONIC_START = 50_000.0
GIB = 1024**3

# A list of (who, what) entries the fake journal and gateway share, in call order.
Timeline = list[tuple[str, Any]]


# -- builders ---------------------------------------------------------------------------------


def plan_item(
    name: str,
    *,
    resource: str = "vol-1",
    size_gib: float = 1.0,
    created: float = WALL_START - 86_400.0,
    dest_vault_arn: str = DEST_VAULT,
    vault: str = "production",
    resource_type: str = "EBS",
) -> PlanItem:
    """A copy of recovery point `name` of resource `resource` (short names become ARNs)."""
    return PlanItem(
        source_arn=f"arn:aws:ec2:us-east-1::snapshot/{name}",
        source_vault=vault,
        resource_arn=f"arn:aws:ec2:us-east-1:{SOURCE_ACCOUNT}:volume/{resource}",
        resource_type=resource_type,
        size_bytes=int(size_gib * GIB),
        created=created,
        dest_vault_arn=dest_vault_arn,
    )


def independent_items(
    count: int, *, prefix: str = "snap", resource_type: str = "EBS"
) -> list[PlanItem]:
    """`count` items of `count` different resources (no ordering constraint between them)."""
    return [
        plan_item(
            f"{prefix}-{n:03d}",
            resource=f"vol-{n:03d}" if prefix == "snap" else f"{prefix}-vol-{n:03d}",
            resource_type=resource_type,
        )
        for n in range(count)
    ]


def chains(lengths: Mapping[str, int]) -> list[PlanItem]:
    """For each resource, a chain of that many recovery points one day apart, in plan order."""
    items = []
    for resource, length in lengths.items():
        for n in range(length):
            items.append(
                plan_item(
                    f"{resource}-rp{n:02d}",
                    resource=resource,
                    created=WALL_START - 86_400.0 * (length - n),
                )
            )
    return items


def state_after(items: list[PlanItem], events: Iterable[Event]) -> MigrationState:
    state = MigrationState(items)
    for event in events:
        state.apply(event)
    return state


def token_of(item: PlanItem, attempt: int) -> str:
    return idempotency_token(item.source_arn, item.dest_vault_arn, attempt)


# -- time and messages ------------------------------------------------------------------------


class FakeClock(Clock):
    """Wall and monotonic time that move together, only when `advance` is called.

    `at(seconds, action)` runs `action` once the clock reaches that many seconds after start.
    """

    def __init__(self) -> None:
        self.elapsed = 0.0
        self._alarms: list[tuple[float, int, Callable[[], None]]] = []
        self._sequence = 0

    def now(self) -> float:
        return WALL_START + self.elapsed

    def monotonic(self) -> float:
        return MONOTONIC_START + self.elapsed

    def at(self, elapsed: float, action: Callable[[], None]) -> None:
        self._sequence += 1
        heapq.heappush(self._alarms, (elapsed, self._sequence, action))

    def advance(self, seconds: float) -> None:
        target = self.elapsed + max(0.0, seconds)
        while self._alarms and self._alarms[0][0] <= target:
            when, _, action = heapq.heappop(self._alarms)
            self.elapsed = max(self.elapsed, when)
            action()
        self.elapsed = target

    @staticmethod
    def elapsed_of(wall: float) -> float:
        return wall - WALL_START


class EngineStuck(AssertionError):
    """The engine kept waiting far longer than any test scenario needs."""


@dataclass
class _Hold:
    matches: Callable[[Any], bool]
    seconds: float
    times: int


class FakeMailbox(Mailbox):
    """The engine's mailbox on a fake clock.

    `get(timeout)` returns a message that is ready, else moves the clock to the next held
    message (if within `timeout`), else advances the clock by `timeout` and returns None. A wait
    of 0 seconds with nothing to read is counted in `busy_waits` (a real mailbox would spin) and
    costs `idle_step` seconds, so that the simulation still moves on. `hold` delays matching
    messages, as a slow answer from AWS would.
    """

    def __init__(self, clock: FakeClock, *, idle_step: float = 0.25, max_gets: int = 200_000):
        self.clock = clock
        self.idle_step = idle_step
        self.max_gets = max_gets
        self.gets = 0
        self.busy_waits = 0
        self.waited = 0.0
        self._messages: list[tuple[float, int, Any]] = []
        self._sequence = 0
        self._holds: list[_Hold] = []

    def hold(self, matches: Callable[[Any], bool], seconds: float, *, times: int = 1) -> None:
        self._holds.append(_Hold(matches, seconds, times))

    def put(self, item: Any) -> None:
        release = self.clock.elapsed
        for hold in self._holds:
            if hold.times > 0 and hold.matches(item):
                hold.times -= 1
                release += hold.seconds
                break
        self._sequence += 1
        self._messages.append((release, self._sequence, item))

    def _take_ready(self) -> Any | None:
        ready = [m for m in self._messages if m[0] <= self.clock.elapsed]
        if not ready:
            return None
        first = min(ready, key=lambda m: m[1])
        self._messages.remove(first)
        return first[2]

    def get_nowait(self) -> Any | None:
        return self._take_ready()

    def get(self, timeout: float) -> Any | None:
        self.gets += 1
        if self.gets > self.max_gets:
            raise EngineStuck(f"the engine waited {self.gets} times; t={self.clock.elapsed:.0f}s")
        message = self._take_ready()
        if message is not None:
            return message
        if timeout <= 0:
            self.busy_waits += 1
            timeout = self.idle_step
        start = self.clock.elapsed
        if self._messages:
            next_release = min(m[0] for m in self._messages)
            if next_release <= start + timeout:
                self.clock.advance(next_release - start)
                self.waited += self.clock.elapsed - start
                return self._take_ready()
        self.clock.advance(timeout)
        self.waited += self.clock.elapsed - start
        return None

    @property
    def pending(self) -> int:
        return len(self._messages)


# -- the journal ------------------------------------------------------------------------------


class FakeJournal:
    """The Journal port in memory: what was appended, what reached "the file", when."""

    def __init__(self, timeline: Timeline | None = None) -> None:
        self.events: list[Event] = []
        self.flushed = 0  # how many of `events` a flush has handed on
        self.flushes = 0
        self.syncs = 0
        self.compactions: list[Counter[Status]] = []
        self.compacted_states: list[MigrationState] = []
        self.fail_with: OSError | None = None  # flush raises it while events are unflushed
        self._since_snapshot = 0
        self.timeline = timeline if timeline is not None else []

    def append(self, event: Event) -> None:
        self.events.append(event)
        self._since_snapshot += 1
        self.timeline.append(("append", event))

    def flush(self) -> None:
        if self.fail_with is not None and self.unflushed:
            raise self.fail_with
        self.flushes += 1
        self.flushed = len(self.events)
        self.timeline.append(("flush", self.flushed))

    def sync(self) -> None:
        self.syncs += 1

    @property
    def events_since_snapshot(self) -> int:
        return self._since_snapshot

    def compact(self, state: MigrationState) -> None:
        self.flush()
        self.compactions.append(Counter(state.counts))
        self.compacted_states.append(state)
        self._since_snapshot = 0

    @property
    def unflushed(self) -> list[Event]:
        return self.events[self.flushed :]

    def of_type(self, kind: type[Any]) -> list[Any]:
        return [event for event in self.events if isinstance(event, kind)]


# -- AWS Backup's copy jobs -------------------------------------------------------------------


@dataclass
class FakeJob:
    job_id: str
    source_arn: str
    dest_vault_arn: str
    token: str
    created: float  # seconds after the clock's start
    duration: float
    final_state: str = "COMPLETED"
    message: str | None = None
    category: str | None = None
    active_state: str = "RUNNING"
    started: float | None = None  # later than `created` when a type limit held it in CREATED

    @property
    def ends(self) -> float:
        return (self.created if self.started is None else self.started) + self.duration

    def running_at(self, elapsed: float) -> bool:
        start = self.created if self.started is None else self.started
        return start <= elapsed < self.ends

    def info(self, elapsed: float) -> CopyJobInfo:
        created = _wall(self.created)
        if self.started is not None and elapsed < self.started:
            return CopyJobInfo(
                self.job_id, "CREATED", self.source_arn, self.dest_vault_arn, created
            )
        if elapsed < self.ends:
            return CopyJobInfo(
                self.job_id, self.active_state, self.source_arn, self.dest_vault_arn, created
            )
        completed = self.final_state == "COMPLETED"
        return CopyJobInfo(
            job_id=self.job_id,
            state=self.final_state,
            source_arn=self.source_arn,
            dest_vault_arn=self.dest_vault_arn,
            created=created,
            completed=_wall(self.ends),
            dest_arn=f"{self.dest_vault_arn}:recovery-point:{self.job_id}" if completed else None,
            message=None if completed else self.message,
            category=None if completed else self.category,
        )


def _wall(elapsed: float) -> datetime:
    return datetime.fromtimestamp(WALL_START + elapsed, UTC)


@dataclass(frozen=True)
class StartCall:
    """One StartCopyJob call as the fake AWS saw it."""

    at: float
    source_arn: str
    dest_vault_arn: str
    token: str
    iam_role_arn: str
    lifecycle: Lifecycle | None
    job_id: str | None  # the job created or found for the token (None: refused before a job)
    new_job: bool
    error: str | None  # the error code the caller got, if any

    @property
    def answered(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class Outcome:
    state: str = "COMPLETED"
    message: str | None = None
    category: str | None = None


class FakeCopyGateway:
    """AWS Backup's copy jobs on a fake clock; every call is recorded.

    The n-th job created for a recovery point ends as the n-th of its scripted outcomes
    (`fail_jobs`), COMPLETED by default, `duration` seconds after its creation. StartCopyJob is
    idempotent by token, as in AWS. Faults: `throttle_next`, `lose_answers`, `refuse`,
    `fail_describe`, `fail_listing`.
    """

    def __init__(
        self,
        clock: FakeClock,
        *,
        items: Iterable[PlanItem] = (),
        default_duration: float = 60.0,
        page_size: int = 100,
        timeline: Timeline | None = None,
    ) -> None:
        self.clock = clock
        self.default_duration = default_duration
        self.page_size = page_size
        self.timeline = timeline if timeline is not None else []
        items = list(items)
        self.resource_of: dict[str, str] = {i.source_arn: i.resource_arn for i in items}
        self.type_of: dict[str, str] = {i.source_arn: i.resource_type for i in items}
        # Per-service limits: type -> (limit, "queue" or "reject"); see `limit_type`.
        self._type_limits: dict[str, tuple[int, str]] = {}
        self._type_slots: dict[str, list[float]] = {}
        self.durations: dict[str, float] = {}
        self.active_states: dict[str, str] = {}
        # AWS's copy job retry: the next job of a recovery point stays CREATED this long.
        self.retry_phases: dict[str, float] = {}
        self.jobs: dict[str, FakeJob] = {}
        self.before_start: Callable[[str, str], None] | None = None
        # what was asked
        self.starts: list[StartCall] = []
        self.describes: list[str] = []
        self.listings: list[tuple[str | None, str | None]] = []
        self.state_listings: list[str] = []  # ListCopyJobs(ByState) calls: the census
        self.page_requests: list[tuple[float, datetime]] = []  # (when, completed_after)
        # what AWS would have seen
        self.max_running = 0
        self.resource_overlaps: list[str] = []
        # faults
        self._outcomes: dict[str, list[Outcome]] = defaultdict(list)
        self._created_for: Counter[str] = Counter()
        self.throttle_events = 0  # as botocore's needs-retry hook counts them
        self.limit_events = 0  # LimitExceeded answers, counted apart
        self._by_token: dict[str, FakeJob] = {}
        self._throttles: list[AwsError] = []
        self._lost: Counter[str] = Counter()
        self._refusals: dict[str, AwsError] = {}
        self._describe_faults: dict[str, tuple[Exception, int | None]] = {}
        self._listing_fault: Exception | None = None
        self._listing_fault_times: int | None = None
        self._poll_faults: list[Exception] = []

    # -- the protocol's other half ------------------------------------------------------------

    @property
    def account_id(self) -> str:
        return SOURCE_ACCOUNT

    @property
    def region(self) -> str:
        return "us-east-1"

    def list_vaults(self) -> list[Vault]:
        return []

    def iter_recovery_points(
        self, vault_name: str, *, resource_arn: str | None = None
    ) -> Iterator[RecoveryPoint]:
        return iter(())

    # -- programming it -----------------------------------------------------------------------

    def fail_jobs(
        self,
        source_arn: str,
        message: str = "An internal error occurred.",
        *,
        times: int = 1,
        state: str = "FAILED",
        category: str | None = None,
    ) -> None:
        """The next `times` jobs created for `source_arn` end in `state` with `message`."""
        self._outcomes[source_arn] += [Outcome(state, message, category)] * times

    def throttle_next(
        self, count: int, code: str = "LimitExceededException", message: str = "Too many jobs"
    ) -> None:
        kind = LimitExceeded if code == "LimitExceededException" else Throttled
        self._throttles += [kind(code, message, "StartCopyJob")] * count

    def limit_type(self, resource_type: str, limit: int, *, mode: str = "queue") -> None:
        """At most `limit` jobs of `resource_type` run at once: later ones wait in CREATED
        (`queue`, first come first served) or StartCopyJob refuses them (`reject`)."""
        self._type_limits[resource_type] = (limit, mode)
        self._type_slots[resource_type] = [float("-inf")] * limit

    def lose_answers(self, source_arn: str, times: int = 1) -> None:
        """The next `times` StartCopyJob calls for `source_arn` create the job, then fail."""
        self._lost[source_arn] += times

    def refuse(self, source_arn: str, error: AwsError) -> None:
        self._refusals[source_arn] = error

    def fail_describe(self, job_id: str, error: Exception, *, times: int | None = None) -> None:
        """DescribeCopyJob(job_id) raises `error` the next `times` calls (None: always)."""
        self._describe_faults[job_id] = (error, times)

    def fail_listing(self, error: Exception, *, times: int | None = None) -> None:
        """ListCopyJobs by source raises `error` the next `times` calls (None: always)."""
        self._listing_fault = error
        self._listing_fault_times = times

    def fail_polls(self, *errors: Exception) -> None:
        """The next polls (ListCopyJobs ByCompleteAfter) raise these, one each."""
        self._poll_faults.extend(errors)

    def seed_job(
        self,
        item: PlanItem,
        attempt: int,
        *,
        created: float,
        duration: float | None = None,
        outcome: Outcome | None = None,
    ) -> str:
        """A job a previous run created (`created` may be negative: before this clock's start)."""
        job = self._new_job(
            item.source_arn, item.dest_vault_arn, token_of(item, attempt), created, duration
        )
        if outcome is not None:
            job.final_state, job.message, job.category = (
                outcome.state,
                outcome.message,
                outcome.category,
            )
        return job.job_id

    # -- the API ------------------------------------------------------------------------------

    def start_copy_job(
        self,
        *,
        source_arn: str,
        source_vault: str,
        dest_vault_arn: str,
        iam_role_arn: str,
        token: str,
        lifecycle: Lifecycle | None = None,
    ) -> StartedJob:
        self.timeline.append(("start", (source_arn, token)))
        if self.before_start is not None:
            self.before_start(source_arn, token)
        call = StartCall(
            self.clock.elapsed,
            source_arn,
            dest_vault_arn,
            token,
            iam_role_arn,
            lifecycle,
            job_id=None,
            new_job=False,
            error=None,
        )
        if self._throttles:
            error = self._throttles.pop(0)
            if isinstance(error, Throttled):  # as the needs-retry hook counts them
                self.throttle_events += 1
            else:
                self.limit_events += 1
            self.starts.append(replace(call, error=error.code))
            raise error
        refusal = self._refusals.get(source_arn)
        if refusal is not None:
            self.starts.append(replace(call, error=refusal.code))
            raise refusal
        job = self._by_token.get(token)
        limit = self._type_limits.get(self.type_of.get(source_arn, ""))
        if job is None and limit is not None and limit[1] == "reject":
            kind = self.type_of[source_arn]
            running = [j for j in self.jobs.values() if j.ends > self.clock.elapsed]
            if sum(1 for j in running if self.type_of.get(j.source_arn) == kind) >= limit[0]:
                self.starts.append(replace(call, error="LimitExceededException"))
                self.limit_events += 1
                raise LimitExceeded(
                    "LimitExceededException", f"{kind} copy limit {limit[0]}", "StartCopyJob"
                )
        new = job is None
        if job is None:
            job = self._new_job(source_arn, dest_vault_arn, token, self.clock.elapsed, None)
        call = replace(call, job_id=job.job_id, new_job=new)
        if self._lost[source_arn] > 0:
            self._lost[source_arn] -= 1
            self.starts.append(replace(call, error="ConnectionError"))
            raise AwsError(
                "ConnectionError",
                "Connection was closed before we received a valid response",
                "StartCopyJob",
                category=ErrorCategory.TRANSIENT,
            )
        self.starts.append(call)
        return StartedJob(job.job_id, _wall(job.created))

    def describe_copy_job(self, job_id: str) -> CopyJobInfo:
        self.describes.append(job_id)
        self.timeline.append(("describe", job_id))
        fault = self._describe_faults.get(job_id)
        if fault is not None:
            error, times = fault
            if times is None or times > 0:
                if times is not None:
                    self._describe_faults[job_id] = (error, times - 1)
                raise error
        job = self.jobs.get(job_id)
        if job is None:
            raise NotFound("ResourceNotFoundException", f"no copy job {job_id}", "DescribeCopyJob")
        return job.info(self.clock.elapsed)

    def list_copy_jobs(
        self,
        *,
        completed_after: datetime | None = None,
        created_after: datetime | None = None,
        source_arn: str | None = None,
        dest_vault_arn: str | None = None,
        state: str | None = None,
        quick: bool = False,
    ) -> Iterator[CopyJobInfo]:
        self.listings.append((source_arn, dest_vault_arn))
        if state is not None:
            self.state_listings.append(state)
        self.timeline.append(("list", source_arn))
        if self._listing_fault is not None:
            fault = self._listing_fault
            if self._listing_fault_times is not None:
                self._listing_fault_times -= 1
                if self._listing_fault_times <= 0:
                    self._listing_fault = None
            raise fault
        now = self.clock.elapsed
        found = []
        for job in self.jobs.values():
            info = job.info(now)
            if job.created > now:
                continue
            if source_arn is not None and job.source_arn != source_arn:
                continue
            if dest_vault_arn is not None and job.dest_vault_arn != dest_vault_arn:
                continue
            if completed_after is not None and not (
                info.completed and info.completed > completed_after
            ):
                continue
            if created_after is not None and not (info.created and info.created > created_after):
                continue
            if state is not None and info.state != state:
                continue
            found.append(info)
        return iter(found)

    def copy_job_pages(self, *, completed_after: datetime) -> Iterator[list[CopyJobInfo]]:
        """ListCopyJobs(ByCompleteAfter): the newest completions first, `page_size` a page."""
        self.page_requests.append((self.clock.elapsed, completed_after))
        if self._poll_faults:
            raise self._poll_faults.pop(0)
        now = self.clock.elapsed
        ended = [job.info(now) for job in self.jobs.values() if job.ends <= now]
        ended = [info for info in ended if info.completed and info.completed > completed_after]
        ended.sort(key=lambda info: info.completed or completed_after, reverse=True)
        pages = [ended[n : n + self.page_size] for n in range(0, len(ended), self.page_size)]
        return iter(pages or [[]])

    # -- looking at what happened -------------------------------------------------------------

    def _new_job(
        self,
        source_arn: str,
        dest_vault_arn: str,
        token: str,
        created: float,
        duration: float | None,
    ) -> FakeJob:
        nth = self._created_for[source_arn]
        self._created_for[source_arn] += 1
        scripted = self._outcomes.get(source_arn, [])
        outcome = scripted[nth] if nth < len(scripted) else Outcome()
        job = FakeJob(
            job_id=f"job-{len(self.jobs) + 1:05d}",
            source_arn=source_arn,
            dest_vault_arn=dest_vault_arn,
            token=token,
            created=created,
            duration=(
                duration
                if duration is not None
                else self.durations.get(source_arn, self.default_duration)
            ),
            final_state=outcome.state,
            message=outcome.message,
            category=outcome.category,
            active_state=self.active_states.get(source_arn, "RUNNING"),
        )
        limit = self._type_limits.get(self.type_of.get(source_arn, ""))
        if limit is not None and limit[1] == "queue":
            slots = self._type_slots[self.type_of[source_arn]]
            free = heapq.heappop(slots)
            job.started = max(created, free)
            heapq.heappush(slots, job.ends)
        retry_phase = self.retry_phases.pop(source_arn, None)
        if retry_phase is not None:
            job.started = max(job.started or created, created + retry_phase)
        running = [other for other in self.jobs.values() if other.running_at(created)]
        self.max_running = max(self.max_running, len(running) + 1)
        resource = self.resource_of.get(source_arn)
        if resource is not None and any(
            self.resource_of.get(other.source_arn) == resource for other in running
        ):
            self.resource_overlaps.append(resource)
        self.jobs[job.job_id] = job
        self._by_token[token] = job
        return job

    def jobs_for(self, source_arn: str) -> list[FakeJob]:
        return [job for job in self.jobs.values() if job.source_arn == source_arn]

    def starts_for(self, source_arn: str) -> list[StartCall]:
        return [call for call in self.starts if call.source_arn == source_arn]

    def new_jobs_by_source(self) -> Counter[str]:
        return Counter(call.source_arn for call in self.starts if call.new_job)


# -- progress ---------------------------------------------------------------------------------


@dataclass
class Sample:
    at: float
    progress: Progress
    cap: int


class RecordingProgress:
    """A ProgressSink that keeps every update, with the engine's cap at that moment."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.samples: list[Sample] = []
        self.closed: Progress | None = None
        self.cap_of: Callable[[], int] = lambda: 0

    def update(self, progress: Progress) -> None:
        self.samples.append(Sample(self.clock.elapsed, progress, self.cap_of()))

    def close(self, progress: Progress) -> None:
        self.closed = progress


# -- the rig ----------------------------------------------------------------------------------


TEST_SETTINGS = EngineSettings(
    workers=4,
    iam_role_arn=ROLE,
    poll_interval=10.0,
    max_job_attempts=3,
    retry_delay=60.0,
    submit_retry_delay=5.0,
    describe_after=1800.0,
    drain=600.0,
    progress_every=1.0,
)


@dataclass
class InFlightPoint:
    at: float  # seconds after the clock's start
    in_flight: int
    busiest_resource: int  # the most items of one resource in flight at once


@dataclass
class EngineRig:
    items: list[PlanItem]
    history: list[Event]
    state: MigrationState
    clock: FakeClock
    mailbox: FakeMailbox
    journal: FakeJournal
    gateway: FakeCopyGateway
    stop: StopSignal
    progress: RecordingProgress
    settings: EngineSettings
    timeline: Timeline
    engine: CopyEngine = field(init=False)

    def __post_init__(self) -> None:
        self.engine = CopyEngine(
            state=self.state,
            gateway=self.gateway,
            journal=self.journal,
            settings=self.settings,
            executor=InlineExecutor(),
            mailbox=self.mailbox,
            clock=self.clock,
            progress=self.progress,
            stop=self.stop,
            rng=random.Random(20260101),
        )
        self.progress.cap_of = self.effective_cap

    def effective_cap(self) -> int:
        """Jobs the engine would keep in flight now: its account cap, or its lanes' caps."""
        limits = self.engine.limits
        lanes = sum(limits.limit(lane) for lane in self.engine.scheduler.lane_names)
        return min(limits.total.limit, lanes)

    def run(self) -> RunOutcome:
        return self.engine.run()

    def replayed(self) -> MigrationState:
        """The state the journal's events rebuild on top of the history the run started from."""
        return state_after(self.items, [*self.history, *self.journal.events])

    def in_flight_trace(self) -> list[InFlightPoint]:
        state = state_after(self.items, self.history)
        trace = []
        for event in self.journal.events:
            state.apply(event)
            per_resource = Counter(
                self.items[i].resource_arn
                for i, status in enumerate(state.status)
                if Status(status).in_flight
            )
            trace.append(
                InFlightPoint(
                    FakeClock.elapsed_of(event.at),
                    state.in_flight,
                    max(per_resource.values(), default=0),
                )
            )
        return trace

    def intents_for(self, item: PlanItem) -> list[Intent]:
        index = self.items.index(item)
        return [e for e in self.journal.of_type(Intent) if e.i == index]


def make_rig(
    items: list[PlanItem],
    *,
    history: Iterable[Event] = (),
    default_duration: float = 60.0,
    page_size: int = 100,
    **settings: Any,
) -> EngineRig:
    timeline: Timeline = []
    clock = FakeClock()
    history = list(history)
    return EngineRig(
        items=items,
        history=history,
        state=state_after(items, history),
        clock=clock,
        mailbox=FakeMailbox(clock),
        journal=FakeJournal(timeline),
        gateway=FakeCopyGateway(
            clock,
            items=items,
            default_duration=default_duration,
            page_size=page_size,
            timeline=timeline,
        ),
        stop=StopSignal(),
        progress=RecordingProgress(clock),
        settings=replace(TEST_SETTINGS, **settings),
        timeline=timeline,
    )
