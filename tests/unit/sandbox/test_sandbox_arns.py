"""Recovery point and vault ARNs in the shapes AWS mints."""

from __future__ import annotations

import random
import re

import pytest

from shuffle_aws_vaults.sandbox.arns import (
    continuous_recovery_point_arn,
    parse_vault_arn,
    recovery_point_arn,
    vault_arn,
)
from shuffle_aws_vaults.sandbox.records import is_backup_owned_arn, is_continuous_arn

REGION, ACCOUNT = "eu-west-1", "111111111111"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"

SHAPES = {
    "EBS": r"arn:aws:ec2:eu-west-1::snapshot/snap-[0-9a-f]{17}",
    "EC2": r"arn:aws:ec2:eu-west-1::image/ami-[0-9a-f]{17}",
    "RDS": rf"arn:aws:rds:eu-west-1:111111111111:snapshot:awsbackup:job-{UUID}",
    "Aurora": rf"arn:aws:rds:eu-west-1:111111111111:cluster-snapshot:awsbackup:job-{UUID}",
    "FSx": r"arn:aws:fsx:eu-west-1:111111111111:backup/backup-[0-9a-f]{17}",
    "EFS": rf"arn:aws:backup:eu-west-1:111111111111:recovery-point:{UUID}",
    "S3": rf"arn:aws:backup:eu-west-1:111111111111:recovery-point:{UUID}",
    "DynamoDB": rf"arn:aws:backup:eu-west-1:111111111111:recovery-point:{UUID}",
}


@pytest.mark.parametrize("resource_type", sorted(SHAPES))
def test_each_type_gets_its_native_recovery_point_arn(resource_type: str) -> None:
    arn = recovery_point_arn(random.Random(1), resource_type, REGION, ACCOUNT)
    assert re.fullmatch(SHAPES[resource_type], arn), arn


def test_copies_of_rds_snapshots_are_named_after_the_copy_job() -> None:
    arn = recovery_point_arn(random.Random(1), "RDS", REGION, ACCOUNT, copy=True)
    assert ":snapshot:awsbackup:copyjob-" in arn


def test_dynamodb_without_advanced_features_gets_a_dynamodb_backup_arn() -> None:
    table = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/orders"
    arn = recovery_point_arn(
        random.Random(1), "DynamoDB", REGION, ACCOUNT, resource_arn=table, advanced_dynamodb=False
    )
    assert re.fullmatch(
        r"arn:aws:dynamodb:eu-west-1:111111111111:table/orders/backup/\d+-[0-9a-f]{8}", arn
    )
    assert not is_backup_owned_arn(arn)


def test_the_same_rng_state_gives_the_same_arns() -> None:
    first = [recovery_point_arn(random.Random(5), t, REGION, ACCOUNT) for t in SHAPES]
    assert first == [recovery_point_arn(random.Random(5), t, REGION, ACCOUNT) for t in SHAPES]


def test_continuous_recovery_points_are_backup_owned_and_recognised() -> None:
    arn = continuous_recovery_point_arn(random.Random(1), REGION, ACCOUNT, "orders-db")
    assert is_continuous_arn(arn)
    assert is_backup_owned_arn(arn)
    assert not is_continuous_arn(recovery_point_arn(random.Random(1), "RDS", REGION, ACCOUNT))


@pytest.mark.parametrize(
    ("resource_type", "owned"),
    [("EBS", False), ("EC2", False), ("RDS", False), ("FSx", False), ("EFS", True), ("S3", True)],
)
def test_backup_owned_means_the_arn_is_a_backup_arn(resource_type: str, owned: bool) -> None:
    arn = recovery_point_arn(random.Random(2), resource_type, REGION, ACCOUNT)
    assert is_backup_owned_arn(arn) is owned


def test_a_vault_arn_round_trips_through_parsing() -> None:
    arn = vault_arn(REGION, "222222222222", "my-vault_1")
    assert arn == "arn:aws:backup:eu-west-1:222222222222:backup-vault:my-vault_1"
    assert parse_vault_arn(arn) == (REGION, "222222222222", "my-vault_1")


@pytest.mark.parametrize(
    "arn",
    [
        "",
        "not-an-arn",
        "arn:aws:s3:eu-west-1:222222222222:backup-vault:v",
        "arn:aws:backup:eu-west-1:222222222222:recovery-point:v",
        "arn:aws:backup:eu-west-1:2222:backup-vault:v",
        "arn:aws:backup::222222222222:backup-vault:v",
        "arn:aws:backup:eu-west-1:222222222222:backup-vault:",
    ],
)
def test_anything_but_a_backup_vault_arn_does_not_parse(arn: str) -> None:
    assert parse_vault_arn(arn) is None
