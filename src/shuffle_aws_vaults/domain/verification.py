"""Whether the destination provably holds each planned copy.

A copy is verified when the destination recovery point exists in the destination vault, is
COMPLETED or AVAILABLE, and has the source's resource ARN, creation date and size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from .recovery_point import COPYABLE_STATUSES, RecoveryPoint


class Verdict(StrEnum):
    VERIFIED = "verified"
    MISSING = "missing"
    NOT_COMPLETED = "not-completed"
    MISMATCHED = "mismatched"
    FAILED = "failed"
    EXTRA = "extra"


@dataclass(frozen=True, slots=True)
class Check:
    verdict: Verdict
    detail: str = ""


def same_instant(a: datetime, b: datetime) -> bool:
    # AWS keeps milliseconds; listings may round differently than the source's.
    return abs((a - b).total_seconds()) < 0.001


def compare(source: RecoveryPoint, copy: RecoveryPoint | None) -> Check:
    """The verdict on `copy` as the copy of `source` (None: not found)."""
    if copy is None:
        return Check(Verdict.MISSING, "no such recovery point in the destination vault")
    if copy.status not in COPYABLE_STATUSES:
        return Check(Verdict.NOT_COMPLETED, f"status {copy.status}")
    differ = []
    if copy.resource_arn != source.resource_arn:
        differ.append(f"resource ARN {copy.resource_arn}")
    if not same_instant(copy.creation_date, source.creation_date):
        differ.append(f"creation date {copy.creation_date.isoformat()}")
    if copy.size_bytes != source.size_bytes:
        differ.append(f"size {copy.size_bytes} (source {source.size_bytes})")
    if differ:
        return Check(Verdict.MISMATCHED, "; ".join(differ))
    return Check(Verdict.VERIFIED)


def match_key(rp: RecoveryPoint, source_vault_arn: str) -> tuple[str, float, str]:
    """How a copy is recognised without a job record: resource, creation date, source vault."""
    return (rp.resource_arn, round(rp.creation_date.timestamp(), 3), source_vault_arn)
