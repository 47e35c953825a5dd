"""Just enough IAM policy evaluation to decide whether an account may copy into a vault."""

from __future__ import annotations

import fnmatch
import json
from typing import Any

COPY_ACTION = "backup:CopyIntoBackupVault"


class MalformedPolicy(ValueError):
    """The policy text is not a policy document."""


def parse_policy(text: str) -> dict[str, Any]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MalformedPolicy(f"Policy is not valid JSON: {exc.msg}") from exc
    if not isinstance(doc, dict) or "Statement" not in doc:
        raise MalformedPolicy("Policy must be a JSON object with a Statement")
    statements = doc["Statement"]
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not all(isinstance(s, dict) for s in statements):
        raise MalformedPolicy("Statement must be an object or a list of objects")
    for statement in statements:
        if statement.get("Effect") not in ("Allow", "Deny"):
            raise MalformedPolicy("Each statement needs Effect Allow or Deny")
    return doc


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _action_matches(statement: dict[str, Any], action: str) -> bool:
    return any(
        fnmatch.fnmatchcase(action.lower(), str(pattern).lower())
        for pattern in _as_list(statement.get("Action", []))
    )


def _principal_matches(statement: dict[str, Any], account: str) -> bool:
    principal = statement.get("Principal")
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    for value in _as_list(principal.get("AWS", [])):
        text = str(value)
        if text == "*" or text == account:
            return True
        if text.startswith(f"arn:aws:iam::{account}:"):
            return True
    return False


def allows(policy_text: str | None, account: str, action: str = COPY_ACTION) -> bool:
    """Whether `policy_text` lets principals of `account` perform `action` (explicit deny wins)."""
    if not policy_text:
        return False
    doc = parse_policy(policy_text)
    allowed = False
    for statement in _as_list(doc["Statement"]):
        if not (_action_matches(statement, action) and _principal_matches(statement, account)):
            continue
        if statement["Effect"] == "Deny":
            return False
        allowed = True
    return allowed


def copy_into_vault_policy(vault_arn: str, source_account: str, *more: str) -> str:
    """The least-privilege access policy a destination vault needs for the source accounts."""
    roots = [f"arn:aws:iam::{account}:root" for account in (source_account, *more)]
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AllowCopyFromSourceAccount",
                    "Effect": "Allow",
                    "Principal": {"AWS": roots[0] if len(roots) == 1 else roots},
                    "Action": COPY_ACTION,
                    "Resource": vault_arn,
                }
            ],
        }
    )
