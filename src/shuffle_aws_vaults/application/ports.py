"""Every port the services need; adapters implement them, tests fake them."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from ..domain.copy_job import CopyJobInfo, Lifecycle, StartedJob
from ..domain.destination_limits import Quota, QuotaReading
from ..domain.events import Event
from ..domain.migration import MigrationState
from ..domain.progress import Progress
from ..domain.recovery_point import NewVault, RecoveryPoint, Vault


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
        quick: bool = False,
    ) -> Iterator[CopyJobInfo]:
        """ListCopyJobs with the given filters, page by page. `quick`: part of the engine's
        poll (one retry; the engine asks again soon), not a listing that must complete."""
        ...

    def copy_job_pages(self, *, completed_after: datetime) -> Iterator[list[CopyJobInfo]]:
        """ListCopyJobs(ByCompleteAfter), one list per page as AWS returned it."""
        ...

    def opt_in_preferences(self) -> dict[str, bool] | None:
        """DescribeRegionSettings' ResourceTypeOptInPreference in this account and region;
        None when it cannot be read."""
        ...


class RegionCatalog(Protocol):
    """The Regions enabled for the source account."""

    def enabled_regions(self) -> list[str]:
        """Enabled Regions, sorted; RegionsUnknown (domain/regions.py) when no source tells."""
        ...


class KeyInspector(Protocol):
    """Tells AWS-managed KMS keys from customer-managed ones."""

    def is_aws_managed(self, key_arn: str) -> bool | None:
        """True or False, or None when the key cannot be described."""
        ...


class DestinationGateway(Protocol):
    """The destination account's vaults and their access policies."""

    @property
    def account_id(self) -> str: ...

    @property
    def region(self) -> str: ...

    def list_vaults(self) -> list[Vault]: ...

    def create_vault(self, name: str, new: NewVault) -> Vault:
        """Create vault `name` as `new` says (standard, or logically air-gapped)."""
        ...

    def get_access_policy(self, name: str) -> dict[str, Any] | None: ...

    def put_access_policy(self, name: str, policy: dict[str, Any]) -> None: ...

    def limits(self) -> DestinationLimits:
        """The account's quotas in this Region, and what counts toward them now."""
        ...


class DestinationLimits(Protocol):
    """What a destination account can hold in one Region (read only by the pre-flight)."""

    @property
    def account_id(self) -> str: ...

    @property
    def region(self) -> str: ...

    def read(self, quota: Quota) -> QuotaReading:
        """The quota's applied value and the account's count toward it (a reading naming the
        error, never an exception, when AWS refuses); for the per-vault quota, the value
        only (each vault's count is ListBackupVaults')."""
        ...


class DestinationAccount(BackupGateway, DestinationGateway, Protocol):
    """The destination account as a copy sees it: AWS Backup there, and its vaults' policies."""


class SourceChecks(Protocol):
    """What the source account tells the pre-flight (no copying)."""

    def cross_account_setting(self) -> str | None: ...

    def role_trust(self, role_arn: str) -> tuple[dict[str, Any] | None, str | None]:
        """(trust policy, None) or (None, the error)."""
        ...

    def key_policy(self, key_arn: str) -> tuple[dict[str, Any] | None, str | None]:
        """The KMS key's policy: (policy, None) or (None, "Code: message")."""
        ...


class ApiStatistics(Protocol):
    """What one account's AWS calls came to, for the run summary."""

    def calls(self) -> dict[str, int]:
        """Calls per operation, retries not included."""
        ...

    def retries(self) -> int:
        """Attempts botocore repeated."""
        ...

    def pacing(self) -> dict[str, Any]:
        """The account's request pacer: how often and how far it slowed the calls."""
        ...

    def pacing_by_region(self) -> dict[str, dict[str, Any]]:
        """The same, for each Region the account's calls went to (a pacer per Region)."""
        ...


class MetadataIndex(Protocol):
    """Metadata per resource ARN, from the operator's CSV."""

    @property
    def columns(self) -> tuple[str, ...]:
        """The metadata column names, in file order, without resourceArn."""
        ...

    def get(self, resource_arn: str) -> Mapping[str, str] | None: ...

    def warning(self) -> str | None:
        """What the operator should hear about the file (duplicate ARNs that disagree)."""
        ...


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


class StateJournal(Journal, Protocol):
    """A journal opened by the state store; closed when the run is over."""

    def extend(self, identity: dict[str, Any], state: MigrationState) -> None:
        """Record that the plan grew (--include-new): `state` has the new items at its end."""
        ...

    def close(self) -> None: ...


