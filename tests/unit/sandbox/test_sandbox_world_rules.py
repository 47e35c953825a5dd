"""AWS Backup's copy rules on an in-process world with a manual clock: exact timing, no HTTP."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from moto.backup.models import backup_backends

from shuffle_aws_vaults.sandbox import messages
from shuffle_aws_vaults.sandbox.access_policy import copy_into_vault_policy
from shuffle_aws_vaults.sandbox.arns import vault_arn
from shuffle_aws_vaults.sandbox.clock import ManualClock
from shuffle_aws_vaults.sandbox.config import FaultConfig, SandboxConfig
from shuffle_aws_vaults.sandbox.errors import SandboxError
from shuffle_aws_vaults.sandbox.moto_bridge import create_role, create_vault, moto_vault, reset_moto
from shuffle_aws_vaults.sandbox.records import DAY, CopyJob, StoredRecoveryPoint
from shuffle_aws_vaults.sandbox.seed import SeedSpec, seed
from shuffle_aws_vaults.sandbox.server import stats
from shuffle_aws_vaults.sandbox.world import CopyRequest, SandboxWorld

REGION, SRC, DST = "us-east-1", "111111111111", "222222222222"
MIB = 1024**2
SRC_VAULT, DEST_VAULT = "source-vault", "dest-vault"
DEST_ARN = vault_arn(REGION, DST, DEST_VAULT)
ROLE = f"arn:aws:iam::{SRC}:role/service-role/AWSBackupDefaultServiceRole"
CMK = f"arn:aws:kms:{REGION}:{SRC}:key/11111111-1111-4111-a111-111111111111"
AWS_MANAGED = f"arn:aws:kms:{REGION}:{SRC}:key/22222222-2222-4222-a222-222222222222"
DEST_KEY = f"arn:aws:kms:{REGION}:{DST}:key/33333333-3333-4333-a333-333333333333"
# With jitter 0, the default 120 s overhead and 100 MiB/s, this size copies in exactly 720 s.
SIZE_720S = 60_000 * MIB


@dataclass
class World:
    world: SandboxWorld
    clock: ManualClock
    serial: int = 0

    def add_rp(
        self,
        *,
        resource_type: str = "EFS",
        resource_arn: str | None = None,
        arn: str | None = None,
        size: int = SIZE_720S,
        status: str = "COMPLETED",
        key: str = CMK,
        age_days: float = 1.0,
        delete_after: int | None = 35,
        cold_after: int | None = None,
    ) -> StoredRecoveryPoint:
        self.serial += 1
        n = self.serial
        created = self.clock.now() - age_days * DAY
        rp = StoredRecoveryPoint(
            seq=self.world.next_seq(),
            arn=arn or f"arn:aws:backup:{REGION}:{SRC}:recovery-point:{n:08d}-0000-4000-a000-0",
            vault_name=SRC_VAULT,
            vault_arn=vault_arn(REGION, SRC, SRC_VAULT),
            resource_arn=resource_arn
            or f"arn:aws:elasticfilesystem:{REGION}:{SRC}:file-system/fs-{n:08x}",
            resource_type=resource_type,
            resource_name=f"resource-{n}",
            creation_date=created,
            completion_date=created + 600,
            size=size,
            status=status,
            encryption_key_arn=key,
            iam_role_arn=ROLE,
            delete_after_days=delete_after,
            cold_after_days=cold_after,
        )
        self.world.add_recovery_point(SRC, REGION, rp)
        return rp

    def copy(
        self,
        rp: StoredRecoveryPoint,
        *,
        dest: str = DEST_ARN,
        token: str | None = None,
        lifecycle: dict[str, Any] | None = None,
        role: str = ROLE,
    ) -> CopyJob:
        request = CopyRequest(rp.arn, rp.vault_name, dest, role, token, lifecycle)
        return self.world.start_copy_job(SRC, REGION, request)

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)
        self.world.tick()

    def dest_points(self, vault: str = DEST_VAULT) -> list[StoredRecoveryPoint]:
        return self.world.recovery_points(DST, REGION, vault)


@pytest.fixture
def make_world() -> Iterator[Callable[..., World]]:
    """A world with a source vault and a destination vault whose policy admits the source."""
    reset_moto()

    def build(**config: Any) -> World:
        config.setdefault("jitter", 0.0)
        clock = ManualClock()
        world = SandboxWorld(SandboxConfig(**config), clock=clock)
        world.aws_managed_keys.add(AWS_MANAGED)
        create_role(SRC, "AWSBackupDefaultServiceRole", "/service-role/", "backup.amazonaws.com")
        create_vault(SRC, REGION, SRC_VAULT, encryption_key_arn=CMK)
        create_vault(DST, REGION, DEST_VAULT, encryption_key_arn=DEST_KEY)
        create_vault(DST, REGION, "Default", encryption_key_arn=DEST_KEY)
        world.policies[(DST, REGION, DEST_VAULT)] = copy_into_vault_policy(DEST_ARN, SRC)
        return World(world, clock)

    yield build
    reset_moto()


def vault_count(account: str, vault: str) -> int:
    """NumberOfRecoveryPoints as moto's vault (and so ListBackupVaults) reports it."""
    stored = moto_vault(account, REGION, vault)
    assert stored is not None
    return int(stored.num_of_recovery_points)


