"""The one wiring point: every adapter the commands use is built here, and only here.

Adapters are imported on first use, so `--help` and `status` never pay for boto3. Tests hand
the services fakes of the ports instead (application/ports.py).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .application.errors import OperatorError
from .application.ports import (
    ApiStatistics,
    BackupGateway,
    DestinationAccount,
    Executor,
    KeyInspector,
    MetadataIndex,
    MigrationDirectory,
    ProgressBoard,
    ProgressSink,
    RegionCatalog,
    Reports,
    SourceChecks,
    StateStore,
)


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


@dataclass
class Wiring:
    """The AWS side of a command: the accounts' gateways and what the source tells besides."""

    source: BackupGateway
    keys: KeyInspector | None
    metadata: MetadataIndex | None
    source_checks: SourceChecks
    statistics: ApiStatistics  # the source account's calls, for the run summary
    dest: DestinationAccount | None = None


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


def discovery(
    source: AccountSettings,
    *,
    retry_mode: str,
    max_attempts: int,
    metadata_csv: str | None,
    dest: AccountSettings | None = None,
) -> Wiring:
    """Source (and destination) gateways, the KMS key inspector and the metadata index: one
    Region each, the source's and the destination's own (`dest.region`, else its session's)."""
    accounts = regional(
        source,
        retry_mode=retry_mode,
        max_attempts=max_attempts,
        metadata_csv=metadata_csv,
        dest=dest,
    )
    return accounts.wiring(accounts.home, accounts.dest_home)


class Regional:
    """The AWS side of a command over several source Regions: one session per account (one
    identity check each), the account's Region catalog, and a Wiring per Region pair."""

    def __init__(
        self,
        catalog: RegionCatalog,
        build: Callable[[str, str | None], Wiring],
        home: str,
        dest_home: str | None = None,
    ) -> None:
        self.catalog = catalog
        self.home = home  # the source session's own Region
        self.dest_home = dest_home  # the destination session's own Region (None: no destination)
        self._build = build
        self._wirings: dict[tuple[str, str | None], Wiring] = {}

    def wiring(self, region: str, dest_region: str | None = None) -> Wiring:
        """Source gateways in `region` (and the destination's in `dest_region`, if any)."""
        key = (region, dest_region)
        if key not in self._wirings:
            self._wirings[key] = self._build(region, dest_region)
        return self._wirings[key]

    def gateway(self, region: str) -> BackupGateway:
        return self.wiring(region).source


def regional(
    source: AccountSettings,
    *,
    retry_mode: str,
    max_attempts: int,
    metadata_csv: str | None,
    dest: AccountSettings | None = None,
) -> Regional:
    """The accounts' sessions (one identity check each) and a Wiring per Region pair on demand;
    `dest` names the destination account (its `region`, if any, is its session's own)."""
    from .infrastructure.aws_sessions import AccessStatistics, AccountAccess
    from .infrastructure.backup_gateway import Boto3BackupGateway
    from .infrastructure.kms_keys import KmsKeyInspector
    from .infrastructure.region_catalog import Boto3RegionCatalog
    from .infrastructure.source_checks import Boto3SourceChecks

    metadata = load_metadata(metadata_csv)  # bad files fail before any AWS call
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
    return Regional(Boto3RegionCatalog(access), build, access.region, dest_region)


def known_regions() -> frozenset[str]:
    """The Regions the installed botocore knows AWS Backup in (to catch a mistyped name)."""
    from .infrastructure.region_catalog import known_regions as botocore_regions

    return botocore_regions()


def state_store(path: Path) -> StateStore:
    from .infrastructure.journal_store import StateStore as JsonlStateStore

    return JsonlStateStore(path)


def migration_directory(path: Path) -> MigrationDirectory:
    from .infrastructure.migration_directory import MigrationDirectory as Directory

    return Directory(path)


def reports() -> Reports:
    from .infrastructure.reports import FileReports

    return FileReports()


def executor(workers: int) -> Executor:
    """Threads for the blocking AWS calls of a copy run (daemon threads: a forced stop does
    not wait for calls under way)."""
    from .infrastructure.worker_pool import WorkerPool

    return WorkerPool(min(32, workers), name="copy")


def progress(*, quiet: bool, interval: float, total: int, done: int) -> ProgressSink:
    """A tqdm bar on a terminal, a line every `interval` seconds elsewhere, or nothing."""
    from .infrastructure.progress_display import LineProgress, NullProgress, TqdmProgress

    if quiet:
        return NullProgress()
    if sys.stderr.isatty():
        return TqdmProgress(total, done)
    return LineProgress(interval)


def region_progress(*, quiet: bool, interval: float, regions: list[str]) -> ProgressBoard:
    """A copy over several Regions: a bar per Region and a total on a terminal, their lines
    every `interval` seconds elsewhere, or nothing."""
    from .infrastructure.region_progress import RegionBars, RegionBoard

    if not quiet and sys.stderr.isatty():
        return RegionBars(regions)
    return RegionBoard(regions, interval, quiet=quiet)


def configure_logging(verbose: bool, log_file: str | None) -> None:
    from .infrastructure.logging_setup import configure

    configure(verbose, log_file)


def close_logging() -> None:
    """At a command's end: the log file is closed and the next command starts without handlers
    (in-process runs write to their own streams)."""
    if "shuffle_aws_vaults.infrastructure.logging_setup" in sys.modules:
        from .infrastructure.logging_setup import close

        close()
