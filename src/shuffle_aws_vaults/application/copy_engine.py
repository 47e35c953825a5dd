"""The copy loop: submit to the cap, track in bulk, journal every intent and outcome.

One thread (the caller's) owns all migration state. Worker threads only make blocking AWS calls
and post their results to the mailbox, as aws-cli's s3 transfers do; each kind of result is a
type of its own (engine_messages.py), dispatched through a table to the part it concerns:

- submission.py: StartCopyJob, to the caps and lanes; repeats, parking, refusals;
- tracking.py: the polls, the jobs watched, the census of jobs in CREATED, stale describes;
- reconciliation.py: on resume, what became of the last run's calls.

The engine itself runs the loop: when to stop, when to wait and how long, the journal's syncs
and compactions, and the progress display.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ..domain.migration import MigrationState, Status
from ..domain.progress import Progress, RecentRate
from ..domain.summary import progress_of
from .engine_context import EngineContext, EngineSettings, RunOutcome, journal_failure
from .engine_messages import (
    DescribeAgain,
    Described,
    DescribeFailed,
    EngineMessage,
    FindFailed,
    Found,
    Polled,
    PollFailed,
    StartAnswered,
    StartFailed,
)
from .ports import BackupGateway, Executor, Journal, ProgressSink
from .reconciliation import Reconciliation
from .run_control import Clock, Mailbox, StopSignal
from .submission import Submission
from .tracking import Tracking

__all__ = ["CopyEngine", "EngineSettings", "RunOutcome", "journal_failure"]

log = logging.getLogger(__name__)

SYNC_INTERVAL = 1.0


class CopyEngine:
    def __init__(
        self,
        *,
        state: MigrationState,
        gateway: BackupGateway,
        journal: Journal,
        settings: EngineSettings,
        executor: Executor,
        mailbox: Mailbox | None = None,
        clock: Clock | None = None,
        progress: ProgressSink | None = None,
        stop: StopSignal | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.state = state
        self.gateway = gateway
        self.journal = journal
        self.settings = settings
        self.executor = executor
        self.mailbox = mailbox or Mailbox()
        self.clock = clock or Clock()
        self.progress = progress
        self.stop = stop or StopSignal()
        self.rng = rng or random.Random()
        context = EngineContext(
            state=state,
            gateway=gateway,
            journal=journal,
            settings=settings,
            executor=executor,
            mailbox=self.mailbox,
            clock=self.clock,
            rng=self.rng,
        )
        self.lanes = context.lanes
        self.scheduler = context.scheduler
        self.limits = context.limits
        self.outcome = context.outcome
        self.failures = context.failures
        self.remaining = context.remaining
        self.submission = Submission(context)
        self.tracking = Tracking(context, self.submission)
        self.reconciliation = Reconciliation(context, self.submission, self.tracking)
        # Each message's handler, by the message's type.
        self._handlers: dict[type[Any], Callable[[Any], None]] = {
            StartAnswered: self._on_start_answered,
            StartFailed: self.submission.on_failed,
            Polled: self.tracking.on_polled,
            PollFailed: self.tracking.on_poll_failed,
            DescribeAgain: self.tracking.on_describe_again,
            Found: self.reconciliation.on_found,
            FindFailed: self.reconciliation.on_find_failed,
            Described: self.reconciliation.on_described,
            DescribeFailed: self.reconciliation.on_describe_failed,
        }
        self._draining = False
        self._throttles_seen = 0
        self._limits_seen = 0
        self._last_sync = 0.0
        self._completed_at_start = state.counts[Status.COMPLETED]
        self._started = 0.0
        self._recent = RecentRate()

    # -- the loop -----------------------------------------------------------------------------

    def run(self) -> RunOutcome:
        """The whole run on this thread: begin, a step and a wait for the next message until
        the run is over, then the wind-down."""
        self.begin()
        try:
            while (wait := self.step()) is not None:
                message = self.mailbox.get(wait)
                if message is not None:
                    self._handle(message)
        finally:
            outcome = self.end()
        return outcome

    def begin(self) -> None:
        """Before submitting anything: find out what became of the last run's calls."""
        self._started = self.clock.monotonic()
        self._reconciling = True
        self._draining_until: float | None = None
        self._next_progress = 0.0
        self.reconciliation.start()

    def step(self) -> float | None:
        """One pass (runs on any one thread; several engines may share it): what arrived
        handled, then what is due done; the seconds to wait for what comes next, or None
        when the run is over (end() winds it down)."""
        try:
            return self._step()
        except OSError as exc:  # the engine's only I/O is the journal
            self.outcome.fatal = journal_failure(exc)
            self.outcome.reason = "fatal"
            return None

    def end(self) -> RunOutcome:
        self._wind_down()
        return self.outcome

    def _step(self) -> float | None:
        self._handle_messages()
        if self._reconciling:
            if self.reconciliation.pending and not self.outcome.fatal and not self.stop.forced:
                return 1.0
            self._reconciling = False
            self.journal.flush()
        if self.outcome.fatal:
            self.outcome.reason = "fatal"
            return None
        now = self.clock.monotonic()
        if self.stop.forced:
            self.outcome.reason = "interrupted"
            return None
        if self._draining_until is None and self._should_stop(now):
            self._draining_until = now + self.settings.drain
            self._draining = True
            log.info("no new submissions; tracking %d jobs in flight", self.state.in_flight)
        self._notice_throttling()
        if self._draining_until is None:
            self.submission.submit_ready()
        self.tracking.maybe_poll(now)
        self._maybe_sync(now)
        if self.journal.events_since_snapshot >= self.settings.compact_every:
            self.journal.compact(self.state)
        if now >= self._next_progress and self.progress is not None:
            self.progress.update(self.snapshot())
            self._next_progress = now + self.settings.progress_every
        if self._finished():
            return None
        draining_until = self._draining_until
        if draining_until is not None and (
            self.state.counts[Status.SUBMITTED] == 0 or now >= draining_until
        ):
            return None
        return self._wait_time(now)

    def _notice_throttling(self) -> None:
        """Counted for the summary only (those botocore retried away included): the account's
        pacer answers throttling; jobs in flight are not cut for it (domain/concurrency.py)."""
        seen = self.gateway.throttle_events
        if seen > self._throttles_seen:
            self.outcome.throttles += seen - self._throttles_seen
            self._throttles_seen = seen
        refused = self.gateway.limit_events
        if refused > self._limits_seen:
            self.outcome.limit_refusals += refused - self._limits_seen
            self._limits_seen = refused

    def _should_stop(self, now: float) -> bool:
        if self.stop.requested:
            self.outcome.reason = "stopped"
            return True
        limit = self.settings.max_runtime
        if limit is not None and now - self._started >= limit:
            self.outcome.reason = "runtime-limit"
            return True
        if self.failures.tripped:
            self.outcome.reason = "failure-threshold"
            self.outcome.failure_streak = (self.failures.signature or "", self.failures.count)
            return True
        return False

    def _finished(self) -> bool:
        return (
            self.state.counts[Status.PENDING] == 0
            and self.state.in_flight == 0
            and not self.submission.busy
        )

    def _wait_time(self, now: float) -> float:
        """Until the next thing to do; each deadline counts only while it can be acted on."""
        waits = [self.settings.progress_every, 1.0]
        poll = self.tracking.next_poll_at()
        if poll is not None:
            waits.append(poll - now)
        if not self._draining:
            ready = self.submission.next_deadline()
            if ready is not None:
                waits.append(ready - self.clock.now())
        return max(0.0, min(waits))

    def _wind_down(self) -> None:
        forced = self.stop.forced or self.outcome.reason == "interrupted"
        self.executor.shutdown(wait=not forced, cancel_futures=True)
        if not forced:
            self._handle_messages()  # answers of calls that were under way
        try:
            self.journal.flush()
            self.journal.sync()
        except OSError as exc:
            self.outcome.fatal = self.outcome.fatal or journal_failure(exc)
            self.outcome.reason = "fatal"
        self.outcome.elapsed = self.clock.monotonic() - self._started
        self.outcome.completed_this_run = (
            self.state.counts[Status.COMPLETED] - self._completed_at_start
        )
        self.outcome.lane_caps = self.limits.report()

    def snapshot(self) -> Progress:
        monotonic, now = self.clock.monotonic(), self.clock.now()
        progress = progress_of(
            self.state,
            elapsed=monotonic - self._started,
            completed_at_start=self._completed_at_start,
            eta_floor=self.remaining.floor(now),
        )
        self._recent.add(monotonic, progress.completed_this_run)
        tail = 0 < progress.remaining <= self.settings.workers
        return replace(
            progress,
            recent_per_hour=self._recent.per_hour(),
            recent_window=self._recent.span,
            chains_left=self.remaining.chains_left() if tail else None,
            next_done_in=self.remaining.next_end(now) if tail else None,
        )

    def _maybe_sync(self, now: float) -> None:
        if now - self._last_sync >= SYNC_INTERVAL:
            self.journal.flush()
            self.journal.sync()
            self._last_sync = now

    # -- messages -----------------------------------------------------------------------------

    def _handle_messages(self) -> None:
        while (message := self.mailbox.get_nowait()) is not None:
            self._handle(message)

    def _handle(self, message: EngineMessage) -> None:
        self._handlers[type(message)](message)

    def _on_start_answered(self, message: StartAnswered) -> None:
        """An accepted StartCopyJob: submission records it, tracking watches the job."""
        repeated = self.submission.on_answered(message)
        if repeated is not None:
            self.tracking.adopt(message.i, message.started, repeated)
