"""Composite recovery points and their parent and child copy jobs, on an in-process world with a
manual clock (composite.py; the wire shapes as ListCopyJobs and the listings answer them)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from shuffle_aws_vaults.sandbox.access_policy import copy_into_vault_policy
from shuffle_aws_vaults.sandbox.arns import vault_arn
from shuffle_aws_vaults.sandbox.clock import ManualClock
from shuffle_aws_vaults.sandbox.config import FaultConfig, SandboxConfig
from shuffle_aws_vaults.sandbox.errors import SandboxError
from shuffle_aws_vaults.sandbox.moto_bridge import create_role, create_vault, reset_moto
from shuffle_aws_vaults.sandbox.records import DAY, CopyJob, StoredRecoveryPoint
from shuffle_aws_vaults.sandbox.seed import SeedSpec, seed
from shuffle_aws_vaults.sandbox.world import CopyRequest, SandboxWorld

REGION, SRC, DST = "us-east-1", "111111111111", "222222222222"
MIB = 1024**2
SRC_VAULT, DEST_VAULT = "stacks", "stacks-copy"
DEST_ARN = vault_arn(REGION, DST, DEST_VAULT)
ROLE = f"arn:aws:iam::{SRC}:role/service-role/AWSBackupDefaultServiceRole"
KEY = f"arn:aws:kms:{REGION}:{SRC}:key/11111111-1111-4111-a111-111111111111"
STACK = f"arn:aws:cloudformation:{REGION}:{SRC}:stack/web/0000"
# With jitter 0, the default 120 s overhead and 100 MiB/s: 600 MiB copy in 126 s, 6000 in 180 s.
SMALL, LARGE = 600 * MIB, 6000 * MIB


@dataclass
class Env:
    world: SandboxWorld
    clock: ManualClock
    serial: int = 0
    added: list[StoredRecoveryPoint] = field(default_factory=list)

    def point(self, **fields: Any) -> StoredRecoveryPoint:
        self.serial += 1
        n = self.serial
        created = self.clock.now() - DAY + n
        values: dict[str, Any] = {
            "seq": self.world.next_seq(),
            "arn": f"arn:aws:backup:{REGION}:{SRC}:recovery-point:{n:08d}-0000-4000-a000-0",
            "vault_name": SRC_VAULT,
            "vault_arn": vault_arn(REGION, SRC, SRC_VAULT),
            "resource_arn": f"arn:aws:elasticfilesystem:{REGION}:{SRC}:file-system/fs-{n:08x}",
            "resource_type": "EFS",
            "resource_name": f"member-{n}",
            "creation_date": created,
            "completion_date": created + 600,
            "size": SMALL,
            "status": "COMPLETED",
            "encryption_key_arn": KEY,
            "iam_role_arn": ROLE,
            "delete_after_days": 35,
            **fields,
        }
        rp = StoredRecoveryPoint(**values)
        self.world.add_recovery_point(SRC, REGION, rp)
        return rp

    def composite(self, *sizes: int, **nested: Any) -> tuple[StoredRecoveryPoint, list[Any]]:
        """A composite point with a nested point of each size (`nested`: their other fields)."""
        parent = self.point(
            resource_type="CloudFormation", resource_arn=STACK, size=sum(sizes), is_parent=True
        )
        children = [
            self.point(size=size, parent_arn=parent.arn, member_id=f"Member{i}", **nested)
            for i, size in enumerate(sizes)
        ]
        return parent, children

    def copy(self, rp: StoredRecoveryPoint, token: str | None = None) -> CopyJob:
        request = CopyRequest(rp.arn, rp.vault_name, DEST_ARN, ROLE, token)
        return self.world.start_copy_job(SRC, REGION, request)

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)
        self.world.tick()

    def jobs(self, **query: str) -> list[dict[str, Any]]:
        jobs, _ = self.world.list_copy_jobs(SRC, REGION, query)
        return [job.to_wire() for job in jobs]

    def listed(self, account: str, vault: str, **query: str) -> list[dict[str, Any]]:
        points, _ = self.world.list_recovery_points(account, REGION, vault, query)
        return [rp.to_wire() for rp in points]


@pytest.fixture
def make_env() -> Iterator[Callable[..., Env]]:
    reset_moto()

    def build(**config: Any) -> Env:
        config.setdefault("jitter", 0.0)
        clock = ManualClock()
        world = SandboxWorld(SandboxConfig(**config), clock=clock)
        create_role(SRC, "AWSBackupDefaultServiceRole", "/service-role/", "backup.amazonaws.com")
        create_vault(SRC, REGION, SRC_VAULT, encryption_key_arn=KEY)
        create_vault(DST, REGION, DEST_VAULT)
        world.policies[(DST, REGION, DEST_VAULT)] = copy_into_vault_policy(DEST_ARN, SRC)
        return Env(world, clock)

    yield build
    reset_moto()


# -- listings ------------------------------------------------------------------------------


def test_a_composite_says_is_parent_and_its_nested_points_name_it(
    make_env: Callable[..., Env],
) -> None:
    env = make_env()
    parent, children = env.composite(SMALL, SMALL)
    wires = {wire["RecoveryPointArn"]: wire for wire in env.listed(SRC, SRC_VAULT)}
    assert wires[parent.arn]["IsParent"] is True
    assert "ParentRecoveryPointArn" not in wires[parent.arn]
    for i, child in enumerate(children):
        assert wires[child.arn]["IsParent"] is False
        assert wires[child.arn]["ParentRecoveryPointArn"] == parent.arn
        assert wires[child.arn]["CompositeMemberIdentifier"] == f"Member{i}"


def test_by_parent_recovery_point_arn_lists_the_nested_points_only(
    make_env: Callable[..., Env],
) -> None:
    env = make_env()
    parent, children = env.composite(SMALL, SMALL, SMALL)
    other, _ = env.composite(SMALL)
    env.point()
    listed = env.listed(SRC, SRC_VAULT, parentRecoveryPointArn=parent.arn)
    assert [wire["RecoveryPointArn"] for wire in listed] == [child.arn for child in children]
    assert env.listed(SRC, SRC_VAULT, parentRecoveryPointArn=children[0].arn) == []
    page = env.listed(SRC, SRC_VAULT, parentRecoveryPointArn=other.arn, maxResults="1")
    assert len(page) == 1


# -- the parent job and its children -------------------------------------------------------


def test_copying_a_composite_starts_the_parent_and_a_child_job_per_nested_point(
    make_env: Callable[..., Env],
) -> None:
    env = make_env()
    parent, children = env.composite(SMALL, LARGE)
    job = env.copy(parent)
    assert job.is_parent and job.source_recovery_point_arn == parent.arn
    wire = job.to_wire()
    assert (wire["IsParent"], wire["NumberOfChildJobs"]) == (True, 2)
    assert wire["ChildJobsInState"] == {"RUNNING": 2}
    assert wire["State"] == "RUNNING"
    kids = env.jobs(parentJobId=job.copy_job_id)
    assert sorted(kid["SourceRecoveryPointArn"] for kid in kids) == sorted(c.arn for c in children)
    assert {kid["ParentJobId"] for kid in kids} == {job.copy_job_id}
    assert {kid["IsParent"] for kid in kids} == {False}
    assert sorted(kid["CompositeMemberIdentifier"] for kid in kids) == ["Member0", "Member1"]
    every = env.jobs()
    assert every[0]["CopyJobId"] == job.copy_job_id  # the parent comes first
    assert len(every) == 3
    by_source = env.jobs(sourceRecoveryPointArn=parent.arn)
    assert [w["CopyJobId"] for w in by_source] == [job.copy_job_id]


def test_the_parent_ends_when_its_last_child_does_and_its_copy_lands_then(
    make_env: Callable[..., Env],
) -> None:
    env = make_env()
    parent, children = env.composite(SMALL, LARGE)
    t0 = env.clock.now()
    job = env.copy(parent)
    env.advance(126.0)
    assert job.to_wire()["ChildJobsInState"] == {"COMPLETED": 1, "RUNNING": 1}
    assert job.state == "RUNNING"
    [first] = env.listed(DST, DEST_VAULT)
    env.advance(54.0)
    assert job.state == "COMPLETED" and job.completion_date == t0 + 180.0
    copies = {wire["RecoveryPointArn"]: wire for wire in env.listed(DST, DEST_VAULT)}
    assert job.dest_recovery_point_arn in copies
    top = copies[job.dest_recovery_point_arn]
    assert (top["IsParent"], top["Status"], top["BackupSizeInBytes"]) == (
        True,
        "COMPLETED",
        6600 * MIB,
    )
    assert (top["ResourceArn"], top["CreationDate"]) == (STACK, parent.creation_date)
    assert first["ParentRecoveryPointArn"] == job.dest_recovery_point_arn  # before the parent's
    nested = env.listed(DST, DEST_VAULT, parentRecoveryPointArn=str(job.dest_recovery_point_arn))
    assert sorted(wire["ResourceArn"] for wire in nested) == sorted(
        c.resource_arn for c in children
    )
    assert {wire["SourceBackupVaultArn"] for wire in copies.values()} == {parent.vault_arn}


def test_an_idempotent_repeat_answers_the_parent_and_starts_no_more_children(
    make_env: Callable[..., Env],
) -> None:
    env = make_env()
    parent, _ = env.composite(SMALL, SMALL)
    job = env.copy(parent, token="t-1")
    again = env.copy(parent, token="t-1")
    assert again is job
    assert len(env.jobs()) == 3


@pytest.mark.parametrize(
    ("failure", "state", "lands"), [("partial", "PARTIAL", True), ("failed", "FAILED", False)]
)
def test_when_some_children_fail_the_parent_ends_as_the_sandbox_is_told(
    make_env: Callable[..., Env], failure: str, state: str, lands: bool
) -> None:
    env = make_env(composite_failure=failure)
    parent, (good, bad) = env.composite(SMALL, SMALL)
    bad.resource_type = "RDS"  # an RDS Multi-AZ DB cluster: AWS cannot copy it
    bad.resource_arn = f"arn:aws:rds:{REGION}:{SRC}:cluster:multi-az"
    job = env.copy(parent)
    env.advance(126.0)
    assert job.state == state
    wire = job.to_wire()
    assert wire["ChildJobsInState"] == {"COMPLETED": 1, "FAILED": 1}
    assert wire["StatusMessage"].startswith("1 of 2 nested copy jobs did not complete.")
    assert "not supported" in wire["StatusMessage"]
    copies = env.listed(DST, DEST_VAULT)
    tops = [copy for copy in copies if copy["IsParent"]]
    [child_copy] = [copy for copy in copies if not copy["IsParent"]]
    assert child_copy["ResourceArn"] == good.resource_arn
    if lands:
        assert [top["Status"] for top in tops] == ["PARTIAL"]
        assert job.dest_recovery_point_arn == tops[0]["RecoveryPointArn"]
        assert child_copy["ParentRecoveryPointArn"] == job.dest_recovery_point_arn
    else:
        assert tops == [] and job.dest_recovery_point_arn is None
        assert "ParentRecoveryPointArn" not in child_copy  # it stands alone
        assert env.listed(DST, DEST_VAULT, parentRecoveryPointArn="x") == []


@pytest.mark.parametrize("failure", ["partial", "failed"])
def test_when_every_child_fails_the_parent_fails_and_leaves_no_copy(
    make_env: Callable[..., Env], failure: str
) -> None:
    env = make_env(composite_failure=failure, faults=FaultConfig(job_failure_rate=1.0))
    parent, _ = env.composite(SMALL, SMALL)
    job = env.copy(parent)
    env.advance(3600.0)
    assert job.state == "FAILED"
    assert job.to_wire()["ChildJobsInState"] == {"FAILED": 2}
    assert "An internal error occurred." in str(job.status_message)
    assert env.listed(DST, DEST_VAULT) == []


def test_a_refusal_of_the_whole_copy_fails_the_parent_at_once_with_no_children(
    make_env: Callable[..., Env],
) -> None:
    env = make_env()
    env.world.global_settings["isCrossAccountBackupEnabled"] = "false"
    parent, _ = env.composite(SMALL, SMALL)
    job = env.copy(parent)
    assert job.state == "FAILED"
    assert job.to_wire()["NumberOfChildJobs"] == 0
    assert len(env.jobs()) == 1


def test_a_composite_without_nested_points_completes_at_once(
    make_env: Callable[..., Env],
) -> None:
    env = make_env()
    parent, _ = env.composite()
    job = env.copy(parent)
    assert job.state == "COMPLETED" and job.dest_recovery_point_arn is not None


def test_child_jobs_hold_copy_slots_like_any_job(make_env: Callable[..., Env]) -> None:
    env = make_env(copy_quota=2)
    parent, _ = env.composite(SMALL, SMALL, SMALL)
    job = env.copy(parent)
    assert job.to_wire()["ChildJobsInState"] == {"RUNNING": 2, "CREATED": 1}
    env.advance(126.0)
    assert job.to_wire()["ChildJobsInState"] == {"COMPLETED": 2, "RUNNING": 1}
    env.advance(126.0)
    assert job.state == "COMPLETED"


# -- a nested point copied alone -----------------------------------------------------------


def test_a_nested_point_copied_alone_is_an_ordinary_copy_when_allowed(
    make_env: Callable[..., Env],
) -> None:
    env = make_env(nested_copy="allowed")
    _, (child,) = env.composite(SMALL)
    job = env.copy(child)
    assert not job.is_parent and job.parent_job_id is None
    env.advance(126.0)
    [copy] = env.listed(DST, DEST_VAULT)
    assert job.state == "COMPLETED" and "ParentRecoveryPointArn" not in copy


def test_a_nested_point_copied_alone_is_refused_when_the_sandbox_says_so(
    make_env: Callable[..., Env],
) -> None:
    env = make_env(nested_copy="refused")
    parent, (child,) = env.composite(SMALL)
    with pytest.raises(SandboxError) as refused:
        env.copy(child)
    assert refused.value.error_type == "InvalidRequestException"
    assert parent.arn in refused.value.description
    assert env.jobs() == []


def test_the_composite_switches_take_only_their_documented_values() -> None:
    with pytest.raises(ValueError, match="composite_failure"):
        SandboxConfig(composite_failure="maybe")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="nested_copy"):
        SandboxConfig(nested_copy="sometimes")  # type: ignore[arg-type]


# -- seeding -------------------------------------------------------------------------------


def seeded(spec: SeedSpec) -> tuple[Any, list[StoredRecoveryPoint]]:
    reset_moto()
    world = SandboxWorld(SandboxConfig(seed=5))
    result = seed(world, spec)
    points = [rp for vault in result.vaults for rp in world.recovery_points(SRC, REGION, vault)]
    reset_moto()
    return result, points


def test_a_composite_share_seeds_stacks_whose_nested_points_share_the_composites_vault() -> None:
    result, points = seeded(SeedSpec(recovery_points=400, composite_share=0.1))
    assert len(points) == result.recovery_points == 400
    parents = {rp.arn: rp for rp in points if rp.is_parent}
    nested = [rp for rp in points if rp.parent_arn is not None]
    assert len(parents) == result.composites > 0
    assert len(parents) + len(nested) == 40 and len(nested) == result.nested
    for rp in nested:
        parent = parents[rp.parent_arn or ""]
        assert rp.vault_name == parent.vault_name and rp.member_id
    for parent in parents.values():
        children = [rp for rp in nested if rp.parent_arn == parent.arn]
        assert parent.resource_type == "CloudFormation" and parent.size == sum(
            c.size for c in children
        )
        assert any(c.resource_type == "CloudFormation" for c in children)  # the template's
    stacks = [r for r in result.resources if r.composite]
    assert {r.arn for r in stacks} == {p.resource_arn for p in parents.values()}


def test_seeded_stacks_repeat_under_a_seed_and_leave_no_trace_at_share_zero() -> None:
    spec = SeedSpec(recovery_points=300, composite_share=0.2)
    first, again = seeded(spec)[1], seeded(spec)[1]
    assert [rp.arn for rp in first] == [rp.arn for rp in again]
    plain = seeded(SeedSpec(recovery_points=300))[1]
    assert not any(rp.is_parent or rp.parent_arn for rp in plain)


def test_a_parent_job_reports_its_destination_vault_as_its_children_do(
    make_env: Callable[..., Env],
) -> None:
    # One way to make a job: the parent's DestinationVaultType and lock state are there too.
    env = make_env()
    parent, _ = env.composite(SMALL, SMALL)
    job = env.copy(parent)
    wires = env.jobs()
    assert {wire.get("DestinationVaultType") for wire in wires} == {"BACKUP_VAULT"}
    assert {wire.get("DestinationVaultLockState") for wire in wires} == {"UNLOCKED"}
    assert job.is_parent
