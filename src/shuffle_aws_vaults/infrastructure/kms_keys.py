"""Tells AWS-managed KMS keys (aws/ebs, aws/rds, ...) from customer-managed ones."""

from __future__ import annotations

from ..domain.errors import AwsError
from .aws_errors import call
from .aws_sessions import AccountAccess


class KmsKeyInspector:
    """KMS DescribeKey in the key's own region; None when the key cannot be described."""

    def __init__(self, access: AccountAccess) -> None:
        self._access = access

    def is_aws_managed(self, key_arn: str) -> bool | None:
        parts = key_arn.split(":")
        region = parts[3] if len(parts) > 3 and parts[3] else None
        client = self._access.client("kms", region)
        try:
            metadata = call(
                self._access, "DescribeKey", lambda: client.describe_key(KeyId=key_arn)
            )["KeyMetadata"]
        except AwsError:
            return None
        return bool(metadata.get("KeyManager") == "AWS")