def error_type(excinfo: pytest.ExceptionInfo[SandboxError]) -> str:
    return str(excinfo.value.error_type)


# -- the copy clock ----------------------------------------------------------------------------


def test_a_copy_runs_for_overhead_plus_size_over_bandwidth_then_completes(
    make_world: Callable[..., World],
) -> None:
    env = make_world()
    rp = env.add_rp()
    t0 = env.clock.now()
    job = env.copy(rp)
    assert (job.state, job.creation_date, job.start_date) == ("RUNNING", t0, t0)
    env.advance(719.0)
    assert env.world.describe_copy_job(SRC, REGION, job.copy_job_id).state == "RUNNING"
    assert env.dest_points() == []
    env.advance(1.0)
    assert job.state == "COMPLETED"
    assert job.completion_date == t0 + 720.0
    assert job.message_category == messages.CATEGORY_SUCCESS


def test_bandwidth_and_overhead_settings_shape_the_duration(
    make_world: Callable[..., World],
) -> None:
    env = make_world(bandwidth_bytes_per_second=10 * MIB, job_overhead_seconds=30.0)
    job = env.copy(env.add_rp(size=600 * MIB))
    env.advance(90.0)
    assert job.state == "COMPLETED"
    assert job.completion_date is not None
    assert job.completion_date - job.creation_date == pytest.approx(90.0)


def test_the_copy_lands_with_a_new_arn_and_the_source_resource_date_size_and_retention(
    make_world: Callable[..., World],
) -> None:
    env = make_world()
    rp = env.add_rp(delete_after=90, age_days=3)
    job = env.copy(rp)
    env.advance(720.0)
    [copy] = env.dest_points()
    assert job.dest_recovery_point_arn == copy.arn != rp.arn
    assert copy.arn.startswith(f"arn:aws:backup:{REGION}:{DST}:recovery-point:")
    assert (copy.resource_arn, copy.resource_type, copy.creation_date, copy.size) == (
        rp.resource_arn,
        rp.resource_type,
        rp.creation_date,
        rp.size,
    )
    assert copy.source_vault_arn == rp.vault_arn
    assert copy.vault_arn == DEST_ARN
    assert copy.encryption_key_arn == DEST_KEY
    assert copy.delete_after_days == 90
    wire = copy.to_wire()
    assert wire["CalculatedLifecycle"]["DeleteAt"] == rp.creation_date + 90 * DAY
    assert vault_count(DST, DEST_VAULT) == 1


def test_a_lifecycle_in_the_request_sets_the_retention_of_the_copy(
    make_world: Callable[..., World],
) -> None:
    env = make_world()
    lifecycle = {"DeleteAfterDays": 400, "MoveToColdStorageAfterDays": 30}
    job = env.copy(env.add_rp(delete_after=35), lifecycle=lifecycle)
    env.advance(720.0)
    [copy] = env.dest_points()
    assert (copy.delete_after_days, copy.cold_after_days) == (400, 30)
    assert job.to_wire()["DestinationRecoveryPointLifecycle"] == lifecycle


