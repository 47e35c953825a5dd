"""What worker threads post to the copy engine's mailbox: one type per kind of answer.

A worker thread makes one blocking AWS call and posts its answer, or its failure, as one of
these; the engine thread looks the message's type up in its table of handlers (as aws-cli's s3
transfers map result types to handler methods) and only the engine thread changes any state.
They are NamedTuples: as cheap to make as the plain tuples they replace, one per answer.
"""

from __future__ import annotations

from typing import NamedTuple

from ..domain.copy_job import CopyJobInfo, StartedJob

# -- submission -------------------------------------------------------------------------------


class StartAnswered(NamedTuple):
    """StartCopyJob for item `i`'s `attempt` was accepted."""

    i: int
    attempt: int
    started: StartedJob


class StartFailed(NamedTuple):
    """StartCopyJob for item `i`'s `attempt` failed (botocore's retries included)."""

    i: int
    attempt: int
    error: Exception


# -- tracking ---------------------------------------------------------------------------------


class Polled(NamedTuple):
    """A poll's news: jobs that ended (and stale jobs described), the next watermark and, for
    a census, the IDs of our jobs still in CREATED."""

    jobs: list[CopyJobInfo]
    described: list[str]  # the stale jobs described, whose news is now fresh
    next_mark: float | None
    created: list[str] | None


class PollFailed(NamedTuple):
    """A poll's listing failed; the next poll comes soon."""

    error: Exception


class DescribeAgain(NamedTuple):
    """A stale job could not be described in a poll: describe it in the next one."""

    job_id: str


# -- reconciliation on resume -----------------------------------------------------------------


class Found(NamedTuple):
    """The jobs ListCopyJobs found for unconfirmed item `i` (its recovery point and vault)."""

    i: int
    jobs: list[CopyJobInfo]


class FindFailed(NamedTuple):
    """Looking up unconfirmed item `i`'s jobs failed."""

    i: int
    error: Exception


class Described(NamedTuple):
    """A job the last run left in flight, as DescribeCopyJob sees it now."""

    job: CopyJobInfo


class DescribeFailed(NamedTuple):
    """DescribeCopyJob of a job the last run left in flight failed."""

    job_id: str
    error: Exception


EngineMessage = (
    StartAnswered
    | StartFailed
    | Polled
    | PollFailed
    | DescribeAgain
    | Found
    | FindFailed
    | Described
    | DescribeFailed
)
