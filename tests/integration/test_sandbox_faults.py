"""Injected faults, as boto3 sees them, and their determinism under a seed.

Request faults (throttling, unavailable, dropped connections) are decided per operation by a
hash of (seed, operation, call number): a fresh FaultInjector with the same settings predicts
every outcome, which is what "deterministic" means here.
"""

from __future__ import annotations

import json
import math
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError

from shuffle_aws_vaults.sandbox import (
    FaultConfig,
    Sandbox,
    SandboxConfig,
    SeedSpec,
    messages,
    stats,
)
from shuffle_aws_vaults.sandbox.clock import ManualClock
from shuffle_aws_vaults.sandbox.faults import DROP, THROTTLING, UNAVAILABLE, FaultInjector

from . import (
    DEST,
    NO_RETRIES,
    ROLE,
    SOURCE,
    backup_client,
    error_code,
    http_status,
    list_copy_jobs,
    list_recovery_points,
    vault_arn,
)

pytestmark = pytest.mark.integration

REQUEST_FAULTS = FaultConfig(throttle_rate=0.25, unavailable_rate=0.15)
EXPECTED_CODE = {THROTTLING: "ThrottlingException", UNAVAILABLE: "ServiceUnavailableException"}


def predicted(config: FaultConfig, seed: int, operation: str, count: int) -> list[str | None]:
    injector = FaultInjector(config, seed)
    return [injector.request_fault(operation) for _ in range(count)]


def outcomes(client: Any, count: int) -> list[str]:
    """'ok' or the error code of `count` ListBackupVaults calls, each a single attempt."""
    seen = []
    for _ in range(count):
        try:
            client.list_backup_vaults()
            seen.append("ok")
        except ClientError as exc:
            seen.append(exc.response["Error"]["Code"])
    return seen


def first_seed(config: FaultConfig, **patterns: list[str | None]) -> int:
    """The smallest seed whose first calls of each operation meet its pattern."""
    return next(
        seed
        for seed in range(1, 10_000)
        if all(
            predicted(config, seed, operation, len(pattern)) == pattern
            for operation, pattern in patterns.items()
        )
    )


def test_throttling_and_unavailable_surface_as_aws_errors_when_retries_are_off(
    make_sandbox: Callable[..., Any],
) -> None:
    box = make_sandbox(recovery_points=10, seed=7, faults=REQUEST_FAULTS)
    client = backup_client("sandbox-source", NO_RETRIES)
    seen: list[str] = []
    statuses: dict[str, int] = {}
    for _ in range(40):
        try:
            client.list_backup_vaults()
            seen.append("ok")
        except ClientError as exc:
            seen.append(exc.response["Error"]["Code"])
            statuses[seen[-1]] = exc.response["ResponseMetadata"]["HTTPStatusCode"]
    faults = predicted(REQUEST_FAULTS, 7, "ListBackupVaults", 40)
    assert seen == [EXPECTED_CODE.get(fault or "", "ok") for fault in faults]
    assert statuses == {"ThrottlingException": 400, "ServiceUnavailableException": 500}
    assert "ok" in seen
    assert box.world.faults.injected == {
        THROTTLING: seen.count("ThrottlingException"),
        UNAVAILABLE: seen.count("ServiceUnavailableException"),
    }
    assert box.world.calls["ListBackupVaults"] == 40


def test_botocore_retries_the_sandbox_throttling_and_unavailable_errors_as_transient(
    make_sandbox: Callable[..., Any],
) -> None:
    seed = first_seed(REQUEST_FAULTS, ListBackupVaults=[THROTTLING, UNAVAILABLE, None])
    make_sandbox(recovery_points=5, serve=False, seed=seed, faults=REQUEST_FAULTS)
    # botocore's `max_attempts` counts retries: 2 means three attempts in all.
    client = backup_client(
        "sandbox-source", Config(retries={"mode": "standard", "max_attempts": 2})
    )
    answer = client.list_backup_vaults()
    assert answer["ResponseMetadata"]["RetryAttempts"] == 2
    assert answer["BackupVaultList"]