def test_copies_of_native_snapshots_get_native_arns_in_the_destination(
    make_world: Callable[..., World],
) -> None:
    env = make_world()
    rds = env.add_rp(
        resource_type="RDS",
        resource_arn=f"arn:aws:rds:{REGION}:{SRC}:db:orders",
        arn=f"arn:aws:rds:{REGION}:{SRC}:snapshot:awsbackup:job-1",
    )
    env.copy(rds)
    env.advance(720.0)
    [copy] = env.dest_points()
    assert copy.arn.startswith(f"arn:aws:rds:{REGION}:{DST}:snapshot:awsbackup:copyjob-")


def test_jitter_spreads_durations_within_its_bounds_and_repeats_under_the_seed(
    make_world: Callable[..., World],
) -> None:
    def durations(seed: int) -> list[float]:
        reset_moto()
        env = make_world(jitter=0.2, seed=seed)
        return [env.copy(env.add_rp()).duration for _ in range(30)]

    first = durations(7)
    assert first == durations(7)
    assert first != durations(8)
    assert all(720.0 * 0.8 <= d <= 720.0 * 1.2 for d in first)
    assert max(first) - min(first) > 720.0 * 0.1


# -- quotas ------------------------------------------------------------------------------------


def test_at_quota_in_queue_mode_jobs_are_accepted_and_wait_in_created(
    make_world: Callable[..., World],
) -> None:
    env = make_world(copy_quota=3, at_quota="queue")
    jobs = [env.copy(env.add_rp()) for _ in range(7)]
    assert [j.state for j in jobs] == ["RUNNING"] * 3 + ["CREATED"] * 4
    for _ in range(30):
        env.advance(100.0)
        running = sum(j.state == "RUNNING" for j in jobs)
        assert running <= 3
    assert all(j.state == "COMPLETED" for j in jobs)
    assert env.world.books[(SRC, REGION)].queue.peak_running == 3
    # 7 jobs of 720 s through 3 slots: three waves.
    assert max(j.completion_date or 0 for j in jobs) == jobs[0].creation_date + 3 * 720.0


def test_at_quota_in_reject_mode_start_copy_job_answers_limit_exceeded_until_a_slot_frees(
    make_world: Callable[..., World],
) -> None:
    env = make_world(copy_quota=2, at_quota="reject")
    first, second = env.copy(env.add_rp()), env.copy(env.add_rp())
    extra = env.add_rp()
    with pytest.raises(SandboxError) as refused:
        env.copy(extra)
    assert error_type(refused) == "LimitExceededException"
    assert refused.value.code == 400
    assert len(env.world.copy_jobs()) == 2
    env.advance(720.0)
    assert (first.state, second.state) == ("COMPLETED", "COMPLETED")
    assert env.copy(extra).state == "RUNNING"


def test_in_reject_mode_jobs_waiting_for_their_resource_count_against_the_quota(
    make_world: Callable[..., World],
) -> None:
    env = make_world(copy_quota=2, at_quota="reject")
    resource = f"arn:aws:elasticfilesystem:{REGION}:{SRC}:file-system/fs-shared"
    env.copy(env.add_rp(resource_arn=resource))
    waiting = env.copy(env.add_rp(resource_arn=resource))
    assert waiting.state == "CREATED"
    with pytest.raises(SandboxError) as refused:
        env.copy(env.add_rp())
    assert error_type(refused) == "LimitExceededException"


def test_one_job_per_resource_runs_at_a_time_and_the_next_starts_when_it_ends(
    make_world: Callable[..., World],
) -> None:
    env = make_world(copy_quota=10)
    resource = f"arn:aws:elasticfilesystem:{REGION}:{SRC}:file-system/fs-shared"
    first = env.copy(env.add_rp(resource_arn=resource))
    second = env.copy(env.add_rp(resource_arn=resource))
    t0 = first.creation_date
    assert (first.state, second.state) == ("RUNNING", "CREATED")
    env.advance(719.0)
    assert second.state == "CREATED"
    env.advance(1.0)
    assert (first.state, second.state) == ("COMPLETED", "RUNNING")
    assert second.start_date == t0 + 720.0
    env.advance(720.0)
    assert second.state == "COMPLETED"


