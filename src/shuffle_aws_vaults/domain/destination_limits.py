"""The destination account's own limits: the quotas outside AWS Backup's copy concurrency that
the copies a plan lands count toward, and the pure arithmetic that judges them.

Each quota is AWS's, by the name and code Service Quotas lists it under (the Service Quotas
console and `aws service-quotas get-service-quota --service-code S --quota-code Q`). Sources:

- AMIs, ec2 L-B665C33B, 50,000 per Region: EC2 User Guide "AMI quotas" ("These include
  available, pending, and disabled AMIs, and AMIs in the Recycle Bin"); the code from the AWS
  General Reference "Amazon EC2 endpoints and quotas". An EC2 recovery point is an AMI, so
  each EC2 copy is one more AMI in the destination Region.
- Snapshots per Region, ebs L-309BACF6, 100,000: EBS User Guide "Quotas for Amazon EBS"; the
  code as ListAWSDefaultServiceQuotas lists it (the EBS page links no code). An EBS copy is
  a snapshot; an EC2 copy's AMI has a snapshot per volume (so at least one).
- Manual DB instance snapshots, rds L-272F1212, and Manual DB cluster snapshots, rds
  L-9B510759, 100 each: RDS User Guide "Quotas in Amazon RDS" and the General Reference. RDS
  lists AWS Backup's snapshots as their own type (DescribeDBSnapshots SnapshotType
  "awsbackup"); whether they count toward the manual snapshot quotas AWS does not say, so an
  overflow of these is a WARN, not a FAIL.
- Recovery points per backup vault, backup L-514878B6, 1,000,000 (adjustable): AWS Backup
  Developer Guide "Quotas" and the General Reference "AWS Backup endpoints and quotas".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .preflight import VAULT_CAPACITY, CheckResult, Outcome

NAME = "destination quotas"


@dataclass(frozen=True)
class Quota:
    """One of AWS's quotas, as Service Quotas names it."""

    key: str  # the tool's own short name
    name: str  # AWS's quota name
    service: str  # its Service Quotas service code
    code: str  # its quota code
    default: int  # AWS's default value
    counts: str  # what it counts, for messages
    # Whether AWS documents that AWS Backup's copies count toward it: an overflow of one
    # that does is a FAIL, of one that may not, a WARN.
    documented: bool = True

    @property
    def label(self) -> str:
        return f'"{self.name}" ({self.service} {self.code})'


AMIS = Quota("amis", "AMIs", "ec2", "L-B665C33B", 50_000, "AMIs")
EBS_SNAPSHOTS = Quota(
    "ebs-snapshots", "Snapshots per Region", "ebs", "L-309BACF6", 100_000, "EBS snapshots"
)
RDS_SNAPSHOTS = Quota(
    "rds-snapshots",
    "Manual DB instance snapshots",
    "rds",
    "L-272F1212",
    100,
    "manual DB instance snapshots",
    documented=False,
)
RDS_CLUSTER_SNAPSHOTS = Quota(
    "rds-cluster-snapshots",
    "Manual DB cluster snapshots",
    "rds",
    "L-9B510759",
    100,
    "manual DB cluster snapshots",
    documented=False,
)
VAULT_RECOVERY_POINTS = Quota(
    "vault-recovery-points",
    "Recovery points per backup vault",
    "backup",
    "L-514878B6",
    VAULT_CAPACITY,
    "recovery points",
)


@dataclass(frozen=True)
class QuotaReading:
    """What the destination told of a quota: its applied value and what it holds now (None
    where that was not read), where the value came from, and the error of a call that failed."""

    value: int | None
    used: int | None
    source: str = "Service Quotas"
    error: str | None = None  # "Code: message"

    @property
    def readable(self) -> bool:
        return self.error is None and self.value is not None


