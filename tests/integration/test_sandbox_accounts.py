"""Two accounts behind two profiles, the aws CLI, deletions and stable NextTokens.

Tests that need the wire (STS over HTTP, the aws CLI) use a served sandbox; the others run the
same handlers in-process under moto's mock, which starts and stops faster.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from shuffle_aws_vaults.sandbox import SeedSpec
from shuffle_aws_vaults.sandbox.clock import ManualClock

from . import DEST, ROLE, SOURCE, backup_client, error_code, list_recovery_points, session

pytestmark = pytest.mark.integration


def vault_counts(client: Any) -> dict[str, int]:
    listed = client.list_backup_vaults()["BackupVaultList"]
    return {v["BackupVaultName"]: v["NumberOfRecoveryPoints"] for v in listed}


def manual_clock(box: Any) -> ManualClock:
    """Stop the world's clock: from here on, time moves only when the test says."""
    clock = ManualClock(start=math.ceil(box.world.now()))
    box.world.clock = clock
    return clock


def test_each_profile_reaches_its_own_account_and_sees_its_own_vault_arns(
    make_sandbox: Callable[..., Any],
) -> None:
    box = make_sandbox(recovery_points=20, vaults=2)
    assert box.endpoint_url.startswith("http://127.0.0.1:")
    for profile, account in (("sandbox-source", SOURCE), ("sandbox-dest", DEST)):
        profile_session = session(profile)
        identity = profile_session.client("sts").get_caller_identity()
        assert identity["Account"] == account
        assert identity["Arn"].startswith(f"arn:aws:sts::{account}:assumed-role/SandboxOperator/")
        vaults = profile_session.client("backup").list_backup_vaults()["BackupVaultList"]
        assert {v["BackupVaultName"] for v in vaults} == {*box.seeded.vaults, "Default"}
        for vault in vaults:
            name = vault["BackupVaultName"]
            assert (
                vault["BackupVaultArn"] == f"arn:aws:backup:us-east-1:{account}:backup-vault:{name}"
            )
            assert vault["VaultType"] == "BACKUP_VAULT"
            assert vault["Locked"] is False


def test_the_accounts_hold_separate_recovery_points(make_sandbox: Callable[..., Any]) -> None:
    box = make_sandbox(recovery_points=50, vaults=1, serve=False)
    vault = box.seeded.vaults[0]
    source, dest = backup_client("sandbox-source"), backup_client("sandbox-dest")
    assert len(list_recovery_points(source, vault)) == 50
    assert list_recovery_points(dest, vault) == []
    assert vault_counts(source)[vault] == 50
    assert vault_counts(dest)[vault] == 0


