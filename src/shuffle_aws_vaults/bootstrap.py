"""The one wiring point: every adapter the commands use is built here, and only here, in one
call per command (`build`), each replaceable by keyword (tests hand in fakes that way).

Adapters are imported on first use, so `--help` and `status` never pay for boto3, and the AWS
sessions connect on first use, so a command that makes no AWS call makes none.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from .application.errors import OperatorError
from .application.ports import (
    Accounts,
    DestinationAccount,
    Executor,
    MetadataIndex,
    Notices,
    RegionCatalog,
    StateFiles,
    Wiring,
)

if TYPE_CHECKING:
    from .infrastructure.progress_display import ProgressBoard as ProgressBoard
    from .infrastructure.reports import FileReports as FileReports


class AccountMismatch(OperatorError):
    """Credentials reach another account than the one the operator named."""


@dataclass(frozen=True)
class AccountSettings:
    label: str  # "source" or "destination", for messages
    flag: str  # the flag that named the account, for messages
    account_id: str | None
    profile: str | None
    role_arn: str | None
    region: str | None


def connect(
    settings: AccountSettings, *, retry_mode: str, max_attempts: int, pool: int = 20
) -> tuple[object, DestinationAccount]:
    """An AccountAccess and its Backup gateway, after checking whose credentials these are."""
    from .infrastructure.aws_sessions import AccountAccess, AccountSpec, RetrySettings
    from .infrastructure.backup_gateway import Boto3BackupGateway

    access = AccountAccess(
        AccountSpec(
            label=settings.label,
            expected_account=settings.account_id,
            profile=settings.profile,
            role_arn=settings.role_arn,
            region=settings.region,
        ),
        RetrySettings(mode=retry_mode, max_attempts=max_attempts),
        max_pool_connections=pool,
    )
    actual = access.account_id()
    if settings.account_id is not None and actual != settings.account_id:
        raise AccountMismatch(
            f"{settings.label} credentials belong to account {actual}, not "
            f"{settings.flag} {settings.account_id}"
        )
    return access, Boto3BackupGateway(access, actual)


def load_metadata(path: str | None) -> MetadataIndex | None:
    if path is None:
        return None
    from .infrastructure.metadata_csv import load_metadata_csv

    return load_metadata_csv(Path(path))


@dataclass(frozen=True)
class Connections:
    """How a command reaches its accounts: their settings, botocore's retries, the metadata."""

    source: AccountSettings
    dest: AccountSettings | None = None
    retry_mode: str = "standard"
    max_attempts: int = 5
    metadata_csv: str | None = None


class ConnectedAccounts:
    """The Accounts port: one session per account (one identity check each), the source
    account's Region catalog, and a Wiring per route (Region pair)."""

    def __init__(
        self,
        catalog: RegionCatalog,
        build: Callable[[str, str | None], Wiring],
        home: str,
        dest_home: str | None = None,
        source_account: str = "",
    ) -> None:
        self.catalog = catalog
        self.home = home  # the source session's own Region
        self.dest_home = dest_home  # the destination session's own Region (None: no destination)
        self.source_account = source_account
        self._build = build
        self._wirings: dict[tuple[str, str | None], Wiring] = {}

    def wiring(self, region: str, dest_region: str | None = None) -> Wiring:
        """Source gateways in `region` (and the destination's in `dest_region`, if any)."""
        key = (region, dest_region)
        if key not in self._wirings:
            self._wirings[key] = self._build(region, dest_region)
        return self._wirings[key]


def connected(connections: Connections) -> ConnectedAccounts:
    """The accounts' sessions (one identity check each) and a Wiring per Region pair on demand;
    the destination's `region`, if any, is its session's own."""
    from .infrastructure.aws_sessions import AccessStatistics, AccountAccess
    from .infrastructure.backup_gateway import Boto3BackupGateway
    from .infrastructure.kms_keys import KmsKeyInspector
    from .infrastructure.region_catalog import Boto3RegionCatalog
    from .infrastructure.source_checks import Boto3SourceChecks

    source, dest = connections.source, connections.dest
    retry_mode, max_attempts = connections.retry_mode, connections.max_attempts
    metadata = load_metadata(connections.metadata_csv)  # bad files fail before any AWS call
    access, home = connect(source, retry_mode=retry_mode, max_attempts=max_attempts)
    assert isinstance(access, AccountAccess)
    dest_access, dest_home = (None, None)
    if dest is not None:
        dest_access, dest_home = connect(dest, retry_mode=retry_mode, max_attempts=max_attempts)
    keys = KmsKeyInspector(access)
    checks = Boto3SourceChecks(access, home.account_id, keys)
    statistics = AccessStatistics(access)

    def build(region: str, dest_region: str | None) -> Wiring:
        dest_gateway = None
        if dest_access is not None and dest_home is not None:
            assert isinstance(dest_access, AccountAccess)
            dest_gateway = Boto3BackupGateway(
                dest_access, dest_home.account_id, dest_region or region
            )
        return Wiring(
            source=Boto3BackupGateway(access, home.account_id, region),
            keys=keys,
            metadata=metadata,
            source_checks=checks,
            statistics=statistics,
            dest=dest_gateway,
        )

    dest_region = dest_access.region if isinstance(dest_access, AccountAccess) else None
    catalog = Boto3RegionCatalog(access)
    return ConnectedAccounts(catalog, build, access.region, dest_region, home.account_id)


