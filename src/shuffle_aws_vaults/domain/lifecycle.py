"""Copies' lifecycles: the Lifecycle each StartCopyJob is sent with, and what it means for the
copy (AWS_BACKUP_NOTES.md, "Copies' lifecycle").

- Without a Lifecycle the copy keeps its source's retention and cold-storage settings (DG
  "Creating a backup copy"); with one, the copy has that lifecycle and no other ("If you do not
  specify a lifecycle, AWS Backup applies the lifecycle policy of the source backup", the
  CopyAction documentation). So once a Lifecycle is sent, each field the operator did not give
  is the source's own, and a field the source has none of is left out (a copy without
  DeleteAfterDays never expires).
- DeleteAfterDays counts from the *source's* creation date ("The expiration date in the source
  and copy reference the creation date of source"): a copy whose count ends before now would
  arrive already expired.
- DeleteAfterDays must be at least 90 days after MoveToColdStorageAfterDays (botocore's
  Lifecycle shape): a cold transition that would leave fewer days is not sent.
- A locked vault judges "the job's retention period" against its Min/MaxRetentionDays
  (PutBackupVaultLockConfiguration): DeleteAfterDays as sent, else the source's; a copy that
  never expires is longer than any maximum. --fit-retention moves DeleteAfterDays into the
  bounds instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .copy_job import FOREVER, Lifecycle
from .recovery_point import RecoveryPoint, Vault

MIN_DAYS, MAX_DAYS = 1, 36500  # AWS's bounds on a Lifecycle's days (and a lock's maximum)
COLD_MINIMUM_DAYS = 90  # days a recovery point stays in cold storage before it may be deleted


@dataclass(frozen=True)
class LifecyclePolicy:
    """The lifecycle flags: what copies are sent with, and what becomes of copies that do not
    fit (a locked vault's bounds, an expiry already past)."""

    delete_after_days: int | None = None
    cold_after_days: int | None = None
    archive: bool = False  # OptInToArchiveForSupportedResources
    fit_retention: bool = False  # clamp each copy's DeleteAfterDays into its vault's lock
    allow_expired: bool = False  # copy even what would arrive already expired

    @property
    def sets_lifecycle(self) -> bool:
        """Every copy is sent with a Lifecycle (not only those --fit-retention moves)."""
        return (
            self.delete_after_days is not None or self.cold_after_days is not None or self.archive
        )

    @property
    def given(self) -> bool:
        return self != LifecyclePolicy()

    def describe(self) -> dict[str, Any] | None:
        """The migration identity's part (None: no lifecycle flag)."""
        if not self.given:
            return None
        return {
            "delete_after_days": self.delete_after_days,
            "cold_after_days": self.cold_after_days,
            "archive": self.archive,
            "fit_retention": self.fit_retention,
            "allow_expired": self.allow_expired,
        }


def flags_text(described: Any) -> str:
    """A described policy (identity's form) as the flags that give it, for messages."""
    if not isinstance(described, dict):
        return "no lifecycle flags"
    parts = []
    for key in ("delete_after_days", "cold_after_days"):
        if described.get(key) is not None:
            parts.append(f"--{key.replace('_', '-')} {described[key]}")
    for key in ("archive", "fit_retention", "allow_expired"):
        if described.get(key):
            parts.append(f"--{key.replace('_', '-')}")
    return " ".join(parts) or "no lifecycle flags"


@dataclass(frozen=True, slots=True)
class RetentionBounds:
    """A locked vault's Min/MaxRetentionDays (None: no such bound)."""

    min_days: int | None = None
    max_days: int | None = None

    def admits(self, days: int | None) -> bool:
        """Whether a copy keeping `days` (None: forever) is within the bounds."""
        if days is None:
            return self.max_days is None
        too_short = self.min_days is not None and days < self.min_days
        too_long = self.max_days is not None and days > self.max_days
        return not (too_short or too_long)

    def fit(self, days: int | None) -> int | None:
        """`days` moved to the nearest bound (a copy that would never expire: the maximum)."""
        if days is None:
            return self.max_days
        if self.max_days is not None and days > self.max_days:
            return self.max_days
        if self.min_days is not None and days < self.min_days:
            return self.min_days
        return days

    def text(self) -> str:
        return f"{self.min_days or MIN_DAYS}-{self.max_days or 'unlimited'}"


def bounds_of(vault: Vault | None) -> RetentionBounds | None:
    """The retention bounds a vault enforces on copies into it (None: none)."""
    if vault is None or not vault.locked:
        return None
    if vault.min_retention_days is None and vault.max_retention_days is None:
        return None
    return RetentionBounds(vault.min_retention_days, vault.max_retention_days)


@dataclass(frozen=True, slots=True)
class CopyLifecycle:
    """One copy's lifecycle: the Lifecycle sent (None: none, the source's is kept), the
    retention AWS judges it by (DeleteAfterDays from the source's creation; None: never
    expires), whether a cold transition (the flag's or the source's) was left out, and whether
    the copy would arrive already expired."""

    lifecycle: Lifecycle | None
    retention: int | None
    cold_dropped: bool = False
    expired: bool = False

    @property
    def clamped(self) -> bool:
        return self.lifecycle is not None and self.lifecycle.clamped_from is not None


def expiry(rp: RecoveryPoint, lifecycle: Lifecycle | None) -> datetime | None:
    """When a copy sent with `lifecycle` expires (None: never, or with its source, which is
    still there when it is copied)."""
    if lifecycle is None or lifecycle.delete_after_days is None:
        return None
    return rp.creation_date + timedelta(days=lifecycle.delete_after_days)


def copy_lifecycle(
    rp: RecoveryPoint,
    policy: LifecyclePolicy,
    bounds: RetentionBounds | None = None,
    *,
    now: datetime,
) -> CopyLifecycle:
    """The lifecycle `rp`'s copy is sent with, into a vault with `bounds` (None: unlocked)."""
    retention = (
        policy.delete_after_days if policy.delete_after_days is not None else rp.delete_after_days
    )
    clamped_from = None
    if policy.fit_retention and bounds is not None and not bounds.admits(retention):
        clamped_from = FOREVER if retention is None else retention
        retention = bounds.fit(retention)
    if not policy.sets_lifecycle and clamped_from is None:
        return CopyLifecycle(None, retention)
    cold = policy.cold_after_days if policy.cold_after_days is not None else rp.cold_after_days
    dropped = cold is not None and retention is not None and retention < cold + COLD_MINIMUM_DAYS
    lifecycle = Lifecycle(retention, None if dropped else cold, policy.archive, clamped_from)
    ends = expiry(rp, lifecycle)
    return CopyLifecycle(lifecycle, retention, dropped, ends is not None and ends <= now)


def clamped_text(lifecycle: Lifecycle | None) -> str:
    """The report's lifecycle_clamped: 'FROM->SENT' days ('never->365'), or ''."""
    if lifecycle is None or lifecycle.clamped_from is None:
        return ""
    before = "never" if lifecycle.clamped_from == FOREVER else str(lifecycle.clamped_from)
    return f"{before}->{lifecycle.delete_after_days}"
