"""ARNs as AWS mints them, per resource type.

For types AWS Backup fully manages the recovery point is a Backup ARN; for the others it is the
native snapshot, image or backup ARN of the owning service (EC2 snapshot and image ARNs carry no
account).
"""

from __future__ import annotations

import random
import uuid


def _hex(rng: random.Random, n: int) -> str:
    return f"{rng.getrandbits(4 * n):0{n}x}"


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def vault_arn(region: str, account: str, name: str) -> str:
    return f"arn:aws:backup:{region}:{account}:backup-vault:{name}"


def parse_vault_arn(arn: str) -> tuple[str, str, str] | None:
    """(region, account, vault name) of a backup vault ARN, or None."""
    parts = arn.split(":", 6)
    if len(parts) != 7 or parts[0] != "arn" or parts[2] != "backup":
        return None
    if parts[5] != "backup-vault":
        return None
    name = parts[6]
    if not name or not parts[3] or not (parts[4].isdigit() and len(parts[4]) == 12):
        return None
    return parts[3], parts[4], name


def backup_recovery_point_arn(rng: random.Random, region: str, account: str) -> str:
    return f"arn:aws:backup:{region}:{account}:recovery-point:{_uuid(rng)}"


def continuous_recovery_point_arn(
    rng: random.Random, region: str, account: str, resource_id: str
) -> str:
    return (
        f"arn:aws:backup:{region}:{account}:recovery-point:continuous:{resource_id}-{_hex(rng, 8)}"
    )


def recovery_point_arn(
    rng: random.Random,
    resource_type: str,
    region: str,
    account: str,
    *,
    copy: bool = False,
    resource_arn: str = "",
    advanced_dynamodb: bool = True,
) -> str:
    """A new recovery point ARN for `resource_type` in `account`."""
    job = "copyjob" if copy else "job"
    if resource_type == "EBS":
        return f"arn:aws:ec2:{region}::snapshot/snap-{_hex(rng, 17)}"
    if resource_type == "EC2":
        return f"arn:aws:ec2:{region}::image/ami-{_hex(rng, 17)}"
    if resource_type == "RDS":
        return f"arn:aws:rds:{region}:{account}:snapshot:awsbackup:{job}-{_uuid(rng)}"
    if resource_type == "Aurora":
        return f"arn:aws:rds:{region}:{account}:cluster-snapshot:awsbackup:{job}-{_uuid(rng)}"
    if resource_type == "FSx":
        return f"arn:aws:fsx:{region}:{account}:backup/backup-{_hex(rng, 17)}"
    if resource_type == "DynamoDB" and not advanced_dynamodb:
        table = resource_arn.rsplit("/", 1)[-1] or "table"
        stamp = 1_600_000_000_000 + rng.getrandbits(36)
        return f"arn:aws:dynamodb:{region}:{account}:table/{table}/backup/{stamp}-{_hex(rng, 8)}"
    return backup_recovery_point_arn(rng, region, account)
