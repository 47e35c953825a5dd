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
    # The destination vault as AWS reports it in the job (None: not reported).
    dest_vault_type: str | None = None
    dest_lock_state: str | None = None
    dest_key_arn: str | None = None

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


# A copy that would never have expired, in Lifecycle.clamped_from (AWS's own value for "keep
# indefinitely" in a Lifecycle).
FOREVER = -1


@dataclass(frozen=True, slots=True)
class Lifecycle:
    """The Lifecycle a copy is sent with (StartCopyJob's); a None field is not sent.

    `clamped_from`: --fit-retention moved DeleteAfterDays into the destination vault's lock, from
    this many days (FOREVER: the copy would never have expired); None when it was not moved.
    It explains the copy's lifecycle and is never sent."""

    delete_after_days: int | None = None
    cold_after_days: int | None = None
    archive: bool = False  # OptInToArchiveForSupportedResources
    clamped_from: int | None = None

    def describe(self) -> str:
        """AWS's names, as the report shows them: 'DeleteAfterDays=365 ...'."""
        parts = []
        if self.delete_after_days is not None:
            parts.append(f"DeleteAfterDays={self.delete_after_days}")
        if self.cold_after_days is not None:
            parts.append(f"MoveToColdStorageAfterDays={self.cold_after_days}")
        if self.archive:
            parts.append("OptInToArchiveForSupportedResources=true")
        return " ".join(parts)


@dataclass(frozen=True, slots=True)
class StartedJob:
    """StartCopyJob's answer. An idempotent repeat answers with the original job, which may be
    old (and long finished): its creation date tells."""

    job_id: str
    created: datetime | None = None
    # LimitExceededException answers met before AWS accepted it (retried by the SDK)
    limit_answers: int = 0
