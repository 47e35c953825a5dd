"""The source KMS key policy a cross-account copy needs, as plain dicts.

For the types AWS Backup does not fully manage (EBS, EC2, RDS, Aurora, FSx, ...) the copy is
made from the snapshot the source key encrypts, so the key policy must let the destination
account use the key (re:Post "backup-troubleshoot-cross-account-copy": "Confirm that the source
AWS KMS key policy allows the destination account"). Conditions are not evaluated: a statement
that names the account and the actions counts.
"""

from __future__ import annotations

import fnmatch
from typing import Any

# What the destination account needs of the source key (EBS and RDS document these for
# sharing an encrypted snapshot); the statement the fix proposes grants them and a little more.
REQUIRED_ACTIONS = ("kms:Decrypt", "kms:DescribeKey", "kms:CreateGrant", "kms:ReEncryptFrom")
GRANTED_ACTIONS = (
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:CreateGrant",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _names(statement: dict[str, Any], account: str) -> bool:
    principal = statement.get("Principal")
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    return any(
        str(p) in ("*", account) or str(p).startswith(f"arn:aws:iam::{account}:")
        for p in _as_list(principal.get("AWS", []))
    )


def _covers(statement: dict[str, Any], action: str) -> bool:
    patterns = [str(a).lower() for a in _as_list(statement.get("Action", []))]
    return any(fnmatch.fnmatchcase(action.lower(), pattern) for pattern in patterns)


def missing_actions(policy: dict[str, Any] | None, account: str) -> list[str]:
    """The required actions the key policy does not allow `account` (an explicit Deny wins)."""
    statements = [s for s in _as_list((policy or {}).get("Statement", [])) if isinstance(s, dict)]
    missing = []
    for action in REQUIRED_ACTIONS:
        relevant = [s for s in statements if _names(s, account) and _covers(s, action)]
        denied = any(s.get("Effect") == "Deny" for s in relevant)
        if denied or not any(s.get("Effect") == "Allow" for s in relevant):
            missing.append(action)
    return missing


def key_grant(dest_account: str) -> dict[str, Any]:
    """The key-policy statement that lets the destination account copy from the key."""
    return {
        "Sid": f"AllowBackupCopiesTo{dest_account}",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{dest_account}:root"},
        "Action": list(GRANTED_ACTIONS),
        "Resource": "*",
    }


def key_grant_text(dest_account: str) -> str:
    """`key_grant` as one line of JSON, to paste into a key policy (the domain has no json
    module: every value is a plain ASCII name, quoted as JSON quotes it)."""
    grant = key_grant(dest_account)
    actions = ",".join(f'"{action}"' for action in grant["Action"])
    return (
        f'{{"Sid":"{grant["Sid"]}","Effect":"Allow",'
        f'"Principal":{{"AWS":"{grant["Principal"]["AWS"]}"}},'
        f'"Action":[{actions}],"Resource":"*"}}'
    )
