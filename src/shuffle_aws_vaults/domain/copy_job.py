"""A copy job as AWS reports it, in the tool's terms."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

TERMINAL_STATES = frozenset({"COMPLETED", "FAILED", "ABORTED", "PARTIAL"})
ACTIVE_STATES = frozenset({"CREATED", "RUNNING", "PENDING", "COMPLETING", "ABORTING", "FAILING"})


@dataclass(frozen=True, slots=True)
class CopyJobInfo:
    job_id: str
    state: str
    source_arn: str
    dest_vault_arn: str
    created: datetime | None = None
    completed: datetime | None = None
    dest_arn: str | None = None
    message: str | None = None
    category: str | None = None
    # A composite's copy: its parent job says is_parent; each child job names the parent in
    # parent_job_id (the tool starts and tracks parent jobs only).
    is_parent: bool = False
    parent_job_id: str | None = None

    @property
    def terminal(self) -> bool:
        return self.state in TERMINAL_STATES


def newer(job: CopyJobInfo, than: CopyJobInfo | None) -> bool:
    """Whether `job` was created after `than` (or there is no `than`): AWS does not document
    the order ListCopyJobs lists jobs in, so "the latest job" is chosen by its date."""
    if than is None:
        return True
    if job.created is None or than.created is None:
        return than.created is None
    return job.created > than.created


@dataclass(frozen=True, slots=True)
class Lifecycle:
    """The lifecycle to give copies; None fields keep the source's."""

    delete_after_days: int | None = None
    cold_after_days: int | None = None


@dataclass(frozen=True, slots=True)
class StartedJob:
    """StartCopyJob's answer. An idempotent repeat answers with the original job, which may be
    old (and long finished): its creation date tells."""

    job_id: str
    created: datetime | None = None
    # LimitExceededException answers met before AWS accepted it (retried by the SDK)
    limit_answers: int = 0