def test_quotas_are_per_source_account(make_world: Callable[..., World]) -> None:
    env = make_world(copy_quota=1, at_quota="reject")
    env.copy(env.add_rp())
    assert env.world.book(DST, REGION).queue.active == 0
    assert env.world.book(SRC, REGION).queue.active == 1


# -- idempotency -------------------------------------------------------------------------------


def test_the_same_token_and_parameters_return_the_same_job_without_a_second_one(
    make_world: Callable[..., World],
) -> None:
    env = make_world()
    rp = env.add_rp()
    first = env.copy(rp, token="tok-1")
    env.advance(60.0)
    again = env.copy(rp, token="tok-1")
    assert again is first
    assert len(env.world.copy_jobs()) == 1


def test_the_same_token_with_other_parameters_is_refused(
    make_world: Callable[..., World],
) -> None:
    env = make_world()
    rp, other = env.add_rp(), env.add_rp()
    env.copy(rp, token="tok-1")
    with pytest.raises(SandboxError) as refused:
        env.copy(other, token="tok-1")
    assert error_type(refused) == "InvalidParameterValueException"
    with pytest.raises(SandboxError):
        env.copy(rp, token="tok-1", lifecycle={"DeleteAfterDays": 100})
    assert len(env.world.copy_jobs()) == 1


def test_a_token_is_forgotten_after_the_idempotency_window(
    make_world: Callable[..., World],
) -> None:
    env = make_world(idempotency_window_seconds=3600.0)
    rp = env.add_rp()
    first = env.copy(rp, token="tok-1")
    env.advance(3600.0)
    assert env.copy(rp, token="tok-1") is first
    env.advance(1.0)
    second = env.copy(rp, token="tok-1")
    assert second is not first
    assert len(env.world.copy_jobs()) == 2


def test_the_same_token_after_the_job_failed_still_answers_with_that_job(
    make_world: Callable[..., World],
) -> None:
    env = make_world(faults=FaultConfig(job_failure_rate=1.0))
    rp = env.add_rp()
    first = env.copy(rp, token="tok-1")
    env.advance(720.0)
    assert first.state == "FAILED"
    assert env.copy(rp, token="tok-1") is first


def test_calls_without_a_token_always_start_a_new_job(make_world: Callable[..., World]) -> None:
    env = make_world()
    rp = env.add_rp()
    assert env.copy(rp) is not env.copy(rp)


# -- refusals on the call ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"status": "PARTIAL"}, "InvalidRequestException"),
        ({"status": "EXPIRED"}, "InvalidRequestException"),
        ({"status": "CREATING"}, "InvalidRequestException"),
        ({"status": "DELETING"}, "InvalidRequestException"),
        ({"cold_after": 7, "age_days": 8}, "InvalidRequestException"),
        (
            {"arn": f"arn:aws:backup:{REGION}:{SRC}:recovery-point:continuous:db-1-abcdef12"},
            "InvalidRequestException",
        ),
    ],
)
def test_recovery_points_that_cannot_be_copied_are_refused_on_the_call(
    make_world: Callable[..., World], kwargs: dict[str, Any], expected: str
) -> None:
    env = make_world()
    rp = env.add_rp(**kwargs)
    with pytest.raises(SandboxError) as refused:
        env.copy(rp)
    assert error_type(refused) == expected
    assert env.world.copy_jobs() == []


def test_an_available_recovery_point_can_be_copied(make_world: Callable[..., World]) -> None:
    env = make_world()
    job = env.copy(env.add_rp(status="AVAILABLE"))
    env.advance(720.0)
    assert job.state == "COMPLETED"


def test_a_recovery_point_becomes_cold_and_uncopyable_when_its_lifecycle_date_passes(
    make_world: Callable[..., World],
) -> None:
    env = make_world()
    rp = env.add_rp(cold_after=7, age_days=6)
    assert env.world.describe_recovery_point(SRC, REGION, SRC_VAULT, rp.arn)["StorageClass"] == (
        "WARM"
    )
    env.advance(DAY)
    described = env.world.describe_recovery_point(SRC, REGION, SRC_VAULT, rp.arn)
    assert described["StorageClass"] == "COLD"
    with pytest.raises(SandboxError) as refused:
        env.copy(rp)
    assert error_type(refused) == "InvalidRequestException"


