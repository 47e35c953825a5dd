"""AWS Backup's answers in the tool's terms: recovery points, vaults and copy jobs as the domain
models them, whatever AWS calls their fields."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ..domain.copy_job import CopyJobInfo, Lifecycle
from ..domain.recovery_point import STANDARD_VAULT, RecoveryPoint, Vault


def utc(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromtimestamp(float(value), UTC)


def recovery_point_from_wire(item: dict[str, Any], vault_name: str) -> RecoveryPoint:
    calculated = item.get("CalculatedLifecycle") or {}
    lifecycle = item.get("Lifecycle") or {}
    created = utc(item.get("CreationDate"))
    return RecoveryPoint(
        arn=item["RecoveryPointArn"],
        vault_name=item.get("BackupVaultName") or vault_name,
        resource_arn=item.get("ResourceArn", ""),
        resource_type=item.get("ResourceType", ""),
        creation_date=created or datetime.fromtimestamp(0, UTC),
        size_bytes=int(item.get("BackupSizeInBytes") or 0),
        status=item.get("Status", ""),
        encryption_key_arn=item.get("EncryptionKeyArn"),
        cold_storage_at=utc(calculated.get("MoveToColdStorageAt")),
        delete_at=utc(calculated.get("DeleteAt")),
        delete_after_days=lifecycle.get("DeleteAfterDays"),
        source_vault_arn=item.get("SourceBackupVaultArn"),
        cold_after_days=lifecycle.get("MoveToColdStorageAfterDays"),
        vault_type=item.get("VaultType") or STANDARD_VAULT,
        is_parent=bool(item.get("IsParent")),
        parent_arn=item.get("ParentRecoveryPointArn"),
    )


def lifecycle_to_wire(lifecycle: Lifecycle) -> dict[str, Any]:
    """StartCopyJob's Lifecycle: the fields that have a value (fitted_from is the tool's)."""
    wire: dict[str, Any] = {}
    if lifecycle.delete_after_days is not None:
        wire["DeleteAfterDays"] = lifecycle.delete_after_days
    if lifecycle.cold_after_days is not None:
        wire["MoveToColdStorageAfterDays"] = lifecycle.cold_after_days
    if lifecycle.archive:
        wire["OptInToArchiveForSupportedResources"] = True
    return wire


def copy_job_from_wire(item: dict[str, Any]) -> CopyJobInfo:
    return CopyJobInfo(
        job_id=item["CopyJobId"],
        state=item.get("State", "UNKNOWN"),
        source_arn=item.get("SourceRecoveryPointArn", ""),
        dest_vault_arn=item.get("DestinationBackupVaultArn", ""),
        created=utc(item.get("CreationDate")),
        completed=utc(item.get("CompletionDate")),
        dest_arn=item.get("DestinationRecoveryPointArn"),
        message=item.get("StatusMessage"),
        category=item.get("MessageCategory"),
        dest_vault_type=item.get("DestinationVaultType"),
        dest_lock_state=item.get("DestinationVaultLockState"),
        dest_key_arn=item.get("DestinationEncryptionKeyArn"),
        is_parent=bool(item.get("IsParent")),
        parent_job_id=item.get("ParentJobId"),
    )


def vault_from_wire(item: dict[str, Any]) -> Vault:
    return Vault(
        name=item["BackupVaultName"],
        arn=item["BackupVaultArn"],
        recovery_points=int(item.get("NumberOfRecoveryPoints") or 0),
        locked=bool(item.get("Locked")),
        min_retention_days=item.get("MinRetentionDays"),
        max_retention_days=item.get("MaxRetentionDays"),
        encryption_key_arn=item.get("EncryptionKeyArn"),
        vault_type=item.get("VaultType") or STANDARD_VAULT,
        key_type=item.get("EncryptionKeyType"),
    )
