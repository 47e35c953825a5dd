"""The copy loop: submit to the cap, track in bulk, journal every intent and outcome.

One thread (the caller's) owns all migration state. Worker threads only make blocking AWS calls
and post their results to the mailbox, as aws-cli's s3 transfers do.
"""

from __future__ import annotations

import heapq
import logging
import random
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..domain.concurrency import JobLimits, LaneReport
from ..domain.copy_job import ACTIVE_STATES, CopyJobInfo, Lifecycle, StartedJob
from ..domain.errors import AwsError, CredentialsError, CredentialsExpired, LimitExceeded
from ..domain.events import Event, Intent, JobEnded, Refused, Submitted
from ..domain.failures import error_is_transient, job_failure_is_transient
from ..domain.lanes import Lanes, TypeLimit
from ..domain.migration import MigrationState, Status
from ..domain.plan import idempotency_token
from ..domain.progress import Progress
from ..domain.scheduler import Scheduler
from .parking import ParkedItems
from .ports import BackupGateway, Executor, Journal, ProgressSink
from .run_control import Clock, Mailbox, StopSignal, jittered

log = logging.getLogger(__name__)

# ListCopyJobs' ByCompleteAfter window starts this long before the newest completion seen, so a
# job whose completion becomes visible late is still found.
WATERMARK_MARGIN = 600.0
SYNC_INTERVAL = 1.0
# Answers of expired credentials (after the gateway's own renewals) in a row, with no accepted
# submission or poll between them, before the run stops as fatal. When a session expires, every
# call under way meets it at once: answers closer together than EXPIRED_SPACING count as one.
EXPIRED_LIMIT = 10
EXPIRED_SPACING = 1.0
LOOKUP_ATTEMPTS = 5  # of one unconfirmed intent's ListCopyJobs, when the failure is transient
# While every slot is taken and items wait for one, a slot freed by a finished job stays empty
# until a poll notices. Then the engine polls about when this share of the slots should have
# come free, from the rate at which its jobs have been ending, but never more than
# FASTEST_POLLS times per --poll-interval (every 5 s at the default 30 s) nor less often.
SLOTS_PER_POLL = 0.02
FASTEST_POLLS = 6
RATE_WINDOW = 10  # polls: one burst of jobs ending together is not taken for the rate
# A poll that failed (botocore's retries included) is asked again this soon, not a whole
# --poll-interval later: until it is, finished jobs' slots stay empty.
POLL_RETRY = 1.0
# While items wait and caps hold them back, every this many poll intervals the poll also lists
# our jobs still in CREATED: jobs piling up there reveal a limit AWS does not announce.
CENSUS_POLLS = 3
# How far back the CREATED listing reaches, before this run started.
CENSUS_MARGIN = 6 * 3600.0


@dataclass(frozen=True)
class EngineSettings:
    workers: int = 80
    type_limits: tuple[TypeLimit, ...] = ()  # per-service limits the operator gave
    iam_role_arn: str = ""
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


@dataclass
class RunOutcome:
    reason: str  # finished, stopped, runtime-limit, interrupted, fatal
    fatal: str | None = None
    started_jobs: int = 0
    throttles: int = 0
    submit_retries: int = 0
    unknown_states: Counter[str] = field(default_factory=Counter)
    elapsed: float = 0.0
    completed_this_run: int = 0
    limit_refusals: int = 0  # LimitExceededException answers, botocore's retried ones included
    lane_caps: dict[str, LaneReport] = field(default_factory=dict)  # caps that were lowered


