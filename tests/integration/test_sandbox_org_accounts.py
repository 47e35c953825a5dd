"""Several source and destination accounts in one organization, through real boto3 clients over
HTTP: a profile per account, each source account's share of the seed, a copy quota per account,
and organizations:ListAccounts as the management account and its members see it."""

from __future__ import annotations

import configparser
import math
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from shuffle_aws_vaults.sandbox import SeedSpec, messages
from shuffle_aws_vaults.sandbox.clock import ManualClock

from . import NO_RETRIES, error_code, list_copy_jobs, list_recovery_points, session

pytestmark = pytest.mark.integration

A, B, C = "111111111111", "111111111112", "111111111113"
D1, D2 = "222222222222", "222222222223"
MANAGEMENT = "333333333333"
REGION = "us-east-1"


def client(profile: str, service: str = "backup") -> Any:
    return session(profile).client(service, config=NO_RETRIES)


def copy_role(account: str) -> str:
    return f"arn:aws:iam::{account}:role/service-role/AWSBackupDefaultServiceRole"


def test_each_account_has_a_profile_of_its_own_that_reaches_it(
    make_sandbox: Callable[..., Any],
) -> None:
    box = make_sandbox(recovery_points=30, vaults=1, source_account_count=3, dest_account_count=2)
    env = box.env()
    assert env["SHUFFLE_SANDBOX_SOURCE_ACCOUNTS"] == f"{A},{B},{C}"
    assert env["SHUFFLE_SANDBOX_DEST_ACCOUNTS"] == f"{D1},{D2}"
    assert (env["SHUFFLE_SANDBOX_SOURCE_ACCOUNT"], env["SHUFFLE_SANDBOX_DEST_ACCOUNT"]) == (A, D1)
    written = configparser.ConfigParser()
    written.read(Path(env["AWS_CONFIG_FILE"]))
    profiles = {name.removeprefix("profile ") for name in written.sections()}
    assert profiles == {
        "default",
        "sandbox-base",
        "sandbox-source",
        "sandbox-dest",
        "sandbox-management",
        *(f"sandbox-{account}" for account in (A, B, C, D1, D2)),
    }
    for account in (A, B, C, D1, D2):
        section = written[f"profile sandbox-{account}"]
        assert section["role_arn"] == f"arn:aws:iam::{account}:role/SandboxOperator"
        assert section["source_profile"] == "sandbox-base"
        identity = client(f"sandbox-{account}", "sts").get_caller_identity()
        assert identity["Account"] == account
        assert identity["Arn"].startswith(f"arn:aws:sts::{account}:assumed-role/SandboxOperator/")
        # The role the profile names is there to be read, as an operator role is on AWS.
        role = client(f"sandbox-{account}", "iam").get_role(RoleName="SandboxOperator")["Role"]
        assert role["Arn"] == section["role_arn"]
    for profile, account in (("sandbox-source", A), ("sandbox-dest", D1)):
        assert client(profile, "sts").get_caller_identity()["Account"] == account


def test_the_operator_role_is_reached_in_each_account_from_the_base_or_management_credentials(
    make_sandbox: Callable[..., Any],
) -> None:
    make_sandbox(recovery_points=10, vaults=1, source_account_count=2, dest_account_count=2)
    for profile in ("sandbox-base", "sandbox-management"):
        sts = client(profile, "sts")
        for account in (A, B, D1, D2):
            role = f"arn:aws:iam::{account}:role/SandboxOperator"  # --role-name SandboxOperator
            credentials = sts.assume_role(RoleArn=role, RoleSessionName="operator")["Credentials"]
            assumed = session(profile).client(
                "sts",
                aws_access_key_id=credentials["AccessKeyId"],
                aws_secret_access_key=credentials["SecretAccessKey"],
                aws_session_token=credentials["SessionToken"],
            )
            assert assumed.get_caller_identity()["Account"] == account


