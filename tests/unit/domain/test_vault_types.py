"""Logically air-gapped vaults in the domain: what --create-dest-vault makes, the pre-flight
line that names each destination vault's type, and the lanes' limits into such vaults."""

from __future__ import annotations

from datetime import UTC, datetime

from shuffle_aws_vaults.domain.lanes import Lanes, TypeLimit, air_gapped_limits
from shuffle_aws_vaults.domain.preflight import Outcome
from shuffle_aws_vaults.domain.recovery_point import (
    AIR_GAPPED_VAULT,
    NewVault,
    RecoveryPoint,
    Vault,
)
from shuffle_aws_vaults.domain.vault_types import describe, vault_types

ARN = "arn:aws:backup:us-east-1:222222222222:backup-vault:"
LAG = NewVault(air_gapped=True, min_retention_days=7, max_retention_days=365)


def vault(name: str, **fields: object) -> Vault:
    return Vault(name, ARN + name, **fields)  # type: ignore[arg-type]


def test_a_new_standard_vault_takes_its_source_vaults_bounds_an_air_gapped_one_its_own() -> None:
    source = vault("prod", locked=True, min_retention_days=1, max_retention_days=30)
    assert NewVault(kms_key_arn="k").for_source(source) == NewVault(False, "k", 1, 30)
    assert LAG.for_source(source) == LAG
    planned = LAG.planned("central", ARN + "central")
    assert planned.air_gapped and planned.locked and planned.kind == "logically-air-gapped"
    assert (planned.min_retention_days, planned.max_retention_days) == (7, 365)
    assert not NewVault().planned("x", ARN + "x").locked


def test_the_check_names_each_vaults_type_bounds_and_key() -> None:
    existing = {
        "central": vault(
            "central",
            locked=True,
            min_retention_days=7,
            max_retention_days=365,
            vault_type=AIR_GAPPED_VAULT,
            key_type="AWS_OWNED_KMS_KEY",
        ),
        "plain": vault("plain"),
    }
    result = vault_types(["plain", "central"], existing, create=False, new=NewVault(), planned={})
    assert result.outcome is Outcome.PASS
    assert result.detail == (
        "central: logically-air-gapped, compliance lock 7-365 days, AWS-owned key; "
        "plain: standard"
    )
    assert describe(vault("k", encryption_key_arn="arn:k")) == "standard, key arn:k"


def test_a_vault_to_be_created_air_gapped_is_shown_as_it_will_be() -> None:
    planned = {"central": LAG.planned("central", ARN + "central")}
    result = vault_types(["central"], {}, create=True, new=LAG, planned=planned)
    assert result.outcome is Outcome.PASS
    assert (
        result.detail == "central: logically-air-gapped, compliance lock 7-365 days (to be created)"
    )


def test_asking_for_an_air_gapped_vault_that_exists_as_a_standard_one_fails() -> None:
    result = vault_types(
        ["central"], {"central": vault("central")}, create=True, new=LAG, planned={}
    )
    assert result.outcome is Outcome.FAIL
    assert "central already exist as standard vaults" in result.detail
    assert result.fix is not None and "--dest-vault" in result.fix


def test_into_an_air_gapped_vault_the_lanes_keep_awss_limits_under_the_operators() -> None:
    lanes = Lanes(air_gapped_limits(()))
    assert lanes.ceilings == {
        "EBS": 20,
        "RDS+Aurora": 20,
        "DocumentDB": 20,
        "Neptune": 20,
        "FSx": 5,
        "Storage Gateway": 5,
    }
    assert lanes.lane("Aurora") == lanes.lane("RDS") == "RDS+Aurora"
    operator = Lanes(air_gapped_limits((TypeLimit(("FSx",), 2),)))
    assert operator.ceilings["FSx"] == 2 and operator.ceilings["EBS"] == 20
    assert Lanes(()).ceilings == {}  # into a standard vault: only what the operator gives


def point(arn: str, resource_type: str, vault_type: str) -> RecoveryPoint:
    return RecoveryPoint(
        arn=arn,
        vault_name="central",
        resource_arn="arn:aws:ec2:us-east-1:111111111111:volume/vol-1",
        resource_type=resource_type,
        creation_date=datetime(2026, 1, 1, tzinfo=UTC),
        size_bytes=1,
        status="COMPLETED",
        vault_type=vault_type,
    )


def test_in_an_air_gapped_vault_the_arn_form_does_not_make_a_backup_fully_managed() -> None:
    backup_arn = "arn:aws:backup:us-east-1:111111111111:recovery-point:abc"
    for kind in ("EBS", "EC2", "RDS", "DynamoDB"):
        assert not point(backup_arn, kind, AIR_GAPPED_VAULT).is_backup_owned
    assert point(backup_arn, "DynamoDB", "BACKUP_VAULT").is_backup_owned  # advanced DynamoDB
