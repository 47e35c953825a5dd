"""The one wiring point: accounts, gateways, key inspector and metadata index from settings.

Every dependency can be overridden by keyword, so tests hand in fakes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .application.ports import BackupGateway, KeyInspector, MetadataIndex


class AccountMismatch(Exception):
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
    """What a command works with."""

    source: BackupGateway
    keys: KeyInspector | None
    metadata: MetadataIndex | None
    dest: BackupGateway | None = None


def connect(
    settings: AccountSettings, *, retry_mode: str, max_attempts: int, pool: int = 20
) -> tuple[Any, BackupGateway]:
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
    """Source (and destination) gateways, the KMS key inspector and the metadata index."""
    from .infrastructure.kms_keys import KmsKeyInspector

    metadata = load_metadata(metadata_csv)  # bad files fail before any AWS call
    access, gateway = connect(source, retry_mode=retry_mode, max_attempts=max_attempts)
    dest_gateway = None
    if dest is not None:
        _, dest_gateway = connect(dest, retry_mode=retry_mode, max_attempts=max_attempts)
    return Wiring(
        source=gateway, keys=KmsKeyInspector(access), metadata=metadata, dest=dest_gateway
    )
