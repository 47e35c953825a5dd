"""Which recovery points AWS Backup can copy to another account (and Region), and why not.

Each rule is a pure function of the recovery point and a few facts; the first that applies is the
reason the item is excluded. The facts come from AWS's documentation (see AWS_BACKUP_NOTES.md).
"""

from __future__ import annotations

from datetime import datetime

from .reasons import Reason
from .recovery_point import COPYABLE_STATUSES, FULLY_MANAGED_TYPES, RecoveryPoint


def copy_unsupported(rp: RecoveryPoint, *, cross_account: bool) -> bool:
    """Types and flavours AWS Backup cannot copy (to another account) at all."""
    if rp.resource_type == "DynamoDB":
        # Cross-account copies need DynamoDB advanced features (a Backup-owned ARN).
        return cross_account and not rp.is_backup_owned
    if rp.resource_type == "FSx":
        return ":volume/" in rp.resource_arn  # FSx for ONTAP volumes
    if rp.resource_type == "RDS":
        return ":cluster:" in rp.resource_arn  # RDS Multi-AZ DB clusters
    return rp.resource_type in ("Redshift Serverless",)


def cross_region_unsupported(rp: RecoveryPoint) -> bool:
    """Types and flavours AWS Backup cannot copy to another Region: the feature table's
    "Cross-Region backup" column leaves out DynamoDB without advanced features, FSx for ONTAP
    and RDS Multi-AZ DB clusters."""
    if rp.resource_type == "DynamoDB":
        return not rp.is_backup_owned
    return copy_unsupported(rp, cross_account=False)


def needs_shared_key(rp: RecoveryPoint) -> bool:
    """Types AWS Backup does not fully manage are copied from the source key itself: across
    accounts its key policy must let the destination account use it."""
    return rp.resource_type not in FULLY_MANAGED_TYPES and not rp.is_backup_owned


def blocked_by_aws_managed_key(
    rp: RecoveryPoint, *, cross_account: bool, key_is_aws_managed: bool | None
) -> bool:
    """AWS-managed keys cannot be shared: types Backup does not fully manage cannot move."""
    return (
        cross_account
        and key_is_aws_managed is True
        and rp.resource_type not in FULLY_MANAGED_TYPES
        and not rp.is_backup_owned
    )


def ineligibility(
    rp: RecoveryPoint,
    *,
    now: datetime,
    cross_account: bool,
    key_is_aws_managed: bool | None = None,
    cross_region: bool = False,
) -> Reason | None:
    """Why `rp` cannot be copied, or None when it can.

    `cross_region`: the copy goes to another Region. A type AWS cannot copy at all keeps
    UNSUPPORTED_TYPE; one that only a cross-Region copy refuses (DynamoDB without advanced
    features, also refused across accounts) is CROSS_REGION_UNSUPPORTED, so a run over several
    Regions can tell it apart from what the same Region would take."""
    if rp.status not in COPYABLE_STATUSES:
        return Reason.NOT_COMPLETED
    if rp.is_continuous:
        return Reason.CONTINUOUS
    if rp.is_cold(now):
        return Reason.COLD_STORAGE
    if copy_unsupported(rp, cross_account=False):
        return Reason.UNSUPPORTED_TYPE  # no copy at all, whatever the destination
    if cross_region and cross_region_unsupported(rp):
        return Reason.CROSS_REGION_UNSUPPORTED
    if copy_unsupported(rp, cross_account=cross_account):
        return Reason.UNSUPPORTED_TYPE
    if blocked_by_aws_managed_key(
        rp, cross_account=cross_account, key_is_aws_managed=key_is_aws_managed
    ):
        return Reason.AWS_MANAGED_KEY
    return None
