"""When a copy job starts and how long it runs, beyond overhead + size / bandwidth.

- AWS's copy job retry (developer guide, recov-point-create-a-copy.html#backup-copy-retry):
  a job hit by a system error stays in CREATED for a retry phase of up to 2 hours, then runs,
  or fails when the errors persist. FaultConfig.system_error_rate says how many are hit.
- Incremental copies: "When you copy a backup to a new Region or across accounts for the first
  time, AWS Backup copies the backup in full. If a service supports incremental backups, then
  subsequent copies ... are incremental" (re:Post, backup-troubleshoot-cross-account-copy). A
  copy that starts while an earlier recovery point of its resource is already copied into its
  destination vault moves SandboxConfig.changed_share of its bytes.
"""

from __future__ import annotations

from collections.abc import Iterable

from . import messages
from .faults import FaultInjector
from .records import CopyJob, StoredRecoveryPoint

# Types whose backups the services take incrementally (EBS and EC2 AMIs as EBS snapshots, RDS
# and Aurora storage snapshots, EFS, S3, FSx). DynamoDB backups are full copies of the table.
INCREMENTAL_TYPES = frozenset({"EBS", "EC2", "RDS", "Aurora", "EFS", "S3", "FSx"})


def hold_for_retry(job: CopyJob, faults: FaultInjector, now: float, attempt: int) -> None:
    """Keep `job` in CREATED through AWS's retry phase if a system error hits it."""
    hold, fails = faults.system_error(job.source_recovery_point_arn, attempt)
    if hold <= 0:
        return
    job.hold_until = now + hold
    if fails:
        job.fails_after_hold = True
        job.planned_failure = messages.TRANSIENT_FAILURE
        job.planned_category = messages.CATEGORY_OTHER


def start_incremental(
    job: CopyJob,
    copies_in_dest: Iterable[StoredRecoveryPoint],
    source_created: float,
    changed_share: float,
) -> None:
    """Shorten `job`, starting now, to an incremental copy if an earlier recovery point of its
    resource is already copied into the destination vault."""
    if changed_share >= 1.0 or job.planned_failure is not None:
        return
    if job.resource_type not in INCREMENTAL_TYPES:
        return
    if any(
        copy.creation_date < source_created and copy.status == "COMPLETED" and not copy.deleted
        for copy in copies_in_dest
    ):
        job.incremental = True
        job.duration -= job.transfer_seconds * (1.0 - changed_share)
