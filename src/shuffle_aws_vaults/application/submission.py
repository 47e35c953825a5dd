"""StartCopyJob: which items go now, the calls themselves, and what a failed call becomes.

Items go to the cap: the scheduler hands out new ones within each lane's room and the
account's, after the repeats that are due (same attempt, same IdempotencyToken) and the items
parked at a concurrency limit whose lane has room again. Every intent is journalled and flushed
before its call is made. A failed call is repeated later (throttling, a server-side error, an
expired session), parked (a concurrency limit), refused for good, or fatal (credentials).
"""

from __future__ import annotations

import heapq
from collections import Counter

from ..domain.errors import AwsError, CredentialsError, ErrorCategory, category_of
from ..domain.events import Intent, Refused, Submitted
from ..domain.failures import error_is_transient
from ..domain.migration import Status
from ..domain.plan import idempotency_token
from .engine_context import EngineContext
from .engine_messages import StartAnswered, StartFailed
from .parking import ParkedItems
from .run_control import jittered


class Submission:
    def __init__(self, context: EngineContext) -> None:
        self.state = context.state
        self.gateway = context.gateway
        self.journal = context.journal
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
        self.resubmit: list[tuple[float, int]] = []  # (not before, item): repeats of a call
        # Items repeating a call that AWS refused before acting (throttled, expired token): no
        # job exists, so their slot serves the next item until they go again.
        self.lent: set[int] = set()
        self.parked = ParkedItems()  # refused at a concurrency limit
        # Items whose StartCopyJob repeated an earlier token: AWS may answer with a job that
        # ended before we started watching, which no ByCompleteAfter listing would show again.
        self.repeated: set[int] = set()
        self.submitting: set[int] = set()  # StartCopyJob under way
        self._limit_refusals: Counter[int] = Counter()  # LimitExceeded in a row, per item

    @property
    def busy(self) -> bool:
        """Calls under way, or repeats still to make."""
        return bool(self.resubmit or self.submitting)

    def repeat(self, i: int, at: float, *, lend: bool = False) -> None:
        """Make item `i`'s call again at wall time `at`, with the same token; `lend`: no job
        can exist for the call, so its slot is lent to the next item meanwhile."""
        heapq.heappush(self.resubmit, (at, i))
        if lend:
            self.lent.add(i)

    def next_deadline(self) -> float | None:
        """Wall time at which an item will be ready without any news: a back-off ending, a
        repeat or a parked item's timer. Backed-off items that are due are made ready."""
        now = self.clock.now()
        deadlines = [self.parked.next_deadline(), self.scheduler.next_ready_at(now)]
        if self.resubmit and (self.resubmit[0][0] > now or self._may_repeat(self.resubmit[0][1])):
            deadlines.append(self.resubmit[0][0])  # (due, without a slot: wait for news)
        return min((d for d in deadlines if d is not None), default=None)

    def _may_repeat(self, i: int) -> bool:
        """Whether item `i`'s repeat has a slot now (one that kept its slot always has)."""
        if i not in self.lent:
            return True
        lane = self.scheduler.lane_of_item(i)
        return self._active() < self._total() and self.lane_room().get(lane, 0) > 0

    def _total(self) -> int:
        return self.limits.total.limit

    def _active(self) -> int:
        """Items holding a slot: in flight, but neither parked at a limit nor lending theirs."""
        return self.state.in_flight - self.parked.count - len(self.lent)

    # -- submitting -----------------------------------------------------------------------------

    def submit_ready(self) -> None:
        now = self.clock.now()
        batch: list[tuple[int, int]] = []
        active = self._active()
        # Repeats first; one that lent its slot goes again only when a slot is free.
        waiting: list[tuple[float, int]] = []
        lanes = self.lane_room() if self.lent else {}
        while self.resubmit and self.resubmit[0][0] <= now:
            due, i = heapq.heappop(self.resubmit)
            if i in self.lent:
                lane = self.scheduler.lane_of_item(i)
                if active >= self._total() or lanes.get(lane, 0) <= 0:
                    waiting.append((due, i))
                    continue
                self.lent.discard(i)
                active += 1
                lanes[lane] -= 1
            self.repeated.add(i)
            batch.append((i, self.state.attempts[i]))  # same attempt, same token
        for entry in waiting:
            heapq.heappush(self.resubmit, entry)
        for lane in self.parked.lanes():
            lane_active = self.scheduler.in_flight(lane) - self.parked.count_in(lane)
            room = min(self.limits.limit(lane) - lane_active, self.limits.total.limit - active)
            for i in self.parked.due(lane, now, room):
                self.repeated.add(i)
                batch.append((i, self.state.attempts[i]))  # same attempt, same token
                active += 1
        room = self.limits.total.limit - active
        if room > 0:
            for i in self.scheduler.take(room, now, self.lane_room()):
                attempt = self.state.attempts[i] + 1
                self._record(Intent(i, attempt, now))
                batch.append((i, attempt))
        if not batch:
            return
        self.journal.flush()  # every intent reaches the file before its call is made
        for i, attempt in batch:
            self.submitting.add(i)
            self.executor.submit(self._start_job, i, attempt)

    def lane_room(self) -> dict[str, int]:
        in_flight = self.scheduler.in_flight_by_lane()
        for i in self.lent:  # few: calls refused before AWS acted, waiting to go again
            in_flight[self.scheduler.lane_of_item(i)] -= 1
        return {lane: self.limits.limit(lane) - n for lane, n in in_flight.items()}

    def blocked(self, now: float) -> bool:
        """Items wait for a slot that the caps (not the plan) hold back."""
        if self.resubmit or self.parked.count:
            return True
        if not self.scheduler.has_ready(now):
            return False
        if self._active() >= self._total():
            return True
        room = self.lane_room()
        return all(room.get(lane, 0) <= 0 for lane in self.scheduler.waiting_lanes(now))

    def _start_job(self, i: int, attempt: int) -> None:
        """On a worker thread: one StartCopyJob call; the answer goes to the mailbox."""
        item = self.state.items[i]
        lifecycle = item.lifecycle if item.lifecycle is not None else self.settings.lifecycle
        try:
            started = self.gateway.start_copy_job(
                source_arn=item.source_arn,
                source_vault=item.source_vault,
                dest_vault_arn=item.dest_vault_arn,
                iam_role_arn=self.settings.iam_role_arn,
                token=idempotency_token(item.source_arn, item.dest_vault_arn, attempt),
                lifecycle=lifecycle,
            )
        except Exception as exc:  # every failure goes back to the engine thread
            self.mailbox.put(StartFailed(i, attempt, exc))
        else:
            self.mailbox.put(StartAnswered(i, attempt, started))

    # -- answers --------------------------------------------------------------------------------

    def on_answered(self, message: StartAnswered) -> bool | None:
        """Record the job AWS accepted. Returns whether the call repeated an earlier token
        (None: an answer to an intent that is no longer current)."""
        i, attempt, started = message
        self.submitting.discard(i)
        if self.state.status[i] != Status.INTENT or self.state.attempts[i] != attempt:
            return None
        self.expired.in_a_row = 0
        self._record(Submitted(i, started.job_id, self.clock.now()))
        self.outcome.started_jobs += 1
        lane = self.scheduler.lane_of_item(i)
        self._limit_refusals.pop(i, None)
        if started.limit_answers:  # refused at a limit first; botocore's retries got it in
            self.limits.on_refused(
                lane, self.scheduler.in_flight(lane), self.state.in_flight, self.clock.now()
            )
        else:
            self.limits.on_accepted(lane, self._active())
        repeated = i in self.repeated
        self.repeated.discard(i)
        return repeated

    def on_failed(self, message: StartFailed) -> None:
        i, attempt, exc = message
        self.submitting.discard(i)
        now = self.clock.now()
        category = category_of(exc)
        expired = category is ErrorCategory.EXPIRED_CREDENTIALS
        if isinstance(exc, CredentialsError) or (expired and self.expired.exhausted):
            self.outcome.fatal = f"credentials for the source account: {exc}"
            return
        if expired:
            # The gateway assumed the role again and still met an expired token (a renewal
            # racing other threads, or botocore's retries outlasting a short session): try
            # again later with the same token; only a run of such failures is fatal.
            self.expired.note()
            self.outcome.submit_retries += 1
            self.repeat(i, now + jittered(self.settings.submit_retry_delay, self.rng), lend=True)
            return
        if category is ErrorCategory.LIMIT:
            # A concurrency limit: cap the item's lane (or the account) at the jobs in flight
            # besides it, and park it until a job of its lane ends (or its timer runs out).
            lane = self.scheduler.lane_of_item(i)
            self.outcome.submit_retries += 1
            parked = self.parked.count_in(lane)
            self.limits.on_refused(
                lane,
                self.scheduler.in_flight(lane) - parked - 1,
                self._active() - 1,
                now,
            )
            self._limit_refusals[i] += 1
            backoff = 2 ** min(self._limit_refusals[i] - 1, 3)
            delay = jittered(min(self.settings.poll_interval, 60.0) * backoff, self.rng)
            self.parked.park(lane, i, now + delay)
            return
        if error_is_transient(exc):  # expired credentials were dealt with above
            self.outcome.submit_retries += 1
            delay = jittered(self.settings.submit_retry_delay * (2 ** min(attempt, 6)), self.rng)
            # Throttled: refused before anything was done. Other errors (a 5xx, a lost answer)
            # may have started a job, which keeps its slot.
            self.repeat(i, now + delay, lend=category is ErrorCategory.THROTTLED)
            return
        code = exc.code if isinstance(exc, AwsError) else type(exc).__name__
        text = exc.message if isinstance(exc, AwsError) else str(exc)
        self._record(Refused(i, code, text, now))
        self.parked.note_ended(self.scheduler.lane_of_item(i))
        self.scheduler.release(i)
