"""The ports the services need; adapters implement them, tests fake them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Protocol

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
