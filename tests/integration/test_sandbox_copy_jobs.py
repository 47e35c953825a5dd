"""StartCopyJob and DescribeCopyJob through boto3: lifecycle, the copy, quotas, idempotency.

These run the sandbox's handlers in-process under moto's mock with the world's clock stopped
(ManualClock), so timings are exact and no test sleeps. The served path is covered by
test_sandbox_time_and_stats.py.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pytest
from botocore.exceptions import ClientError

from shuffle_aws_vaults.sandbox import SeedSpec
from shuffle_aws_vaults.sandbox.clock import ManualClock
from shuffle_aws_vaults.sandbox.server import stats

from . import (
    DEST,
    NO_RETRIES,
    REGION,
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

BANDWIDTH = 100 * 1024**2
OVERHEAD = 120.0


def duration(rp: dict[str, Any]) -> float:
    """How long the sandbox takes to copy `rp` with jitter 0 and default bandwidth."""
    return OVERHEAD + float(rp["BackupSizeInBytes"]) / BANDWIDTH


@dataclass
class Copying:
    box: Any
    clock: ManualClock
    source: Any

    @cached_property
    def dest(self) -> Any:
        """The destination account's client, made only by the tests that need it."""
        return backup_client("sandbox-dest", NO_RETRIES)

    @property
    def vaults(self) -> list[str]:
        return list(self.box.seeded.vaults)

    def points(self, vault: str | None = None, account: str = SOURCE) -> list[dict[str, Any]]:
        client = self.source if account == SOURCE else self.dest
        return list_recovery_points(client, vault or self.vaults[0])

    def distinct_resources(self, count: int, vault: str | None = None) -> list[dict[str, Any]]:
        """`count` recovery points, each of a different resource."""
        chosen: dict[str, dict[str, Any]] = {}
        for rp in self.points(vault):
            chosen.setdefault(rp["ResourceArn"], rp)
        assert len(chosen) >= count, "seed more recovery points"
        return list(chosen.values())[:count]

    def same_resource(self, count: int) -> list[dict[str, Any]]:
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for rp in self.points():
            groups[rp["ResourceArn"]].append(rp)
        group = max(groups.values(), key=len)
        assert len(group) >= count, "seed more recovery points"
        return group[:count]

    def start(self, rp: dict[str, Any], dest_vault: str | None = None, **kwargs: Any) -> str:
        answer = self.source.start_copy_job(
            RecoveryPointArn=rp["RecoveryPointArn"],
            SourceBackupVaultName=rp["BackupVaultName"],
            DestinationBackupVaultArn=vault_arn(DEST, dest_vault or rp["BackupVaultName"]),
            IamRoleArn=ROLE,
            **kwargs,
        )
        return str(answer["CopyJobId"])

    def job(self, job_id: str) -> dict[str, Any]:
        return dict(self.source.describe_copy_job(CopyJobId=job_id)["CopyJob"])

    def state(self, job_id: str) -> str:
        return str(self.job(job_id)["State"])

    def jobs(self, **filters: Any) -> list[dict[str, Any]]:
        return list_copy_jobs(self.source, **filters)

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)


@pytest.fixture
def make_copying(make_sandbox: Callable[..., Any]) -> Callable[..., Copying]:
    def build(recovery_points: int = 120, **config: Any) -> Copying:
        config.setdefault("jitter", 0.0)
        spec = SeedSpec(recovery_points=recovery_points, vaults=2, edge_case_share=0.0)
        box = make_sandbox(serve=False, spec=spec, **config)
        clock = ManualClock(start=math.ceil(box.world.now()))
        box.world.clock = clock
        source = backup_client("sandbox-source", NO_RETRIES)
        return Copying(box, clock, source)

    return build


# -- lifecycle ---------------------------------------------------------------------------------


