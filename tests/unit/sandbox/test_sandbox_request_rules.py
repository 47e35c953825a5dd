"""The checks AWS Backup makes beyond its model, and the switches for what AWS leaves open."""

from __future__ import annotations

from typing import Any

import pytest

from shuffle_aws_vaults.cli.parser import build_parser
from shuffle_aws_vaults.cli.requests import sandbox as sandbox_request
from shuffle_aws_vaults.cli.sandbox_command import config_of
from shuffle_aws_vaults.sandbox.config import SandboxConfig
from shuffle_aws_vaults.sandbox.errors import SandboxError
from shuffle_aws_vaults.sandbox.request_rules import (
    check_rules,
    check_vault_account,
    is_resource_arn,
)

R, A = "us-east-1", "111111111111"


@pytest.mark.parametrize(
    "arn",
    [
        f"arn:aws:ec2:{R}:{A}:volume/vol-0123456789abcdef0",
        f"arn:aws:ec2:{R}:{A}:instance/i-0123456789abcdef0",
        f"arn:aws:rds:{R}:{A}:db:orders-1",
        f"arn:aws:rds:{R}:{A}:cluster:orders-1",
        f"arn:aws:dynamodb:{R}:{A}:table/orders",
        f"arn:aws:elasticfilesystem:{R}:{A}:file-system/fs-01234567",
        "arn:aws:s3:::orders-bucket",
        f"arn:aws:fsx:{R}:{A}:file-system/fs-0123456789abcdef0",
    ],
)
def test_resource_arns_of_protected_types_are_resources(arn: str) -> None:
    assert is_resource_arn(arn)


@pytest.mark.parametrize(
    "arn",
    [
        f"arn:aws:ec2:{R}::snapshot/snap-0123456789abcdef0",
        f"arn:aws:ec2:{R}::image/ami-0123456789abcdef0",
        f"arn:aws:rds:{R}:{A}:snapshot:awsbackup:job-1234",
        f"arn:aws:backup:{R}:{A}:recovery-point:0b2c1d2e-0000-4000-a000-000000000000",
        f"arn:aws:dynamodb:{R}:{A}:table/orders/backup/01600000000000-abcdef01",
        f"arn:aws:fsx:{R}:{A}:backup/backup-0123456789abcdef0",
        "vol-0123456789abcdef0",
        "",
    ],
)
def test_backups_and_non_arns_are_not_resources(arn: str) -> None:
    assert not is_resource_arn(arn)


def refused(call: Any) -> SandboxError:
    with pytest.raises(SandboxError) as caught:
        call()
    return caught.value


def test_a_snapshot_arn_filter_answers_unsupported_resource_type() -> None:
    snapshot = f"arn:aws:ec2:{R}::snapshot/snap-0123456789abcdef0"
    for operation in ("ListRecoveryPointsByBackupVault", "ListCopyJobs"):
        error = refused(
            lambda op=operation: check_rules(op, {}, {"resourceArn": snapshot}, {}, "not-found")
        )
        assert error.error_type == "InvalidParameterValueException"
        assert error.message == f"Unsupported resource type: {snapshot}"


def test_an_unknown_resource_type_filter_is_refused_and_a_known_one_is_not() -> None:
    error = refused(lambda: check_rules("ListCopyJobs", {}, {"resourceType": "Disk"}, {}, "x"))
    assert error.error_type == "InvalidParameterValueException"
    assert "Disk" in error.message and "EBS" in error.message
    check_rules("ListCopyJobs", {}, {"resourceType": "SAP HANA on Amazon EC2"}, {}, "x")


@pytest.mark.parametrize(("setting", "refuses"), [("invalid", True), ("not-found", False)])
def test_a_malformed_recovery_point_arn_is_refused_here_only_when_invalid(
    setting: str, refuses: bool
) -> None:
    def check() -> None:
        check_rules("StartCopyJob", {}, {}, {"RecoveryPointArn": "rp-1"}, setting)
        check_rules("DescribeRecoveryPoint", {"recoveryPointArn": "rp-1"}, {}, {}, setting)

    if refuses:
        assert "rp-1" in refused(check).message
    else:
        check()  # the world answers ResourceNotFoundException, as before


@pytest.mark.parametrize(
    ("setting", "code", "status"),
    [
        ("access-denied", "AccessDeniedException", 403),
        ("not-found", "ResourceNotFoundException", 400),
    ],
)
def test_backup_vault_account_id_of_another_account_is_refused(
    setting: str, code: str, status: int
) -> None:
    uri = {"backupVaultName": "vault-a"}
    other = {"backupVaultAccountId": "222222222222"}
    error = refused(lambda: check_vault_account("ListCopyJobs", uri, other, A, R, setting))
    assert (error.error_type, error.code) == (code, status)
    assert "222222222222" in error.message and "vault-a" in error.message
    own = {"backupVaultAccountId": A}
    check_vault_account("ListRecoveryPointsByBackupVault", uri, own, A, R, setting)


@pytest.mark.parametrize("kwargs", [{"malformed_arn": "ignore"}, {"other_account_vault": "allow"}])
def test_impossible_switch_values_are_refused(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        SandboxConfig(**kwargs)


def test_the_switches_reach_the_sandbox_settings_from_its_flags() -> None:
    default, _ = config_of(sandbox_request(build_parser().parse_args(["sandbox"])))
    assert (default.malformed_arn, default.other_account_vault) == ("not-found", "access-denied")
    args = ["sandbox", "--malformed-arn", "invalid", "--other-account-vault", "not-found"]
    config, _ = config_of(sandbox_request(build_parser().parse_args(args)))
    assert (config.malformed_arn, config.other_account_vault) == ("invalid", "not-found")
