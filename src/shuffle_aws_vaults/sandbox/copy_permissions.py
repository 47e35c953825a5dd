"""Whether AWS Backup may act for a copy job: the copy role it assumes, and the source key.

- The copy role (IamRoleArn) must exist in the account that starts the job and trust
  backup.amazonaws.com (AWS_BACKUP_NOTES.md). AWS's text for a role it cannot assume is "The
  provided role ... cannot be assumed by AWS Backup." (as CloudTrail records it). Whether
  StartCopyJob refuses such a role at the call or the job fails, AWS does not document:
  SandboxConfig.role_refusal picks.
- For types AWS Backup does not fully manage, the copy is shared from the source key: a
  customer-managed key whose policy does not let the destination account use it fails the copy
  (re:Post "backup-troubleshoot-cross-account-copy": "Confirm that the source AWS KMS key policy
  allows the destination account").
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from . import messages
from .access_policy import MalformedPolicy, allows
from .moto_bridge import key_policy_text, role_trust_text
from .records import FULLY_MANAGED_TYPES, StoredRecoveryPoint, is_backup_owned_arn

BACKUP_SERVICE = "backup.amazonaws.com"
# What the destination account needs of the source key to copy a snapshot encrypted with it
# (EBS and RDS document sharing a key with these; the fix the pre-flight gives grants them).
SHARED_KEY_ACTIONS = ("kms:Decrypt", "kms:DescribeKey", "kms:CreateGrant", "kms:ReEncryptFrom")
RDS_FAMILY = ("RDS", "Aurora", "DocumentDB", "Neptune")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def trusts_backup(trust_text: str) -> bool:
    """Whether a trust policy lets AWS Backup assume the role (sts:AssumeRole, Allow)."""
    try:
        document = json.loads(trust_text)
    except json.JSONDecodeError:
        return False
    statements = _as_list(document.get("Statement", [])) if isinstance(document, dict) else []
    for statement in statements:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal")
        services = principal.get("Service", []) if isinstance(principal, dict) else []
        actions = [str(a).lower() for a in _as_list(statement.get("Action", []))]
        if BACKUP_SERVICE in _as_list(services) and (
            "sts:assumerole" in actions or "sts:*" in actions or "*" in actions
        ):
            return True
    return False


def role_refusal(account: str, role_arn: str) -> str | None:
    """AWS's message when AWS Backup cannot assume `role_arn` for `account`; None when it can."""
    trust = role_trust_text(account, role_arn) if role_arn.startswith("arn:") else None
    if trust is not None and trusts_backup(trust):
        return None
    return messages.ROLE_NOT_ASSUMABLE.format(role=role_arn)


def needs_shared_key(source: StoredRecoveryPoint) -> bool:
    """Types AWS Backup does not fully manage are copied from the source key itself."""
    return source.resource_type not in FULLY_MANAGED_TYPES and not is_backup_owned_arn(source.arn)


def key_refusal(source: StoredRecoveryPoint, dest_account: str) -> str | None:
    """The copy job's message when the source key's policy does not let `dest_account` use it.

    A key moto does not hold is let through: test worlds add recovery points with made-up key
    ARNs, and AWS-managed keys have their own rule (SandboxWorld.aws_managed_keys).
    """
    key = source.encryption_key_arn
    if not key or not needs_shared_key(source):
        return None
    policy = key_policy_text(key)
    if policy is None or _shares(policy, dest_account):
        return None
    if source.resource_type in RDS_FAMILY:
        return messages.AWS_MANAGED_KEY_RDS.format(key=key)
    return messages.KEY_NOT_SHARED.format(key=key, account=dest_account)


@lru_cache(maxsize=256)
def _shares(policy: str, account: str) -> bool:
    """Whether the key policy text lets `account` copy (memoized: a few keys, many jobs)."""
    try:
        return all(allows(policy, account, action) for action in SHARED_KEY_ACTIONS)
    except MalformedPolicy:
        return False


def shared_key_policy(owner: str, *accounts: str) -> str:
    """A key policy: the owner account administers the key, `accounts` may use it to copy."""
    statements: list[dict[str, Any]] = [
        {
            "Sid": "Enable IAM User Permissions",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{owner}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    ]
    if accounts:
        statements.append(
            {
                "Sid": "AllowCopiesToOtherAccounts",
                "Effect": "Allow",
                "Principal": {"AWS": [f"arn:aws:iam::{a}:root" for a in accounts]},
                "Action": [*SHARED_KEY_ACTIONS[:3], "kms:ReEncrypt*", "kms:GenerateDataKey*"],
                "Resource": "*",
            }
        )
    return json.dumps({"Version": "2012-10-17", "Id": "sandbox-key", "Statement": statements})


def copy_supported_cross_account(rp: StoredRecoveryPoint) -> bool:
    """Types and flavours that AWS Backup cannot copy to another account at all."""
    if rp.resource_type == "DynamoDB":
        return is_backup_owned_arn(rp.arn)  # needs DynamoDB advanced features
    if rp.resource_type == "FSx":
        return ":volume/" not in rp.resource_arn  # FSx for ONTAP volumes
    if rp.resource_type == "RDS":
        return ":cluster:" not in rp.resource_arn  # RDS Multi-AZ DB clusters
    return True
