"""The Backup gateway's copies' lifecycles against the sandbox through a real boto3 client:
a recovery point's Lifecycle read from the listing, and StartCopyJob's Lifecycle (with
OptInToArchiveForSupportedResources) sent as AWS names it, so the copy keeps what was sent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from shuffle_aws_vaults.domain.copy_job import FOREVER, Lifecycle
from shuffle_aws_vaults.sandbox import SeedSpec

from . import DEST, ROLE, SOURCE, Accounts, accounts_of, list_recovery_points, vault_arn


@pytest.fixture
def env(make_sandbox: Callable[..., Any]) -> Accounts:
    spec = SeedSpec(recovery_points=20, vaults=1, edge_case_share=0.0)
    return accounts_of(make_sandbox(serve=False, spec=spec))


def gateway() -> Any:
    from shuffle_aws_vaults.infrastructure.aws_sessions import (
        AccountAccess,
        AccountSpec,
        RetrySettings,
    )
    from shuffle_aws_vaults.infrastructure.backup_gateway import Boto3BackupGateway

    access = AccountAccess(AccountSpec("source", profile="sandbox-source"), RetrySettings())
    return Boto3BackupGateway(access, SOURCE)


def test_a_listed_recovery_point_carries_its_lifecycles_days(env: Accounts) -> None:
    wire = {point["RecoveryPointArn"]: point for point in env.points()}
    for point in gateway().iter_recovery_points(env.vault):
        lifecycle = wire[point.arn].get("Lifecycle", {})
        assert point.delete_after_days == lifecycle.get("DeleteAfterDays")
        assert point.cold_after_days == lifecycle.get("MoveToColdStorageAfterDays")
    assert {point.delete_after_days for point in gateway().iter_recovery_points(env.vault)} <= {
        35,
        365,
    }


def test_start_copy_job_sends_the_lifecycle_as_aws_names_it_and_the_copy_keeps_it(
    env: Accounts,
) -> None:
    point = env.points()[0]
    sent = Lifecycle(400, 30, archive=True, clamped_from=FOREVER)  # clamped_from: never sent
    started = gateway().start_copy_job(
        source_arn=point["RecoveryPointArn"],
        source_vault=point["BackupVaultName"],
        dest_vault_arn=vault_arn(DEST, env.vault),
        iam_role_arn=ROLE,
        token="lifecycle-1",
        lifecycle=sent,
    )
    job = env.job(started.job_id)
    assert job["DestinationRecoveryPointLifecycle"] == {
        "DeleteAfterDays": 400,
        "MoveToColdStorageAfterDays": 30,
        "OptInToArchiveForSupportedResources": True,
    }
    env.finish()
    copied = env.job(started.job_id)
    assert copied["State"] == "COMPLETED"
    [copy] = [
        rp
        for rp in list_recovery_points(env.dest, env.vault)
        if rp["RecoveryPointArn"] == copied["DestinationRecoveryPointArn"]
    ]
    assert copy["Lifecycle"] == {"DeleteAfterDays": 400, "MoveToColdStorageAfterDays": 30}
