"""The sandbox answers only what AWS's API can answer (issue 15, item 8).

Every raw answer of the served sandbox, success or error, is checked against botocore's model
of the operation (tests/integration/conformance.py) while the tests drive every operation the
tool and the sandbox use, their error paths included. A sandbox that drifts from the API fails
here, in `make test`, before a tool built on it meets AWS.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from shuffle_aws_vaults.sandbox import SeedSpec

from . import DEST, ROLE, SOURCE, Accounts, accounts_of, backup_client, session, vault_arn
from .conformance import ConformanceRecorder

UNCHECKED = Config(
    parameter_validation=False, retries={"mode": "standard", "total_max_attempts": 1}
)


@pytest.fixture
def make_recorded(
    make_sandbox: Callable[..., Any],
) -> Callable[..., tuple[Accounts, ConformanceRecorder]]:
    def build(spec: SeedSpec | None = None, **config: Any) -> tuple[Accounts, ConformanceRecorder]:
        spec = spec or SeedSpec(recovery_points=80, vaults=2, edge_case_share=0.25)
        env = accounts_of(make_sandbox(spec=spec, **config))
        recorder = ConformanceRecorder()
        recorder.attach(env.source)
        recorder.attach(env.dest)
        return env, recorder

    return build


def attempt(call: Callable[[], Any]) -> Any:
    """The answer, or None when AWS (the sandbox) refused: the recorder checks both."""
    try:
        return call()
    except ClientError:
        return None


def assert_conforms(recorder: ConformanceRecorder, expected: set[tuple[str, str]]) -> None:
    assert recorder.problems == []
    missing = expected - set(recorder.answers)
    assert not missing, f"not driven: {sorted(missing)}"


def test_vaults_policies_and_settings_answer_as_modelled(
    make_recorded: Callable[..., tuple[Accounts, ConformanceRecorder]],
) -> None:
    env, recorder = make_recorded()
    source, dest = env.source, env.dest
    for client in (source, dest):
        pages = client.get_paginator("list_backup_vaults").paginate(
            ByVaultType="BACKUP_VAULT", PaginationConfig={"PageSize": 1}
        )
        assert sum(len(page["BackupVaultList"]) for page in pages) >= 2
    source.describe_backup_vault(BackupVaultName=env.vault)
    attempt(lambda: source.describe_backup_vault(BackupVaultName="no-such-vault"))
    attempt(lambda: source.list_backup_vaults(MaxResults=5000))
    dest.create_backup_vault(BackupVaultName="conformance-vault")
    attempt(lambda: dest.create_backup_vault(BackupVaultName="conformance-vault"))
    dest.put_backup_vault_lock_configuration(
        BackupVaultName="conformance-vault", MinRetentionDays=1, MaxRetentionDays=3650
    )
    dest.describe_backup_vault(BackupVaultName="conformance-vault")
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{SOURCE}:root"},
                "Action": "backup:CopyIntoBackupVault",
                "Resource": "*",
            }
        ],
    }
    dest.put_backup_vault_access_policy(
        BackupVaultName="conformance-vault", Policy=json.dumps(policy)
    )
    dest.get_backup_vault_access_policy(BackupVaultName="conformance-vault")
    dest.delete_backup_vault_access_policy(BackupVaultName="conformance-vault")
    attempt(lambda: dest.get_backup_vault_access_policy(BackupVaultName="conformance-vault"))
    attempt(
        lambda: dest.put_backup_vault_access_policy(
            BackupVaultName="conformance-vault", Policy="{not json"
        )
    )
    source.describe_global_settings()
    management = recorder.attach(backup_client("sandbox-management"))
    management.update_global_settings(GlobalSettings={"isCrossAccountBackupEnabled": "true"})
    attempt(
        lambda: management.update_global_settings(
            GlobalSettings={"isCrossAccountBackupEnabled": "x"}
        )
    )
    attempt(  # a member account: only the management account may
        lambda: source.update_global_settings(
            GlobalSettings={"isCrossAccountBackupEnabled": "true"}
        )
    )
    source.describe_region_settings()
    dest.describe_region_settings()
    assert_conforms(
        recorder,
        {
            ("ListBackupVaults", "OK"),
            ("ListBackupVaults", "InvalidParameterValueException"),
            ("DescribeBackupVault", "OK"),
            ("DescribeBackupVault", "ResourceNotFoundException"),
            ("CreateBackupVault", "OK"),
            ("CreateBackupVault", "AlreadyExistsException"),
            ("PutBackupVaultLockConfiguration", "OK"),
            ("PutBackupVaultAccessPolicy", "OK"),
            ("PutBackupVaultAccessPolicy", "InvalidParameterValueException"),
            ("GetBackupVaultAccessPolicy", "OK"),
            ("GetBackupVaultAccessPolicy", "ResourceNotFoundException"),
            ("DeleteBackupVaultAccessPolicy", "OK"),
            ("DescribeGlobalSettings", "OK"),
            ("UpdateGlobalSettings", "OK"),
            ("UpdateGlobalSettings", "InvalidParameterValueException"),
            ("UpdateGlobalSettings", "InvalidRequestException"),
            ("DescribeRegionSettings", "OK"),
        },
    )


def test_recovery_points_and_copy_jobs_answer_as_modelled(
    make_recorded: Callable[..., tuple[Accounts, ConformanceRecorder]],
) -> None:
    env, recorder = make_recorded()
    source = env.source
    points = env.points(PaginationConfig={"PageSize": 25})
    first = points[0]
    env.points(ByResourceArn=first["ResourceArn"], ByResourceType=first["ResourceType"])
    env.points(ByCreatedAfter=first["CreationDate"], BackupVaultAccountId=SOURCE)
    attempt(lambda: env.points(ByResourceType="Floppy"))
    attempt(lambda: env.points(BackupVaultAccountId=DEST))
    attempt(lambda: env.points(vault="no-such-vault"))
    for rp in points:
        source.describe_recovery_point(
            BackupVaultName=rp["BackupVaultName"], RecoveryPointArn=rp["RecoveryPointArn"]
        )
    attempt(
        lambda: source.describe_recovery_point(
            BackupVaultName=env.vault, RecoveryPointArn="arn:aws:backup:us-east-1:1:x"
        )
    )
    jobs = [job for job in (attempt(lambda rp=rp: env.copy(rp)) for rp in points) if job]
    assert jobs
    env.copy(points[0], IdempotencyToken="conformance-1")
    attempt(lambda: env.copy(points[1], IdempotencyToken="conformance-1"))
    attempt(lambda: env.copy(points[0], dest_vault="no such vault"))
    unchecked = ConformanceRecorder.attach(recorder, backup_client("sandbox-source", UNCHECKED))
    attempt(
        lambda: unchecked.start_copy_job(
            RecoveryPointArn=first["RecoveryPointArn"],
            SourceBackupVaultName=env.vault,
            DestinationBackupVaultArn=vault_arn(DEST, env.vault),
        )
    )
    env.job(jobs[0])
    env.clock.advance(600.0)
    env.job(jobs[0])
    env.finish()
    for job in jobs:
        env.job(job)
    attempt(lambda: source.describe_copy_job(CopyJobId="no-such-job"))
    pages = source.get_paginator("list_copy_jobs").paginate(PaginationConfig={"PageSize": 7})
    assert sum(len(page["CopyJobs"]) for page in pages) == len(env.box.world.copy_jobs())
    source.list_copy_jobs(ByState="FAILED", ByAccountId=SOURCE, ByResourceType="EBS")
    source.list_copy_jobs(ByDestinationVaultArn=vault_arn(DEST, env.vault))
    attempt(lambda: source.list_copy_jobs(ByState="ABORTED"))
    landed = env.dest.list_recovery_points_by_backup_vault(BackupVaultName=env.vault)
    copy = landed["RecoveryPoints"][0]
    env.dest.describe_recovery_point(
        BackupVaultName=env.vault, RecoveryPointArn=copy["RecoveryPointArn"]
    )
    env.dest.delete_recovery_point(
        BackupVaultName=env.vault, RecoveryPointArn=copy["RecoveryPointArn"]
    )
    assert_conforms(
        recorder,
        {
            ("ListRecoveryPointsByBackupVault", "OK"),
            ("ListRecoveryPointsByBackupVault", "InvalidParameterValueException"),
            ("ListRecoveryPointsByBackupVault", "AccessDeniedException"),
            ("ListRecoveryPointsByBackupVault", "ResourceNotFoundException"),
            ("DescribeRecoveryPoint", "OK"),
            ("DescribeRecoveryPoint", "ResourceNotFoundException"),
            ("StartCopyJob", "OK"),
            ("StartCopyJob", "InvalidRequestException"),
            ("StartCopyJob", "InvalidParameterValueException"),
            ("StartCopyJob", "MissingParameterValueException"),
            ("DescribeCopyJob", "OK"),
            ("DescribeCopyJob", "ResourceNotFoundException"),
            ("ListCopyJobs", "OK"),
            ("ListCopyJobs", "InvalidParameterValueException"),
            ("DeleteRecoveryPoint", "OK"),
        },
    )


def test_injected_faults_and_refusals_are_errors_aws_can_answer(
    make_recorded: Callable[..., tuple[Accounts, ConformanceRecorder]],
) -> None:
    from shuffle_aws_vaults.sandbox import FaultConfig

    faults = FaultConfig(throttle_rate=0.3, unavailable_rate=0.3, credential_ttl_seconds=3600.0)
    spec = SeedSpec(recovery_points=20, vaults=1, edge_case_share=0.0, dest_policy=False)
    env, recorder = make_recorded(
        spec, faults=faults, at_quota="reject", copy_quota=1, dest_refusal="call"
    )
    for _ in range(30):
        attempt(lambda: env.source.list_backup_vaults())
    for rp in env.box.world.recovery_points(SOURCE, "us-east-1", env.vault)[:10]:
        attempt(
            lambda rp=rp: env.source.start_copy_job(
                RecoveryPointArn=rp.arn,
                SourceBackupVaultName=env.vault,
                DestinationBackupVaultArn=vault_arn(DEST, env.vault),
                IamRoleArn=ROLE,
            )
        )
        attempt(
            lambda rp=rp: env.source.start_copy_job(
                RecoveryPointArn=rp.arn,
                SourceBackupVaultName=env.vault,
                DestinationBackupVaultArn=vault_arn(SOURCE, env.vault),
                IamRoleArn=ROLE,
            )
        )
    env.clock.advance(7200.0)
    attempt(lambda: env.source.list_copy_jobs())
    assert_conforms(
        recorder,
        {
            ("ListBackupVaults", "ThrottlingException"),
            ("ListBackupVaults", "ServiceUnavailableException"),
            ("StartCopyJob", "AccessDeniedException"),
            ("StartCopyJob", "LimitExceededException"),
            ("ListCopyJobs", "ExpiredTokenException"),
        },
    )


def test_kms_describe_key_answers_as_modelled(
    make_recorded: Callable[..., tuple[Accounts, ConformanceRecorder]],
) -> None:
    env, recorder = make_recorded(SeedSpec(recovery_points=5, vaults=1))
    kms = recorder.attach(session("sandbox-dest").client("kms"))
    vault = env.dest.describe_backup_vault(BackupVaultName=env.vault)
    kms.describe_key(KeyId=vault["EncryptionKeyArn"])
    attempt(lambda: kms.describe_key(KeyId="arn:aws:kms:us-east-1:222222222222:key/nope"))
    # moto's own KMS, not the sandbox's code, and nothing the tool reads (it reads KeyManager):
    # left as they are, and named here so that any other drift still fails.
    moto_kms = (
        "DescribeKey: KeyMetadata.CreationDate ",  # microseconds; AWS answers milliseconds
        "DescribeKey: KeyMetadata.SigningAlgorithms is null",  # AWS leaves it out
    )
    recorder.problems = [p for p in recorder.problems if not p.startswith(moto_kms)]
    assert_conforms(recorder, {("DescribeKey", "OK"), ("DescribeKey", "NotFoundException")})


def test_logically_air_gapped_vaults_and_copies_into_them_answer_as_modelled(
    make_recorded: Callable[..., tuple[Accounts, ConformanceRecorder]],
) -> None:
    spec = SeedSpec(
        recovery_points=40,
        vaults=1,
        edge_case_share=0.0,
        lag_vaults=("air-gap:7:400", "keyed:7:400:cmk"),
    )
    env, recorder = make_recorded(spec)
    dest = env.dest
    dest.create_logically_air_gapped_backup_vault(
        BackupVaultName="conformance-lag",
        MinRetentionDays=7,
        MaxRetentionDays=30,
        CreatorRequestId="conformance-1",
        BackupVaultTags={"k": "v"},
    )
    attempt(
        lambda: dest.create_logically_air_gapped_backup_vault(
            BackupVaultName="conformance-lag", MinRetentionDays=7, MaxRetentionDays=30
        )
    )
    attempt(
        lambda: dest.create_logically_air_gapped_backup_vault(
            BackupVaultName="too-short", MinRetentionDays=1, MaxRetentionDays=30
        )
    )
    unchecked = recorder.attach(backup_client("sandbox-dest", UNCHECKED))
    attempt(
        lambda: unchecked.create_logically_air_gapped_backup_vault(
            BackupVaultName="no-max", MinRetentionDays=7
        )
    )
    for filters in ({}, {"ByVaultType": "LOGICALLY_AIR_GAPPED_BACKUP_VAULT"}, {"ByShared": True}):
        dest.list_backup_vaults(**filters)
    for name in ("conformance-lag", "air-gap", "keyed"):
        dest.describe_backup_vault(BackupVaultName=name)
    points = env.points()
    ebs = [rp for rp in points if rp["ResourceType"] == "EBS"][:2]
    assert ebs
    dest.put_backup_vault_access_policy(
        BackupVaultName="conformance-lag",
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{SOURCE}:root"},
                        "Action": "backup:CopyIntoBackupVault",
                        "Resource": "*",
                    }
                ],
            }
        ),
    )
    attempt(lambda: env.copy(points[0], dest_vault="conformance-lag"))  # still CREATING
    jobs = [env.copy(rp, dest_vault=vault) for rp in ebs for vault in ("air-gap", "keyed")]
    jobs.append(env.copy(points[0], dest_vault="air-gap", Lifecycle={"DeleteAfterDays": 500}))
    env.finish()
    described = [env.job(job) for job in jobs]
    # The answers checked carry the LAG fields: the check is not of answers without them.
    assert {job["DestinationVaultType"] for job in described} == {
        "LOGICALLY_AIR_GAPPED_BACKUP_VAULT"
    }
    assert any("DestinationEncryptionKeyArn" in job for job in described)
    env.source.list_copy_jobs()
    for vault in ("air-gap", "keyed"):
        landed = dest.list_recovery_points_by_backup_vault(BackupVaultName=vault)
        assert {rp["EncryptionKeyType"] for rp in landed["RecoveryPoints"]} == {
            "AWS_OWNED_KMS_KEY" if vault == "air-gap" else "CUSTOMER_MANAGED_KMS_KEY"
        }
        for rp in landed["RecoveryPoints"]:
            dest.describe_recovery_point(
                BackupVaultName=vault, RecoveryPointArn=rp["RecoveryPointArn"]
            )
    assert_conforms(
        recorder,
        {
            ("CreateLogicallyAirGappedBackupVault", "OK"),
            ("CreateLogicallyAirGappedBackupVault", "AlreadyExistsException"),
            ("CreateLogicallyAirGappedBackupVault", "InvalidParameterValueException"),
            ("CreateLogicallyAirGappedBackupVault", "MissingParameterValueException"),
            ("ListBackupVaults", "OK"),
            ("DescribeBackupVault", "OK"),
            ("StartCopyJob", "OK"),
            ("StartCopyJob", "InvalidRequestException"),
            ("DescribeCopyJob", "OK"),
            ("ListCopyJobs", "OK"),
            ("ListRecoveryPointsByBackupVault", "OK"),
            ("DescribeRecoveryPoint", "OK"),
        },
    )
