"""Composite recovery points (CloudFormation stacks) and their parent and child copy jobs.

What AWS documents (DG "CloudFormation stack backups"; the API reference): a stack's backup is a
composite recovery point grouping nested ones, the template's and each supported resource's; a
composite job "can trigger other backup jobs for individual resources within the stack". A
nested point names its ParentRecoveryPointArn (and CompositeMemberIdentifier, the resource's
logical ID in the stack), the composite says IsParent; a copy job names its ParentJobId, a
parent job says IsParent, NumberOfChildJobs and ChildJobsInState (keys CREATED, RUNNING,
COMPLETED, FAILED, PARTIAL); ListRecoveryPointsByBackupVault filters ByParentRecoveryPointArn,
ListCopyJobs ByParentJobId; a composite's Status PARTIAL "indicates a composite recovery point
has one or more nested recovery points that were not in the backup" (DescribeRecoveryPoint).

The sandbox's model of what AWS leaves unsaid:
- StartCopyJob on a composite answers the parent job (IsParent true) and starts, at once, a
  child job per nested point of the composite, each through the copy clock like any job (its
  own checks, faults, slot and resource); the parent holds no slot of its own.
- A refusal the parent itself meets (the copy role, the organization's settings, the
  destination vault's policy or lock) fails it at once, with no child jobs.
- The parent is CREATED until a child starts, RUNNING until every child has ended, then
  COMPLETED when every child completed, FAILED when none did, and when some did as
  SandboxConfig.composite_failure says: PARTIAL or FAILED.
- A child's copy lands when its job completes, its ParentRecoveryPointArn the parent's copy
  (an ARN minted as the parent job starts); the parent's copy lands as the parent ends
  COMPLETED or PARTIAL (its Status the same), with the composite's size. A parent that ends
  FAILED leaves no copy: its children's copies then stand alone (no ParentRecoveryPointArn).
- A nested point copied on its own (SandboxConfig.nested_copy): "allowed", an ordinary job
  whose copy has no parent; or "refused", InvalidRequestException.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from .arns import parse_vault_arn, recovery_point_arn, vault_arn
from .config import SandboxConfig
from .errors import invalid_request
from .moto_bridge import moto_vault
from .records import CopyJob, StoredRecoveryPoint

if TYPE_CHECKING:
    from .world import CopyRequest, JobBook, SandboxWorld

NESTED_ALONE = (
    "Recovery point {arn} is a nested recovery point of the composite recovery point {parent}; "
    "copy the composite recovery point instead."
)
CHILDREN_FAILED = "{failed} of {total} nested copy jobs did not complete. {first}"
PARENT_COPY_GONE = "Copy job failed. The destination backup vault {vault} does not exist."
CATEGORY_SUCCESS = "SUCCESS"
CATEGORY_INVALID = "INVALID_PARAMETERS"


def refuse_nested_alone(config: SandboxConfig, source: StoredRecoveryPoint) -> None:
    """StartCopyJob on a nested point: refused when the sandbox is told AWS refuses it."""
    if source.parent_arn is not None and config.nested_copy == "refused":
        raise invalid_request(NESTED_ALONE.format(arn=source.arn, parent=source.parent_arn))


class CompositeJobs:
    """The parent jobs of every account, by their children's job IDs, and the ARN each
    parent's copy will have: a part of SandboxWorld kept apart (it calls the world's own job
    steps, under the world's lock)."""

    def __init__(self) -> None:
        self.parent_of: dict[str, CopyJob] = {}
        self.copy_arn: dict[str, str] = {}  # parent job ID -> its copy's ARN

    def start(
        self,
        world: SandboxWorld,
        where: tuple[str, str],
        request: CopyRequest,
        source: StoredRecoveryPoint,
        book: JobBook,
        now: float,
    ) -> CopyJob:
        """StartCopyJob on the composite `source` as (account, Region) `where`."""
        account, region = where
        attempt = len(book.by_source.get(source.arn, [])) + 1
        parent = world.job_record(account, request, source, now, duration=0.0, is_parent=True)
        world._plan_outcome(parent, source, request, attempt=attempt)
        book.jobs.append(parent)
        book.by_id[parent.copy_job_id] = parent
        book.by_source.setdefault(source.arn, []).append(parent)
        if parent.fail_fast:  # refused as a whole: no child job starts
            world._end_job(parent, now, "FAILED")
            return parent
        parent.planned_failure, parent.planned_category = None, CATEGORY_SUCCESS
        dest = parse_vault_arn(request.dest_vault_arn)
        assert dest is not None  # StartCopyJob refused it otherwise
        self.copy_arn[parent.copy_job_id] = recovery_point_arn(
            world.rng, source.resource_type, dest[0], dest[1], copy=True
        )
        contents = world.contents(account, region, source.vault_name)
        for nested in list(contents.children.get(source.arn, ())):
            asked = dataclasses.replace(request, recovery_point_arn=nested.arn, token=None)
            child = world._new_job(account, region, asked, nested, book, now)
            child.parent_job_id = parent.copy_job_id
            child.member_id = nested.member_id
            parent.child_jobs.append(child)
            self.parent_of[child.copy_job_id] = parent
        for child in parent.child_jobs:
            if child.done:  # refused at once: it ended before it had a parent
                self._landed(world, parent, child)
        self._settle(world, parent, now)
        return parent

    def child_changed(self, world: SandboxWorld, child: CopyJob, at: float) -> None:
        """A child job started or ended (the copy clock's news)."""
        parent = self.parent_of.get(child.copy_job_id)
        if parent is None:
            return  # still being created: start() settles it
        if child.done:
            self._landed(world, parent, child)
        self._settle(world, parent, at)

    def _landed(self, world: SandboxWorld, parent: CopyJob, child: CopyJob) -> None:
        """A completed child's copy points at its parent's copy."""
        _set_parent(world, child, self.copy_arn.get(parent.copy_job_id))

    def _settle(self, world: SandboxWorld, parent: CopyJob, at: float) -> None:
        """The parent's state from its children's; it ends once they all have."""
        if parent.done:
            return
        children = parent.child_jobs
        if any(child.state != "CREATED" for child in children) and parent.state == "CREATED":
            parent.state = "RUNNING"
            parent.start_date = at
        if not all(child.done for child in children):
            return
        completed = [child for child in children if child.state == "COMPLETED"]
        failed = [child for child in children if child.state != "COMPLETED"]
        if failed:
            first = failed[0]
            parent.planned_failure = CHILDREN_FAILED.format(
                failed=len(failed), total=len(children), first=first.status_message or ""
            ).strip()
            parent.planned_category = first.message_category or CATEGORY_SUCCESS
        partial = bool(completed) and world.config.composite_failure == "partial"
        if failed and not partial:
            for child in completed:
                _set_parent(world, child, None)  # no parent copy: the children's stand alone
            world._end_job(parent, at, "FAILED")
            return
        state = "PARTIAL" if failed else "COMPLETED"
        if not self._land_parent(world, parent, at, state):
            world._end_job(parent, at, "FAILED")
            return
        world._end_job(parent, at, state)
        if failed:  # end_job keeps a message for FAILED only; PARTIAL says why too
            parent.status_message = parent.planned_failure
            parent.message_category = parent.planned_category

    def _land_parent(self, world: SandboxWorld, parent: CopyJob, at: float, status: str) -> bool:
        """The parent's copy in the destination vault; False if the vault is gone."""
        dest = parse_vault_arn(parent.dest_vault_arn)
        assert dest is not None
        region, account, name = dest
        vault = moto_vault(account, region, name)
        if vault is None:
            parent.planned_failure = PARENT_COPY_GONE.format(vault=name)
            parent.planned_category = CATEGORY_INVALID
            return False
        source = world._source_of(parent)
        delete_after, cold_after = world.copy_lifecycle(parent, source)
        copy = StoredRecoveryPoint(
            seq=world.next_seq(),
            arn=self.copy_arn[parent.copy_job_id],
            vault_name=name,
            vault_arn=vault_arn(region, account, name),
            resource_arn=parent.resource_arn,
            resource_type=parent.resource_type,
            resource_name=parent.resource_name,
            creation_date=source.creation_date if source else parent.creation_date,
            completion_date=at,
            size=parent.size,
            status=status,
            encryption_key_arn=vault.encryption_key_arn
            or f"arn:aws:kms:{region}:{account}:alias/aws/backup",
            iam_role_arn=parent.iam_role_arn,
            delete_after_days=delete_after,
            cold_after_days=cold_after,
            source_vault_arn=parent.source_vault_arn,
            is_parent=True,
        )
        world.add_recovery_point(account, region, copy)
        parent.dest_recovery_point_arn = copy.arn
        return True


def _set_parent(world: SandboxWorld, child: CopyJob, parent_arn: str | None) -> None:
    """The ParentRecoveryPointArn of the copy a completed child job landed (None: none)."""
    if child.dest_recovery_point_arn is None:
        return
    dest = parse_vault_arn(child.dest_vault_arn)
    assert dest is not None
    region, account, name = dest
    contents = world.contents(account, region, name)
    copy = contents.by_arn.get(child.dest_recovery_point_arn)
    if copy is None:
        return
    siblings = contents.children.get(copy.parent_arn or "", [])
    if copy in siblings:
        siblings.remove(copy)
    copy.parent_arn, copy.member_id = parent_arn, child.member_id if parent_arn else None
    if parent_arn is not None:
        contents.children.setdefault(parent_arn, []).append(copy)