@pytest.mark.parametrize(
    ("request_fields", "expected"),
    [
        ({"role": ""}, "MissingParameterValueException"),
        ({"dest": ""}, "MissingParameterValueException"),
        ({"dest": "arn:aws:backup:us-east-1:222222222222:vault:x"}, "InvalidParameterValue"),
    ],
)
def test_missing_or_malformed_parameters_are_refused(
    make_world: Callable[..., World], request_fields: dict[str, Any], expected: str
) -> None:
    env = make_world()
    with pytest.raises(SandboxError) as refused:
        env.copy(env.add_rp(), **request_fields)
    assert error_type(refused).startswith(expected)


def test_an_unknown_recovery_point_or_source_vault_is_not_found(
    make_world: Callable[..., World],
) -> None:
    env = make_world()
    rp = env.add_rp()
    for request in (
        CopyRequest(rp.arn + "x", SRC_VAULT, DEST_ARN, ROLE),
        CopyRequest(rp.arn, "no-such-vault", DEST_ARN, ROLE),
    ):
        with pytest.raises(SandboxError) as refused:
            env.world.start_copy_job(SRC, REGION, request)
        assert error_type(refused) == "ResourceNotFoundException"


def test_a_same_account_copy_to_a_missing_vault_is_not_found(
    make_world: Callable[..., World],
) -> None:
    env = make_world()
    with pytest.raises(SandboxError) as refused:
        env.copy(env.add_rp(), dest=vault_arn(REGION, SRC, "missing"))
    assert error_type(refused) == "ResourceNotFoundException"


def test_a_same_account_copy_needs_no_access_policy(make_world: Callable[..., World]) -> None:
    env = make_world()
    create_vault(SRC, REGION, "second-vault", encryption_key_arn=CMK)
    job = env.copy(
        env.add_rp(key=AWS_MANAGED, resource_type="EBS"),
        dest=vault_arn(REGION, SRC, "second-vault"),
    )
    env.advance(720.0)
    assert job.state == "COMPLETED"
    assert len(env.world.recovery_points(SRC, REGION, "second-vault")) == 1


@pytest.mark.parametrize("problem", ["missing vault", "no policy", "other account only", "deny"])
def test_in_call_mode_a_refused_destination_answers_access_denied(
    make_world: Callable[..., World], problem: str
) -> None:
    env = make_world(dest_refusal="call")
    dest = DEST_ARN
    key = (DST, REGION, DEST_VAULT)
    if problem == "missing vault":
        dest = vault_arn(REGION, DST, "missing")
    elif problem == "no policy":
        del env.world.policies[key]
    elif problem == "other account only":
        env.world.policies[key] = copy_into_vault_policy(DEST_ARN, "333333333333")
    else:
        allow = json.loads(copy_into_vault_policy(DEST_ARN, SRC))
        deny = dict(allow["Statement"][0], Effect="Deny", Sid="Deny")
        allow["Statement"].append(deny)
        env.world.policies[key] = json.dumps(allow)
    with pytest.raises(SandboxError) as refused:
        env.copy(env.add_rp(), dest=dest)
    assert error_type(refused) == "AccessDeniedException"
    assert refused.value.code == 403
    assert env.world.copy_jobs() == []


# -- refusals on the job -----------------------------------------------------------------------


def failed_at_once(env: World, job: CopyJob) -> str:
    assert job.state == "FAILED"
    assert job.completion_date == job.creation_date
    assert job.dest_recovery_point_arn is None
    assert env.dest_points() == []
    assert job.status_message is not None
    return job.status_message


@pytest.mark.parametrize("problem", ["missing vault", "no policy", "other account only"])
def test_in_job_mode_a_refused_destination_fails_the_job_with_access_denied(
    make_world: Callable[..., World], problem: str
) -> None:
    env = make_world(dest_refusal="job")
    dest = DEST_ARN
    if problem == "missing vault":
        dest = vault_arn(REGION, DST, "missing")
    elif problem == "no policy":
        del env.world.policies[(DST, REGION, DEST_VAULT)]
    else:
        env.world.policies[(DST, REGION, DEST_VAULT)] = copy_into_vault_policy(DEST_ARN, "3" * 12)
    job = env.copy(env.add_rp(), dest=dest)
    assert failed_at_once(env, job) == messages.ACCESS_DENIED_JOB
    assert job.message_category == messages.CATEGORY_ACCESS_DENIED