class LazyAccounts:
    """The Accounts port, connected on first use (a command refused before any AWS call
    makes none)."""

    def __init__(self, connect: Callable[[], Accounts]) -> None:
        self._connect = connect
        self._accounts: Accounts | None = None

    def _get(self) -> Accounts:
        if self._accounts is None:
            self._accounts = self._connect()
        return self._accounts

    @property
    def source_account(self) -> str:
        return self._get().source_account

    @property
    def home(self) -> str:
        return self._get().home

    @property
    def dest_home(self) -> str | None:
        return self._get().dest_home

    @property
    def catalog(self) -> RegionCatalog:
        return self._get().catalog

    def wiring(self, region: str, dest_region: str | None = None) -> Wiring:
        return self._get().wiring(region, dest_region)


@dataclass(frozen=True)
class ProgressSettings:
    quiet: bool
    interval: float
    sectioned: bool  # a line (or bar) per route besides the total


@dataclass
class Adapters:
    """Everything a command needs from outside: built by `build`, one call per command."""

    accounts: Accounts
    states: StateFiles
    reports: FileReports
    notices: Notices
    executor: Callable[[int], Executor]
    now: Callable[[], datetime]
    board: ProgressBoard | None = None
    known_regions: Callable[[], frozenset[str]] = field(default=lambda: known_regions())


def build(
    connections: Connections | None = None,
    *,
    progress: ProgressSettings | None = None,
    verbose: bool = False,
    log_file: str | None = None,
    logs: bool = False,
    accounts: Accounts | None = None,
    states: StateFiles | None = None,
    reports: FileReports | None = None,
    notices: Notices | None = None,
    executor: Callable[[int], Executor] | None = None,
    now: Callable[[], datetime] | None = None,
    board: ProgressBoard | None = None,
) -> Adapters:
    """A command's adapters: its accounts (connected on first use; none without
    `connections`), its state files, reports, notices, the copy's threads and progress board;
    `logs` (or -v, or --log-file) sets up logging. Any adapter given by keyword is taken as it
    is."""
    from .infrastructure.notices import StderrNotices
    from .infrastructure.reports import FileReports
    from .infrastructure.state_files import StateFiles as JournalFiles

    if logs or verbose or log_file:
        configure_logging(verbose, log_file)
    if accounts is None:
        accounts = LazyAccounts(partial(connected, connections) if connections else _no_accounts)
    if board is None and progress is not None:
        from .infrastructure.progress_display import ProgressBoard

        bars = not progress.quiet and sys.stderr.isatty()
        board = ProgressBoard(
            [], progress.interval, sectioned=progress.sectioned, quiet=progress.quiet, bars=bars
        )
    return Adapters(
        accounts=accounts,
        states=states or JournalFiles(),
        reports=reports or FileReports(),
        notices=notices or StderrNotices(),
        executor=executor or copy_executor,
        now=now or partial(datetime.now, UTC),
        board=board,
    )


def _no_accounts() -> Accounts:
    raise OperatorError("this command reaches no AWS account")


def known_regions() -> frozenset[str]:
    """The Regions the installed botocore knows AWS Backup in (to catch a mistyped name)."""
    from .infrastructure.region_catalog import known_regions as botocore_regions

    return botocore_regions()


def copy_executor(workers: int) -> Executor:
    """Threads for the blocking AWS calls of a copy run (daemon threads: a forced stop does
    not wait for calls under way)."""
    from .infrastructure.worker_pool import WorkerPool

    return WorkerPool(min(32, workers), name="copy")


def guarded_stdout() -> contextlib.AbstractContextManager[object]:
    """Standard output whose reader may leave (`verify ... | head`) without taking the exit
    status with it."""
    from .infrastructure.stdout_guard import guarded_stdout as guarded

    return guarded()


def configure_logging(verbose: bool, log_file: str | None) -> None:
    from .infrastructure.logging_setup import configure

    configure(verbose, log_file)


def close_logging() -> None:
    """At a command's end: the log file is closed and the next command starts without handlers
    (in-process runs write to their own streams)."""
    if "shuffle_aws_vaults.infrastructure.logging_setup" in sys.modules:
        from .infrastructure.logging_setup import close

        close()