def test_a_copy_job_goes_created_running_completed_on_the_simulated_clock(
    make_copying: Callable[..., Copying],
) -> None:
    env = make_copying()
    first_rp, second_rp = env.same_resource(2)
    first, second = env.start(first_rp), env.start(second_rp)
    # One job per resource at a time: the second waits in CREATED.
    assert (env.state(first), env.state(second)) == ("RUNNING", "CREATED")
    env.advance(duration(first_rp) - 1)
    assert (env.state(first), env.state(second)) == ("RUNNING", "CREATED")
    env.advance(1)
    assert (env.state(first), env.state(second)) == ("COMPLETED", "RUNNING")
    env.advance(duration(second_rp))
    assert env.state(second) == "COMPLETED"
    done = env.job(second)
    elapsed = (done["CompletionDate"] - done["CreationDate"]).total_seconds()
    assert elapsed == pytest.approx(duration(first_rp) + duration(second_rp), abs=0.002)


def test_start_copy_job_answers_the_job_id_and_its_creation_date(
    make_copying: Callable[..., Copying],
) -> None:
    env = make_copying()
    rp = env.points()[0]
    answer = env.source.start_copy_job(
        RecoveryPointArn=rp["RecoveryPointArn"],
        SourceBackupVaultName=rp["BackupVaultName"],
        DestinationBackupVaultArn=vault_arn(DEST, rp["BackupVaultName"]),
        IamRoleArn=ROLE,
    )
    assert answer["IsParent"] is False
    assert answer["CreationDate"].timestamp() == env.clock.now()
    described = env.job(answer["CopyJobId"])
    assert described["CopyJobId"] == answer["CopyJobId"]
    assert described["CreationDate"] == answer["CreationDate"]


def test_the_copy_lands_in_the_destination_account_with_a_new_arn_and_the_source_facts(
    make_copying: Callable[..., Copying],
) -> None:
    env = make_copying()
    vault = env.vaults[0]
    rp = env.distinct_resources(1)[0]
    job_id = env.start(rp)
    assert env.points(vault, account=DEST) == []
    env.advance(duration(rp))
    job = env.job(job_id)
    [copy] = env.points(vault, account=DEST)
    assert job["State"] == "COMPLETED"
    assert job["DestinationRecoveryPointArn"] == copy["RecoveryPointArn"]
    assert copy["RecoveryPointArn"] != rp["RecoveryPointArn"]
    for field in ("ResourceArn", "ResourceType", "CreationDate", "BackupSizeInBytes"):
        assert copy[field] == rp[field], field
    assert copy["SourceBackupVaultArn"] == rp["BackupVaultArn"]
    assert copy["BackupVaultArn"] == vault_arn(DEST, vault)
    assert copy["Lifecycle"] == rp["Lifecycle"]
    assert copy["CalculatedLifecycle"]["DeleteAt"] == rp["CalculatedLifecycle"]["DeleteAt"]
    assert copy["EncryptionKeyArn"].startswith(f"arn:aws:kms:{REGION}:{DEST}:key/")
    described = env.dest.describe_recovery_point(
        BackupVaultName=vault, RecoveryPointArn=copy["RecoveryPointArn"]
    )
    assert described["StorageClass"] == "WARM"
    listed = env.dest.list_backup_vaults()["BackupVaultList"]
    assert {v["BackupVaultName"]: v["NumberOfRecoveryPoints"] for v in listed}[vault] == 1
    # Nothing in the copy points back at the source recovery point: only the job does.
    assert rp["RecoveryPointArn"] not in str(copy)


def test_a_lifecycle_in_the_request_is_the_retention_of_the_copy(
    make_copying: Callable[..., Copying],
) -> None:
    env = make_copying()
    rp = env.distinct_resources(1)[0]
    lifecycle = {"DeleteAfterDays": 730}
    job_id = env.start(rp, Lifecycle=lifecycle)
    env.advance(duration(rp))
    assert env.job(job_id)["DestinationRecoveryPointLifecycle"] == lifecycle
    [copy] = env.points(rp["BackupVaultName"], account=DEST)
    assert copy["Lifecycle"] == lifecycle


def test_describing_an_unknown_copy_job_is_not_found(make_copying: Callable[..., Copying]) -> None:
    env = make_copying(recovery_points=5)
    with pytest.raises(ClientError) as refused:
        env.job("00000000-0000-4000-A000-000000000000")
    assert error_code(refused) == "ResourceNotFoundException"


def test_copy_jobs_belong_to_the_source_account(make_copying: Callable[..., Copying]) -> None:
    env = make_copying()
    job_id = env.start(env.points()[0])
    assert env.job(job_id)["AccountId"] == SOURCE
    assert env.dest.list_copy_jobs()["CopyJobs"] == []
    with pytest.raises(ClientError) as refused:
        env.dest.describe_copy_job(CopyJobId=job_id)
    assert error_code(refused) == "ResourceNotFoundException"


