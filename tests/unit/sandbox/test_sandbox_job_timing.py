"""Job timing in the sandbox: AWS's copy job retry, incremental copies, unique job IDs.

An in-process world on a manual clock: exact simulated times, no HTTP.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from shuffle_aws_vaults.cli.parser import build_parser
from shuffle_aws_vaults.cli.requests import sandbox as sandbox_request
from shuffle_aws_vaults.cli.sandbox_command import config_of
from shuffle_aws_vaults.sandbox import messages
from shuffle_aws_vaults.sandbox.access_policy import copy_into_vault_policy
from shuffle_aws_vaults.sandbox.arns import vault_arn
from shuffle_aws_vaults.sandbox.clock import ManualClock
from shuffle_aws_vaults.sandbox.config import FaultConfig, SandboxConfig
from shuffle_aws_vaults.sandbox.faults import RETRY_WINDOW_SECONDS, FaultInjector
from shuffle_aws_vaults.sandbox.moto_bridge import create_role, create_vault, reset_moto
from shuffle_aws_vaults.sandbox.records import DAY, CopyJob, StoredRecoveryPoint
from shuffle_aws_vaults.sandbox.seed import SeedSpec, seed
from shuffle_aws_vaults.sandbox.server import stats
from shuffle_aws_vaults.sandbox.world import CopyRequest, SandboxWorld

REGION, SRC, DST = "us-east-1", "111111111111", "222222222222"
MIB = 1024**2
SRC_VAULT, DEST_VAULT = "source-vault", "dest-vault"
DEST_ARN = vault_arn(REGION, DST, DEST_VAULT)
ROLE = f"arn:aws:iam::{SRC}:role/service-role/AWSBackupDefaultServiceRole"
# With jitter 0, the default 120 s overhead and 100 MiB/s: 600 s of bytes, 720 s in all.
SIZE_720S = 60_000 * MIB
FS = f"arn:aws:elasticfilesystem:{REGION}:{SRC}:file-system/fs-0000000a"


@dataclass
class World:
    world: SandboxWorld
    clock: ManualClock
    serial: int = 0

    def add_rp(
        self, *, resource_arn: str = FS, resource_type: str = "EFS", age_days: float = 1.0
    ) -> StoredRecoveryPoint:
        self.serial += 1
        created = self.clock.now() - age_days * DAY
        rp = StoredRecoveryPoint(
            seq=self.world.next_seq(),
            arn=f"arn:aws:backup:{REGION}:{SRC}:recovery-point:{self.serial:08d}-0000-4000-a000-0",
            vault_name=SRC_VAULT,
            vault_arn=vault_arn(REGION, SRC, SRC_VAULT),
            resource_arn=resource_arn,
            resource_type=resource_type,
            resource_name="resource",
            creation_date=created,
            completion_date=created + 600,
            size=SIZE_720S,
            status="COMPLETED",
            encryption_key_arn=None,
            iam_role_arn=ROLE,
            delete_after_days=35,
        )
        self.world.add_recovery_point(SRC, REGION, rp)
        return rp

    def copy(self, rp: StoredRecoveryPoint) -> CopyJob:
        request = CopyRequest(rp.arn, rp.vault_name, DEST_ARN, ROLE)
        return self.world.start_copy_job(SRC, REGION, request)

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)
        self.world.tick()


@pytest.fixture
def make_world() -> Iterator[Callable[..., World]]:
    reset_moto()

    def build(**config: Any) -> World:
        config.setdefault("jitter", 0.0)
        clock = ManualClock()
        world = SandboxWorld(SandboxConfig(**config), clock=clock)
        create_role(SRC, "AWSBackupDefaultServiceRole", "/service-role/", "backup.amazonaws.com")
        create_vault(SRC, REGION, SRC_VAULT)
        create_vault(DST, REGION, DEST_VAULT)
        world.policies[(DST, REGION, DEST_VAULT)] = copy_into_vault_policy(DEST_ARN, SRC)
        return World(world, clock)

    yield build
    reset_moto()


# -- copy job IDs ------------------------------------------------------------------------------


def test_copy_job_ids_differ_between_sandboxes_with_one_seed_while_the_data_repeats() -> None:
    runs = []
    for _ in range(3):
        reset_moto()
        world = SandboxWorld(SandboxConfig(seed=5), clock=ManualClock())
        vault = seed(world, SeedSpec(recovery_points=30, vaults=1, edge_case_share=0.0)).vaults[0]
        points = world.recovery_points(SRC, REGION, vault)
        rp = points[0]
        request = CopyRequest(rp.arn, vault, vault_arn(REGION, DST, vault), ROLE)
        runs.append(([p.arn for p in points], world.start_copy_job(SRC, REGION, request)))
    reset_moto()
    assert runs[0][0] == runs[1][0] == runs[2][0]
    assert len({job.copy_job_id for _, job in runs}) == 3


# -- AWS's copy job retry ----------------------------------------------------------------------


def test_a_job_hit_by_a_system_error_waits_in_created_then_runs_its_whole_duration(
    make_world: Callable[..., World],
) -> None:
    env = make_world(faults=FaultConfig(system_error_rate=1.0, system_error_fail_share=0.0))
    t0 = env.clock.now()
    job = env.copy(env.add_rp())
    assert job.hold_until is not None and t0 < job.hold_until < t0 + RETRY_WINDOW_SECONDS
    held = job.hold_until - t0
    env.advance(held - 1)
    assert job.state == "CREATED"
    env.advance(1)
    assert (job.state, job.start_date) == ("RUNNING", job.hold_until)
    env.advance(720)
    assert (job.state, job.completion_date) == ("COMPLETED", t0 + held + 720)
    assert stats(env.world)["jobs_held_for_retry"] == 1


def test_a_job_whose_system_error_persists_fails_when_the_two_hours_are_up(
    make_world: Callable[..., World],
) -> None:
    env = make_world(faults=FaultConfig(system_error_rate=1.0, system_error_fail_share=1.0))
    t0 = env.clock.now()
    job = env.copy(env.add_rp())
    env.advance(RETRY_WINDOW_SECONDS - 1)
    assert job.state == "CREATED"
    env.advance(1)
    assert (job.state, job.completion_date) == ("FAILED", t0 + RETRY_WINDOW_SECONDS)
    assert job.status_message == messages.TRANSIENT_FAILURE
    assert env.world.recovery_points(DST, REGION, DEST_VAULT) == []


def test_a_held_job_takes_no_slot_from_the_jobs_behind_it(
    make_world: Callable[..., World],
) -> None:
    env = make_world(
        copy_quota=1, faults=FaultConfig(system_error_rate=1.0, system_error_fail_share=1.0)
    )
    held = env.copy(env.add_rp())
    env.world.faults = FaultInjector(FaultConfig(), seed=1)  # no system error for the next one
    other = env.copy(env.add_rp(resource_arn=FS + "b"))
    assert (held.state, other.state) == ("CREATED", "RUNNING")


def test_without_system_errors_no_job_is_held(make_world: Callable[..., World]) -> None:
    env = make_world()
    job = env.copy(env.add_rp())
    assert (job.hold_until, job.state) == (None, "RUNNING")


# -- incremental copies ------------------------------------------------------------------------


def test_a_later_copy_moves_the_changed_share_once_an_earlier_one_is_in_the_destination(
    make_world: Callable[..., World],
) -> None:
    env = make_world(changed_share=0.1)
    older, newer = env.add_rp(age_days=2), env.add_rp(age_days=1)
    first, second = env.copy(older), env.copy(newer)
    env.advance(720)
    assert first.state == "COMPLETED" and not first.incremental
    assert second.state == "RUNNING" and second.incremental
    assert second.duration == pytest.approx(120 + 0.1 * 600)
    assert stats(env.world)["incremental_copies"] == 1


def test_copying_newest_first_makes_every_copy_full(make_world: Callable[..., World]) -> None:
    env = make_world(changed_share=0.1)
    older, newer = env.add_rp(age_days=2), env.add_rp(age_days=1)
    first, second = env.copy(newer), env.copy(older)
    env.advance(720)
    assert (first.state, second.state) == ("COMPLETED", "RUNNING")
    assert not second.incremental and second.duration == pytest.approx(720)


@pytest.mark.parametrize(
    ("changed_share", "resource_type", "expected"), [(1.0, "EFS", 720.0), (0.1, "DynamoDB", 720.0)]
)
def test_a_full_share_or_a_type_without_incremental_backups_copies_in_full(
    make_world: Callable[..., World], changed_share: float, resource_type: str, expected: float
) -> None:
    env = make_world(changed_share=changed_share)
    table = f"arn:aws:dynamodb:{REGION}:{SRC}:table/orders"
    arn = FS if resource_type == "EFS" else table
    first = env.copy(env.add_rp(resource_arn=arn, resource_type=resource_type, age_days=2))
    second = env.copy(env.add_rp(resource_arn=arn, resource_type=resource_type, age_days=1))
    env.advance(720)
    assert first.state == "COMPLETED"
    assert not second.incremental and second.duration == pytest.approx(expected)


# -- settings and flags ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "build",
    [
        lambda: SandboxConfig(changed_share=1.5),
        lambda: SandboxConfig(changed_share=-0.1),
        lambda: FaultConfig(system_error_rate=2.0),
        lambda: FaultConfig(system_error_fail_share=-1.0),
    ],
)
def test_shares_outside_zero_to_one_are_refused(build: Callable[[], object]) -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        build()


def test_the_sandbox_flags_reach_the_settings() -> None:
    argv = ["sandbox", "--changed-share", "0.1", "--system-error-rate", "0.05"]
    argv += ["--system-error-fail-share", "0.5"]
    config, _ = config_of(sandbox_request(build_parser().parse_args(argv)))
    assert config.changed_share == 0.1
    assert (config.faults.system_error_rate, config.faults.system_error_fail_share) == (0.05, 0.5)
    default, _ = config_of(sandbox_request(build_parser().parse_args(["sandbox"])))
    assert (default.changed_share, default.faults.system_error_rate) == (1.0, 0.0)
