"""Logically air-gapped vaults: their settings and seeds, their making, and copies into them, on
an in-process world with a manual clock (moto in memory, no HTTP)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from moto.backup.models import backup_backends

from shuffle_aws_vaults.cli.exit_status import UsageError
from shuffle_aws_vaults.cli.parser import build_parser
from shuffle_aws_vaults.cli.requests import sandbox as sandbox_request
from shuffle_aws_vaults.cli.sandbox_command import config_of
from shuffle_aws_vaults.sandbox import messages
from shuffle_aws_vaults.sandbox.access_policy import copy_into_vault_policy
from shuffle_aws_vaults.sandbox.arns import vault_arn
from shuffle_aws_vaults.sandbox.clock import ManualClock
from shuffle_aws_vaults.sandbox.config import LAG_COPY_LIMITS, SandboxConfig
from shuffle_aws_vaults.sandbox.copy_queue import CopyQueue
from shuffle_aws_vaults.sandbox.errors import SandboxError
from shuffle_aws_vaults.sandbox.lag_vaults import (
    EBS_SIZE_LIMIT,
    LagVault,
    LagVaultError,
    copy_refusal,
    create_vault,
    violates_vault_lock,
)
from shuffle_aws_vaults.sandbox.moto_bridge import (
    create_lag_vault,
    create_role,
    moto_vault,
    reset_moto,
)
from shuffle_aws_vaults.sandbox.moto_bridge import (
    create_vault as create_standard_vault,
)
from shuffle_aws_vaults.sandbox.records import DAY, LAG_VAULT, CopyJob, StoredRecoveryPoint
from shuffle_aws_vaults.sandbox.seed import SeedSpec
from shuffle_aws_vaults.sandbox.server import stats
from shuffle_aws_vaults.sandbox.world import CopyRequest, SandboxWorld

REGION, OTHER_REGION, SRC, DST = "us-east-1", "us-west-2", "111111111111", "222222222222"
SRC_VAULT, DEST_VAULT, LAG, LAG_CMK = "source-vault", "dest-vault", "lag-vault", "lag-cmk"
ROLE = f"arn:aws:iam::{SRC}:role/service-role/AWSBackupDefaultServiceRole"
CMK = f"arn:aws:kms:{REGION}:{SRC}:key/11111111-1111-4111-a111-111111111111"
AWS_MANAGED = f"arn:aws:kms:{REGION}:{SRC}:key/22222222-2222-4222-a222-222222222222"
DEST_KEY = f"arn:aws:kms:{REGION}:{DST}:key/33333333-3333-4333-a333-333333333333"
LAG_KEY = f"arn:aws:kms:{REGION}:{DST}:key/44444444-4444-4444-a444-444444444444"
# With jitter 0, the default 120 s overhead and 100 MiB/s, this size copies in exactly 720 s.
SIZE_720S = 60_000 * 1024**2


# -- seeds and settings -----------------------------------------------------------------------


def test_a_lag_vault_text_gives_its_name_days_and_key() -> None:
    assert LagVault.parse("air-gap:7:365") == LagVault("air-gap", 7, 365)
    assert LagVault.parse(" air_gap : 30 : 30 : cmk ") == LagVault(
        "air_gap", 30, 30, customer_managed_key=True
    )
    assert LagVault.parse("a1:7:36500:aws-owned").customer_managed_key is False


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("air-gap:6:365", "MinRetentionDays must be at least 7 days"),
        ("air-gap:40:30", r"MinRetentionDays \(40\) cannot be greater than MaxRetentionDays"),
        ("air-gap:7:36501", "MaxRetentionDays cannot exceed 36500 days"),
        ("air-gap:7", "give NAME:MIN:MAX"),
        ("air-gap:seven:30", "MIN and MAX are whole days"),
        ("air-gap:7:30:kms", "the key is aws-owned or cmk"),
        ("a:7:30", "2 to 50 letters"),
        ("air gap:7:30", "2 to 50 letters"),
    ],
)
def test_a_lag_vault_aws_would_not_make_is_refused_with_what_is_wrong(
    text: str, message: str
) -> None:
    with pytest.raises(LagVaultError, match=message):
        LagVault.parse(text)


def test_seed_spec_reads_lag_vault_texts_and_refuses_a_name_the_destination_already_has() -> None:
    spec = SeedSpec(vaults=1, lag_vaults=("air-gap:7:365:cmk", LagVault("other", 14, 30)))
    assert spec.lag_specs == (LagVault("air-gap", 7, 365, True), LagVault("other", 14, 30))
    assert SeedSpec(vaults=1).lag_vaults == ()
    with pytest.raises(LagVaultError, match="production-backups: the destination has another"):
        SeedSpec(vaults=1, lag_vaults=("production-backups:7:30",))
    with pytest.raises(LagVaultError, match="Default"):
        SeedSpec(vaults=1, lag_vaults=("Default:7:30",))
    with pytest.raises(LagVaultError, match="twin"):
        SeedSpec(vaults=1, lag_vaults=("twin:7:30", "twin:8:30"))
    # Without the standard destination vaults their names are free.
    assert SeedSpec(vaults=1, dest_vaults=False, lag_vaults=("production-backups:7:30",))


def test_lag_settings_default_to_aws_quotas_and_refuse_what_is_not_a_setting() -> None:
    config = SandboxConfig()
    assert config.lag_copy_limits == LAG_COPY_LIMITS
    assert LAG_COPY_LIMITS == {
        "EBS": 20,
        "Aurora": 20,
        "DocumentDB": 20,
        "Neptune": 20,
        "FSx": 5,
        "Storage Gateway": 5,
    }
    assert (config.lag_aws_managed_key, config.lag_vault_creation_seconds) == ("job", 60.0)
    assert SandboxConfig(lag_copy_limits={}).lag_copy_limits == {}
    assert isinstance(hash(config), int)
    with pytest.raises(ValueError, match=r"lag_copy_limits: .*at least 1"):
        SandboxConfig(lag_copy_limits={"EBS": 0})
    with pytest.raises(ValueError, match="lag_aws_managed_key must be"):
        SandboxConfig(lag_aws_managed_key="never")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="lag_vault_creation_seconds"):
        SandboxConfig(lag_vault_creation_seconds=-1.0)


def sandbox_args(*flags: str) -> Any:
    return build_parser().parse_args(["sandbox", *flags])


def test_the_sandbox_flags_seed_lag_vaults_and_set_their_switches() -> None:
    args = sandbox_args(
        "--dest-lag-vault",
        "air-gap:7:365",
        "--dest-lag-vault",
        "keyed:30:90:cmk",
        "--lag-copy-limit",
        "ebs=2,storage gateway=1",
        "--lag-aws-managed-key",
        "call",
        "--lag-creation-seconds",
        "0",
    )
    config, spec = config_of(sandbox_request(args))
    assert spec.lag_specs == (LagVault("air-gap", 7, 365), LagVault("keyed", 30, 90, True))
    assert config.lag_copy_limits == {"EBS": 2, "Storage Gateway": 1}
    assert (config.lag_aws_managed_key, config.lag_vault_creation_seconds) == ("call", 0.0)
    config, spec = config_of(sandbox_request(sandbox_args()))
    assert (spec.lag_vaults, config.lag_copy_limits) == ((), LAG_COPY_LIMITS)


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (("--dest-lag-vault", "air-gap:7"), "--dest-lag-vault: expected NAME:MIN:MAX"),
        (("--dest-lag-vault", "air-gap:3:30"), "--dest-lag-vault: LAG vault air-gap: Min"),
        (("--dest-lag-vault", "production-backups:7:30"), "--dest-lag-vault: LAG vault prod"),
        (("--lag-copy-limit", "EBS=0"), "--lag-copy-limit"),
        (("--lag-copy-limit", "EBS=2", "--lag-copy-limit", "EBS=3"), "--lag-copy-limit: EBS"),
        (("--lag-creation-seconds", "-1"), "--lag-creation-seconds"),
    ],
)
def test_a_bad_lag_flag_is_a_one_line_usage_error_naming_the_flag(
    flags: tuple[str, ...], message: str
) -> None:
    with pytest.raises(UsageError, match=message) as refused:
        config_of(sandbox_request(sandbox_args(*flags)))
    assert "\n" not in str(refused.value)


# -- the retention and type rules -------------------------------------------------------------


def locked(low: int | None, high: int | None, is_locked: bool = True) -> Any:
    return SimpleNamespace(locked=is_locked, min_retention_days=low, max_retention_days=high)


def point(delete_after: int | None = 35, **fields: Any) -> StoredRecoveryPoint:
    values: dict[str, Any] = {
        "seq": 1,
        "arn": f"arn:aws:ec2:{REGION}::snapshot/snap-0123456789abcdef0",
        "vault_name": SRC_VAULT,
        "vault_arn": vault_arn(REGION, SRC, SRC_VAULT),
        "resource_arn": f"arn:aws:ec2:{REGION}:{SRC}:volume/vol-0123456789abcdef0",
        "resource_type": "EBS",
        "resource_name": "vol",
        "creation_date": 1_700_000_000.0,
        "completion_date": 1_700_000_600.0,
        "size": 1,
        "status": "COMPLETED",
        "encryption_key_arn": CMK,
        "iam_role_arn": ROLE,
        "delete_after_days": delete_after,
        **fields,
    }
    return StoredRecoveryPoint(**values)


@pytest.mark.parametrize(
    ("vault", "lifecycle", "source_days", "violates"),
    [
        (locked(7, 30), None, 35, True),  # the source's retention, over the maximum
        (locked(7, 30), None, 30, False),
        (locked(7, 30), {"DeleteAfterDays": 20}, 35, False),  # counted from source creation
        (locked(7, 30), {"DeleteAfterDays": 5}, 35, True),
        (locked(7, 30), {}, 35, True),  # a lifecycle without DeleteAfterDays: for ever
        (locked(7, 30), None, None, True),  # a source kept for ever
        (locked(7, None), None, None, False),  # no maximum: for ever is fine
        (locked(40, 60, is_locked=False), None, 35, False),
        (locked(None, None), None, 1, False),
    ],
)
def test_a_copys_retention_must_fall_within_a_locked_vaults_bounds(
    vault: Any, lifecycle: dict[str, Any] | None, source_days: int | None, violates: bool
) -> None:
    assert violates_vault_lock(vault, lifecycle, point(source_days)) is violates


def test_aurora_documentdb_and_neptune_stay_in_their_region_and_ebs_stays_under_16_tb() -> None:
    for kind in ("Aurora", "DocumentDB", "Neptune"):
        refused = copy_refusal(point(resource_type=kind), REGION, OTHER_REGION)
        assert refused == (
            messages.CROSS_REGION_UNSUPPORTED.format(source=REGION, dest=OTHER_REGION, type=kind),
            messages.CATEGORY_INVALID,
        )
        assert copy_refusal(point(resource_type=kind), REGION, REGION) is None
    assert copy_refusal(point(resource_type="RDS"), REGION, OTHER_REGION) is None
    big = point(size=EBS_SIZE_LIMIT)
    assert copy_refusal(big, REGION, REGION) == (
        messages.LAG_EBS_TOO_LARGE,
        messages.CATEGORY_INVALID,
    )
    assert copy_refusal(point(size=EBS_SIZE_LIMIT - 1), REGION, REGION) is None


# -- the copy clock's LAG limits -------------------------------------------------------------


def queued(seq: int, resource_type: str, dest: str, lag: bool) -> CopyJob:
    return CopyJob(
        seq=seq,
        copy_job_id=f"JOB-{seq}",
        account_id=SRC,
        source_vault_arn=vault_arn(REGION, SRC, SRC_VAULT),
        source_recovery_point_arn=f"arn:aws:backup:{REGION}:{SRC}:recovery-point:{seq}",
        dest_vault_arn=vault_arn(REGION, DST, dest),
        resource_arn=f"resource-{seq}",
        resource_type=resource_type,
        resource_name=f"resource-{seq}",
        size=1,
        iam_role_arn=ROLE,
        creation_date=0.0,
        duration=100.0,
        dest_vault_type=LAG_VAULT if lag else "BACKUP_VAULT",
    )


def test_copies_into_one_lag_vault_wait_at_its_limit_and_other_vaults_are_not_held() -> None:
    def finish(job: CopyJob, at: float) -> None:
        job.state = "COMPLETED"

    queue = CopyQueue(100, finish, lag_limits={"EBS": 2, "FSx": 1})
    into_lag = [queued(n, "EBS", LAG, lag=True) for n in range(1, 4)]
    other_lag = queued(4, "EBS", "second-lag", lag=True)
    standard = [queued(n, "EBS", DEST_VAULT, lag=False) for n in range(5, 8)]
    unlimited = queued(8, "EFS", LAG, lag=True)
    for job in [*into_lag, other_lag, *standard, unlimited]:
        queue.admit(job, 0.0)
    assert [job.state for job in into_lag] == ["RUNNING", "RUNNING", "CREATED"]
    assert other_lag.state == unlimited.state == "RUNNING"
    assert {job.state for job in standard} == {"RUNNING"}
    assert queue.lag_load("EBS", vault_arn(REGION, DST, LAG)) == ("EBS", 3, 2)
    assert queue.lag_load("EBS", vault_arn(REGION, DST, DEST_VAULT)) == ("EBS", 0, 2)
    assert queue.lag_load("EFS", vault_arn(REGION, DST, LAG)) is None
    queue.advance(100.0)
    assert into_lag[2].state == "RUNNING"
    assert into_lag[2].start_date == 100.0
    assert queue.peak_running_by_lag[f"EBS {vault_arn(REGION, DST, LAG)}"] == 2
    assert queue.peak_running_by_type == {}


# -- a world with LAG vaults ------------------------------------------------------------------


@dataclass
class World:
    world: SandboxWorld
    clock: ManualClock
    serial: int = 0

    def add_rp(
        self, resource_type: str = "EBS", key: str = CMK, delete_after: int | None = 35
    ) -> StoredRecoveryPoint:
        self.serial += 1
        n = self.serial
        native = {  # the native ARNs of types AWS Backup does not fully manage
            "EBS": f"arn:aws:ec2:{REGION}::snapshot/snap-{n:017x}",
            "EC2": f"arn:aws:ec2:{REGION}::image/ami-{n:017x}",
            "RDS": f"arn:aws:rds:{REGION}:{SRC}:snapshot:awsbackup:job-{n:08d}",
            "Aurora": f"arn:aws:rds:{REGION}:{SRC}:cluster-snapshot:awsbackup:job-{n:08d}",
        }
        rp = point(
            delete_after,
            seq=self.world.next_seq(),
            arn=native.get(
                resource_type,
                f"arn:aws:backup:{REGION}:{SRC}:recovery-point:{n:08d}-0000-4000-a000-0",
            ),
            resource_arn=f"arn:aws:ec2:{REGION}:{SRC}:volume/vol-{n:017x}",
            resource_type=resource_type,
            creation_date=self.clock.now() - DAY,
            size=SIZE_720S,
            encryption_key_arn=key,
        )
        self.world.add_recovery_point(SRC, REGION, rp)
        return rp

    def copy(
        self,
        rp: StoredRecoveryPoint,
        vault: str = LAG,
        account: str = DST,
        lifecycle: dict[str, Any] | None = None,
        region: str = REGION,
    ) -> CopyJob:
        dest = vault_arn(region, account, vault)
        request = CopyRequest(rp.arn, rp.vault_name, dest, ROLE, None, lifecycle)
        return self.world.start_copy_job(SRC, REGION, request)

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)
        self.world.tick()

    def landed(self, vault: str = LAG, account: str = DST) -> list[StoredRecoveryPoint]:
        return self.world.recovery_points(account, REGION, vault)


@pytest.fixture
def make_world() -> Iterator[Callable[..., World]]:
    """A source vault; in the destination a standard vault, a LAG vault with an AWS-owned key
    (7 to 400 days) and one with a customer-managed key, their policies admitting the source."""
    reset_moto()

    def build(**config: Any) -> World:
        config.setdefault("jitter", 0.0)
        clock = ManualClock()
        world = SandboxWorld(SandboxConfig(**config), clock=clock)
        world.aws_managed_keys.add(AWS_MANAGED)
        create_role(SRC, "AWSBackupDefaultServiceRole", "/service-role/", "backup.amazonaws.com")
        create_standard_vault(SRC, REGION, SRC_VAULT, encryption_key_arn=CMK)
        for region in world.config.regions:
            create_standard_vault(DST, region, DEST_VAULT, encryption_key_arn=DEST_KEY)
            create_lag_vault(DST, region, LAG, min_retention_days=7, max_retention_days=400)
            create_lag_vault(
                DST,
                region,
                LAG_CMK,
                min_retention_days=7,
                max_retention_days=400,
                encryption_key_arn=LAG_KEY,
            )
            for name in (DEST_VAULT, LAG, LAG_CMK):
                arn = vault_arn(region, DST, name)
                world.policies[(DST, region, name)] = copy_into_vault_policy(arn, SRC)
        return World(world, clock)

    yield build
    reset_moto()


def test_an_ebs_copy_lands_in_an_aws_owned_key_lag_vault_with_a_backup_arn_and_its_type(
    make_world: Callable[..., World],
) -> None:
    env = make_world()
    job = env.copy(env.add_rp())
    wire = job.to_wire()
    assert (wire["DestinationVaultType"], wire["DestinationVaultLockState"]) == (
        LAG_VAULT,
        "LOCKED",
    )
    assert "DestinationEncryptionKeyArn" not in wire  # an AWS-owned key has no ARN of yours
    env.advance(720.0)
    [copy] = env.landed()
    assert job.state == "COMPLETED"
    assert copy.arn.startswith(f"arn:aws:backup:{REGION}:{DST}:recovery-point:")
    listed = copy.to_wire()
    assert listed["VaultType"] == LAG_VAULT
    assert listed["EncryptionKeyType"] == "AWS_OWNED_KMS_KEY"
    assert listed["IsEncrypted"] is True
    assert "EncryptionKeyArn" not in listed
    assert copy.to_describe_wire(env.clock.now())["VaultType"] == LAG_VAULT


def test_a_customer_managed_key_lag_vault_names_its_key_on_the_job_and_the_copy(
    make_world: Callable[..., World],
) -> None:
    env = make_world()
    job = env.copy(env.add_rp(resource_type="EC2"), vault=LAG_CMK)
    assert job.to_wire()["DestinationEncryptionKeyArn"] == LAG_KEY
    env.advance(720.0)
    [copy] = env.landed(LAG_CMK)
    assert copy.arn.startswith(f"arn:aws:backup:{REGION}:{DST}:recovery-point:")  # not an AMI
    listed = copy.to_wire()
    assert (listed["EncryptionKeyArn"], listed["EncryptionKeyType"]) == (
        LAG_KEY,
        "CUSTOMER_MANAGED_KMS_KEY",
    )


def test_a_standard_vault_is_named_on_the_job_as_such_locked_or_not(
    make_world: Callable[..., World],
) -> None:
    env = make_world()
    wire = env.copy(env.add_rp(), vault=DEST_VAULT).to_wire()
    assert (
        wire["DestinationVaultType"],
        wire["DestinationVaultLockState"],
        wire["DestinationEncryptionKeyArn"],
    ) == ("BACKUP_VAULT", "UNLOCKED", DEST_KEY)
    backup_backends[DST][REGION].put_backup_vault_lock_configuration(DEST_VAULT, 1, 100, None)
    assert env.copy(env.add_rp(), vault=DEST_VAULT).dest_lock_state == "LOCKED"
    env.advance(720.0)
    copy = env.landed(DEST_VAULT)[0].to_wire()
    assert copy["VaultType"] == "BACKUP_VAULT"
    assert "EncryptionKeyType" not in copy
    assert copy["EncryptionKeyArn"] == DEST_KEY


def test_a_copy_missing_its_vault_names_no_destination_type(
    make_world: Callable[..., World],
) -> None:
    env = make_world()
    wire = env.copy(env.add_rp(), vault="missing").to_wire()
    assert wire["State"] == "FAILED"
    for key in ("DestinationVaultType", "DestinationVaultLockState", "DestinationEncryptionKeyArn"):
        assert key not in wire


def test_a_copy_whose_retention_is_outside_the_lag_vaults_range_fails_as_aws_says(
    make_world: Callable[..., World],
) -> None:
    env = make_world()
    outside = [
        env.copy(env.add_rp(delete_after=500)),  # the source's retention, past 400
        env.copy(env.add_rp(delete_after=None)),  # the source kept for ever
        env.copy(env.add_rp(), lifecycle={"DeleteAfterDays": 5}),
        env.copy(env.add_rp(), lifecycle={}),  # a lifecycle that never deletes
    ]
    for job in outside:
        assert (job.state, job.status_message) == ("FAILED", messages.VAULT_LOCK)
        assert job.status_message == (
            "Copy job failed. The retention specified in the job is not within the range "
            "specified for the target Backup Vault."
        )
        assert job.completion_date == job.creation_date
    within = env.copy(env.add_rp(delete_after=500), lifecycle={"DeleteAfterDays": 400})
    env.advance(720.0)
    assert within.state == "COMPLETED"
    assert env.landed()[0].delete_after_days == 400


@pytest.mark.parametrize("account", [SRC, DST])
def test_an_aws_managed_key_on_a_type_not_fully_managed_fails_a_copy_into_a_lag_vault(
    make_world: Callable[..., World], account: str
) -> None:
    env = make_world()
    create_lag_vault(SRC, REGION, LAG, min_retention_days=7, max_retention_days=400)
    job = env.copy(env.add_rp(key=AWS_MANAGED), account=account)
    assert (job.state, job.status_message) == ("FAILED", messages.AWS_MANAGED_KEY_SNAPSHOT)
    assert job.message_category == messages.CATEGORY_ACCESS_DENIED
    # A fully managed type is re-encrypted with the vault's key: it copies.
    fully_managed = env.copy(env.add_rp(resource_type="EFS", key=AWS_MANAGED), account=account)
    # The same snapshot into the account's own standard vault copies too.
    create_standard_vault(SRC, REGION, DEST_VAULT, encryption_key_arn=CMK)
    standard = env.copy(env.add_rp(key=AWS_MANAGED), vault=DEST_VAULT, account=SRC)
    env.advance(720.0)
    assert (fully_managed.state, standard.state) == ("COMPLETED", "COMPLETED")


def test_with_the_call_switch_startcopyjob_refuses_the_aws_managed_key_and_starts_nothing(
    make_world: Callable[..., World],
) -> None:
    env = make_world(lag_aws_managed_key="call")
    create_lag_vault(SRC, REGION, LAG, min_retention_days=7, max_retention_days=400)
    rp = env.add_rp(resource_type="RDS", key=AWS_MANAGED)
    with pytest.raises(SandboxError) as refused:
        env.copy(rp, account=SRC)
    assert refused.value.error_type == "InvalidRequestException"
    assert refused.value.message == messages.AWS_MANAGED_KEY_RDS.format(key=AWS_MANAGED)
    assert env.world.copy_jobs() == []
    assert env.copy(env.add_rp(), account=SRC).state == "RUNNING"  # a shareable key is fine


def test_aurora_cannot_be_copied_into_a_lag_vault_of_another_region(
    make_world: Callable[..., World],
) -> None:
    env = make_world(regions=(REGION, OTHER_REGION))
    across = env.copy(env.add_rp(resource_type="Aurora"), region=OTHER_REGION)
    assert across.state == "FAILED"
    assert across.status_message == messages.CROSS_REGION_UNSUPPORTED.format(
        source=REGION, dest=OTHER_REGION, type="Aurora"
    )
    assert env.copy(env.add_rp(resource_type="Aurora"), vault=DEST_VAULT, region=OTHER_REGION)
    assert env.copy(env.add_rp(resource_type="Aurora")).state == "RUNNING"


def test_at_the_lag_limit_jobs_wait_in_created_or_the_call_is_refused_naming_the_vault(
    make_world: Callable[..., World],
) -> None:
    env = make_world(lag_copy_limits={"EBS": 2})
    jobs = [env.copy(env.add_rp()) for _ in range(3)]
    assert [job.state for job in jobs] == ["RUNNING", "RUNNING", "CREATED"]
    assert env.copy(env.add_rp(), vault=LAG_CMK).state == "RUNNING"  # its own limit
    assert env.copy(env.add_rp(), vault=DEST_VAULT).state == "RUNNING"
    env.advance(720.0)
    assert jobs[2].state == "RUNNING"
    assert jobs[2].start_date == jobs[0].completion_date
    assert stats(env.world)["peak_running_by_lag"] == {
        f"EBS {vault_arn(REGION, DST, LAG)}": 2,
        f"EBS {vault_arn(REGION, DST, LAG_CMK)}": 1,
    }

    reset_moto()
    env = make_world(lag_copy_limits={"EBS": 2}, at_quota="reject")
    env.copy(env.add_rp())
    env.copy(env.add_rp())
    with pytest.raises(SandboxError) as refused:
        env.copy(env.add_rp())
    assert refused.value.error_type == "LimitExceededException"
    assert refused.value.message == messages.LAG_LIMIT_EXCEEDED.format(
        group="EBS", active=2, vault=vault_arn(REGION, DST, LAG), limit=2
    )


# -- CreateLogicallyAirGappedBackupVault --------------------------------------------------------


def create(
    name: str = "new-lag", now: float = 1_000.0, creation_seconds: float = 60.0, **body: Any
) -> dict[str, Any]:
    request = {"MinRetentionDays": 7, "MaxRetentionDays": 365, **body}
    return create_vault(
        DST,
        REGION,
        name,
        request,
        now=now,
        creation_seconds=creation_seconds,
        aws_managed_keys={AWS_MANAGED},
    )


@pytest.fixture
def fresh_moto() -> Iterator[None]:
    reset_moto()
    yield
    reset_moto()


def test_a_new_lag_vault_is_creating_then_available_and_locked_from_its_creation(
    fresh_moto: None,
) -> None:
    answer = create(CreatorRequestId="req-1", BackupVaultTags={"team": "platform"})
    assert answer["VaultState"] == "CREATING"
    assert answer["BackupVaultArn"] == vault_arn(REGION, DST, "new-lag")
    vault = moto_vault(DST, REGION, "new-lag")
    assert vault is not None
    assert (vault.locked, vault.min_retention_days, vault.max_retention_days) == (True, 7, 365)
    assert vault.lock_date == vault.creation_date == answer["CreationDate"]
    assert backup_backends[DST][REGION].list_tags(answer["BackupVaultArn"]) == {"team": "platform"}
    # The same CreatorRequestId is a retry: the same vault, now available.
    assert create(now=1_060.0, CreatorRequestId="req-1") == {**answer, "VaultState": "AVAILABLE"}
    for again in ({}, {"CreatorRequestId": "req-2"}):
        with pytest.raises(SandboxError) as taken:
            create(**again)
        assert taken.value.error_type == "AlreadyExistsException"
    with pytest.raises(Exception, match="immutable"):  # compliance mode: moto refuses it
        backup_backends[DST][REGION].put_backup_vault_lock_configuration("new-lag", 1, 2, None)
    assert create("at-once", creation_seconds=0.0)["VaultState"] == "AVAILABLE"


def test_a_standard_vaults_name_is_taken_whatever_the_creator_request_id(
    fresh_moto: None,
) -> None:
    create_standard_vault(DST, REGION, "taken", encryption_key_arn=DEST_KEY)
    with pytest.raises(SandboxError) as taken:
        create("taken", CreatorRequestId="req-1")
    assert taken.value.error_type == "AlreadyExistsException"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"MinRetentionDays": 6}, "MinRetentionDays must be at least 7 days"),
        ({"MaxRetentionDays": 36501}, "MaxRetentionDays cannot exceed 36500 days"),
        ({"MinRetentionDays": 30, "MaxRetentionDays": 29}, "cannot be greater than"),
        ({"EncryptionKeyArn": f"arn:aws:kms:{REGION}:{DST}:alias/backup"}, "not arn:aws:kms"),
        ({"EncryptionKeyArn": AWS_MANAGED}, "is an AWS managed key"),
        ({"CreatorRequestId": "spaces are not allowed"}, "CreatorRequestId must contain"),
        ({"CreatorRequestId": "x" * 51}, "CreatorRequestId must contain"),
    ],
)
def test_a_lag_vault_aws_would_not_make_answers_invalid_parameter(
    fresh_moto: None, body: dict[str, Any], message: str
) -> None:
    with pytest.raises(SandboxError, match=message) as refused:
        create(**body)
    assert refused.value.error_type == "InvalidParameterValueException"
    assert moto_vault(DST, REGION, "new-lag") is None


def test_a_customer_managed_key_is_the_vaults_for_good(fresh_moto: None) -> None:
    create(EncryptionKeyArn=LAG_KEY)
    vault = moto_vault(DST, REGION, "new-lag")
    assert vault is not None
    assert vault.encryption_key_arn == LAG_KEY