@pytest.mark.parametrize("dest_refusal", ["job", "call"])
def test_cross_account_backup_disabled_fails_the_job_with_the_organization_message(
    make_world: Callable[..., World], dest_refusal: str
) -> None:
    env = make_world(dest_refusal=dest_refusal)
    env.world.update_global_settings({"isCrossAccountBackupEnabled": "false"})
    text = failed_at_once(env, env.copy(env.add_rp()))
    assert text == messages.CROSS_ACCOUNT_DISABLED
    assert "organization" in text


def test_global_settings_accept_only_true_or_false(make_world: Callable[..., World]) -> None:
    env = make_world()
    with pytest.raises(SandboxError) as refused:
        env.world.update_global_settings({"isCrossAccountBackupEnabled": "yes"})
    assert error_type(refused) == "InvalidParameterValueException"


def test_the_default_vault_as_destination_fails_the_job(make_world: Callable[..., World]) -> None:
    env = make_world()
    default = vault_arn(REGION, DST, "Default")
    env.world.policies[(DST, REGION, "Default")] = copy_into_vault_policy(default, SRC)
    assert failed_at_once(env, env.copy(env.add_rp(), dest=default)) == messages.DEFAULT_VAULT


@pytest.mark.parametrize(
    ("resource_type", "rp_arn", "expected"),
    [
        ("EBS", f"arn:aws:ec2:{REGION}::snapshot/snap-0123456789abcdef0", "snapshot"),
        ("EC2", f"arn:aws:ec2:{REGION}::image/ami-0123456789abcdef0", "snapshot"),
        ("RDS", f"arn:aws:rds:{REGION}:{SRC}:snapshot:awsbackup:job-1", "rds"),
        ("Aurora", f"arn:aws:rds:{REGION}:{SRC}:cluster-snapshot:awsbackup:job-1", "rds"),
        ("FSx", f"arn:aws:fsx:{REGION}:{SRC}:backup/backup-0123456789abcdef0", "snapshot"),
    ],
)
def test_an_aws_managed_key_on_a_type_backup_does_not_fully_manage_fails_the_job(
    make_world: Callable[..., World], resource_type: str, rp_arn: str, expected: str
) -> None:
    env = make_world()
    rp = env.add_rp(resource_type=resource_type, arn=rp_arn, key=AWS_MANAGED)
    text = failed_at_once(env, env.copy(rp))
    if expected == "rds":
        assert text == messages.AWS_MANAGED_KEY_RDS.format(key=AWS_MANAGED)
    else:
        assert text == messages.AWS_MANAGED_KEY_SNAPSHOT


@pytest.mark.parametrize("resource_type", ["EFS", "S3"])
def test_an_aws_managed_key_on_a_fully_managed_type_does_not_block_the_copy(
    make_world: Callable[..., World], resource_type: str
) -> None:
    env = make_world()
    job = env.copy(env.add_rp(resource_type=resource_type, key=AWS_MANAGED))
    env.advance(720.0)
    assert job.state == "COMPLETED"


def test_a_customer_managed_key_on_a_snapshot_type_copies(
    make_world: Callable[..., World],
) -> None:
    env = make_world()
    rp = env.add_rp(resource_type="EBS", arn=f"arn:aws:ec2:{REGION}::snapshot/snap-0a")
    job = env.copy(rp)
    env.advance(720.0)
    assert job.state == "COMPLETED"


@pytest.mark.parametrize(
    ("resource_type", "resource_arn", "rp_arn"),
    [
        (
            "DynamoDB",
            f"arn:aws:dynamodb:{REGION}:{SRC}:table/orders",
            f"arn:aws:dynamodb:{REGION}:{SRC}:table/orders/backup/01600000000000-abcdef12",
        ),
        (
            "FSx",
            f"arn:aws:fsx:{REGION}:{SRC}:volume/fs-0123/fsvol-0123",
            f"arn:aws:fsx:{REGION}:{SRC}:backup/backup-0123",
        ),
        (
            "RDS",
            f"arn:aws:rds:{REGION}:{SRC}:cluster:multi-az",
            f"arn:aws:rds:{REGION}:{SRC}:snapshot:awsbackup:job-2",
        ),
    ],
)
def test_types_that_support_no_cross_account_copy_fail_the_job(
    make_world: Callable[..., World], resource_type: str, resource_arn: str, rp_arn: str
) -> None:
    env = make_world()
    rp = env.add_rp(resource_type=resource_type, resource_arn=resource_arn, arn=rp_arn)
    assert failed_at_once(env, env.copy(rp)) == messages.UNSUPPORTED_TYPE


