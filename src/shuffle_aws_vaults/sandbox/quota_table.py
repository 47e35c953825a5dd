"""The quotas outside AWS Backup's copy concurrency that the sandbox answers for, restated from
AWS's documentation (like the rest of the sandbox, nothing is taken from the tool):

| key | Service Quotas name | service, code | default | source |
|---|---|---|---|---|
| amis | AMIs | ec2 L-B665C33B | 50,000 | EC2 User Guide "AMI quotas"; General Reference |
| ebs-snapshots | Snapshots per Region | ebs L-309BACF6 | 100,000 | EBS User Guide "Quotas" |
| rds-snapshots | Manual DB instance snapshots | rds L-272F1212 | 100 | RDS "Quotas" |
| rds-cluster-snapshots | Manual DB cluster snapshots | rds L-9B510759 | 100 | RDS "Quotas" |
| vault-recovery-points | Recovery points per backup vault | backup L-514878B6 | 1,000,000 | DG |

RDS answers its two snapshot quotas through DescribeAccountAttributes too (AccountQuotaName
ManualSnapshots and ManualClusterSnapshots, with Used and Max). DG: the AWS Backup Developer
Guide "Quotas"; the codes as the AWS General Reference's quota tables and
ListAWSDefaultServiceQuotas list them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class SandboxQuota:
    key: str
    name: str
    service: str
    service_name: str
    code: str
    default: int
    rds_name: str | None = None  # its AccountQuotaName in RDS DescribeAccountAttributes


QUOTAS = (
    SandboxQuota(
        "amis", "AMIs", "ec2", "Amazon Elastic Compute Cloud (Amazon EC2)", "L-B665C33B", 50_000
    ),
    SandboxQuota(
        "ebs-snapshots",
        "Snapshots per Region",
        "ebs",
        "Amazon Elastic Block Store (Amazon EBS)",
        "L-309BACF6",
        100_000,
    ),
    SandboxQuota(
        "rds-snapshots",
        "Manual DB instance snapshots",
        "rds",
        "Amazon Relational Database Service (Amazon RDS)",
        "L-272F1212",
        100,
        "ManualSnapshots",
    ),
    SandboxQuota(
        "rds-cluster-snapshots",
        "Manual DB cluster snapshots",
        "rds",
        "Amazon Relational Database Service (Amazon RDS)",
        "L-9B510759",
        100,
        "ManualClusterSnapshots",
    ),
    SandboxQuota(
        "vault-recovery-points",
        "Recovery points per backup vault",
        "backup",
        "AWS Backup",
        "L-514878B6",
        1_000_000,
    ),
)
BY_KEY = {quota.key: quota for quota in QUOTAS}
BY_CODE = {(quota.service, quota.code): quota for quota in QUOTAS}
# What a destination account can hold before any copy: every quota but the per-vault one (a
# vault's recovery points are the recovery points it holds).
HELD_KEYS = ("amis", "ebs-snapshots", "rds-snapshots", "rds-cluster-snapshots")


def _key_of(name: str, keys: Iterable[str]) -> str:
    """A quota's key, from its key or its quota code (any case)."""
    wanted = name.strip()
    allowed = tuple(keys)
    for quota in QUOTAS:
        if quota.key in allowed and wanted.lower() in (quota.key, quota.code.lower()):
            return quota.key
    raise ValueError(
        f"unknown quota {name!r}: give one of {', '.join(allowed)} (or its quota code: "
        + ", ".join(f"{q.key} {q.code}" for q in QUOTAS if q.key in allowed)
        + ")"
    )


def normalized(
    given: Mapping[str, int] | Iterable[tuple[str, int]], keys: Iterable[str], what: str
) -> dict[str, int]:
    """`given` (a mapping, or KEY=N pairs) by quota key, each value a whole number of 0 or
    more; a ValueError names `what` (the setting) and what is wrong."""
    pairs = given.items() if isinstance(given, Mapping) else given
    allowed = tuple(keys)
    found: dict[str, int] = {}
    for name, value in pairs:
        try:
            key = _key_of(str(name), allowed)
        except ValueError as exc:
            raise ValueError(f"{what}: {exc}") from None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{what}: {name} must be a whole number of 0 or more, not {value!r}")
        found[key] = value
    return found