def planned_counts(types: Mapping[str, int]) -> dict[Quota, int]:
    """What the planned copies (by resource type) add to each account quota: an EC2 copy is an
    AMI and at least one EBS snapshot, an EBS copy a snapshot, an RDS copy a DB instance
    snapshot, an Aurora copy a DB cluster snapshot."""
    ec2 = types.get("EC2", 0)
    return {
        AMIS: ec2,
        EBS_SNAPSHOTS: types.get("EBS", 0) + ec2,
        RDS_SNAPSHOTS: types.get("RDS", 0),
        RDS_CLUSTER_SNAPSHOTS: types.get("Aurora", 0),
    }


def increase_command(quota: Quota, value: int, region: str) -> str:
    """The AWS CLI command that asks for `quota` to be raised to `value` in `region`."""
    return (
        f"aws service-quotas request-service-quota-increase --region {region} "
        f"--service-code {quota.service} --quota-code {quota.code} --desired-value {value}"
    )


def _planned_text(quota: Quota, planned: int, types: Mapping[str, int]) -> str:
    if quota is EBS_SNAPSHOTS and types.get("EC2", 0):
        ebs, ec2 = types.get("EBS", 0), types["EC2"]
        return f"at least {planned:,} planned ({ebs:,} EBS, {ec2:,} EC2 AMIs' snapshots)"
    return f"{planned:,} planned"


def destination_quotas(
    types: Mapping[str, int],
    readings: Mapping[Quota, QuotaReading],
    *,
    account: str,
    region: str,
) -> CheckResult:
    """The planned copies (`types`: how many of each resource type) fit the destination
    account's AMI and snapshot quotas in `region`, counting what it holds already.

    FAIL when a quota AWS Backup's copies are documented to count toward would overflow; WARN
    when one they may not count toward would, or a quota or its count could not be read."""
    planned = {quota: n for quota, n in planned_counts(types).items() if n}
    if not planned:
        return CheckResult(NAME, Outcome.PASS, "no planned copy is an AMI or a snapshot")
    over, maybe, unread, fits = [], [], [], []
    raise_to: list[tuple[Quota, int]] = []
    for quota, count in planned.items():
        reading = readings.get(quota)
        if reading is None or not reading.readable or reading.used is None:
            error = reading.error if reading is not None else None
            unread.append(f"{quota.label}: {error or 'not read'}")
            continue
        assert reading.value is not None
        total = reading.used + count
        numbers = (
            f"{quota.counts}: {reading.used:,} held + {_planned_text(quota, count, types)} "
            f"= {total:,}"
        )
        if total <= reading.value:
            fits.append(f"{quota.counts} {reading.used:,} + {count:,} of {reading.value:,}")
            continue
        text = f"{numbers} > {reading.value:,}, the quota {quota.label}"
        if quota.documented:
            over.append(text)
        else:
            maybe.append(text)
        raise_to.append((quota, total))
    where = f"in {account} {region}"
    commands = "; ".join(increase_command(quota, total, region) for quota, total in raise_to)
    if over:
        return CheckResult(
            NAME,
            Outcome.FAIL,
            f"{where}: " + "; ".join([*over, *maybe, *unread]),
            f"in account {account}, ask for more: {commands} (or copy fewer: --resource-type, "
            "--created-after)",
        )
    if maybe or unread:
        parts = []
        fixes = []
        if maybe:
            parts.append(
                "; ".join(maybe) + " (AWS does not say whether AWS Backup's RDS and Aurora "
                "snapshots count toward it)"
            )
            fixes.append(f"to be sure, in account {account}: {commands}")
        if unread:
            parts.append("could not read " + "; ".join(unread))
            fixes.append(
                "allow the destination's quota reads that `shuffle-aws-vaults iam-policy` "
                "lists (servicequotas:GetServiceQuota, ec2:DescribeImages, ...)"
            )
        return CheckResult(NAME, Outcome.WARN, f"{where}: " + "; ".join(parts), "; ".join(fixes))
    return CheckResult(
        NAME, Outcome.PASS, f"{where}: " + "; ".join(fits) + " (held + planned of the quota)"
    )
