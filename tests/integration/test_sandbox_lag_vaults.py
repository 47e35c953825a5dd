"""Logically air-gapped vaults through a real boto3 client: made, listed, described, seeded, and
copied into, as the tool will meet them."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from shuffle_aws_vaults.sandbox import SeedSpec, messages

from . import (
    DEST,
    REGION,
    SOURCE,
    Accounts,
    accounts_of,
    backup_client,
    error_code,
    list_copy_jobs,
    list_recovery_points,
    vault_arn,
)

pytestmark = pytest.mark.integration

LAG = "LOGICALLY_AIR_GAPPED_BACKUP_VAULT"
UNCHECKED = Config(
    parameter_validation=False, retries={"mode": "standard", "total_max_attempts": 1}
)


def copy_policy(vault: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{SOURCE}:root"},
                    "Action": "backup:CopyIntoBackupVault",
                    "Resource": vault_arn(DEST, vault),
                }
            ],
        }
    )


@pytest.fixture
def make_accounts(make_sandbox: Callable[..., Any]) -> Callable[..., Accounts]:
    def build(serve: bool = True, **config: Any) -> Accounts:
        spec = SeedSpec(
            recovery_points=30,
            vaults=1,
            edge_case_share=0.0,
            lag_vaults=("air-gap:7:400", "keyed:7:400:cmk"),
        )
        return accounts_of(make_sandbox(serve=serve, spec=spec, **config))

    return build


def test_a_lag_vault_is_made_creating_then_available_locked_and_listed_by_its_type(
    make_accounts: Callable[..., Accounts],
) -> None:
    env = make_accounts()
    dest = env.dest
    made = dest.create_logically_air_gapped_backup_vault(
        BackupVaultName="made-here",
        MinRetentionDays=14,
        MaxRetentionDays=90,
        CreatorRequestId="request-1",
        BackupVaultTags={"purpose": "ransomware-recovery"},
    )
    assert (made["BackupVaultName"], made["VaultState"]) == ("made-here", "CREATING")
    assert made["BackupVaultArn"] == vault_arn(DEST, "made-here")
    described = dest.describe_backup_vault(BackupVaultName="made-here")
    assert (described["VaultType"], described["VaultState"]) == (LAG, "CREATING")
    env.clock.advance(60.0)
    described = dest.describe_backup_vault(BackupVaultName="made-here")
    assert described["VaultState"] == "AVAILABLE"
    assert (described["Locked"], described["MinRetentionDays"], described["MaxRetentionDays"]) == (
        True,
        14,
        90,
    )
    assert described["LockDate"] == described["CreationDate"] == made["CreationDate"]
    assert described["EncryptionKeyType"] == "AWS_OWNED_KMS_KEY"
    assert "EncryptionKeyArn" not in described
    assert described["CreatorRequestId"] == "request-1"
    assert dest.list_tags(ResourceArn=made["BackupVaultArn"])["Tags"] == {
        "purpose": "ransomware-recovery"
    }
    with pytest.raises(ClientError) as immutable:
        dest.put_backup_vault_lock_configuration(
            BackupVaultName="made-here", MinRetentionDays=1, MaxRetentionDays=10
        )
    assert error_code(immutable) == "InvalidRequestException"
    with pytest.raises(ClientError) as immutable:
        dest.delete_backup_vault_lock_configuration(BackupVaultName="made-here")
    assert error_code(immutable) == "InvalidRequestException"

    def names(**filters: Any) -> set[str]:
        pages = dest.get_paginator("list_backup_vaults").paginate(**filters)
        return {v["BackupVaultName"] for page in pages for v in page["BackupVaultList"]}

    lag_vaults = {"air-gap", "keyed", "made-here"}
    standard = {env.vault, "Default"}
    assert names() == standard | lag_vaults
    assert names(ByVaultType="LOGICALLY_AIR_GAPPED_BACKUP_VAULT") == lag_vaults
    assert names(ByVaultType="BACKUP_VAULT") == standard
    assert names(ByVaultType="RESTORE_ACCESS_BACKUP_VAULT") == set()
    assert names(ByShared=True) == set()  # no vault is shared with the account (no AWS RAM)
    assert names(ByShared=False) == standard | lag_vaults
    listed = {v["BackupVaultName"]: v for v in dest.list_backup_vaults()["BackupVaultList"]}
    assert listed["made-here"]["VaultType"] == LAG
    assert listed[env.vault]["VaultType"] == "BACKUP_VAULT"
    assert "EncryptionKeyType" not in listed[env.vault]


def test_the_seeded_lag_vaults_have_their_keys_and_policies(
    make_accounts: Callable[..., Accounts],
) -> None:
    env = make_accounts()
    assert env.box.seeded.lag_vaults == ["air-gap", "keyed"]
    assert env.box.env()["SHUFFLE_SANDBOX_LAG_VAULTS"] == "air-gap,keyed"
    standard_key = env.dest.describe_backup_vault(BackupVaultName=env.vault)["EncryptionKeyArn"]
    listed = {v["BackupVaultName"]: v for v in env.dest.list_backup_vaults()["BackupVaultList"]}
    assert (listed["keyed"]["EncryptionKeyArn"], listed["keyed"]["EncryptionKeyType"]) == (
        standard_key,
        "CUSTOMER_MANAGED_KMS_KEY",
    )
    assert "EncryptionKeyArn" not in listed["air-gap"]
    assert listed["air-gap"]["VaultState"] == "AVAILABLE"  # seeded: available from the start
    policy = env.dest.get_backup_vault_access_policy(BackupVaultName="air-gap")["Policy"]
    assert SOURCE in policy


@pytest.mark.parametrize(("vault", "keyed"), [("air-gap", False), ("keyed", True)])
def test_a_cross_account_copy_into_a_lag_vault_lands_with_its_type_and_a_backup_arn(
    make_accounts: Callable[..., Accounts], vault: str, keyed: bool
) -> None:
    env = make_accounts()
    ebs = next(rp for rp in env.points() if rp["ResourceType"] == "EBS")
    assert ebs["RecoveryPointArn"].startswith(f"arn:aws:ec2:{REGION}::snapshot/")
    job_id = env.copy(ebs, dest_vault=vault)
    job = env.job(job_id)
    assert (job["DestinationVaultType"], job["DestinationVaultLockState"]) == (LAG, "LOCKED")
    key = env.dest.describe_backup_vault(BackupVaultName=vault).get("EncryptionKeyArn")
    assert job.get("DestinationEncryptionKeyArn") == key
    assert (key is not None) is keyed
    env.finish()
    [listed] = [j for j in list_copy_jobs(env.source) if j["CopyJobId"] == job_id]
    assert listed["State"] == "COMPLETED"
    assert listed["DestinationVaultType"] == LAG
    [copy] = list_recovery_points(env.dest, vault)
    assert copy["RecoveryPointArn"] == listed["DestinationRecoveryPointArn"]
    assert copy["RecoveryPointArn"].startswith(f"arn:aws:backup:{REGION}:{DEST}:recovery-point:")
    assert (copy["VaultType"], copy["IsEncrypted"]) == (LAG, True)
    assert copy["EncryptionKeyType"] == (
        "CUSTOMER_MANAGED_KMS_KEY" if keyed else "AWS_OWNED_KMS_KEY"
    )
    assert copy.get("EncryptionKeyArn") == key
    described = env.dest.describe_recovery_point(
        BackupVaultName=vault, RecoveryPointArn=copy["RecoveryPointArn"]
    )
    assert (described["VaultType"], described["ResourceArn"]) == (LAG, ebs["ResourceArn"])
    standard = env.job(env.copy(ebs))  # into the standard vault of the same name
    assert (standard["DestinationVaultType"], standard["DestinationVaultLockState"]) == (
        "BACKUP_VAULT",
        "UNLOCKED",
    )


def test_a_copy_outside_the_lag_vaults_retention_range_fails_with_awss_message(
    make_accounts: Callable[..., Accounts],
) -> None:
    env = make_accounts()
    rp = env.points()[0]
    too_long = env.job(env.copy(rp, dest_vault="air-gap", Lifecycle={"DeleteAfterDays": 401}))
    assert (too_long["State"], too_long["StatusMessage"]) == ("FAILED", messages.VAULT_LOCK)
    within = env.copy(rp, dest_vault="air-gap", Lifecycle={"DeleteAfterDays": 400})
    env.finish()
    assert env.job(within)["State"] == "COMPLETED"


def test_a_vault_still_creating_refuses_copies_until_it_is_available(
    make_accounts: Callable[..., Accounts],
) -> None:
    env = make_accounts()
    env.dest.create_logically_air_gapped_backup_vault(
        BackupVaultName="fresh", MinRetentionDays=7, MaxRetentionDays=400
    )
    env.dest.put_backup_vault_access_policy(BackupVaultName="fresh", Policy=copy_policy("fresh"))
    rp = env.points()[0]
    with pytest.raises(ClientError) as creating:
        env.copy(rp, dest_vault="fresh")
    assert error_code(creating) == "InvalidRequestException"
    assert "VaultState is CREATING" in str(creating.value)
    env.clock.advance(60.0)
    assert env.job(env.copy(rp, dest_vault="fresh"))["State"] == "RUNNING"


def test_requests_aws_would_refuse_answer_its_errors(
    make_accounts: Callable[..., Accounts],
) -> None:
    env = make_accounts()
    for min_days, max_days in ((6, 30), (31, 30)):
        with pytest.raises(ClientError) as refused:
            env.dest.create_logically_air_gapped_backup_vault(
                BackupVaultName="bad", MinRetentionDays=min_days, MaxRetentionDays=max_days
            )
        assert error_code(refused) == "InvalidParameterValueException"
    with pytest.raises(ClientError) as taken:
        env.dest.create_logically_air_gapped_backup_vault(
            BackupVaultName=env.vault, MinRetentionDays=7, MaxRetentionDays=30
        )
    assert error_code(taken) == "AlreadyExistsException"
    unchecked = backup_client("sandbox-dest", UNCHECKED)
    with pytest.raises(ClientError) as missing:
        unchecked.create_logically_air_gapped_backup_vault(
            BackupVaultName="bad", MinRetentionDays=7
        )
    assert error_code(missing) == "MissingParameterValueException"
    assert "MaxRetentionDays" in str(missing.value)
    with pytest.raises(ClientError) as bad_type:
        env.dest.list_backup_vaults(ByVaultType="LOCAL_BACKUP_VAULT")
    assert error_code(bad_type) == "InvalidParameterValueException"
    # LAG vaults are seeded in the destination only.
    source_vaults = env.source.list_backup_vaults(ByVaultType=LAG)["BackupVaultList"]
    assert source_vaults == []
