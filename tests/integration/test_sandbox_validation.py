"""Bad input is an error, as on AWS, never an empty result (issue 15, items 2, 3 and 6)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from shuffle_aws_vaults.sandbox import SeedSpec

from . import (
    DEST,
    REGION,
    ROLE,
    SOURCE,
    Accounts,
    accounts_of,
    backup_client,
    error_code,
    vault_arn,
)

SNAPSHOT = f"arn:aws:ec2:{REGION}::snapshot/snap-0123456789abcdef0"
# boto3 checks required members and types itself; these reach the sandbox anyway.
UNCHECKED = Config(
    parameter_validation=False, retries={"mode": "standard", "total_max_attempts": 1}
)


@pytest.fixture
def make_accounts(make_sandbox: Callable[..., Any]) -> Callable[..., Accounts]:
    def build(**config: Any) -> Accounts:
        spec = SeedSpec(recovery_points=60, vaults=1, edge_case_share=0.0)
        return accounts_of(make_sandbox(serve=False, spec=spec, **config))

    return build


@pytest.fixture
def env(make_accounts: Callable[..., Accounts]) -> Accounts:
    return make_accounts()


def refusal(call: Callable[[], Any]) -> tuple[str, str]:
    with pytest.raises(ClientError) as refused:
        call()
    return error_code(refused), str(refused.value.response["Error"]["Message"])


@pytest.mark.parametrize(
    ("filters", "named"),
    [
        ({"ByState": "ABORTED"}, "ByState"),
        ({"ByAccountId": "12"}, "ByAccountId"),
        ({"ByResourceType": "EBS volume"}, "ByResourceType"),
    ],
)
def test_a_filter_outside_the_model_is_refused_naming_it(
    env: Accounts, filters: dict[str, str], named: str
) -> None:
    code, message = refusal(lambda: env.source.list_copy_jobs(**filters))
    assert code == "InvalidParameterValueException"
    assert f"'{named}'" in message and str(next(iter(filters.values()))) in message


def test_an_unknown_resource_type_is_refused_by_both_listings(env: Accounts) -> None:
    for call in (
        lambda: env.source.list_copy_jobs(ByResourceType="Floppy"),
        lambda: env.source.list_recovery_points_by_backup_vault(
            BackupVaultName=env.vault, ByResourceType="Floppy"
        ),
    ):
        code, message = refusal(call)
        assert code == "InvalidParameterValueException"
        assert "Unsupported resource type: Floppy" in message


def test_a_recovery_point_arn_as_by_resource_arn_is_an_unsupported_resource_type(
    env: Accounts,
) -> None:
    for call in (
        lambda: env.source.list_copy_jobs(ByResourceArn=SNAPSHOT),
        lambda: env.source.list_recovery_points_by_backup_vault(
            BackupVaultName=env.vault, ByResourceArn=SNAPSHOT
        ),
    ):
        assert refusal(call) == (
            "InvalidParameterValueException",
            f"Unsupported resource type: {SNAPSHOT}",
        )


def test_valid_filters_still_select(env: Accounts) -> None:
    rp = env.points()[0]
    same = env.points(ByResourceArn=rp["ResourceArn"], ByResourceType=rp["ResourceType"])
    assert rp["RecoveryPointArn"] in [p["RecoveryPointArn"] for p in same]
    job = env.copy(rp)
    state = env.job(job)["State"]
    listed = env.source.list_copy_jobs(
        ByResourceArn=rp["ResourceArn"],
        ByResourceType=rp["ResourceType"],
        ByState=state,
        ByAccountId=SOURCE,
    )["CopyJobs"]
    assert [j["CopyJobId"] for j in listed] == [job]


def test_a_vault_name_outside_its_pattern_is_refused_naming_it(env: Accounts) -> None:
    code, message = refusal(
        lambda: env.source.list_recovery_points_by_backup_vault(BackupVaultName="x")
    )
    assert code == "InvalidParameterValueException"
    assert "'BackupVaultName'" in message and "pattern" in message


def test_a_missing_required_member_is_missing_parameter_value(env: Accounts) -> None:
    client = backup_client("sandbox-source", UNCHECKED)
    rp = env.points()[0]
    code, message = refusal(
        lambda: client.start_copy_job(
            RecoveryPointArn=rp["RecoveryPointArn"],
            SourceBackupVaultName=env.vault,
            DestinationBackupVaultArn=vault_arn(DEST, env.vault),
        )
    )
    assert code == "MissingParameterValueException"
    assert "'IamRoleArn'" in message


def test_a_nested_member_of_the_wrong_type_is_refused_naming_its_path(env: Accounts) -> None:
    client = backup_client("sandbox-source", UNCHECKED)
    rp = env.points()[0]
    code, message = refusal(
        lambda: client.start_copy_job(
            RecoveryPointArn=rp["RecoveryPointArn"],
            SourceBackupVaultName=env.vault,
            DestinationBackupVaultArn=vault_arn(DEST, env.vault),
            IamRoleArn=ROLE,
            Lifecycle={"DeleteAfterDays": "ninety"},
        )
    )
    assert code == "InvalidParameterValueException"
    assert "'Lifecycle.DeleteAfterDays'" in message
    assert env.box.world.copy_jobs() == []


@pytest.mark.parametrize(
    ("setting", "code"),
    [("not-found", "ResourceNotFoundException"), ("invalid", "InvalidParameterValueException")],
)
def test_a_malformed_recovery_point_arn_answers_as_the_switch_says(
    make_accounts: Callable[..., Accounts], setting: str, code: str
) -> None:
    env = make_accounts(malformed_arn=setting)
    got, message = refusal(
        lambda: env.source.describe_recovery_point(
            BackupVaultName=env.vault, RecoveryPointArn="not-an-arn"
        )
    )
    assert got == code
    assert "not-an-arn" in message
    got, _ = refusal(
        lambda: env.source.start_copy_job(
            RecoveryPointArn="not-an-arn",
            SourceBackupVaultName=env.vault,
            DestinationBackupVaultArn=vault_arn(DEST, env.vault),
            IamRoleArn=ROLE,
        )
    )
    assert got == code


@pytest.mark.parametrize(
    ("setting", "code"),
    [("access-denied", "AccessDeniedException"), ("not-found", "ResourceNotFoundException")],
)
def test_backup_vault_account_id_of_another_account_is_refused_never_ignored(
    make_accounts: Callable[..., Accounts], setting: str, code: str
) -> None:
    env = make_accounts(other_account_vault=setting)
    own = env.source.list_recovery_points_by_backup_vault(
        BackupVaultName=env.vault, BackupVaultAccountId=SOURCE
    )["RecoveryPoints"]
    assert [p["RecoveryPointArn"] for p in own] == [p["RecoveryPointArn"] for p in env.points()]
    rp = own[0]
    for call in (
        lambda: env.source.list_recovery_points_by_backup_vault(
            BackupVaultName=env.vault, BackupVaultAccountId=DEST
        ),
        lambda: env.source.describe_recovery_point(
            BackupVaultName=env.vault,
            RecoveryPointArn=rp["RecoveryPointArn"],
            BackupVaultAccountId=DEST,
        ),
        lambda: env.source.describe_backup_vault(
            BackupVaultName=env.vault, BackupVaultAccountId=DEST
        ),
    ):
        got, message = refusal(call)
        assert got == code
        assert DEST in message and env.vault in message


def test_describe_backup_vault_answers_what_aws_does(env: Accounts) -> None:
    described = env.source.describe_backup_vault(BackupVaultName=env.vault)
    assert described["NumberOfRecoveryPoints"] == len(env.points())
    assert (described["VaultType"], described["VaultState"]) == ("BACKUP_VAULT", "AVAILABLE")
    assert described["Locked"] is False
    assert described["CreationDate"].microsecond % 1000 == 0
    before = env.dest.describe_backup_vault(BackupVaultName=env.vault)["NumberOfRecoveryPoints"]
    job = env.copy(env.points()[0])
    env.finish()
    assert env.job(job)["State"] == "COMPLETED"
    after = env.dest.describe_backup_vault(BackupVaultName=env.vault)["NumberOfRecoveryPoints"]
    assert after == before + 1


def test_describe_backup_vault_of_no_such_vault_is_not_found(env: Accounts) -> None:
    code, message = refusal(lambda: env.source.describe_backup_vault(BackupVaultName="nope-nope"))
    assert code == "ResourceNotFoundException"
    assert "nope-nope" in message


def test_list_backup_vaults_dates_are_whole_milliseconds(env: Accounts) -> None:
    vaults = env.source.list_backup_vaults()["BackupVaultList"]
    assert vaults
    assert all(v["CreationDate"].microsecond % 1000 == 0 for v in vaults)


# -- the tool's adapter: these answers are final, and say which parameter ---------------------


def test_the_gateway_takes_a_refused_filter_as_final_naming_the_parameter(env: Accounts) -> None:
    from shuffle_aws_vaults.domain.errors import AwsError, ErrorCategory
    from shuffle_aws_vaults.domain.failures import error_is_transient
    from shuffle_aws_vaults.infrastructure.aws_sessions import (
        AccountAccess,
        AccountSpec,
        RetrySettings,
    )
    from shuffle_aws_vaults.infrastructure.backup_gateway import Boto3BackupGateway

    access = AccountAccess(AccountSpec("source", profile="sandbox-source"), RetrySettings())
    gateway = Boto3BackupGateway(access, SOURCE)
    calls = env.box.world.calls
    for run, operation, named in (
        (lambda: list(gateway.list_copy_jobs(state="ABORTED")), "ListCopyJobs", "'ByState'"),
        (
            lambda: list(gateway.iter_recovery_points(env.vault, resource_arn=SNAPSHOT)),
            "ListRecoveryPointsByBackupVault",
            f"Unsupported resource type: {SNAPSHOT}",
        ),
    ):
        before = calls[operation]
        with pytest.raises(AwsError) as refused:
            run()
        assert refused.value.category is ErrorCategory.REFUSED
        assert not error_is_transient(refused.value)
        assert refused.value.code == "InvalidParameterValueException"
        assert named in str(refused.value) and operation in str(refused.value)
        assert calls[operation] == before + 1  # botocore's retries left it alone too
