"""Small builders for domain objects in tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from shuffle_aws_vaults.domain.recovery_point import RecoveryPoint

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def rp(**overrides: Any) -> RecoveryPoint:
    fields: dict[str, Any] = {
        "arn": "arn:aws:ec2:us-east-1::snapshot/snap-0001",
        "vault_name": "production-backups",
        "resource_arn": "arn:aws:ec2:us-east-1:111111111111:volume/vol-1",
        "resource_type": "EBS",
        "creation_date": datetime(2026, 1, 10, tzinfo=UTC),
        "size_bytes": 10 * 1024**3,
        "status": "COMPLETED",
        "encryption_key_arn": "arn:aws:kms:us-east-1:111111111111:key/cmk",
    }
    fields.update(overrides)
    return RecoveryPoint(**fields)