def test_each_source_account_holds_its_share_of_the_recovery_points(
    make_sandbox: Callable[..., Any],
) -> None:
    box = make_sandbox(
        spec=SeedSpec(recovery_points=300, vaults=2, account_shares=(3, 2, 1)),
        source_account_count=3,
        dest_account_count=2,
    )
    assert box.seeded.by_account == {A: 150, B: 100, C: 50}
    seen: dict[str, set[str]] = {}
    for account, share in box.seeded.by_account.items():
        backup = client(f"sandbox-{account}")
        points = [rp for vault in box.seeded.vaults for rp in list_recovery_points(backup, vault)]
        assert len(points) == share
        assert {rp["BackupVaultArn"].split(":")[4] for rp in points} == {account}
        listed = backup.list_backup_vaults()["BackupVaultList"]
        assert sum(v["NumberOfRecoveryPoints"] for v in listed) == share
        seen[account] = {rp["RecoveryPointArn"] for rp in points}
    assert not (seen[A] & seen[B]) and not (seen[B] & seen[C])
    for dest in (D1, D2):
        backup = client(f"sandbox-{dest}")
        names = {v["BackupVaultName"] for v in backup.list_backup_vaults()["BackupVaultList"]}
        assert names == {*box.seeded.vaults, "Default"}
        assert all(list_recovery_points(backup, vault) == [] for vault in box.seeded.vaults)


def test_a_copy_from_source_b_into_destination_c_counts_against_bs_quota_not_as(
    make_sandbox: Callable[..., Any],
) -> None:
    box = make_sandbox(
        spec=SeedSpec(recovery_points=60, vaults=1, edge_case_share=0.0),
        source_account_count=2,
        dest_account_count=2,
        copy_quota=1,
        at_quota="reject",
        jitter=0.0,
    )
    clock = ManualClock(start=math.ceil(box.world.now()))
    box.world.clock = clock
    vault = box.seeded.vaults[0]
    into_c = f"arn:aws:backup:{REGION}:{D2}:backup-vault:{vault}"
    source_a, source_b = client(f"sandbox-{A}"), client(f"sandbox-{B}")

    def copyable(backup: Any) -> list[dict[str, Any]]:
        points = list_recovery_points(backup, vault)
        by_resource = {rp["ResourceArn"]: rp for rp in points if rp["Status"] == "COMPLETED"}
        return list(by_resource.values())

    b_points, a_points = copyable(source_b), copyable(source_a)

    def start(backup: Any, rp: dict[str, Any], account: str) -> str:
        answer = backup.start_copy_job(
            RecoveryPointArn=rp["RecoveryPointArn"],
            SourceBackupVaultName=vault,
            DestinationBackupVaultArn=into_c,
            IamRoleArn=copy_role(account),
        )
        return str(answer["CopyJobId"])

    b_job = start(source_b, b_points[0], B)
    with pytest.raises(ClientError) as refused:
        start(source_b, b_points[1], B)  # B's one slot is taken
    assert error_code(refused) == "LimitExceededException"
    assert refused.value.response["Error"]["Message"] == messages.LIMIT_EXCEEDED.format(quota=1)
    a_job = start(source_a, a_points[0], A)  # A's slot is still free
    assert source_a.describe_copy_job(CopyJobId=a_job)["CopyJob"]["State"] == "RUNNING"
    job = source_b.describe_copy_job(CopyJobId=b_job)["CopyJob"]
    assert (job["State"], job["AccountId"]) == ("RUNNING", B)
    with pytest.raises(ClientError) as elsewhere:
        source_a.describe_copy_job(CopyJobId=b_job)  # a job lives in the account that started it
    assert error_code(elsewhere) == "ResourceNotFoundException"
    assert [j["CopyJobId"] for j in list_copy_jobs(source_a)] == [a_job]

    clock.advance(86_400.0)
    job = source_b.describe_copy_job(CopyJobId=b_job)["CopyJob"]
    assert job["State"] == "COMPLETED", job.get("StatusMessage")
    landed = list_recovery_points(client(f"sandbox-{D2}"), vault)
    by_arn = {rp["RecoveryPointArn"]: rp for rp in landed}
    copy = by_arn[job["DestinationRecoveryPointArn"]]
    assert copy["SourceBackupVaultArn"] == f"arn:aws:backup:{REGION}:{B}:backup-vault:{vault}"
    assert copy["ResourceArn"] == b_points[0]["ResourceArn"]
    assert list_recovery_points(client(f"sandbox-{D1}"), vault) == []
    assert start(source_b, b_points[1], B)  # the slot is B's again


