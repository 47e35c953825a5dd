"""The ports the services need; adapters implement them, tests fake them."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any, Protocol

from ..domain.copy_job import CopyJobInfo, Lifecycle, StartedJob
from ..domain.events import Event
from ..domain.migration import MigrationState
from ..domain.progress import Progress
from ..domain.recovery_point import RecoveryPoint, Vault


class BackupGateway(Protocol):
    """AWS Backup in one account and region."""

    @property
    def account_id(self) -> str: ...

    @property
    def region(self) -> str: ...

    def list_vaults(self) -> list[Vault]: ...

    def iter_recovery_points(
        self, vault_name: str, *, resource_arn: str | None = None
    ) -> Iterator[RecoveryPoint]:
        """Stream a vault's recovery points page by page (of one resource, if given)."""
        ...

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
        """StartCopyJob; returns the CopyJobId and the job's creation date."""
        ...

    @property
    def throttle_events(self) -> int:
        """Throttling answers so far, those botocore retried away included."""
        ...

    @property
    def limit_events(self) -> int:
        """LimitExceededException answers so far, those botocore retried away included."""
        ...

    def describe_copy_job(self, job_id: str) -> CopyJobInfo: ...

    def list_copy_jobs(
        self,
        *,
        completed_after: datetime | None = None,
        created_after: datetime | None = None,
        source_arn: str | None = None,
        dest_vault_arn: str | None = None,
        state: str | None = None,
    ) -> Iterator[CopyJobInfo]:
        """ListCopyJobs with the given filters, page by page."""
        ...

    def copy_job_pages(self, *, completed_after: datetime) -> Iterator[list[CopyJobInfo]]:
        """ListCopyJobs(ByCompleteAfter), one list per page as AWS returned it."""
        ...


class KeyInspector(Protocol):
    """Tells AWS-managed KMS keys from customer-managed ones."""

    def is_aws_managed(self, key_arn: str) -> bool | None:
        """True or False, or None when the key cannot be described."""
        ...


class MetadataIndex(Protocol):
    """Metadata per resource ARN, from the operator's CSV."""

    @property
    def columns(self) -> tuple[str, ...]:
        """The metadata column names, in file order, without resourceArn."""
        ...

    def get(self, resource_arn: str) -> Mapping[str, str] | None: ...


class Clock(Protocol):
    def now(self) -> datetime: ...


class Journal(Protocol):
    """Where a copy run records every event before and after it acts."""

    def append(self, event: Event) -> None:
        """Buffer an event; `flush` hands buffered events to the operating system."""
        ...

    def flush(self) -> None: ...

    def sync(self) -> None:
        """Make everything flushed durable (fsync)."""
        ...

    @property
    def events_since_snapshot(self) -> int: ...

    def compact(self, state: MigrationState) -> None:
        """Write a snapshot of `state` and start the journal afresh from it."""
        ...


class ProgressSink(Protocol):
    def update(self, progress: Progress) -> None: ...

    def close(self, progress: Progress) -> None: ...


class Executor(Protocol):
    """Runs blocking calls off the engine thread (a thread pool, or inline in unit tests)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Any: ...

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None: ...
