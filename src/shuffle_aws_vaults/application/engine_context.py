"""What the copy engine's parts share: its settings, the run's outcome, the migration state with
the one way to change it (record: apply an event, journal it), and the caps and scheduler.

Everything here belongs to the engine's thread; worker threads only read the settings and the
plan's items, and post to the mailbox.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field

from ..domain.concurrency import JobLimits, LaneReport
from ..domain.copy_job import Lifecycle
from ..domain.eta import RemainingTime
from ..domain.events import Event, JobEnded, Refused, Submitted
from ..domain.failures import FailureStreak
from ..domain.lanes import Lanes, TypeLimit
from ..domain.migration import MigrationState
from ..domain.scheduler import Scheduler
from .ports import BackupGateway, Executor, Journal
from .run_control import Clock, Mailbox

# Answers of expired credentials (after the gateway's own renewals) in a row, with no accepted
# submission or poll between them, before the run stops as fatal. When a session expires, every
# call under way meets it at once: answers closer together than EXPIRED_SPACING count as one.
EXPIRED_LIMIT = 10
EXPIRED_SPACING = 1.0


@dataclass(frozen=True)
class EngineSettings:
    workers: int = 80
    type_limits: tuple[TypeLimit, ...] = ()  # per-service limits the operator gave
    iam_role_arn: str = ""
    # for items the plan holds no lifecycle for, in a plan made before each copy's lifecycle
    # was planned with it (the flags' then); otherwise each item's own is sent
    lifecycle: Lifecycle | None = None
    poll_interval: float = 30.0
    max_job_attempts: int = 3
    retry_delay: float = 300.0  # before a failed job's next attempt; doubles per attempt
    submit_retry_delay: float = 5.0  # before repeating a StartCopyJob that was throttled
    describe_after: float = 1800.0  # DescribeCopyJob a job the listings have not shown this long
    max_runtime: float | None = None
    drain: float = 300.0
    compact_every: int = 200_000
    progress_every: float = 1.0
    failure_threshold: int = 25  # items failed in a row for one cause before stopping; 0: off


@dataclass
class RunOutcome:
    reason: str  # finished, stopped, runtime-limit, failure-threshold, interrupted, fatal
    fatal: str | None = None
    started_jobs: int = 0
    throttles: int = 0
    submit_retries: int = 0
    unknown_states: Counter[str] = field(default_factory=Counter)
    elapsed: float = 0.0
    completed_this_run: int = 0
    limit_refusals: int = 0  # LimitExceededException answers, botocore's retried ones included
    lane_caps: dict[str, LaneReport] = field(default_factory=dict)  # caps that were lowered
    failure_streak: tuple[str, int] | None = None  # (signature, items) that stopped the run


def journal_failure(exc: OSError) -> str:
    where = exc.filename or "the journal"
    return f"cannot write {where}: {exc.strerror or exc}; nothing more was started"


class ExpiredStreak:
    """Answers of expired credentials in a row, StartCopyJob's and the polls' alike."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self.in_a_row = 0  # an accepted submission or a poll sets it back to 0
        self._last = float("-inf")

    def note(self) -> None:
        now = self._clock.monotonic()
        if now - self._last >= EXPIRED_SPACING:
            self.in_a_row += 1
            self._last = now

    @property
    def exhausted(self) -> bool:
        return self.in_a_row >= EXPIRED_LIMIT


class EngineContext:
    """The run's shared parts, built once for the engine and handed to each of its parts."""

    def __init__(
        self,
        *,
        state: MigrationState,
        gateway: BackupGateway,
        journal: Journal,
        settings: EngineSettings,
        executor: Executor,
        mailbox: Mailbox,
        clock: Clock,
        rng: random.Random,
    ) -> None:
        self.state = state
        self.gateway = gateway
        self.journal = journal
        self.settings = settings
        self.executor = executor
        self.mailbox = mailbox
        self.clock = clock
        self.rng = rng
        self.lanes = Lanes(settings.type_limits)
        self.scheduler = Scheduler(state, self.lanes.lane)
        self.limits = JobLimits(
            settings.workers, self.lanes, evidence_window=max(60.0, 2 * settings.poll_interval)
        )
        self.outcome = RunOutcome(reason="finished")
        self.expired = ExpiredStreak(clock)
        self.failures = FailureStreak(settings.failure_threshold)
        self.remaining = RemainingTime(state, clock.now(), step=settings.poll_interval)

    def record(self, event: Event) -> None:
        """Every change of the state: applied, and journalled (flushed before any call)."""
        self.state.apply(event)
        self.journal.append(event)
        if type(event) is Submitted:  # a third of a run's events: the cheapest test first
            self.remaining.submitted(event.i, event.at)
        elif isinstance(event, JobEnded):
            self.remaining.ended(event)
            if event.state == "COMPLETED":
                self.failures.succeeded()
            elif not event.retry:
                self.failures.failed(event.state, event.message or "")
        elif isinstance(event, Refused):
            self.remaining.refused(event.i)
            self.failures.failed(event.code, event.message)
