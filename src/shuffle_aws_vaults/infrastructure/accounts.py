"""The Accounts port over boto3: a session per account, connected (and its identity checked)
on first use, so a command refused before any AWS call makes none and a source account that
cannot be reached fails only where it is used; the metadata CSV, read before any AWS call;
the organization's member accounts."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..application.errors import OperatorError
from ..application.ports import MetadataIndex, RegionCatalog, Wiring
from .aws_errors import call
from .aws_sessions import AccessStatistics, AccountAccess, AccountSpec, RetrySettings
from .backup_gateway import Boto3BackupGateway
from .kms_keys import KmsKeyInspector
from .region_catalog import Boto3RegionCatalog
from .source_checks import Boto3SourceChecks


class AccountMismatch(OperatorError):
    """Credentials reach another account than the one the operator named."""


@dataclass(frozen=True)
class Reach:
    """How to reach one account: labels for messages, the account expected, credentials."""

    label: str  # "source" or "destination", for messages
    flag: str  # the flag that named the account, for messages
    account_id: str | None
    profile: str | None
    role_arn: str | None
    region: str | None


def connect(
    reach: Reach, retry: RetrySettings, *, pool: int = 20
) -> tuple[AccountAccess, Boto3BackupGateway]:
    """An AccountAccess and its Backup gateway, after checking whose credentials these are."""
    access = AccountAccess(
        AccountSpec(
            label=reach.label,
            expected_account=reach.account_id,
            profile=reach.profile,
            role_arn=reach.role_arn,
            region=reach.region,
        ),
        retry,
        max_pool_connections=pool,
    )
    actual = access.account_id()
    if reach.account_id is not None and actual != reach.account_id:
        raise AccountMismatch(
            f"{reach.label} credentials belong to account {actual}, not "
            f"{reach.flag} {reach.account_id}"
        )
    return access, Boto3BackupGateway(access, actual)


class _Source:
    """One source account's session and what it tells besides its Backup gateways."""

    def __init__(self, reach: Reach, retry: RetrySettings) -> None:
        self.access, home = connect(reach, retry)
        self.account_id = home.account_id
        self.keys = KmsKeyInspector(self.access)
        self.checks = Boto3SourceChecks(self.access, self.account_id, self.keys)
        self.statistics = AccessStatistics(self.access)
        self.catalog = Boto3RegionCatalog(self.access)


class Sessions:
    """Every session of one command, each made once, on first use, under one lock."""

    def __init__(
        self,
        source_of: Callable[[str | None], Reach],
        dest: Reach | None,
        retry: RetrySettings,
        load_metadata: Callable[[], MetadataIndex | None],
        base: Reach,
        dest_of: Callable[[str], Reach] | None = None,
    ) -> None:
        self._source_of, self._dest, self._retry = source_of, dest, retry
        self._dest_of = dest_of
        self._dests: dict[str, tuple[AccountAccess, str]] = {}
        self._load_metadata, self._base = load_metadata, base
        self._lock = threading.RLock()
        self._sources: dict[str | None, _Source] = {}
        self._accounts: dict[str | None, ConnectedAccounts] = {}
        self._dest_session: tuple[AccountAccess, str] | None = None
        self._metadata: list[MetadataIndex | None] = []

    @property
    def metadata(self) -> MetadataIndex | None:
        with self._lock:
            if not self._metadata:
                self._metadata.append(self._load_metadata())  # bad files: before any call
            return self._metadata[0]

    def source(self, account: str | None) -> _Source:
        _ = self.metadata
        with self._lock:
            if account not in self._sources:
                self._sources[account] = _Source(self._source_of(account), self._retry)
            return self._sources[account]

    def dest(self) -> tuple[AccountAccess, str] | None:
        if self._dest is None:
            return None
        with self._lock:
            if self._dest_session is None:
                access, gateway = connect(self._dest, self._retry)
                self._dest_session = (access, gateway.account_id)
            return self._dest_session

    def dest_account(self, account: str) -> tuple[AccountAccess, str]:
        """Another destination account's session (the flags' own when it is that one)."""
        dest = self.dest()
        if dest is not None and dest[1] == account:
            return dest
        with self._lock:
            if account not in self._dests:
                if self._dest_of is None:
                    raise OperatorError(f"no way to reach destination account {account}")
                access, gateway = connect(self._dest_of(account), self._retry)
                self._dests[account] = (access, gateway.account_id)
            return self._dests[account]

    def accounts(self, account: str | None) -> ConnectedAccounts:
        with self._lock:
            if account not in self._accounts:
                self._accounts[account] = ConnectedAccounts(self, account)
            return self._accounts[account]

    def members(self) -> list[str]:
        """The organization's ACTIVE members, asked with the operator's own credentials."""
        access = AccountAccess(
            AccountSpec(label="organization", profile=self._base.profile), self._retry
        )

        def pages() -> list[dict[str, Any]]:
            paginator = access.client("organizations").get_paginator("list_accounts")
            return [account for page in paginator.paginate() for account in page["Accounts"]]

        listed = call(access, "ListAccounts", pages, patient=True)
        # State replaced Status (retired on September 9, 2026); either says ACTIVE.
        return [
            str(account["Id"])
            for account in listed
            if (account.get("State") or account.get("Status")) == "ACTIVE"
        ]


class ConnectedAccounts:
    """The Accounts port for one source account (None: the one the flags name)."""

    def __init__(self, sessions: Sessions, account: str | None) -> None:
        self._sessions = sessions
        self._account = account
        self._wirings: dict[tuple[str, str | None], Wiring] = {}

    @property
    def metadata(self) -> MetadataIndex | None:
        return self._sessions.metadata

    @property
    def source_account(self) -> str:
        return self._sessions.source(self._account).account_id

    @property
    def home(self) -> str:
        return self._sessions.source(self._account).access.region

    @property
    def dest_home(self) -> str | None:
        dest = self._sessions.dest()
        return dest[0].region if dest is not None else None

    @property
    def catalog(self) -> RegionCatalog:
        return self._sessions.source(self._account).catalog

    def of(self, account: str) -> ConnectedAccounts:
        return self._sessions.accounts(account)

    def members(self) -> list[str]:
        return self._sessions.members()

    def destination(self, account: str, region: str) -> Boto3BackupGateway:
        access, actual = self._sessions.dest_account(account)
        return Boto3BackupGateway(access, actual, region)

    def wiring(self, region: str, dest_region: str | None = None) -> Wiring:
        """Source gateways in `region` (and the destination's in `dest_region`, if any)."""
        key = (region, dest_region)
        if key not in self._wirings:
            source = self._sessions.source(self._account)
            dest = self._sessions.dest()
            self._wirings[key] = Wiring(
                source=Boto3BackupGateway(source.access, source.account_id, region),
                keys=source.keys,
                metadata=self.metadata,
                source_checks=source.checks,
                statistics=source.statistics,
                dest=(
                    Boto3BackupGateway(dest[0], dest[1], dest_region or region)
                    if dest is not None
                    else None
                ),
            )
        return self._wirings[key]
