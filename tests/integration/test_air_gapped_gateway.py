"""The tool's Backup gateway and logically air-gapped vaults, through boto3 to the sandbox:
it creates one as --create-dest-vault --dest-vault-type logically-air-gapped asks, and reads
back the vault's type, lock and key as AWS answers them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from shuffle_aws_vaults.bootstrap import AccountSettings, connect
from shuffle_aws_vaults.domain.errors import AwsError
from shuffle_aws_vaults.domain.recovery_point import AIR_GAPPED_VAULT, NewVault
from shuffle_aws_vaults.sandbox import SeedSpec

from . import DEST, REGION, backup_client

pytestmark = pytest.mark.integration


def dest_gateway() -> Any:
    settings = AccountSettings("destination", "--dest-account", DEST, "sandbox-dest", None, None)
    return connect(settings, retry_mode="standard", max_attempts=2)[1]


@pytest.fixture
def sandbox(make_sandbox: Callable[..., Any]) -> Any:
    spec = SeedSpec(recovery_points=10, vaults=1, lag_vaults=("seeded:7:400",))
    return make_sandbox(serve=False, spec=spec, lag_vault_creation_seconds=0.0)


def test_the_gateway_creates_an_air_gapped_vault_locked_with_the_bounds_given(
    sandbox: Any,
) -> None:
    gateway = dest_gateway()
    made = gateway.create_vault(
        "central", NewVault(air_gapped=True, min_retention_days=7, max_retention_days=3650)
    )
    assert made.air_gapped and made.locked
    assert made.arn == f"arn:aws:backup:{REGION}:{DEST}:backup-vault:central"
    described = backup_client("sandbox-dest").describe_backup_vault(BackupVaultName="central")
    assert described["VaultType"] == AIR_GAPPED_VAULT
    assert (described["MinRetentionDays"], described["MaxRetentionDays"]) == (7, 3650)
    assert described["Locked"] is True

    listed = {vault.name: vault for vault in gateway.list_vaults()}
    assert listed["central"].air_gapped and listed["central"].kind == "logically-air-gapped"
    assert listed["central"].key_type == "AWS_OWNED_KMS_KEY"
    assert (listed["central"].min_retention_days, listed["central"].max_retention_days) == (
        7,
        3650,
    )
    assert listed["seeded"].air_gapped
    standard = [vault for vault in listed.values() if not vault.air_gapped]
    assert standard and all(vault.kind == "standard" for vault in standard)


def test_awss_own_refusal_of_bad_bounds_reaches_the_tool_as_one_error(sandbox: Any) -> None:
    # The CLI refuses these before any call; a caller that did not would get AWS's answer.
    with pytest.raises(AwsError) as refused:
        dest_gateway().create_vault(
            "central", NewVault(air_gapped=True, min_retention_days=3, max_retention_days=30)
        )
    assert refused.value.code == "InvalidParameterValueException"
    assert refused.value.operation == "CreateLogicallyAirGappedBackupVault"