@pytest.mark.parametrize(
    ("lock", "retention", "lifecycle", "state"),
    [
        ((100, None), 35, None, "FAILED"),
        ((None, 30), 35, None, "FAILED"),
        ((None, 30), None, None, "FAILED"),
        ((7, 365), 35, None, "COMPLETED"),
        ((100, None), 35, {"DeleteAfterDays": 120}, "COMPLETED"),
        ((7, 365), 35, {"DeleteAfterDays": 400}, "FAILED"),
    ],
)
def test_a_locked_destination_refuses_copies_whose_retention_is_outside_its_bounds(
    make_world: Callable[..., World],
    lock: tuple[int | None, int | None],
    retention: int | None,
    lifecycle: dict[str, Any] | None,
    state: str,
) -> None:
    env = make_world()
    create_vault(DST, REGION, "locked", min_retention_days=lock[0], max_retention_days=lock[1])
    locked = vault_arn(REGION, DST, "locked")
    env.world.policies[(DST, REGION, "locked")] = copy_into_vault_policy(locked, SRC)
    job = env.copy(env.add_rp(delete_after=retention), dest=locked, lifecycle=lifecycle)
    env.advance(720.0)
    assert job.state == state
    if state == "FAILED":
        assert job.status_message == messages.VAULT_LOCK
        assert job.completion_date == job.creation_date


def test_a_destination_vault_deleted_while_the_job_runs_fails_it_at_its_end(
    make_world: Callable[..., World],
) -> None:
    env = make_world()
    job = env.copy(env.add_rp())
    backup_backends[DST][REGION].delete_backup_vault(DEST_VAULT)
    env.advance(720.0)
    assert job.state == "FAILED"
    assert job.status_message == messages.DEST_VAULT_GONE.format(vault=DEST_VAULT)


def test_transient_job_failures_end_early_leave_no_copy_and_free_the_slot(
    make_world: Callable[..., World],
) -> None:
    env = make_world(copy_quota=1, faults=FaultConfig(job_failure_rate=1.0))
    first, second = env.copy(env.add_rp()), env.copy(env.add_rp())
    env.advance(180.0)  # a quarter of 720 s
    assert first.state == "FAILED"
    assert first.status_message == messages.TRANSIENT_FAILURE
    assert first.message_category == messages.CATEGORY_OTHER
    assert first.completion_date == first.creation_date + 180.0
    assert second.state == "RUNNING"
    assert second.start_date == first.completion_date
    assert env.dest_points() == []


def test_refusals_are_decided_before_transient_failures(make_world: Callable[..., World]) -> None:
    env = make_world(faults=FaultConfig(job_failure_rate=1.0))
    job = env.copy(env.add_rp(), dest=vault_arn(REGION, DST, "missing"))
    assert job.status_message == messages.ACCESS_DENIED_JOB


# -- recovery points and listings --------------------------------------------------------------


def test_deleting_a_recovery_point_removes_it_from_listings_and_counts(
    make_world: Callable[..., World],
) -> None:
    env = make_world()
    rps = [env.add_rp() for _ in range(3)]
    assert vault_count(SRC, SRC_VAULT) == 3
    env.world.delete_recovery_point(SRC, REGION, SRC_VAULT, rps[1].arn)
    assert vault_count(SRC, SRC_VAULT) == 2
    listed, _ = env.world.list_recovery_points(SRC, REGION, SRC_VAULT, {})
    assert [rp.arn for rp in listed] == [rps[0].arn, rps[2].arn]
    by_resource, _ = env.world.list_recovery_points(
        SRC, REGION, SRC_VAULT, {"resourceArn": rps[1].resource_arn}
    )
    assert by_resource == []
    with pytest.raises(SandboxError) as gone:
        env.world.describe_recovery_point(SRC, REGION, SRC_VAULT, rps[1].arn)
    assert error_type(gone) == "ResourceNotFoundException"