class StateStore(Protocol):
    """A migration's state files: the plan, snapshots and the journal, with a lock."""

    @property
    def journal_path(self) -> Path: ...

    def exists(self) -> bool: ...

    def lock(self, command: str) -> None:
        """Refuse a second process on the same state (naming its holder)."""
        ...

    def unlock(self) -> None: ...

    def holder(self) -> str | None:
        """Who holds the lock (pid, host, start, command), or None."""
        ...

    def create(self, identity: dict[str, Any], state: MigrationState) -> StateJournal: ...

    def load(self) -> tuple[dict[str, Any], MigrationState, StateJournal]:
        """The recorded identity and state, and the journal opened to append to."""
        ...

    def read(self) -> tuple[dict[str, Any], MigrationState]:
        """The identity and state, read without the lock and without writing."""
        ...

    def discard(self) -> Path | None:
        """Move the state aside (--reset); where it went."""
        ...


class StateFiles(Protocol):
    """Where migrations keep their state: a journal's StateStore by its path, and the routes
    whose journals a migration directory holds (`DIR/<route key>.jsonl` each)."""

    def store(self, path: Path) -> StateStore: ...

    def routes_in(self, directory: Path) -> list[str]:
        """The routes with a state in `directory` (REGION, or ACCOUNT/REGION with several
        source accounts), in name order; none when it is not there."""
        ...


class Reports(Protocol):
    """The files a copy run writes at its end, besides the state."""

    def write_summary(self, path: Path, summary: Mapping[str, Any]) -> None: ...

    def write_report_csv(
        self,
        path: Path,
        parts: Sequence[tuple[str, MigrationState]],
        metadata: MetadataIndex | None,
        *,
        region_column: bool,
        account_columns: bool = False,
        dest_columns: bool = False,
    ) -> None:
        """Every route's items (its key, state), each in plan order; `region_column`: the
        Region in a first column (the several-Region form); `account_columns`: the source
        account and Region first and the destination account last (several accounts);
        `dest_columns`: the destination account, vault and Region last (--route-csv)."""
        ...


class ProgressSink(Protocol):
    def update(self, progress: Progress) -> None: ...

    def close(self, progress: Progress) -> None: ...


class Notices(Protocol):
    """Lines for the operator (standard error) from a use case, as it goes."""

    def say(self, line: str) -> None: ...

    def warn(self, line: str) -> None:
        """A line that starts "warning: "."""
        ...

    def prefixed(self, prefix: str) -> Notices:
        """The same notices, each line after `prefix` (a route's "[us-east-1] ")."""
        ...


class Executor(Protocol):
    """Runs blocking calls off the engine thread (a thread pool, or inline in unit tests)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Any: ...

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None: ...


@dataclass
class Wiring:
    """The AWS side of one route: the source account's gateways in its Region (and the
    destination's in its destination Region), and what the source tells besides."""

    source: BackupGateway
    keys: KeyInspector | None
    metadata: MetadataIndex | None
    source_checks: SourceChecks
    statistics: ApiStatistics  # the source account's calls, for the run summary
    dest: DestinationAccount | None = None


class Accounts(Protocol):
    """The AWS side of a command: one session per account (its identity checked once, on
    first use), a source account's Region catalog, and a Wiring per route. Its members are
    those of the first (or only) source account; `of(account)` is the same for another."""

    @property
    def metadata(self) -> MetadataIndex | None:
        """The metadata CSV's index (read before any AWS call), shared by every route."""
        ...

    @property
    def source_account(self) -> str: ...

    @property
    def home(self) -> str:
        """The source session's own Region."""
        ...

    @property
    def dest_home(self) -> str | None:
        """The destination session's own Region; None without a destination."""
        ...

    @property
    def catalog(self) -> RegionCatalog: ...

    def wiring(self, region: str, dest_region: str | None = None) -> Wiring:
        """The gateways of the route from `region` (to `dest_region`, if a destination)."""
        ...

    def of(self, account: str) -> Accounts:
        """The same for the source account `account` (its own session, connected on first
        use: an account that cannot be reached fails when first used)."""
        ...

    def members(self) -> list[str]:
        """The organization's ACTIVE member accounts (organizations:ListAccounts with the
        operator's own credentials: the management or a delegated-administrator account)."""
        ...

    def destination(self, account: str, region: str) -> DestinationAccount:
        """Another destination account's gateway in `region` (--route-csv's rows), with its own
        credentials (--dest-profile ID=PROFILE, or --role-name), checked on first use."""
        ...
