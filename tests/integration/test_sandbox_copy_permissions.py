"""The copy role and the source key policy, seen through boto3: AWS Backup refuses a role it
cannot assume, and a copy from a customer-managed key the destination account may not use.

Each test changes roles or key policies, so each has its own small in-process sandbox. The KMS
adapter the pre-flight reads key policies with is checked against the same sandbox.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from shuffle_aws_vaults.bootstrap import AccountSettings, connect
from shuffle_aws_vaults.infrastructure.kms_keys import KmsKeyInspector
from shuffle_aws_vaults.infrastructure.source_checks import Boto3SourceChecks
from shuffle_aws_vaults.sandbox import SeedSpec, messages

from . import (
    DEST,
    REGION,
    SOURCE,
    Accounts,
    accounts_of,
    assert_failed_at_once,
    error_code,
    session,
    vault_arn,
)

pytestmark = pytest.mark.integration

FULLY_MANAGED = ("EFS", "S3")
FROM_THE_KEY = ("EBS", "EC2", "FSx")  # copied from the source key; RDS and Aurora have their own
OWN_ONLY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{SOURCE}:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ],
    }
)


@pytest.fixture
def make_accounts(make_sandbox: Callable[..., Any]) -> Callable[..., Accounts]:
    def build(role_refusal: str = "job", **spec: Any) -> Accounts:
        spec.setdefault("recovery_points", 120)
        seeded = SeedSpec(vaults=1, edge_case_share=0.0, **spec)
        return accounts_of(make_sandbox(serve=False, spec=seeded, role_refusal=role_refusal))

    return build


def copy_with_role(env: Accounts, rp: dict[str, Any], role: str) -> str:
    answer = env.source.start_copy_job(
        RecoveryPointArn=rp["RecoveryPointArn"],
        SourceBackupVaultName=rp["BackupVaultName"],
        DestinationBackupVaultArn=vault_arn(DEST, rp["BackupVaultName"]),
        IamRoleArn=role,
    )
    return str(answer["CopyJobId"])


def make_role(name: str, service: str) -> str:
    iam = session("sandbox-source").client("iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
        ],
    }
    return str(
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    )


def by_type(env: Accounts, *types: str) -> list[dict[str, Any]]:
    return [rp for rp in env.points() if rp["ResourceType"] in types]


# -- the copy role -------------------------------------------------------------------------


def unassumable_roles() -> dict[str, str]:
    return {
        "missing": f"arn:aws:iam::{SOURCE}:role/NoSuchCopyRole",
        "not-trusting-backup": make_role("CopiesForEc2", "ec2.amazonaws.com"),
        "another-path": f"arn:aws:iam::{SOURCE}:role/AWSBackupDefaultServiceRole",
        "not-an-arn": "xyz",
    }


def test_a_role_aws_backup_cannot_assume_fails_the_job_with_aws_message(
    make_accounts: Callable[..., Accounts],
) -> None:
    env = make_accounts()
    rp = env.points()[0]
    for role in unassumable_roles().values():
        job = env.job(copy_with_role(env, rp, role))
        assert_failed_at_once(job, messages.ROLE_NOT_ASSUMABLE.format(role=role))
        assert job["MessageCategory"] == messages.CATEGORY_ACCESS_DENIED
    trusting = make_role("CopiesForBackup", "backup.amazonaws.com")
    done = copy_with_role(env, rp, trusting)
    env.finish()
    assert env.job(done)["State"] == "COMPLETED"


def test_with_role_refusal_call_start_copy_job_refuses_the_role(
    make_accounts: Callable[..., Accounts],
) -> None:
    env = make_accounts(role_refusal="call")
    rp = env.points()[0]
    for role in unassumable_roles().values():
        with pytest.raises(ClientError) as refused:
            copy_with_role(env, rp, role)
        assert error_code(refused) == "InvalidParameterValueException"
        assert refused.value.response["Error"]["Message"] == (
            messages.ROLE_NOT_ASSUMABLE.format(role=role)
        )
    assert env.source.list_copy_jobs()["CopyJobs"] == []


def test_without_the_seeded_copy_role_every_job_fails_on_the_role(
    make_accounts: Callable[..., Accounts],
) -> None:
    env = make_accounts(copy_role=False)
    default_role = f"arn:aws:iam::{SOURCE}:role/service-role/AWSBackupDefaultServiceRole"
    job = env.job(env.copy(env.points()[0]))
    assert_failed_at_once(job, messages.ROLE_NOT_ASSUMABLE.format(role=default_role))


# -- the source key policy -----------------------------------------------------------------


def test_the_seeded_key_is_shared_with_the_destination_so_seeded_copies_complete(
    make_accounts: Callable[..., Accounts],
) -> None:
    env = make_accounts()
    points = by_type(env, *FROM_THE_KEY, "RDS", "Aurora")
    assert points
    jobs = [env.copy(rp) for rp in points]
    env.finish()
    assert {env.job(job)["State"] for job in jobs} == {"COMPLETED"}


def test_a_key_policy_without_the_destination_fails_copies_from_the_key_only(
    make_accounts: Callable[..., Accounts],
) -> None:
    env = make_accounts()
    kms = session("sandbox-source").client("kms")
    key = kms.describe_key(KeyId="alias/backup")["KeyMetadata"]["Arn"]
    kms.put_key_policy(KeyId=key, PolicyName="default", Policy=OWN_ONLY)
    [snapshot, *_] = by_type(env, *FROM_THE_KEY)
    [database, *_] = by_type(env, "RDS", "Aurora")
    [managed, *_] = by_type(env, *FULLY_MANAGED)
    assert snapshot["EncryptionKeyArn"] == database["EncryptionKeyArn"] == key
    failed = env.job(env.copy(snapshot))
    assert_failed_at_once(failed, messages.KEY_NOT_SHARED.format(key=key, account=DEST))
    assert failed["MessageCategory"] == messages.CATEGORY_ACCESS_DENIED
    assert_failed_at_once(env.job(env.copy(database)), messages.AWS_MANAGED_KEY_RDS.format(key=key))
    # Fully managed types are re-encrypted with the destination vault's key.
    reencrypted = env.copy(managed)
    env.finish()
    assert env.job(reencrypted)["State"] == "COMPLETED"


def test_seeded_unshared_key_points_fail_until_the_key_policy_allows_the_destination(
    make_accounts: Callable[..., Accounts],
) -> None:
    env = make_accounts(unshared_key_share=1.0)
    kms = session("sandbox-source").client("kms")
    unshared = kms.describe_key(KeyId="alias/backup-unshared")["KeyMetadata"]["Arn"]
    shared = kms.describe_key(KeyId="alias/backup")["KeyMetadata"]["Arn"]
    keys = {rp["ResourceType"]: rp["EncryptionKeyArn"] for rp in env.points()}
    assert {keys[t] for t in (*FROM_THE_KEY, "RDS", "Aurora") if t in keys} == {unshared}
    assert {keys[t] for t in (*FULLY_MANAGED, "DynamoDB") if t in keys} == {shared}
    [snapshot, *_] = by_type(env, *FROM_THE_KEY)
    failed = env.job(env.copy(snapshot))
    assert_failed_at_once(failed, messages.KEY_NOT_SHARED.format(key=unshared, account=DEST))
    policy = json.loads(OWN_ONLY)
    policy["Statement"].append(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{DEST}:root"},
            "Action": ["kms:Decrypt", "kms:DescribeKey", "kms:CreateGrant", "kms:ReEncrypt*"],
            "Resource": "*",
        }
    )
    kms.put_key_policy(KeyId=unshared, PolicyName="default", Policy=json.dumps(policy))
    again = env.copy(snapshot)
    env.finish()
    assert env.job(again)["State"] == "COMPLETED"


# -- the KMS adapter the pre-flight reads key policies with ---------------------------------


def source_access() -> Any:
    settings = AccountSettings("source", "--source-account", SOURCE, "sandbox-source", None, None)
    access, _ = connect(settings, retry_mode="standard", max_attempts=2)
    return access


def test_the_kms_adapter_reads_key_policies_and_names_the_error_otherwise(
    make_accounts: Callable[..., Accounts],
) -> None:
    make_accounts(recovery_points=5)
    access = source_access()
    kms = session("sandbox-source").client("kms")
    key = kms.describe_key(KeyId="alias/backup")["KeyMetadata"]["Arn"]
    keys = KmsKeyInspector(access)
    policy, error = keys.key_policy(key)
    assert error is None and policy is not None
    principals = [s["Principal"]["AWS"] for s in policy["Statement"]]
    assert [f"arn:aws:iam::{DEST}:root"] in principals
    assert keys.is_aws_managed(key) is False
    missing = f"arn:aws:kms:{REGION}:{SOURCE}:key/00000000-0000-4000-a000-000000000000"
    policy, error = keys.key_policy(missing)
    assert policy is None and error is not None and error.startswith("NotFoundException: ")
    # The source checks port hands the same answers to the pre-flight.
    checks = Boto3SourceChecks(access, SOURCE, keys)
    assert checks.key_policy(key) == keys.key_policy(key)
