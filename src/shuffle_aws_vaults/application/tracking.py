"""Tracking copy jobs in bulk: one ListCopyJobs(ByCompleteAfter) poll finds every job of ours
that ended since the watermark; jobs no listing has shown for long are described; while caps
hold items back, a census lists our jobs still in CREATED (a limit AWS does not announce).
An ended job is journalled, and its item released, retried later or failed.
"""

from __future__ import annotations

import logging
from collections import Counter, deque
from datetime import UTC, datetime

from ..domain.copy_job import ACTIVE_STATES, CopyJobInfo, StartedJob
from ..domain.errors import CredentialsError, ErrorCategory, category_of
from ..domain.events import JobEnded, Landed
from ..domain.failures import job_failure_is_transient
from ..domain.migration import Landing, Status
from .engine_context import EngineContext
from .engine_messages import DescribeAgain, Polled, PollFailed
from .run_control import jittered
from .submission import Submission

log = logging.getLogger(__name__)

# ListCopyJobs' ByCompleteAfter window starts this long before the newest completion seen, so a
# job whose completion becomes visible late is still found.
WATERMARK_MARGIN = 600.0
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
UNCLAIMED_MAX = 100_000  # ended jobs kept for StartCopyJob answers still on the way


class Tracking:
    def __init__(self, context: EngineContext, submission: Submission) -> None:
        self.state = context.state
        self.gateway = context.gateway
        self.settings = context.settings
        self.executor = context.executor
        self.mailbox = context.mailbox
        self.clock = context.clock
        self.rng = context.rng
        self.scheduler = context.scheduler
        self.limits = context.limits
        self.outcome = context.outcome
        self.expired = context.expired
        self._record = context.record
        self.submission = submission
        self._parked = submission.parked
        self._job_item: dict[str, int] = {}  # our jobs in flight
        self._last_news: dict[int, float] = {}  # item -> monotonic time of its job's last news
        self._describe_soon: set[int] = set()
        # Ended jobs a listing showed before their StartCopyJob answer reached this thread.
        self._unclaimed: dict[str, CopyJobInfo] = {}
        self._polling = False
        self._next_poll = 0.0
        self._poll_started = self._last_poll_started = self.clock.monotonic()
        self._ended_since_poll = 0
        # (jobs of ours that ended, seconds covered) per poll, for the last RATE_WINDOW polls
        self._recent_ends: deque[tuple[int, float]] = deque(maxlen=RATE_WINDOW)
        self._watermark = self.clock.now() - WATERMARK_MARGIN
        self._census_from = self.clock.now() - CENSUS_MARGIN
        self._next_census = 0.0
        state = self.state
        for i, job_id in enumerate(state.job_ids):
            if job_id is not None and state.status[i] == Status.SUBMITTED:
                self._job_item[job_id] = i

    # -- the jobs watched -----------------------------------------------------------------------

    def job_ids(self) -> list[str]:
        return list(self._job_item)

    def next_poll_at(self) -> float | None:
        """Monotonic time of the next poll, if one is due once that time comes."""
        if self._job_item and not self._polling:
            return self._next_poll
        return None

    def adopt(self, i: int, started: StartedJob, repeated: bool) -> None:
        """Watch the job StartCopyJob answered for item `i` (already recorded Submitted)."""
        job_id = started.job_id
        self._job_item[job_id] = i
        self._last_news[i] = self.clock.monotonic()
        old = started.created is not None and started.created.timestamp() <= self._watermark
        if repeated or old:
            # An idempotent repeat may answer with a job that ended before the listings' window.
            self._describe_soon.add(i)
        early = self._unclaimed.pop(job_id, None)
        if early is not None:
            self.on_job(early)

    def watch(self, i: int, job: CopyJobInfo) -> None:
        """Watch `job`, found for item `i` (already recorded Submitted), and take its news."""
        self._job_item[job.job_id] = i
        self._last_news[i] = self.clock.monotonic()
        self.on_job(job)

    def described(self, job: CopyJobInfo) -> None:
        """A job of ours as DescribeCopyJob saw it."""
        i = self._job_item.get(job.job_id)
        if i is not None:
            self._last_news[i] = self.clock.monotonic()
        self.on_job(job)

    def describe_soon(self, job_id: str) -> None:
        """Describe `job_id` in the next poll (if it is still ours and in flight)."""
        i = self._job_item.get(job_id)
        if i is not None:
            self._describe_soon.add(i)

    # -- polls ----------------------------------------------------------------------------------

    def maybe_poll(self, now: float) -> None:
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
        blocked = self.submission.blocked(self.clock.now())
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
                listed = self.gateway.list_copy_jobs(
                    created_after=after, state="CREATED", quick=True
                )
                created = [job.job_id for job in listed if job.state == "CREATED"]
        except Exception as exc:
            self.mailbox.put(PollFailed(exc))
            return
        undescribed: list[str] = []
        for job_id in stale:
            try:
                jobs.append(self.gateway.describe_copy_job(job_id))
            except Exception as exc:  # one job's trouble must not hide the others' news
                log.warning("cannot describe copy job %s: %s; will try again", job_id, exc)
                undescribed.append(job_id)
        described = [j for j in stale if j not in undescribed]
        self.mailbox.put(Polled(jobs, described, next_mark, created))
        for job_id in undescribed:
            self.mailbox.put(DescribeAgain(job_id))

    def on_polled(self, message: Polled) -> None:
        jobs, described, next_mark, created = message
        self._polling = False
        self.expired.in_a_row = 0
        now = self.clock.monotonic()
        for job_id in described:
            i = self._job_item.get(job_id)
            if i is not None:
                self._last_news[i] = now
        for job in jobs:
            self.on_job(job)
        if next_mark is not None:
            self._watermark = max(self._watermark, next_mark - WATERMARK_MARGIN)
        span = self._poll_started - self._last_poll_started  # what this listing's news covers
        self._recent_ends.append((self._ended_since_poll, span))
        self._ended_since_poll = 0
        if created is not None:
            self._take_census(set(created))

    def on_poll_failed(self, message: PollFailed) -> None:
        self._polling = False
        exc = message.error
        if category_of(exc) is ErrorCategory.EXPIRED_CREDENTIALS:
            # As for StartCopyJob: the gateway renewed the session and botocore's retries
            # still outlasted it. The next poll asks again; only a run of these is fatal.
            self.expired.note()
        if isinstance(exc, CredentialsError) or self.expired.exhausted:
            self.outcome.fatal = f"credentials for the source account: {exc}"
        else:
            log.warning("tracking copy jobs failed, will retry: %s", exc)
            now = self.clock.monotonic()
            self._next_poll = min(self._next_poll, now + POLL_RETRY)

    def on_describe_again(self, message: DescribeAgain) -> None:
        self.describe_soon(message.job_id)

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

    # -- a job's news ---------------------------------------------------------------------------

    def _note_landing(self, job: CopyJobInfo, now: float) -> None:
        """The destination vault as this completed job reports it, journalled when it is new
        or has changed (a vault's type, lock and key: once per vault, not per item)."""
        if job.dest_vault_type is None:
            return
        landing = Landing(job.dest_vault_type, job.dest_lock_state, job.dest_key_arn)
        if self.state.landings.get(job.dest_vault_arn) != landing:
            self._record(
                Landed(
                    job.dest_vault_arn, landing.vault_type, landing.lock_state, landing.key_arn, now
                )
            )

    def on_job(self, job: CopyJobInfo) -> None:
        if job.parent_job_id is not None:
            return  # a composite's child job: AWS started it, its parent job is the item's
        i = self._job_item.get(job.job_id)
        if i is None or self.state.job_ids[i] != job.job_id:
            # Not ours, an earlier attempt's, or ours with its StartCopyJob answer still on
            # the way: keep it until that answer comes.
            if job.terminal and self.submission.submitting:
                if len(self._unclaimed) >= UNCLAIMED_MAX:
                    for stale in list(self._unclaimed)[: UNCLAIMED_MAX // 2]:
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
            self._note_landing(job, now)
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
