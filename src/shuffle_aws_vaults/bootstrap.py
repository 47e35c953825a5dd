"""The one wiring point: every adapter the commands use is built here, and only here, in one
call per command (`build`), each replaceable by keyword (tests hand in fakes that way).

Adapters are imported on first use, so `--help` and `status` never pay for boto3, and the AWS
sessions connect on first use, so a command that makes no AWS call makes none.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from .application.errors import OperatorError
from .application.ports import (
    Accounts,
    DestinationAccount,
    Executor,
    MetadataIndex,
    Notices,
    StateFiles,
)
from .domain.iam_policies import role_in
from .domain.routing import RouteTable

if TYPE_CHECKING:
    from .infrastructure.progress_display import ProgressBoard as ProgressBoard
    from .infrastructure.reports import FileReports as FileReports


@dataclass(frozen=True)
class AccountSettings:
    label: str  # "source" or "destination", for messages
    flag: str  # the flag that named the account, for messages
    account_id: str | None
    profile: str | None
    role_arn: str | None
    region: str | None


@dataclass(frozen=True)
class Connections:
    """How a command reaches its accounts: their settings, botocore's retries, the metadata.
    `source` is the one source account, or with several the base of each (its profile the
    operator's credentials, `role_name` assumed in each account, `profiles` by account)."""

    source: AccountSettings
    dest: AccountSettings | None = None
    retry_mode: str = "standard"
    max_attempts: int = 5
    metadata_csv: str | None = None
    profiles: Mapping[str, str] = field(default_factory=dict)  # --source-profile ID=PROFILE
    role_name: str | None = None
    dest_profiles: Mapping[str, str] = field(default_factory=dict)  # --dest-profile ID=PROFILE
    dest_base: str | None = None  # a plain --dest-profile with --route-csv: the base profile

    def dest_of(self, account: str) -> AccountSettings:
        """How to reach a destination account a --route-csv row names: its own profile, else
        --role-name assumed from the base credentials (the --dest-account's own settings when
        it is that one)."""
        if self.dest is not None and account == self.dest.account_id:
            return self.dest
        profile = self.dest_profiles.get(account, self.dest_base)
        role = (
            None
            if account in self.dest_profiles or not self.role_name
            else role_in(account, self.role_name)
        )
        return AccountSettings(
            f"destination {account}", "--route-csv", account, profile, role, None
        )

    def source_of(self, account: str | None) -> AccountSettings:
        """How to reach a source account (None: the one the flags name)."""
        if account is None:
            return self.source
        profile = self.profiles.get(account, self.source.profile)
        role = (
            None
            if account in self.profiles or not self.role_name
            else (role_in(account, self.role_name))
        )
        return AccountSettings(
            f"source {account}", "--source-accounts", account, profile, role, self.source.region
        )


def connect(
    settings: AccountSettings, *, retry_mode: str, max_attempts: int, pool: int = 20
) -> tuple[object, DestinationAccount]:
    """An AccountAccess and its Backup gateway, after checking whose credentials these are."""
    from .infrastructure.accounts import Reach
    from .infrastructure.accounts import connect as connected
    from .infrastructure.aws_sessions import RetrySettings

    retry = RetrySettings(mode=retry_mode, max_attempts=max_attempts)
    return connected(Reach(**dataclasses.asdict(settings)), retry, pool=pool)


def load_metadata(path: str | None) -> MetadataIndex | None:
    if path is None:
        return None
    from .infrastructure.metadata_csv import load_metadata_csv

    return load_metadata_csv(Path(path))


def load_route_table(path: Path) -> RouteTable:
    """--route-csv's rows; a bad file is one OperatorError naming file:line."""
    from .infrastructure.route_csv import load_route_csv

    return load_route_csv(path)


def accounts_of(connections: Connections) -> Accounts:
    """The Accounts port over boto3: every session made on first use."""
    from .infrastructure.accounts import Reach, Sessions
    from .infrastructure.aws_sessions import RetrySettings

    def reach(settings: AccountSettings) -> Reach:
        return Reach(**dataclasses.asdict(settings))

    sessions = Sessions(
        lambda account: reach(connections.source_of(account)),
        reach(connections.dest) if connections.dest is not None else None,
        RetrySettings(mode=connections.retry_mode, max_attempts=connections.max_attempts),
        partial(load_metadata, connections.metadata_csv),
        reach(connections.source),
        lambda account: reach(connections.dest_of(account)),
    )
    return sessions.accounts(None)


class NoAccounts:
    """The Accounts port of a command that reaches no AWS account (status)."""

    def __getattr__(self, name: str) -> object:
        raise OperatorError("this command reaches no AWS account")


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
        accounts = accounts_of(connections) if connections else cast(Accounts, NoAccounts())
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
        executor=executor or copy_executor(),
        now=now or partial(datetime.now, UTC),
        board=board,
    )


def known_regions() -> frozenset[str]:
    """The Regions the installed botocore knows AWS Backup in (to catch a mistyped name)."""
    from .infrastructure.region_catalog import known_regions as botocore_regions

    return botocore_regions()


@functools.cache
def known_resource_types() -> frozenset[str]:
    """The resource types `--resource-type` accepts: those the installed botocore's AWS Backup
    model lists (no call is made), else the tool's own list (KNOWN_RESOURCE_TYPES)."""
    from .domain.recovery_point import KNOWN_RESOURCE_TYPES
    from .infrastructure.resource_types import botocore_resource_types

    return botocore_resource_types() or KNOWN_RESOURCE_TYPES


# Threads for the blocking AWS calls of a copy run, shared by all its routes (each route's
# calls at most LANE_THREADS of them at once, and a fair share while others wait).
POOL_THREADS = 64
LANE_THREADS = 32


def copy_executor() -> Callable[[int], Executor]:
    """A route's lane of the run's one set of worker threads, made on first use (daemon
    threads: a forced stop does not wait for calls under way)."""
    made: list[Any] = []

    def lane(workers: int) -> Executor:
        from .infrastructure.worker_pool import SharedWorkers

        if not made:
            made.append(SharedWorkers(POOL_THREADS, name="copy"))
        lane: Executor = made[0].lane(min(LANE_THREADS, workers))
        return lane

    return lane


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
