"""Destinations AWS Backup will not copy into, seen through boto3, in both refusal modes.

Missing vaults, access policies that do not admit the source account, cross-account backup
turned off, the Default vault, and Vault Lock retention bounds. Each test changes policies or
settings, so each has its own small sandbox (in-process; one test checks the wire).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from shuffle_aws_vaults.sandbox import SeedSpec, messages

from . import (
    DEST,
    NO_RETRIES,
    ROLE,
    SOURCE,
    Accounts,
    accounts_of,
    assert_failed_at_once,
    backup_client,
    error_code,
    http_status,
    vault_arn,
)

pytestmark = pytest.mark.integration

OTHER = "333333333333"


def copy_policy(vault: str, account: str, effect: str = "Allow") -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": effect,
                    "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                    "Action": "backup:CopyIntoBackupVault",
                    "Resource": vault_arn(DEST, vault),
                }
            ],
        }
    )


@pytest.fixture
def make_accounts(make_sandbox: Callable[..., Any]) -> Callable[..., Accounts]:
    def build(serve: bool = False, dest_refusal: str = "job", **spec: Any) -> Accounts:
        seeded = SeedSpec(recovery_points=20, vaults=1, edge_case_share=0.0, **spec)
        return accounts_of(make_sandbox(serve=serve, spec=seeded, dest_refusal=dest_refusal))

    return build


@pytest.mark.parametrize("dest_refusal", ["job", "call"])
def test_a_missing_destination_vault_is_refused_in_both_modes(
    make_accounts: Callable[..., Accounts], dest_refusal: str
) -> None:
    env = make_accounts(dest_vaults=False, dest_refusal=dest_refusal)
    rp = env.points()[0]
    with pytest.raises(ClientError) as missing:
        env.dest.describe_backup_vault(BackupVaultName=env.vault)
    assert error_code(missing) == "ResourceNotFoundException"
    if dest_refusal == "job":
        job = env.job(env.copy(rp))
        assert_failed_at_once(job, "Access Denied trying to call AWS Backup service")
    else:
        with pytest.raises(ClientError) as refused:
            env.copy(rp)
        assert error_code(refused) == "AccessDeniedException"
        assert env.source.list_copy_jobs()["CopyJobs"] == []


@pytest.mark.parametrize("dest_refusal", ["job", "call"])
@pytest.mark.parametrize("policy", ["none", "other account", "deny"])
def test_an_access_policy_not_allowing_the_source_account_is_refused_until_it_does(
    make_accounts: Callable[..., Accounts], dest_refusal: str, policy: str
) -> None:
    env = make_accounts(dest_policy=False, dest_refusal=dest_refusal)
    if policy == "none":
        with pytest.raises(ClientError) as absent:
            env.dest.get_backup_vault_access_policy(BackupVaultName=env.vault)
        assert error_code(absent) == "ResourceNotFoundException"
    else:
        if policy == "other account":
            text = copy_policy(env.vault, OTHER)
        else:
            text = copy_policy(env.vault, SOURCE, effect="Deny")
        env.dest.put_backup_vault_access_policy(BackupVaultName=env.vault, Policy=text)
        got = env.dest.get_backup_vault_access_policy(BackupVaultName=env.vault)
        assert json.loads(got["Policy"]) == json.loads(text)
        assert got["BackupVaultArn"] == vault_arn(DEST, env.vault)
    first, second = env.points()[:2]
    if dest_refusal == "job":
        assert_failed_at_once(env.job(env.copy(first)), messages.ACCESS_DENIED_JOB)
    else:
        with pytest.raises(ClientError) as refused:
            env.copy(first)
        assert error_code(refused) == "AccessDeniedException"
    env.dest.put_backup_vault_access_policy(
        BackupVaultName=env.vault, Policy=copy_policy(env.vault, SOURCE)
    )
    job_id = env.copy(second)
    env.finish()
    assert env.job(job_id)["State"] == "COMPLETED"


def test_a_refusal_in_call_mode_is_an_http_403_access_denied_over_the_wire(
    make_accounts: Callable[..., Accounts],
) -> None:
    env = make_accounts(serve=True, dest_policy=False, dest_refusal="call")
    with pytest.raises(ClientError) as refused:
        env.copy(env.points()[0])
    assert error_code(refused) == "AccessDeniedException"
    assert http_status(refused) == 403
    assert "backup:CopyIntoBackupVault" in refused.value.response["Error"]["Message"]


def test_a_malformed_access_policy_is_refused(make_accounts: Callable[..., Accounts]) -> None:
    env = make_accounts()
    with pytest.raises(ClientError) as refused:
        env.dest.put_backup_vault_access_policy(BackupVaultName=env.vault, Policy="{not json")
    assert error_code(refused) == "InvalidParameterValueException"


@pytest.mark.parametrize("dest_refusal", ["job", "call"])
def test_cross_account_backup_disabled_fails_the_job_with_the_organization_message(
    make_accounts: Callable[..., Accounts], dest_refusal: str
) -> None:
    env = make_accounts(cross_account_enabled=False, dest_refusal=dest_refusal)
    settings = env.dest.describe_global_settings()["GlobalSettings"]
    assert settings["isCrossAccountBackupEnabled"] == "false"
    job = env.job(env.copy(env.points()[0]))
    assert_failed_at_once(job, messages.CROSS_ACCOUNT_DISABLED)
    assert "organization" in job["StatusMessage"]


def test_enabling_cross_account_backup_lets_copies_through(
    make_accounts: Callable[..., Accounts],
) -> None:
    env = make_accounts(cross_account_enabled=False)
    management = backup_client("sandbox-management", NO_RETRIES)
    management.update_global_settings(GlobalSettings={"isCrossAccountBackupEnabled": "true"})
    assert env.dest.describe_global_settings()["GlobalSettings"] == {
        "isCrossAccountBackupEnabled": "true"
    }
    job_id = env.copy(env.points()[0])
    env.finish()
    assert env.job(job_id)["State"] == "COMPLETED"


def test_the_default_vault_as_destination_fails_the_job(
    make_accounts: Callable[..., Accounts],
) -> None:
    env = make_accounts()
    env.dest.put_backup_vault_access_policy(
        BackupVaultName="Default", Policy=copy_policy("Default", SOURCE)
    )
    job = env.job(env.copy(env.points()[0], dest_vault="Default"))
    assert_failed_at_once(job, messages.DEFAULT_VAULT)


def test_a_locked_destination_vault_refuses_retention_outside_its_bounds(
    make_accounts: Callable[..., Accounts],
) -> None:
    env = make_accounts()
    env.dest.put_backup_vault_lock_configuration(
        BackupVaultName=env.vault, MinRetentionDays=100, MaxRetentionDays=1000
    )
    described = env.dest.describe_backup_vault(BackupVaultName=env.vault)
    assert (described["Locked"], described["MinRetentionDays"]) == (True, 100)
    points = env.points()
    short = next(rp for rp in points if rp["Lifecycle"]["DeleteAfterDays"] < 100)
    assert_failed_at_once(env.job(env.copy(short)), messages.VAULT_LOCK)
    too_long = env.job(env.copy(points[1], Lifecycle={"DeleteAfterDays": 2000}))
    assert_failed_at_once(too_long, messages.VAULT_LOCK)
    within = env.copy(short, Lifecycle={"DeleteAfterDays": 120})
    env.finish()
    assert env.job(within)["State"] == "COMPLETED"


def test_an_unknown_recovery_point_or_destination_arn_is_refused_on_the_call(
    make_accounts: Callable[..., Accounts],
) -> None:
    env = make_accounts()
    rp = env.points()[0]
    with pytest.raises(ClientError) as refused:
        env.copy({**rp, "RecoveryPointArn": rp["RecoveryPointArn"] + "0"})
    assert error_code(refused) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as refused:
        env.source.start_copy_job(
            RecoveryPointArn=rp["RecoveryPointArn"],
            SourceBackupVaultName=rp["BackupVaultName"],
            DestinationBackupVaultArn="arn:aws:s3:::not-a-vault",
            IamRoleArn=ROLE,
        )
    assert error_code(refused) == "InvalidParameterValueException"