def test_the_aws_cli_lists_as_many_recovery_points_as_boto3(
    make_sandbox: Callable[..., Any], tmp_path: Path
) -> None:
    box = make_sandbox(recovery_points=1050, vaults=1)
    vault = box.seeded.vaults[0]
    expected = list_recovery_points(backup_client("sandbox-source"), vault)
    aws = Path(sys.executable).with_name("aws")
    assert aws.exists(), "awscli is part of the development environment"
    # HOME elsewhere: the CLI caches assumed-role credentials under ~/.aws/cli/cache.
    env = {**os.environ, "HOME": str(tmp_path)}
    done = subprocess.run(
        [
            str(aws),
            "backup",
            "list-recovery-points-by-backup-vault",
            "--backup-vault-name",
            vault,
            "--profile",
            "sandbox-source",
            "--output",
            "json",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    listed = json.loads(done.stdout)["RecoveryPoints"]
    assert len(listed) == len(expected) == 1050
    assert {rp["RecoveryPointArn"] for rp in listed} == {rp["RecoveryPointArn"] for rp in expected}
    # Two pages each: the CLI paginated past 1000 just as boto3's paginator did.
    assert box.world.calls_by_account[(SOURCE, "ListRecoveryPointsByBackupVault")] == 4


def test_delete_recovery_point_removes_it_and_the_vault_count_drops_by_one(
    make_sandbox: Callable[..., Any],
) -> None:
    box = make_sandbox(recovery_points=40, vaults=1, serve=False)
    vault = box.seeded.vaults[0]
    client = backup_client("sandbox-source")
    before = list_recovery_points(client, vault)
    victim = before[7]["RecoveryPointArn"]
    assert vault_counts(client)[vault] == 40
    client.delete_recovery_point(BackupVaultName=vault, RecoveryPointArn=victim)
    assert vault_counts(client)[vault] == 39
    after = list_recovery_points(client, vault)
    assert [rp["RecoveryPointArn"] for rp in after] == [
        rp["RecoveryPointArn"] for rp in before if rp["RecoveryPointArn"] != victim
    ]
    for call in (client.describe_recovery_point, client.delete_recovery_point):
        with pytest.raises(ClientError) as gone:
            call(BackupVaultName=vault, RecoveryPointArn=victim)
        assert error_code(gone) == "ResourceNotFoundException"
    assert vault_counts(client)[vault] == 39


def test_next_token_stays_valid_when_recovery_points_are_deleted_between_pages(
    make_sandbox: Callable[..., Any],
) -> None:
    box = make_sandbox(recovery_points=60, vaults=1, serve=False)
    vault = box.seeded.vaults[0]
    client = backup_client("sandbox-source")
    everything = [rp["RecoveryPointArn"] for rp in list_recovery_points(client, vault)]
    first = client.list_recovery_points_by_backup_vault(BackupVaultName=vault, MaxResults=20)
    seen = [rp["RecoveryPointArn"] for rp in first["RecoveryPoints"]]
    deleted = {everything[5], everything[25], everything[26], everything[59]}
    for arn in deleted:
        client.delete_recovery_point(BackupVaultName=vault, RecoveryPointArn=arn)
    rest = list_recovery_points(
        client, vault, PaginationConfig={"StartingToken": first["NextToken"]}
    )
    seen += [rp["RecoveryPointArn"] for rp in rest]
    assert seen == [arn for arn in everything if arn not in deleted or arn == everything[5]]


def test_next_token_stays_valid_when_copies_land_between_pages(
    make_sandbox: Callable[..., Any],
) -> None:
    box = make_sandbox(
        spec=SeedSpec(recovery_points=30, vaults=1, edge_case_share=0.0), serve=False, jitter=0.0
    )
    clock = manual_clock(box)
    vault = box.seeded.vaults[0]
    source, dest = backup_client("sandbox-source"), backup_client("sandbox-dest")
    dest_vault_arn = dest.describe_backup_vault(BackupVaultName=vault)["BackupVaultArn"]
    points = list_recovery_points(source, vault)

    def copy(rps: list[dict[str, Any]]) -> None:
        for rp in rps:
            source.start_copy_job(
                RecoveryPointArn=rp["RecoveryPointArn"],
                SourceBackupVaultName=vault,
                DestinationBackupVaultArn=dest_vault_arn,
                IamRoleArn=ROLE,
            )
        clock.advance(30 * 86400.0)  # long enough for every copy to land

    copy(points[:10])
    landed_first = [rp["RecoveryPointArn"] for rp in list_recovery_points(dest, vault)]
    assert len(landed_first) == 10
    page = dest.list_recovery_points_by_backup_vault(BackupVaultName=vault, MaxResults=4)
    copy(points[10:25])  # fifteen more land between the first page and the next
    rest = list_recovery_points(dest, vault, PaginationConfig={"StartingToken": page["NextToken"]})
    seen = [rp["RecoveryPointArn"] for rp in page["RecoveryPoints"] + rest]
    assert len(seen) == len(set(seen)) == 25
    assert seen[:10] == landed_first
    assert len(source.list_copy_jobs(ByState="COMPLETED")["CopyJobs"]) == 25


def test_list_backup_vaults_pages_with_max_results_and_refuses_more_than_1000(
    make_sandbox: Callable[..., Any],
) -> None:
    box = make_sandbox(recovery_points=30, vaults=12, serve=False)
    client = backup_client("sandbox-source")
    pages = list(
        client.get_paginator("list_backup_vaults").paginate(PaginationConfig={"PageSize": 5})
    )
    assert [len(page["BackupVaultList"]) for page in pages] == [5, 5, 3]
    names = [v["BackupVaultName"] for page in pages for v in page["BackupVaultList"]]
    assert sorted(names) == sorted([*box.seeded.vaults, "Default"])
    assert len(set(names)) == 13
    assert sum(v["NumberOfRecoveryPoints"] for page in pages for v in page["BackupVaultList"]) == 30
    with pytest.raises(ClientError) as refused:
        client.list_backup_vaults(MaxResults=1001)
    assert error_code(refused) == "InvalidParameterValueException"