def test_the_management_account_lists_every_member_active_or_suspended_and_members_may_not(
    make_sandbox: Callable[..., Any],
) -> None:
    make_sandbox(
        recovery_points=10,
        vaults=1,
        source_account_count=3,
        dest_account_count=2,
        suspended_accounts=(C,),
    )
    organizations = client("sandbox-management", "organizations")
    pages = list(
        organizations.get_paginator("list_accounts").paginate(PaginationConfig={"PageSize": 4})
    )
    assert [len(page["Accounts"]) for page in pages] == [4, 2]
    accounts = {a["Id"]: a for page in pages for a in page["Accounts"]}
    assert list(accounts) == [MANAGEMENT, A, B, C, D1, D2]
    assert {(a["Status"], a["State"]) for i, a in accounts.items() if i != C} == {
        ("ACTIVE", "ACTIVE")
    }
    assert (accounts[C]["Status"], accounts[C]["State"]) == ("SUSPENDED", "SUSPENDED")
    assert all(isinstance(a["JoinedTimestamp"], datetime) for a in accounts.values())
    one_page = organizations.list_accounts()
    assert len(one_page["Accounts"]) == 6 and "NextToken" not in one_page
    with pytest.raises(ClientError) as too_many:
        organizations.list_accounts(MaxResults=21)
    assert error_code(too_many) == "InvalidInputException"

    for member in ("sandbox-source", f"sandbox-{B}", f"sandbox-{C}", f"sandbox-{D2}"):
        with pytest.raises(ClientError) as denied:
            client(member, "organizations").list_accounts()
        assert error_code(denied) == "AccessDeniedException"
        message = denied.value.response["Error"]["Message"]
        assert message == "You don't have permissions to access this resource."
        # A member still sees which organization it is in (moto's DescribeOrganization).
        described = client(member, "organizations").describe_organization()["Organization"]
        assert described["MasterAccountId"] == MANAGEMENT
    with pytest.raises(ClientError) as outside:
        client("sandbox-base", "organizations").list_accounts()
    assert error_code(outside) == "AWSOrganizationsNotInUseException"


def test_list_accounts_answers_and_refusals_are_as_modelled(
    make_sandbox: Callable[..., Any],
) -> None:
    from .conformance import ConformanceRecorder

    make_sandbox(recovery_points=10, vaults=1, source_account_count=2, suspended_accounts=(B,))
    recorder = ConformanceRecorder()
    management = recorder.attach(client("sandbox-management", "organizations"))
    member = recorder.attach(client(f"sandbox-{B}", "organizations"))
    outsider = recorder.attach(client("sandbox-base", "organizations"))
    first = management.list_accounts(MaxResults=2)
    management.list_accounts(NextToken=first["NextToken"])
    for call in (
        lambda: management.list_accounts(MaxResults=21),
        lambda: management.list_accounts(NextToken="not-a-token"),
        member.list_accounts,
        outsider.list_accounts,
    ):
        with pytest.raises(ClientError):
            call()
    assert recorder.problems == []
    assert set(recorder.answers) == {
        ("ListAccounts", "OK"),
        ("ListAccounts", "InvalidInputException"),
        ("ListAccounts", "AccessDeniedException"),
        ("ListAccounts", "AWSOrganizationsNotInUseException"),
    }
