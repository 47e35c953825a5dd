"""Least-privilege IAM documents for a migration, as plain dicts.

Three documents: the operator's identity policy in the source account, the operator's identity
policy in the destination account, and the destination vaults' access policy. Actions are the
ones the tool calls (see AWS_BACKUP_NOTES.md), scoped to the vaults named where AWS allows it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .vault_policy import copy_grant

VERSION = "2012-10-17"
DEFAULT_COPY_ROLE = "service-role/AWSBackupDefaultServiceRole"


def role_in(account: str | None, name: str) -> str:
    """The role of that name in the account (--role-name: assumed in each account)."""
    return f"arn:aws:iam::{account}:role/{name}"


def copy_role_arn(account: str, given: str | None = None) -> str:
    """The copy role: the one given, else the account's AWS Backup default service role."""
    return given or role_in(account, DEFAULT_COPY_ROLE)


Regions = str | Sequence[str]  # one Region, or several ("*" in an ARN: every Region)


def _regions(regions: Regions) -> list[str]:
    return [regions] if isinstance(regions, str) else list(regions)


def _one_or_many(values: list[str]) -> str | list[str]:
    """A single value as itself (the documents of one Region stay as they were), else a list."""
    return values[0] if len(values) == 1 else values


def _vault_arns(regions: Regions, account: str, vaults: list[str]) -> list[str]:
    names = vaults or ["*"]
    return [
        f"arn:aws:backup:{region}:{account}:backup-vault:{name}"
        for region in _regions(regions)
        for name in names
    ]


def _key_arns(regions: Regions, account: str) -> str | list[str]:
    return _one_or_many([f"arn:aws:kms:{region}:{account}:key/*" for region in _regions(regions)])


def source_identity_policy(
    region: Regions, account: str, vaults: list[str], copy_role_arn: str
) -> dict[str, Any]:
    vault_arns = _vault_arns(region, account, vaults)
    return {
        "Version": VERSION,
        "Statement": [
            {
                "Sid": "DiscoverVaults",
                "Effect": "Allow",
                "Action": [
                    "backup:ListBackupVaults",
                    "backup:DescribeGlobalSettings",
                    "backup:DescribeRegionSettings",
                    "backup:ListCopyJobs",
                    "backup:DescribeCopyJob",
                ],
                "Resource": "*",
            },
            {
                # --all-regions: the Regions enabled for the account (ListRegions; where that
                # is not allowed, ec2:DescribeRegions). Neither takes a resource ARN.
                "Sid": "FindEnabledRegions",
                "Effect": "Allow",
                "Action": ["account:ListRegions", "ec2:DescribeRegions"],
                "Resource": "*",
            },
            {
                "Sid": "ReadAndCopyRecoveryPoints",
                "Effect": "Allow",
                "Action": [
                    "backup:ListRecoveryPointsByBackupVault",
                    "backup:DescribeBackupVault",
                ],
                "Resource": vault_arns,
            },
            {
                # Recovery point ARNs of most types are native snapshot ARNs, which IAM cannot
                # scope to a vault: StartCopyJob and DescribeRecoveryPoint need "*".
                "Sid": "StartCopies",
                "Effect": "Allow",
                "Action": ["backup:StartCopyJob", "backup:DescribeRecoveryPoint"],
                "Resource": "*",
            },
            {
                "Sid": "PassTheCopyRole",
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": copy_role_arn,
                "Condition": {"StringEquals": {"iam:PassedToService": "backup.amazonaws.com"}},
            },
            {
                "Sid": "CheckTheCopyRole",
                "Effect": "Allow",
                "Action": "iam:GetRole",
                "Resource": copy_role_arn,
            },
            {
                # DescribeKey tells AWS-managed keys from customer-managed ones; GetKeyPolicy
                # lets the pre-flight check that a key lets the destination account copy.
                "Sid": "CheckRecoveryPointKeys",
                "Effect": "Allow",
                "Action": ["kms:DescribeKey", "kms:GetKeyPolicy"],
                "Resource": _key_arns(region, account),
            },
        ],
    }


def dest_identity_policy(region: Regions, account: str, vaults: list[str]) -> dict[str, Any]:
    vault_arns = _vault_arns(region, account, vaults)
    via = _one_or_many([f"backup.{name}.amazonaws.com" for name in _regions(region)])
    # "*" (every Region) is a pattern: StringLike, as AWS's condition operators require.
    matches = "StringLike" if "*" in _regions(region) else "StringEquals"
    return {
        "Version": VERSION,
        "Statement": [
            {
                "Sid": "DiscoverVaults",
                "Effect": "Allow",
                # DescribeRegionSettings: preflight reads the service opt-in
                "Action": ["backup:ListBackupVaults", "backup:DescribeRegionSettings"],
                "Resource": "*",
            },
            {
                "Sid": "VerifyCopies",
                "Effect": "Allow",
                "Action": [
                    "backup:ListRecoveryPointsByBackupVault",
                    "backup:DescribeBackupVault",
                    "backup:GetBackupVaultAccessPolicy",
                ],
                "Resource": vault_arns,
            },
            {
                "Sid": "DescribeCopies",
                "Effect": "Allow",
                "Action": "backup:DescribeRecoveryPoint",
                "Resource": "*",
            },
            {
                # preflight: the destination's quotas (Service Quotas) and what counts toward
                # them (AMIs, EBS snapshots, RDS account quotas); reads only, none of which
                # takes a resource ARN the tool could name beforehand.
                "Sid": "ReadDestinationLimits",
                "Effect": "Allow",
                "Action": [
                    "servicequotas:GetServiceQuota",
                    "servicequotas:GetAWSDefaultServiceQuota",
                    "ec2:DescribeImages",
                    "ec2:ListImagesInRecycleBin",
                    "ec2:DescribeSnapshots",
                    "rds:DescribeAccountAttributes",
                ],
                "Resource": "*",
            },
            {
                "Sid": "CreateDestinationVaults",
                "Effect": "Allow",
                "Action": [
                    "backup:CreateBackupVault",
                    "backup:PutBackupVaultLockConfiguration",
                    "backup:PutBackupVaultAccessPolicy",
                    "backup-storage:MountCapsule",
                ],
                "Resource": "*",
            },
            {
                # Creating a vault with a customer managed key lets AWS Backup use the key.
                "Sid": "VaultKeyGrants",
                "Effect": "Allow",
                "Action": ["kms:CreateGrant", "kms:DescribeKey", "kms:GenerateDataKey"],
                "Resource": _key_arns(region, account),
                "Condition": {matches: {"kms:ViaService": via}},
            },
        ],
    }


def dest_vault_access_policy(
    region: Regions, dest_account: str, source_account: str, vaults: list[str]
) -> dict[str, Any]:
    return {
        "Version": VERSION,
        "Statement": [
            copy_grant(arn, source_account) | {"Sid": f"AllowCopyFrom{source_account}{n}"}
            for n, arn in enumerate(_vault_arns(region, dest_account, vaults), start=1)
        ],
    }