def journal_failure(exc: OSError) -> str:
    where = exc.filename or "the journal"
    return f"cannot write {where}: {exc.strerror or exc}; nothing more was started"


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
        self.lanes = Lanes(settings.type_limits)
        self.scheduler = Scheduler(state, self.lanes.lane)
        self.limits = JobLimits(
            settings.workers, self.lanes, evidence_window=max(60.0, 2 * settings.poll_interval)
        )
        self.outcome = RunOutcome(reason="finished")
        self._job_item: dict[str, int] = {}
        self._last_news: dict[int, float] = {}
        self._resubmit: list[tuple[float, int]] = []
        self._parked = ParkedItems()  # refused at a concurrency limit
        # Items whose StartCopyJob repeated an earlier token: AWS may answer with a job that
        # ended before we started watching, which no ByCompleteAfter listing would show again.
        self._repeated: set[int] = set()
        self._describe_soon: set[int] = set()
        # Ended jobs a listing showed before their StartCopyJob answer reached this thread.
        self._unclaimed: dict[str, CopyJobInfo] = {}
        self._reconciling = 0
        self._lookups: Counter[int] = Counter()  # ListCopyJobs lookups of unconfirmed intents
        self._limit_refusals: Counter[int] = Counter()  # LimitExceeded in a row, per item
        self._draining = False
        self._throttles_seen = 0
        self._limits_seen = 0
        self._expired_in_a_row = 0
        self._last_expired = float("-inf")
        self._submitting: set[int] = set()
        self._polling = False
        self._next_poll = 0.0
        self._poll_started = self._last_poll_started = self.clock.monotonic()
        self._ended_since_poll = 0
        # (jobs of ours that ended, seconds covered) per poll, for the last RATE_WINDOW polls
        self._recent_ends: deque[tuple[int, float]] = deque(maxlen=RATE_WINDOW)
        self._watermark = self.clock.now() - WATERMARK_MARGIN
        self._census_from = self.clock.now() - CENSUS_MARGIN
        self._next_census = 0.0
        self._last_sync = 0.0
        self._completed_at_start = state.counts[Status.COMPLETED]
        self._started = 0.0
        for i, job_id in enumerate(state.job_ids):
            if job_id is not None and state.status[i] == Status.SUBMITTED:
                self._job_item[job_id] = i

    # -- the loop -----------------------------------------------------------------------------

    def run(self) -> RunOutcome:
        self._started = self.clock.monotonic()
        try:
            self._reconcile()
            self._loop()
        except OSError as exc:  # the engine thread's only I/O is the journal
            self.outcome.fatal = journal_failure(exc)
            self.outcome.reason = "fatal"
        finally:
            self._wind_down()
        return self.outcome

    def _loop(self) -> None:
        draining_until: float | None = None
        next_progress = 0.0
        while True:
            self._handle_messages()
            if self.outcome.fatal:
                self.outcome.reason = "fatal"
                break
            now = self.clock.monotonic()
            if self.stop.forced:
                self.outcome.reason = "interrupted"
                break
            if draining_until is None and self._should_stop(now):
                draining_until = now + self.settings.drain
                self._draining = True
                log.info("no new submissions; tracking %d jobs in flight", self.state.in_flight)
            self._notice_throttling()
            if draining_until is None:
                self._submit_ready()
            self._maybe_poll(now)
            self._maybe_sync(now)
            if self.journal.events_since_snapshot >= self.settings.compact_every:
                self.journal.compact(self.state)
            if now >= next_progress and self.progress is not None:
                self.progress.update(self.snapshot())
                next_progress = now + self.settings.progress_every
            if self._finished():
                break
            if draining_until is not None and (
                self.state.counts[Status.SUBMITTED] == 0 or now >= draining_until
            ):
                break
            message = self.mailbox.get(self._wait_time(now))
            if message is not None:
                self._handle(message)

    def _notice_throttling(self) -> None:
        """Counted for the summary only (those botocore retried away included): the account's
        pacer answers throttling; jobs in flight are not cut for it (domain/concurrency.py)."""
        seen = getattr(self.gateway, "throttle_events", 0)
        if seen > self._throttles_seen:
            self.outcome.throttles += seen - self._throttles_seen
            self._throttles_seen = seen
        refused = getattr(self.gateway, "limit_events", 0)
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
        return False

    def _finished(self) -> bool:
        return (
            self.state.counts[Status.PENDING] == 0
            and self.state.in_flight == 0
            and not self._resubmit
            and not self._submitting
        )

    def _wait_time(self, now: float) -> float:
        """Until the next thing to do; each deadline counts only while it can be acted on."""
        waits = [self.settings.progress_every, 1.0]
        if self._job_item and not self._polling:
            waits.append(self._next_poll - now)
        if not self._draining:
            ready = self.scheduler.next_ready_at(self.clock.now())
            if ready is not None:
                waits.append(ready - self.clock.now())
            if self._resubmit:
                waits.append(self._resubmit[0][0] - self.clock.now())
            parked = self._parked.next_deadline()
            if parked is not None:
                waits.append(parked - self.clock.now())
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
        counts = self.state.counts
        return Progress(
            total=len(self.state),
            completed=counts[Status.COMPLETED],
            failed=counts[Status.FAILED],
            in_flight=self.state.in_flight,
            queued=counts[Status.PENDING],
            elapsed=self.clock.monotonic() - self._started,
            completed_this_run=counts[Status.COMPLETED] - self._completed_at_start,
        )

    # -- recording ----------------------------------------------------------------------------

    def _record(self, event: Event) -> None:
        self.state.apply(event)
        self.journal.append(event)

    def _maybe_sync(self, now: float) -> None:
        if now - self._last_sync >= SYNC_INTERVAL:
            self.journal.flush()
            self.journal.sync()
            self._last_sync = now

    # -- submission ---------------------------------------------------------------------------

    def _submit_ready(self) -> None:
        now = self.clock.now()
        batch: list[tuple[int, int]] = []
        while self._resubmit and self._resubmit[0][0] <= now:
            _, i = heapq.heappop(self._resubmit)
            self._repeated.add(i)
            batch.append((i, self.state.attempts[i]))  # same attempt, same token
        active = self.state.in_flight - self._parked.count  # parked items hold no job
        for lane in self._parked.lanes():
            lane_active = self.scheduler.in_flight(lane) - self._parked.count_in(lane)
            room = min(self.limits.limit(lane) - lane_active, self.limits.total.limit - active)
            for i in self._parked.due(lane, now, room):
                self._repeated.add(i)
                batch.append((i, self.state.attempts[i]))  # same attempt, same token
                active += 1
        room = self.limits.total.limit - active
        if room > 0:
            for i in self.scheduler.take(room, now, self._lane_room()):
                attempt = self.state.attempts[i] + 1
                self._record(Intent(i, attempt, now))
                batch.append((i, attempt))
        if not batch:
            return
        self.journal.flush()  # every intent reaches the file before its call is made
        for i, attempt in batch:
            self._submitting.add(i)
            self.executor.submit(self._start_job, i, attempt)

    def _lane_room(self) -> dict[str, int]:
        in_flight = self.scheduler.in_flight_by_lane()
        return {lane: self.limits.limit(lane) - n for lane, n in in_flight.items()}

    def _blocked(self, now: float) -> bool:
        """Items wait for a slot that the caps (not the plan) hold back."""
        if self._resubmit or self._parked.count:
            return True
        if not self.scheduler.has_ready(now):
            return False
        if self.state.in_flight - self._parked.count >= self.limits.total.limit:
            return True
        room = self._lane_room()
        return all(room.get(lane, 0) <= 0 for lane in self.scheduler.waiting_lanes(now))

    def _start_job(self, i: int, attempt: int) -> None:
        """On a worker thread: one StartCopyJob call; the answer goes to the mailbox."""
        item = self.state.items[i]
        try:
            started = self.gateway.start_copy_job(
                source_arn=item.source_arn,
                source_vault=item.source_vault,
                dest_vault_arn=item.dest_vault_arn,
                iam_role_arn=self.settings.iam_role_arn,
                token=idempotency_token(item.source_arn, item.dest_vault_arn, attempt),
                lifecycle=self.settings.lifecycle,
            )
        except Exception as exc:  # every failure goes back to the engine thread
            self.mailbox.put(("submit-failed", i, attempt, exc))
        else:
            self.mailbox.put(("submitted", i, attempt, started))

    def _on_submitted(self, i: int, attempt: int, started: StartedJob) -> None:
        self._submitting.discard(i)
        job_id = started.job_id
        if self.state.status[i] != Status.INTENT or self.state.attempts[i] != attempt:
            return
        self._expired_in_a_row = 0
        self._record(Submitted(i, job_id, self.clock.now()))
        self._job_item[job_id] = i
        self._last_news[i] = self.clock.monotonic()
        old = started.created is not None and started.created.timestamp() <= self._watermark
        if i in self._repeated or old:
            # An idempotent repeat may answer with a job that ended before the listings' window.
            self._repeated.discard(i)
            self._describe_soon.add(i)
        self.outcome.started_jobs += 1
        lane = self.scheduler.lane_of_item(i)
        self._limit_refusals.pop(i, None)
        if started.limit_answers:  # refused at a limit first; botocore's retries got it in
            self.limits.on_refused(
                lane, self.scheduler.in_flight(lane), self.state.in_flight, self.clock.now()
            )
        else:
            self.limits.on_accepted(lane, self.state.in_flight - self._parked.count)
        early = self._unclaimed.pop(job_id, None)
        if early is not None:
            self._on_job(early)

    def _note_expired(self) -> None:
        now = self.clock.monotonic()
        if now - self._last_expired >= EXPIRED_SPACING:
            self._expired_in_a_row += 1
            self._last_expired = now

    def _on_submit_failed(self, i: int, attempt: int, exc: BaseException) -> None:
        self._submitting.discard(i)
        now = self.clock.now()
        if isinstance(exc, CredentialsError) or (
            isinstance(exc, CredentialsExpired) and self._expired_in_a_row >= EXPIRED_LIMIT
        ):
            self.outcome.fatal = f"credentials for the source account: {exc}"
            return
        if isinstance(exc, CredentialsExpired):
            # The gateway assumed the role again and still met an expired token (a renewal
            # racing other threads, or botocore's retries outlasting a short session): try
            # again later with the same token; only a run of such failures is fatal.
            self._note_expired()
            self.outcome.submit_retries += 1
            delay = jittered(self.settings.submit_retry_delay, self.rng)
            heapq.heappush(self._resubmit, (now + delay, i))
            return
        if isinstance(exc, LimitExceeded):
            # A concurrency limit: cap the item's lane (or the account) at the jobs in flight
            # besides it, and park it until a job of its lane ends (or its timer runs out).
            lane = self.scheduler.lane_of_item(i)
            self.outcome.submit_retries += 1
            parked = self._parked.count_in(lane)
            self.limits.on_refused(
                lane,
                self.scheduler.in_flight(lane) - parked - 1,
                self.state.in_flight - self._parked.count - 1,
                now,
            )
            self._limit_refusals[i] += 1
            backoff = 2 ** min(self._limit_refusals[i] - 1, 3)
            delay = jittered(min(self.settings.poll_interval, 60.0) * backoff, self.rng)
            self._parked.park(lane, i, now + delay)
            return
        if error_is_transient(exc):  # expired credentials were dealt with above
            self.outcome.submit_retries += 1
            delay = jittered(self.settings.submit_retry_delay * (2 ** min(attempt, 6)), self.rng)
            heapq.heappush(self._resubmit, (now + delay, i))
            return
        code = exc.code if isinstance(exc, AwsError) else type(exc).__name__
        message = exc.message if isinstance(exc, AwsError) else str(exc)
        self._record(Refused(i, code, message, now))
        self._parked.note_ended(self.scheduler.lane_of_item(i))
        self.scheduler.release(i)

    # -- tracking -----------------------------------------------------------------------------

    def _maybe_poll(self, now: float) -> None:
        if self._polling or now < self._next_poll or not self._job_item:
            return
        stale = [
            i
            for i in self._job_item.values()
            if now - self._last_news.get(i, now) >= self.settings.describe_after
        ][:50]
        stale += [i for i in self._describe_soon if self.state.status[i] == Status.SUBMITTED]
        self._describe_soon.clear()
        self._polling = True
        self._last_poll_started, self._poll_started = self._poll_started, now
        blocked = self._blocked(self.clock.now())
        self._next_poll = now + self._poll_interval(blocked)
        census = (blocked or self.limits.capped()) and now >= self._next_census
        if census:
            self._next_census = now + CENSUS_POLLS * self.settings.poll_interval
        job_ids = [job for job in (self.state.job_ids[i] for i in stale) if job]
        self.executor.submit(self._poll, self._watermark, job_ids, census)

    def _poll_interval(self, blocked: bool) -> float:
        """--poll-interval, or sooner while finished jobs' slots are what the run waits for."""
        base = self.settings.poll_interval
        ended = sum(n for n, _ in self._recent_ends)
        span = sum(seconds for _, seconds in self._recent_ends)
        if not blocked or ended == 0 or span <= 0:
            return base
        due = max(1.0, SLOTS_PER_POLL * self.limits.total.limit) * span / ended
        return min(base, max(base / FASTEST_POLLS, due))

    def _poll(self, watermark: float, stale: list[str], census: bool = False) -> None:
        """On a worker thread: the jobs that ended since `watermark`, the stale ones and, for a
        census, the IDs of jobs still in CREATED.

        A listing of several pages is no snapshot: a job can end, behind the pages already
        read, while later pages are fetched. So the next watermark comes from the first page
        only; whatever ends after that page was read is newer than it.
        """
        created: list[str] | None = None
        try:
            after = datetime.fromtimestamp(watermark, UTC)
            jobs: list[CopyJobInfo] = []
            next_mark: float | None = None
            for page in self.gateway.copy_job_pages(completed_after=after):
                if next_mark is None:
                    stamps = [job.completed.timestamp() for job in page if job.completed]
                    next_mark = max(stamps) if stamps else watermark + WATERMARK_MARGIN
                jobs += page
            if census:
                after = datetime.fromtimestamp(self._census_from, UTC)
                listed = self.gateway.list_copy_jobs(created_after=after, state="CREATED")
                created = [job.job_id for job in listed if job.state == "CREATED"]
        except Exception as exc:
            self.mailbox.put(("poll-failed", exc))
            return
        undescribed: list[str] = []
        for job_id in stale:
            try:
                jobs.append(self.gateway.describe_copy_job(job_id))
            except Exception as exc:  # one job's trouble must not hide the others' news
                log.warning("cannot describe copy job %s: %s; will try again", job_id, exc)
                undescribed.append(job_id)
        described = [j for j in stale if j not in undescribed]
        self.mailbox.put(("polled", jobs, described, next_mark, created))
        for job_id in undescribed:
            self.mailbox.put(("described-later", job_id))

    def _on_polled(
        self,
        jobs: list[CopyJobInfo],
        stale: list[str],
        next_mark: float | None,
        created: list[str] | None = None,
    ) -> None:
        self._polling = False
        self._expired_in_a_row = 0
        now = self.clock.monotonic()
        for job_id in stale:
            i = self._job_item.get(job_id)
            if i is not None:
                self._last_news[i] = now
        for job in jobs:
            self._on_job(job)
        if next_mark is not None:
            self._watermark = max(self._watermark, next_mark - WATERMARK_MARGIN)
        span = self._poll_started - self._last_poll_started  # what this listing's news covers
        self._recent_ends.append((self._ended_since_poll, span))
        self._ended_since_poll = 0
        if created is not None:
            self._take_census(set(created))

    def _take_census(self, created: set[str]) -> None:
        """Our jobs in flight by lane, RUNNING or still CREATED: what piles up is capped."""
        running: Counter[str] = Counter()
        waiting: Counter[str] = Counter()
        for job_id, i in self._job_item.items():
            lane = self.scheduler.lane_of_item(i)
            if job_id in created:
                waiting[lane] += 1
            else:
                running[lane] += 1
        for lane in self.limits.on_census(running, waiting):
            log.info(
                "%s copies pile up in CREATED (%d running, %d waiting): at most %d in flight",
                lane,
                running[lane],
                waiting[lane],
                self.limits.limit(lane),
            )

    def _on_job(self, job: CopyJobInfo) -> None:
        i = self._job_item.get(job.job_id)
        if i is None or self.state.job_ids[i] != job.job_id:
            # Not ours, an earlier attempt's, or ours with its StartCopyJob answer still on
            # the way: keep it until that answer comes.
            if job.terminal and self._submitting:
                if len(self._unclaimed) >= 100_000:
                    for stale in list(self._unclaimed)[:50_000]:
                        del self._unclaimed[stale]
                self._unclaimed[job.job_id] = job
            return
        if not job.terminal:
            if job.state not in ACTIVE_STATES:
                self.outcome.unknown_states[job.state] += 1
                log.warning("copy job %s is in state %s; waiting", job.job_id, job.state)
            return
        self._job_item.pop(job.job_id, None)
        self._last_news.pop(i, None)
        self._ended_since_poll += 1
        self._parked.note_ended(self.scheduler.lane_of_item(i))
        now = self.clock.now()
        log.debug("copy job %s of %s: %s", job.job_id, self.state.items[i].source_arn, job.state)
        if job.state == "COMPLETED":
            self._record(JobEnded(i, job.job_id, "COMPLETED", now, dest_arn=job.dest_arn))
            self.scheduler.release(i)
            return
        retry = (
            job_failure_is_transient(job.message, job.category)
            and self.state.attempts[i] < self.settings.max_job_attempts
        )
        self._record(JobEnded(i, job.job_id, job.state, now, message=job.message, retry=retry))
        log.info(
            "copy of %s %s: %s%s",
            self.state.items[i].source_arn,
            job.state,
            job.message,
            " (will retry)" if retry else "",
        )
        if retry:
            delay = self.settings.retry_delay * 2 ** (self.state.attempts[i] - 1)
            self.scheduler.release(i, retry_at=now + jittered(delay, self.rng))
        else:
            self.scheduler.release(i)

    # -- resume -------------------------------------------------------------------------------

    def _reconcile(self) -> None:
        """Before submitting anything: find out what became of the last run's calls.

        Unconfirmed intents are looked up with ListCopyJobs (source recovery point and
        destination vault); jobs in flight are described. The lookups run in parallel.
        """
        for i in self.state.indexes(Status.INTENT):
            self._reconciling += 1
            self.executor.submit(self._find_jobs, i)
        for job_id in list(self._job_item):
            self._reconciling += 1
            self.executor.submit(self._describe, job_id)
        while self._reconciling and not self.outcome.fatal and not self.stop.forced:
            message = self.mailbox.get(1.0)
            if message is not None:
                self._handle(message)
        self.journal.flush()

    def _find_jobs(self, i: int) -> None:
        item = self.state.items[i]
        try:
            jobs = list(
                self.gateway.list_copy_jobs(
                    source_arn=item.source_arn, dest_vault_arn=item.dest_vault_arn
                )
            )
        except Exception as exc:
            self.mailbox.put(("found-failed", i, exc))
        else:
            self.mailbox.put(("found", i, jobs))

    def _describe(self, job_id: str) -> None:
        try:
            job = self.gateway.describe_copy_job(job_id)
        except Exception as exc:
            self.mailbox.put(("described-failed", job_id, exc))
        else:
            self.mailbox.put(("described", job))

    def _on_found(self, i: int, jobs: list[CopyJobInfo]) -> None:
        self._reconciling -= 1
        # Jobs for this (recovery point, vault) pair can only be this item's.
        known = {self.state.job_ids[i], *self.state.retired.get(i, ())}
        fresh = [job for job in jobs if job.job_id not in known]
        live = [job for job in fresh if job.state != "FAILED"] or fresh
        if live:
            job = max(live, key=lambda j: j.created or datetime.min.replace(tzinfo=UTC))
            self._record(Submitted(i, job.job_id, self.clock.now()))
            self._job_item[job.job_id] = i
            self._last_news[i] = self.clock.monotonic()
            self._on_job(job)
        else:  # the call never reached AWS: repeat it, with the same token
            heapq.heappush(self._resubmit, (self.clock.now(), i))

    def _on_described(self, job: CopyJobInfo) -> None:
        self._reconciling -= 1
        i = self._job_item.get(job.job_id)
        if i is not None:
            self._last_news[i] = self.clock.monotonic()
        self._on_job(job)

    # -- messages -----------------------------------------------------------------------------

    def _handle_messages(self) -> None:
        while (message := self.mailbox.get_nowait()) is not None:
            self._handle(message)

    def _handle(self, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind == "submitted":
            self._on_submitted(message[1], message[2], message[3])
        elif kind == "submit-failed":
            self._on_submit_failed(message[1], message[2], message[3])
        elif kind == "polled":
            self._on_polled(message[1], message[2], message[3], message[4])
        elif kind == "described-later":
            again = self._job_item.get(message[1])
            if again is not None:
                self._describe_soon.add(again)
        elif kind == "found":
            self._on_found(message[1], message[2])
        elif kind == "described":
            self._on_described(message[1])
        elif kind == "found-failed":
            i, exc = message[1], message[2]
            self._lookups[i] += 1
            if self._lookups[i] < LOOKUP_ATTEMPTS and error_is_transient(exc):
                log.warning("looking up the copy of item %d failed, will retry: %s", i, exc)
                self.executor.submit(self._find_jobs, i)  # still counted in _reconciling
            else:
                self._reconciling -= 1
                self.outcome.fatal = f"cannot reconcile unconfirmed copies: {exc}"
        elif kind == "described-failed":
            self._reconciling -= 1
            log.warning("cannot describe copy job %s: %s; will try again", message[1], message[2])
            again = self._job_item.get(message[1])
            if again is not None:
                self._describe_soon.add(again)
        elif kind == "poll-failed":
            self._polling = False
            exc = message[1]
            if isinstance(exc, CredentialsExpired):
                # As for StartCopyJob: the gateway renewed the session and botocore's retries
                # still outlasted it. The next poll asks again; only a run of these is fatal.
                self._note_expired()
            if isinstance(exc, CredentialsError) or self._expired_in_a_row >= EXPIRED_LIMIT:
                self.outcome.fatal = f"credentials for the source account: {exc}"
            else:
                log.warning("tracking copy jobs failed, will retry: %s", exc)
                now = self.clock.monotonic()
                self._next_poll = min(self._next_poll, now + POLL_RETRY)
