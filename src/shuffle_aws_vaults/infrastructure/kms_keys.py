"""Tells AWS-managed KMS keys (aws/ebs, aws/rds, ...) from customer-managed ones, and reads
key policies."""

from __future__ import annotations

import json
from typing import Any

from ..domain.errors import AwsError
from .aws_errors import call
from .aws_sessions import AccountAccess


class KmsKeyInspector:
    """KMS DescribeKey in the key's own region; None when the key cannot be described."""

    def __init__(self, access: AccountAccess) -> None:
        self._access = access

    def _client(self, key_arn: str) -> Any:
        parts = key_arn.split(":")
        region = parts[3] if len(parts) > 3 and parts[3] else None
        return self._access.client("kms", region)

    def is_aws_managed(self, key_arn: str) -> bool | None:
        client = self._client(key_arn)
        try:
            metadata = call(
                self._access,
                "DescribeKey",
                lambda: client.describe_key(KeyId=key_arn),
                patient=True,
            )["KeyMetadata"]
        except AwsError:
            return None
        return bool(metadata.get("KeyManager") == "AWS")

    def key_policy(self, key_arn: str) -> tuple[dict[str, Any] | None, str | None]:
        """KMS GetKeyPolicy (the "default" policy, the only one a key has)."""
        client = self._client(key_arn)
        try:
            text = call(
                self._access,
                "GetKeyPolicy",
                lambda: client.get_key_policy(KeyId=key_arn, PolicyName="default"),
                patient=True,
            )["Policy"]
        except AwsError as exc:
            return None, f"{exc.code}: {exc.message}"
        try:
            policy = json.loads(text)
        except (TypeError, json.JSONDecodeError):
            return None, "MalformedPolicyDocument: the key policy is not JSON"
        return (policy, None) if isinstance(policy, dict) else (None, "not a policy document")
