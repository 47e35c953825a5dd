"""Recovery points and vaults as the tool sees them, whatever AWS calls their fields."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# Types whose backups AWS Backup fully manages: copies are re-encrypted with the destination
# vault's key, so an AWS-managed source key does not block a cross-account copy.
FULLY_MANAGED_TYPES = frozenset(
    {
        "S3",
        "EFS",
        "VirtualMachine",
        "Timestream",
        "CloudFormation",
        "SAP HANA on Amazon EC2",
    }
)

# The resource types a vault may hold, by their AWS Backup names.
KNOWN_RESOURCE_TYPES = frozenset(
    {
        "Aurora",
        "CloudFormation",
        "DocumentDB",
        "DynamoDB",
        "EBS",
        "EC2",
        "EFS",
        "FSx",
        "Neptune",
        "RDS",
        "Redshift",
        "S3",
        "SAP HANA on Amazon EC2",
        "Storage Gateway",
        "Timestream",
        "VirtualMachine",
    }
)

COPYABLE_STATUSES = frozenset({"COMPLETED", "AVAILABLE"})


@dataclass(frozen=True, slots=True)
class RecoveryPoint:
    """One recovery point in one vault."""

    arn: str
    vault_name: str
    resource_arn: str
    resource_type: str
    creation_date: datetime
    size_bytes: int
    status: str
    encryption_key_arn: str | None = None
    cold_storage_at: datetime | None = None
    delete_at: datetime | None = None
    delete_after_days: int | None = None  # its Lifecycle's (None: never expires)
    source_vault_arn: str | None = None
    cold_after_days: int | None = None  # its Lifecycle's MoveToColdStorageAfterDays

    @property
    def is_continuous(self) -> bool:
        return ":recovery-point:continuous:" in self.arn

    @property
    def is_backup_owned(self) -> bool:
        """AWS Backup's own ARN (advanced DynamoDB, EFS, S3, ...) rather than a native one."""
        return self.arn.startswith("arn:") and self.arn.split(":")[2] == "backup"

    def is_cold(self, now: datetime) -> bool:
        return self.cold_storage_at is not None and self.cold_storage_at <= now


@dataclass(frozen=True, slots=True)
class Vault:
    """A backup vault, with the counts and lock settings AWS reports."""

    name: str
    arn: str
    recovery_points: int = 0
    locked: bool = False
    min_retention_days: int | None = None
    max_retention_days: int | None = None
    encryption_key_arn: str | None = None

    @property
    def account_id(self) -> str:
        return self.arn.split(":")[4]

    @property
    def region(self) -> str:
        return self.arn.split(":")[3]