# -- quotas --------------------------------------------------------------------------------------


def test_at_quota_in_reject_mode_start_copy_job_answers_limit_exceeded(
    make_copying: Callable[..., Copying],
) -> None:
    env = make_copying(copy_quota=3, at_quota="reject")
    rps = env.distinct_resources(5)
    started = [env.start(rp) for rp in rps[:3]]
    with pytest.raises(ClientError) as refused:
        env.start(rps[3])
    assert error_code(refused) == "LimitExceededException"
    assert http_status(refused) == 400
    assert len(env.jobs()) == 3
    env.advance(min(duration(rp) for rp in rps[:3]))
    assert "COMPLETED" in {env.state(job) for job in started}
    assert env.state(env.start(rps[3])) == "RUNNING"
    assert env.box.world.books[(SOURCE, REGION)].queue.peak_running == 3


def test_at_quota_in_queue_mode_jobs_are_accepted_and_wait_in_created(
    make_copying: Callable[..., Copying],
) -> None:
    env = make_copying(copy_quota=3, at_quota="queue")
    rps = env.distinct_resources(8)
    started = [env.start(rp) for rp in rps]
    assert [env.state(job) for job in started] == ["RUNNING"] * 3 + ["CREATED"] * 5
    while len(env.jobs(ByState="COMPLETED")) < len(rps):
        env.advance(300)
        assert len(env.jobs(ByState="RUNNING")) <= 3
    assert env.box.world.books[(SOURCE, REGION)].queue.peak_running == 3
    assert stats(env.box.world)["peak_running"] == 3
    assert len(env.points(env.vaults[0], account=DEST)) == 8


def test_a_second_job_for_the_same_resource_waits_in_created_until_the_first_ends(
    make_copying: Callable[..., Copying],
) -> None:
    env = make_copying(copy_quota=50)
    first_rp, second_rp = env.same_resource(2)
    other_rp = next(rp for rp in env.points() if rp["ResourceArn"] != first_rp["ResourceArn"])
    first, second, other = env.start(first_rp), env.start(second_rp), env.start(other_rp)
    assert [env.state(j) for j in (first, second, other)] == ["RUNNING", "CREATED", "RUNNING"]
    env.advance(duration(first_rp))
    assert env.state(first) == "COMPLETED"
    assert env.state(second) == "RUNNING"


# -- idempotency ---------------------------------------------------------------------------------


def test_the_same_idempotency_token_and_parameters_give_the_same_job_and_no_second_one(
    make_copying: Callable[..., Copying],
) -> None:
    env = make_copying()
    rp = env.points()[0]
    first = env.start(rp, IdempotencyToken="migrate-rp-1")
    env.advance(10)
    again = env.start(rp, IdempotencyToken="migrate-rp-1")
    assert again == first
    assert [j["CopyJobId"] for j in env.jobs()] == [first]
    assert env.box.world.calls["StartCopyJob"] == 2


def test_the_same_idempotency_token_with_other_parameters_is_refused(
    make_copying: Callable[..., Copying],
) -> None:
    env = make_copying()
    rp, other = env.distinct_resources(2)
    env.start(rp, IdempotencyToken="migrate-rp-1")
    with pytest.raises(ClientError) as refused:
        env.start(other, IdempotencyToken="migrate-rp-1")
    assert error_code(refused) == "InvalidParameterValueException"
    with pytest.raises(ClientError) as refused:
        env.start(rp, IdempotencyToken="migrate-rp-1", Lifecycle={"DeleteAfterDays": 90})
    assert error_code(refused) == "InvalidParameterValueException"
    assert len(env.jobs()) == 1


def test_without_a_token_botocore_sends_a_new_one_each_call_so_each_call_is_a_new_job(
    make_copying: Callable[..., Copying],
) -> None:
    env = make_copying()
    rp = env.points()[0]
    first, second = env.start(rp), env.start(rp)
    assert first != second
    assert len(env.jobs(BySourceRecoveryPointArn=rp["RecoveryPointArn"])) == 2
