"""The destination vault access policy: only backup:CopyIntoBackupVault, only for the source.

Policies are handled as plain dicts here; the gateway reads and writes their JSON.
"""

from __future__ import annotations

import fnmatch
from typing import Any

COPY_ACTION = "backup:CopyIntoBackupVault"


def copy_grant(vault_arn: str, source_account: str) -> dict[str, Any]:
    return {
        "Sid": f"AllowCopyIntoVaultFrom{source_account}",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{source_account}:root"},
        "Action": COPY_ACTION,
        "Resource": vault_arn,
    }


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def grants_copy(policy: dict[str, Any] | None, source_account: str) -> bool:
    """Whether an Allow statement lets the source account copy in (and no Deny refuses it)."""
    if not policy:
        return False
    allowed = False
    for statement in _as_list(policy.get("Statement", [])):
        if not isinstance(statement, dict):
            continue
        actions = [str(a).lower() for a in _as_list(statement.get("Action", []))]
        if not any(fnmatch.fnmatchcase(COPY_ACTION.lower(), a) for a in actions):
            continue
        principal = statement.get("Principal")
        principals = (
            ["*"]
            if principal == "*"
            else (
                _as_list((principal or {}).get("AWS", []))
                if isinstance(principal, dict) or principal == "*"
                else []
            )
        )
        matches = any(
            str(p) in ("*", source_account) or str(p).startswith(f"arn:aws:iam::{source_account}:")
            for p in principals
        )
        if not matches:
            continue
        if statement.get("Effect") == "Deny":
            return False
        allowed = allowed or statement.get("Effect") == "Allow"
    return allowed


def with_copy_grant(
    policy: dict[str, Any] | None, vault_arn: str, source_account: str
) -> dict[str, Any]:
    """`policy` plus the copy grant, its other statements kept as they were."""
    merged: dict[str, Any] = dict(policy) if policy else {"Version": "2012-10-17", "Statement": []}
    statements = [s for s in _as_list(merged.get("Statement", [])) if s]
    grant = copy_grant(vault_arn, source_account)
    statements = [
        s for s in statements if not (isinstance(s, dict) and s.get("Sid") == grant["Sid"])
    ]
    merged["Statement"] = [*statements, grant]
    return merged
