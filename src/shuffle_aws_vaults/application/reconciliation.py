"""On resume, before anything is submitted: what became of the last run's calls.

An unconfirmed intent (journalled, its StartCopyJob answer never recorded) is looked up with
ListCopyJobs by its recovery point and destination vault: a job found is adopted, none means the
call never reached AWS and is made again with the same token. Jobs the last run left in flight
are described. The lookups run in parallel on worker threads.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime

from ..domain.events import Submitted
from ..domain.failures import error_is_transient
from ..domain.migration import Status
from .engine_context import EngineContext
from .engine_messages import Described, DescribeFailed, FindFailed, Found
from .submission import Submission
from .tracking import Tracking

log = logging.getLogger(__name__)

LOOKUP_ATTEMPTS = 5  # of one unconfirmed intent's ListCopyJobs, when the failure is transient


class Reconciliation:
    def __init__(self, context: EngineContext, submission: Submission, tracking: Tracking) -> None:
        self.state = context.state
        self.gateway = context.gateway
        self.executor = context.executor
        self.mailbox = context.mailbox
        self.clock = context.clock
        self.outcome = context.outcome
        self._record = context.record
        self.submission = submission
        self.tracking = tracking
        self.pending = 0  # lookups and describes not yet answered for good
        self._lookups: Counter[int] = Counter()  # ListCopyJobs lookups of unconfirmed intents

    def start(self) -> None:
        """Ask about every unconfirmed intent and every job in flight; the answers come to the
        mailbox, and `pending` counts those still to come."""
        for i in self.state.indexes(Status.INTENT):
            self.pending += 1
            self.executor.submit(self._find_jobs, i)
        for job_id in self.tracking.job_ids():
            self.pending += 1
            self.executor.submit(self._describe, job_id)

    # -- on worker threads ----------------------------------------------------------------------

    def _find_jobs(self, i: int) -> None:
        item = self.state.items[i]
        try:
            jobs = list(
                self.gateway.list_copy_jobs(
                    source_arn=item.source_arn, dest_vault_arn=item.dest_vault_arn
                )
            )
        except Exception as exc:
            self.mailbox.put(FindFailed(i, exc))
        else:
            self.mailbox.put(Found(i, jobs))

    def _describe(self, job_id: str) -> None:
        try:
            job = self.gateway.describe_copy_job(job_id)
        except Exception as exc:
            self.mailbox.put(DescribeFailed(job_id, exc))
        else:
            self.mailbox.put(Described(job))

    # -- answers --------------------------------------------------------------------------------

    def on_found(self, message: Found) -> None:
        i, jobs = message
        self.pending -= 1
        # Jobs for this (recovery point, vault) pair can only be this item's.
        known = {self.state.job_ids[i], *self.state.retired.get(i, ())}
        fresh = [job for job in jobs if job.job_id not in known]
        live = [job for job in fresh if job.state != "FAILED"] or fresh
        if live:
            job = max(live, key=lambda j: j.created or datetime.min.replace(tzinfo=UTC))
            self._record(Submitted(i, job.job_id, self.clock.now()))
            self.tracking.watch(i, job)
        else:  # the call never reached AWS: repeat it, with the same token
            self.submission.repeat(i, self.clock.now())

    def on_find_failed(self, message: FindFailed) -> None:
        i, exc = message
        self._lookups[i] += 1
        if self._lookups[i] < LOOKUP_ATTEMPTS and error_is_transient(exc):
            log.warning("looking up the copy of item %d failed, will retry: %s", i, exc)
            self.executor.submit(self._find_jobs, i)  # still counted in `pending`
        else:
            self.pending -= 1
            self.outcome.fatal = f"cannot reconcile unconfirmed copies: {exc}"

    def on_described(self, message: Described) -> None:
        self.pending -= 1
        self.tracking.described(message.job)

    def on_describe_failed(self, message: DescribeFailed) -> None:
        job_id, exc = message
        self.pending -= 1
        log.warning("cannot describe copy job %s: %s; will try again", job_id, exc)
        self.tracking.describe_soon(job_id)