def test_date_filters_compare_at_the_millisecond_precision_the_wire_carries(
    make_world: Callable[..., World],
) -> None:
    env = make_world()
    rp = env.add_rp()
    rp.creation_date += 0.0004  # below a millisecond: AWS would not show it
    listed = rp.to_wire()["CreationDate"]
    assert listed == round(rp.creation_date, 3) != rp.creation_date

    def arns(**query: str) -> list[str]:
        return [p.arn for p in env.world.list_recovery_points(SRC, REGION, SRC_VAULT, query)[0]]

    assert arns(createdAfter=str(listed)) == arns(createdBefore=str(listed)) == []
    assert arns(createdAfter=str(listed - 0.001)) == [rp.arn]
    assert arns(createdBefore=str(listed + 0.001)) == [rp.arn]


def test_list_copy_jobs_filters_by_completion_time_and_message_category(
    make_world: Callable[..., World],
) -> None:
    env = make_world()
    early = env.copy(env.add_rp(size=0))  # 120 s
    late = env.copy(env.add_rp())  # 720 s
    refused = env.copy(env.add_rp(), dest=vault_arn(REGION, DST, "missing"))
    t0 = early.creation_date
    env.advance(1000.0)

    def ids(**query: str) -> set[str]:
        jobs, _ = env.world.list_copy_jobs(SRC, REGION, query)
        return {job.copy_job_id for job in jobs}

    assert ids(completeAfter=str(t0 + 300)) == {late.copy_job_id}
    assert ids(completeBefore=str(t0 + 300)) == {early.copy_job_id, refused.copy_job_id}
    assert ids(messageCategory=messages.CATEGORY_ACCESS_DENIED) == {refused.copy_job_id}
    assert ids(messageCategory=messages.CATEGORY_SUCCESS) == {early.copy_job_id, late.copy_job_id}
    assert ids(parentJobId="anything") == set()


def test_stats_report_jobs_by_state_peak_concurrency_and_vault_contents(
    make_world: Callable[..., World],
) -> None:
    env = make_world(copy_quota=2)
    for _ in range(3):
        env.copy(env.add_rp())
    env.world.count_call(SRC, "StartCopyJob")
    report = stats(env.world)
    assert report["jobs_by_state"] == {"RUNNING": 2, "CREATED": 1}
    assert report["calls"] == {"StartCopyJob": 1}
    env.advance(720.0 * 2)
    report = stats(env.world)
    assert report["jobs_by_state"] == {"COMPLETED": 3}
    assert report["peak_running"] == 2
    assert report["now"] == env.clock.now()
    assert report["recovery_points"][f"{DST}/{REGION}/{DEST_VAULT}"] == 3
    assert report["recovery_points"][f"{SRC}/{REGION}/{SRC_VAULT}"] == 3


def test_copies_never_reuse_the_arn_or_id_of_anything_seeded() -> None:
    """EC2 snapshot and image ARNs carry no account: a copy must not draw a seeded one."""
    reset_moto()
    try:
        clock = ManualClock()
        world = SandboxWorld(SandboxConfig(seed=3, copy_quota=10_000), clock=clock)
        seeded = seed(world, SeedSpec(recovery_points=2000, vaults=1, edge_case_share=0.0))
        vault = seeded.vaults[0]
        sources = world.recovery_points(SRC, REGION, vault)
        dest = vault_arn(REGION, DST, vault)
        jobs = [
            world.start_copy_job(SRC, REGION, CopyRequest(rp.arn, vault, dest, ROLE))
            for rp in sources
        ]
        clock.advance(365 * DAY)
        copies = world.recovery_points(DST, REGION, vault)
        assert len(copies) == len(sources)
        seeded_text = " ".join(f"{rp.arn} {rp.encryption_key_arn}".lower() for rp in sources)
        assert {rp.arn for rp in copies}.isdisjoint({rp.arn for rp in sources})
        assert [job.copy_job_id for job in jobs if job.copy_job_id.lower() in seeded_text] == []
    finally:
        reset_moto()
