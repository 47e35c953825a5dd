"""The request-rate limit as boto3 sees it: ThrottlingException per account past the rate.

The world's fault injector gets a fake wall clock, so the bucket refills only when the test says
and no test sleeps; the calls go over HTTP to a served sandbox.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from shuffle_aws_vaults.sandbox import FaultConfig, stats
from shuffle_aws_vaults.sandbox.faults import THROTTLING, FaultInjector

from . import NO_RETRIES, SOURCE, backup_client, error_code, http_status, session

pytestmark = pytest.mark.integration


class FakeWall:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def limited(make_sandbox: Callable[..., Any]) -> tuple[Any, FakeWall]:
    """A served sandbox that admits 3 calls at once per account, then one a second."""
    faults = FaultConfig(api_rate=1.0, api_burst=3)
    box = make_sandbox(recovery_points=10, faults=faults)
    wall = FakeWall()
    box.world.faults = FaultInjector(faults, box.config.seed, clock=wall)
    return box, wall


def test_calls_past_the_burst_are_throttled_until_the_bucket_refills(
    limited: tuple[Any, FakeWall],
) -> None:
    box, wall = limited
    client = backup_client("sandbox-source", NO_RETRIES)
    client.list_backup_vaults()
    client.list_copy_jobs()
    client.list_backup_vaults()
    with pytest.raises(ClientError) as throttled:
        client.list_copy_jobs()  # every Backup operation draws on the account's one bucket
    assert error_code(throttled) == "ThrottlingException"
    assert http_status(throttled) == 400
    assert throttled.value.response["Error"]["Message"] == "Rate exceeded"
    wall.now += 1.0
    assert client.list_backup_vaults()["BackupVaultList"]
    assert stats(box.world)["faults_injected"] == {THROTTLING: 1}
    assert box.world.calls_by_account[(SOURCE, "ListCopyJobs")] == 2


def test_each_account_has_its_own_bucket_and_sts_is_not_limited(
    limited: tuple[Any, FakeWall],
) -> None:
    source = session("sandbox-source")
    client = source.client("backup", config=NO_RETRIES)
    for _ in range(3):
        client.list_backup_vaults()
    with pytest.raises(ClientError):
        client.list_backup_vaults()
    assert source.client("sts").get_caller_identity()["Account"] == SOURCE
    dest = backup_client("sandbox-dest", NO_RETRIES)
    assert [bool(dest.list_backup_vaults()) for _ in range(3)] == [True] * 3


def test_botocore_retries_a_rate_throttled_call(limited: tuple[Any, FakeWall]) -> None:
    box, wall = limited
    retrying = backup_client(
        "sandbox-source", Config(retries={"mode": "standard", "total_max_attempts": 3})
    )
    for _ in range(3):
        retrying.list_backup_vaults()

    def backoff_took_a_second(**_: Any) -> None:
        wall.now += 1.0  # returns None: botocore's own handler still decides the retry

    retrying.meta.events.register("needs-retry.backup.ListBackupVaults", backoff_took_a_second)
    answer = retrying.list_backup_vaults()
    assert answer["ResponseMetadata"]["RetryAttempts"] == 1
    assert box.world.faults.injected == {THROTTLING: 1}


def test_each_region_has_its_own_bucket_and_the_tool_paces_and_counts_each_region_apart(
    make_sandbox: Callable[..., Any],
) -> None:
    """AWS rates an account's calls per Region: throttled in one Region, the other Region's
    calls go through, and the session's pacer and counters for that Region stay clean."""
    from shuffle_aws_vaults.infrastructure.aws_sessions import (
        AccountAccess,
        AccountSpec,
        RetrySettings,
    )
    from shuffle_aws_vaults.infrastructure.backup_gateway import Boto3BackupGateway

    faults = FaultConfig(api_rate=1.0, api_burst=2)
    box = make_sandbox(recovery_points=10, faults=faults, regions=("us-east-1", "eu-west-1"))
    wall = FakeWall()
    box.world.faults = FaultInjector(faults, box.config.seed, clock=wall)
    access = AccountAccess(
        AccountSpec("source", profile="sandbox-source"), RetrySettings("standard", 1)
    )
    east = Boto3BackupGateway(access, SOURCE, "us-east-1")
    west = Boto3BackupGateway(access, SOURCE, "eu-west-1")
    east_client = access.client("backup", "us-east-1")
    for _ in range(2):
        east_client.list_backup_vaults()
    with pytest.raises(ClientError):
        east_client.list_backup_vaults()
    for _ in range(2):  # a full bucket of its own
        access.client("backup", "eu-west-1").list_backup_vaults()
    assert (east.throttle_events, west.throttle_events) == (1, 0)
    assert access.throttles == 1
    assert set(access.pacers()) == {"us-east-1", "eu-west-1"}
    assert access.pacer_for("us-east-1") is not access.pacer_for("eu-west-1")
