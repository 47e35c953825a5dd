"""What the sandbox stores: recovery points and copy jobs, and their AWS wire shapes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DAY = 86400.0

# Types whose backups AWS Backup fully manages: copies are re-encrypted with the destination
# vault's key, so an AWS-managed source key does not block a cross-account copy.
FULLY_MANAGED_TYPES = frozenset(
    {"S3", "EFS", "VirtualMachine", "Timestream", "CloudFormation", "SAP HANA on Amazon EC2"}
)

# VaultType's values (botocore's model) that the sandbox makes.
STANDARD_VAULT = "BACKUP_VAULT"
LAG_VAULT = "LOGICALLY_AIR_GAPPED_BACKUP_VAULT"


def wire_time(seconds: float) -> float:
    """A timestamp as AWS answers it: epoch seconds to the millisecond.

    Filters compare this same value, so a date a client read from a listing and passes back as
    a ByCreatedAfter/Before boundary selects exactly what AWS would (never the item itself).
    """
    return round(seconds, 3)


def is_continuous_arn(recovery_point_arn: str) -> bool:
    return ":recovery-point:continuous:" in recovery_point_arn


def is_backup_owned_arn(recovery_point_arn: str) -> bool:
    """True when AWS Backup itself owns the recovery point (advanced DynamoDB, EFS, S3, ...)."""
    return (
        recovery_point_arn.startswith("arn:")
        and ":backup:" in recovery_point_arn.split(":recovery-point:")[0]
    )


@dataclass(slots=True)
class StoredRecoveryPoint:
    """One recovery point in one vault of one account."""

    seq: int
    arn: str
    vault_name: str
    vault_arn: str
    resource_arn: str
    resource_type: str
    resource_name: str
    creation_date: float
    completion_date: float
    size: int
    status: str
    encryption_key_arn: str | None
    iam_role_arn: str
    delete_after_days: int | None = None
    cold_after_days: int | None = None
    source_vault_arn: str | None = None
    deleted: bool = False
    # The vault's type, and (in a logically air-gapped vault) EncryptionKeyType: an AWS-owned
    # key leaves encryption_key_arn None and the point still encrypted.
    vault_type: str = STANDARD_VAULT
    encryption_key_type: str | None = None

    def storage_class(self, now: float) -> str:
        if self.cold_after_days is not None and (
            self.creation_date + self.cold_after_days * DAY <= now
        ):
            return "COLD"
        return "WARM"

    def lifecycle(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.cold_after_days is not None:
            out["MoveToColdStorageAfterDays"] = self.cold_after_days
        if self.delete_after_days is not None:
            out["DeleteAfterDays"] = self.delete_after_days
        return out

    def calculated_lifecycle(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.cold_after_days is not None:
            out["MoveToColdStorageAt"] = wire_time(self.creation_date + self.cold_after_days * DAY)
        if self.delete_after_days is not None:
            out["DeleteAt"] = wire_time(self.creation_date + self.delete_after_days * DAY)
        return out

    def to_wire(self) -> dict[str, Any]:
        """The ListRecoveryPointsByBackupVault member shape."""
        out: dict[str, Any] = {
            "RecoveryPointArn": self.arn,
            "BackupVaultName": self.vault_name,
            "BackupVaultArn": self.vault_arn,
            "ResourceArn": self.resource_arn,
            "ResourceType": self.resource_type,
            "ResourceName": self.resource_name,
            "IamRoleArn": self.iam_role_arn,
            "Status": self.status,
            "CreationDate": wire_time(self.creation_date),
            "InitiationDate": wire_time(self.creation_date),
            "CompletionDate": wire_time(self.completion_date),
            "BackupSizeInBytes": self.size,
            "IsEncrypted": self.encryption_key_arn is not None
            or self.encryption_key_type is not None,
            "IsParent": False,
            "VaultType": self.vault_type,
        }
        if self.encryption_key_arn is not None:
            out["EncryptionKeyArn"] = self.encryption_key_arn
        if self.encryption_key_type is not None:
            out["EncryptionKeyType"] = self.encryption_key_type
        if self.source_vault_arn is not None:
            out["SourceBackupVaultArn"] = self.source_vault_arn
        lifecycle = self.lifecycle()
        if lifecycle:
            out["Lifecycle"] = lifecycle
            out["CalculatedLifecycle"] = self.calculated_lifecycle()
        return out

    def to_describe_wire(self, now: float) -> dict[str, Any]:
        """The DescribeRecoveryPoint shape: the listing's plus StorageClass."""
        out = self.to_wire()
        out["StorageClass"] = self.storage_class(now)
        return out


@dataclass(slots=True)
class CopyJob:
    """One copy job, owned by the source account that started it."""

    seq: int
    copy_job_id: str
    account_id: str
    source_vault_arn: str
    source_recovery_point_arn: str
    dest_vault_arn: str
    resource_arn: str
    resource_type: str
    resource_name: str
    size: int
    iam_role_arn: str
    creation_date: float
    duration: float
    # Decided when the job is created, carried out when it ends (or at once when `fail_fast`).
    planned_failure: str | None = None
    planned_category: str = "SUCCESS"
    fail_fast: bool = False
    lifecycle: dict[str, Any] | None = None
    # AWS's copy job retry: a job hit by a system error stays CREATED until `hold_until`, then
    # runs, or (when `fails_after_hold`) fails then with its planned failure.
    hold_until: float | None = None
    fails_after_hold: bool = False
    # The part of `duration` that moves bytes; an incremental copy moves only a share of it.
    transfer_seconds: float = 0.0
    incremental: bool = False
    state: str = "CREATED"
    status_message: str | None = None
    start_date: float | None = None
    completion_date: float | None = None
    dest_recovery_point_arn: str | None = None
    message_category: str | None = None
    # The destination vault as the job found it (None: no such vault when the job was made).
    dest_vault_type: str | None = None
    dest_lock_state: str | None = None
    dest_key_arn: str | None = None

    @property
    def done(self) -> bool:
        return self.state in ("COMPLETED", "FAILED", "ABORTED", "PARTIAL")

    def to_wire(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "AccountId": self.account_id,
            "CopyJobId": self.copy_job_id,
            "SourceBackupVaultArn": self.source_vault_arn,
            "SourceRecoveryPointArn": self.source_recovery_point_arn,
            "DestinationBackupVaultArn": self.dest_vault_arn,
            "ResourceArn": self.resource_arn,
            "ResourceType": self.resource_type,
            "ResourceName": self.resource_name,
            "CreationDate": wire_time(self.creation_date),
            "State": self.state,
            "BackupSizeInBytes": self.size,
            "IamRoleArn": self.iam_role_arn,
            "IsParent": False,
        }
        if self.completion_date is not None:
            out["CompletionDate"] = wire_time(self.completion_date)
        if self.status_message is not None:
            out["StatusMessage"] = self.status_message
        if self.dest_recovery_point_arn is not None:
            out["DestinationRecoveryPointArn"] = self.dest_recovery_point_arn
        if self.message_category is not None:
            out["MessageCategory"] = self.message_category
        if self.lifecycle:
            out["DestinationRecoveryPointLifecycle"] = self.lifecycle
        for key, value in (
            ("DestinationVaultType", self.dest_vault_type),
            ("DestinationVaultLockState", self.dest_lock_state),
            ("DestinationEncryptionKeyArn", self.dest_key_arn),
        ):
            if value is not None:
                out[key] = value
        return out