def test_the_same_seed_gives_the_same_outcomes_and_another_seed_others(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def run(seed: int) -> list[str]:
        config = SandboxConfig(seed=seed, faults=REQUEST_FAULTS)
        spec = SeedSpec(recovery_points=5)
        box = Sandbox(config, spec, workdir=tmp_path / str(seed), serve=False)
        with box, monkeypatch.context() as patch:
            for key, value in box.env().items():
                patch.setenv(key, value)
            return outcomes(backup_client("sandbox-source", NO_RETRIES), 30)

    first = run(11)
    assert run(11) == first
    assert run(12) != first
    assert "ok" in first
    assert len(set(first)) > 1


def test_a_dropped_connection_loses_the_answer_but_the_copy_job_was_created(
    make_sandbox: Callable[..., Any],
) -> None:
    faults = FaultConfig(drop_rate=0.5)
    seed = first_seed(
        faults,
        ListRecoveryPointsByBackupVault=[None],
        StartCopyJob=[DROP, None],
        ListCopyJobs=[None],
    )
    box = make_sandbox(
        spec=SeedSpec(recovery_points=10, vaults=1, edge_case_share=0.0), seed=seed, faults=faults
    )
    client = backup_client("sandbox-source", NO_RETRIES)
    rp = list_recovery_points(client, box.seeded.vaults[0])[0]
    request = {
        "RecoveryPointArn": rp["RecoveryPointArn"],
        "SourceBackupVaultName": rp["BackupVaultName"],
        "DestinationBackupVaultArn": vault_arn(DEST, rp["BackupVaultName"]),
        "IamRoleArn": ROLE,
        "IdempotencyToken": "copy-" + rp["RecoveryPointArn"][-12:],
    }
    with pytest.raises(ConnectionClosedError):
        client.start_copy_job(**request)
    with urllib.request.urlopen(f"{box.endpoint_url}/_sandbox/copy-jobs") as answer:  # noqa: S310
        created = json.loads(answer.read())
    assert [job["SourceRecoveryPointArn"] for job in created] == [rp["RecoveryPointArn"]]
    # Retrying with the same token reconciles: the same job, not a second copy.
    retried = client.start_copy_job(**request)
    assert retried["CopyJobId"] == created[0]["CopyJobId"]
    assert len(list_copy_jobs(client)) == 1
    assert box.world.faults.injected[DROP] == 1
    assert box.world.calls["StartCopyJob"] == 2


def test_botocore_retries_a_dropped_start_copy_job_with_its_own_token_so_one_job_results(
    make_sandbox: Callable[..., Any],
) -> None:
    faults = FaultConfig(drop_rate=0.5)
    seed = first_seed(
        faults,
        ListRecoveryPointsByBackupVault=[None],
        StartCopyJob=[DROP, None],
        ListCopyJobs=[None],
    )
    box = make_sandbox(
        spec=SeedSpec(recovery_points=10, vaults=1, edge_case_share=0.0), seed=seed, faults=faults
    )
    retrying = Config(retries={"mode": "standard", "total_max_attempts": 3})
    client = backup_client("sandbox-source", retrying)
    rp = list_recovery_points(client, box.seeded.vaults[0])[0]
    answer = client.start_copy_job(
        RecoveryPointArn=rp["RecoveryPointArn"],
        SourceBackupVaultName=rp["BackupVaultName"],
        DestinationBackupVaultArn=vault_arn(DEST, rp["BackupVaultName"]),
        IamRoleArn=ROLE,
    )
    assert answer["ResponseMetadata"]["RetryAttempts"] == 1
    assert [job["CopyJobId"] for job in list_copy_jobs(client)] == [answer["CopyJobId"]]


def test_a_dropped_read_is_carried_out_and_counted(make_sandbox: Callable[..., Any]) -> None:
    faults = FaultConfig(drop_rate=0.5)
    seed = first_seed(faults, ListBackupVaults=[DROP, DROP, None])
    box = make_sandbox(recovery_points=10, seed=seed, faults=faults)
    client = backup_client("sandbox-source", NO_RETRIES)
    for _ in range(2):
        with pytest.raises(ConnectionClosedError):
            client.list_backup_vaults()
    assert client.list_backup_vaults()["BackupVaultList"]
    assert box.world.calls["ListBackupVaults"] == 3
    assert stats(box.world)["faults_injected"] == {DROP: 2}


@pytest.fixture
def failing(make_sandbox: Callable[..., Any]) -> tuple[Any, ManualClock, Any, FaultConfig]:
    faults = FaultConfig(job_failure_rate=0.4)
    box = make_sandbox(
        spec=SeedSpec(recovery_points=80, vaults=1, edge_case_share=0.0),
        serve=False,
        seed=5,
        jitter=0.0,
        faults=faults,
    )
    clock = ManualClock(start=math.ceil(box.world.now()))
    box.world.clock = clock
    return box, clock, backup_client("sandbox-source", NO_RETRIES), faults


def test_copy_jobs_fail_at_the_job_failure_rate_on_the_recovery_points_the_seed_picks(
    failing: tuple[Any, ManualClock, Any, FaultConfig],
) -> None:
    box, clock, client, faults = failing
    vault = box.seeded.vaults[0]
    points = list_recovery_points(client, vault)
    for rp in points:
        client.start_copy_job(
            RecoveryPointArn=rp["RecoveryPointArn"],
            SourceBackupVaultName=vault,
            DestinationBackupVaultArn=vault_arn(DEST, vault),
            IamRoleArn=ROLE,
        )
    clock.advance(30 * 86400.0)
    jobs = list_copy_jobs(client)
    assert {job["State"] for job in jobs} == {"COMPLETED", "FAILED"}
    injector = FaultInjector(faults, 5)
    failed = {job["SourceRecoveryPointArn"] for job in jobs if job["State"] == "FAILED"}
    picked = {
        rp["RecoveryPointArn"] for rp in points if injector.job_fails(rp["RecoveryPointArn"], 1)
    }
    assert failed == picked
    assert 0.2 < len(failed) / len(points) < 0.6
    for job in jobs:
        if job["State"] == "FAILED":
            assert job["StatusMessage"] == messages.TRANSIENT_FAILURE
            assert "DestinationRecoveryPointArn" not in job
    dest = backup_client("sandbox-dest", NO_RETRIES)
    landed = list_recovery_points(dest, vault)
    assert len(landed) == len(points) - len(failed)


def test_a_transiently_failed_job_ends_early_and_a_retry_is_a_fresh_draw(
    failing: tuple[Any, ManualClock, Any, FaultConfig],
) -> None:
    box, clock, client, faults = failing
    vault = box.seeded.vaults[0]
    injector = FaultInjector(faults, 5)
    points = list_recovery_points(client, vault)
    rp = next(
        p
        for p in points
        if injector.job_fails(p["RecoveryPointArn"], 1)
        and not injector.job_fails(p["RecoveryPointArn"], 2)
    )
    full = 120.0 + rp["BackupSizeInBytes"] / (100 * 1024**2)

    def copy() -> dict[str, Any]:
        job_id = client.start_copy_job(
            RecoveryPointArn=rp["RecoveryPointArn"],
            SourceBackupVaultName=vault,
            DestinationBackupVaultArn=vault_arn(DEST, vault),
            IamRoleArn=ROLE,
        )["CopyJobId"]
        clock.advance(full)
        return dict(client.describe_copy_job(CopyJobId=job_id)["CopyJob"])

    first = copy()
    assert first["State"] == "FAILED"
    took = (first["CompletionDate"] - first["CreationDate"]).total_seconds()
    assert took == pytest.approx(full / 4, abs=0.002)
    assert copy()["State"] == "COMPLETED"


def test_assumed_role_credentials_expire_after_their_ttl_until_the_role_is_assumed_again(
    make_sandbox: Callable[..., Any],
) -> None:
    box = make_sandbox(
        recovery_points=5, serve=False, faults=FaultConfig(credential_ttl_seconds=3600)
    )
    clock = ManualClock(start=math.ceil(box.world.now()))
    box.world.clock = clock
    old = backup_client("sandbox-source", NO_RETRIES)
    old.list_backup_vaults()  # the credentials' first use starts their clock
    clock.advance(3600)
    old.list_backup_vaults()
    clock.advance(1)
    with pytest.raises(ClientError) as expired:
        old.list_backup_vaults()
    assert error_code(expired) == "ExpiredTokenException"
    assert http_status(expired) == 400
    fresh = backup_client("sandbox-source", NO_RETRIES)  # a new session assumes the role anew
    assert fresh.list_backup_vaults()["BackupVaultList"]
    dest = backup_client("sandbox-dest", NO_RETRIES)
    assert dest.list_backup_vaults()["BackupVaultList"]
    with pytest.raises(ClientError):
        old.list_backup_vaults()
    assert box.world.calls_by_account[(SOURCE, "ListBackupVaults")] == 5
