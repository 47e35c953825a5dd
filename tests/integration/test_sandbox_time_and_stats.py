"""A served sandbox with a running simulated clock: hours in seconds, quotas, call counters."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botocore.exceptions import ClientError

from shuffle_aws_vaults.sandbox import SeedSpec, stats
from shuffle_aws_vaults.sandbox.clock import ManualClock, SimClock

from . import (
    DEST,
    NO_RETRIES,
    REGION,
    ROLE,
    SOURCE,
    backup_client,
    list_copy_jobs,
    list_recovery_points,
    vault_arn,
)

pytestmark = pytest.mark.integration

HOUR = 3600.0
MIB = 1024**2
SCALE = 100_000.0  # a bit more than a day a second


def control(box: Any, path: str) -> Any:
    url = f"{box.endpoint_url}/_sandbox/{path}"
    with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310
        return json.loads(answer.read())


def wait_for(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_the_simulated_clock_runs_time_scale_times_faster_than_the_wall(
    make_sandbox: Callable[..., Any],
) -> None:
    box = make_sandbox(recovery_points=5, time_scale=3600.0)
    before_wall = time.time()
    sim_start = box.world.now()
    after_wall = time.time()
    time.sleep(0.05)
    end_before = time.time()
    sim_end = box.world.now()
    end_after = time.time()
    assert (end_before - after_wall) * 3600.0 <= sim_end - sim_start
    assert sim_end - sim_start <= (end_after - before_wall) * 3600.0
    assert sim_end - sim_start >= 0.05 * 3600.0


def test_a_copy_that_takes_hours_of_simulated_time_completes_in_seconds(
    make_sandbox: Callable[..., Any],
) -> None:
    box = make_sandbox(
        spec=SeedSpec(recovery_points=40, vaults=1, edge_case_share=0.0),
        time_scale=SCALE,
        bandwidth_bytes_per_second=10 * MIB,
    )
    client = backup_client("sandbox-source", NO_RETRIES)
    vault = box.seeded.vaults[0]
    biggest = max(list_recovery_points(client, vault), key=lambda rp: rp["BackupSizeInBytes"])
    assert biggest["BackupSizeInBytes"] / (10 * MIB) > 2 * HOUR
    started = time.monotonic()
    job_id = client.start_copy_job(
        RecoveryPointArn=biggest["RecoveryPointArn"],
        SourceBackupVaultName=vault,
        DestinationBackupVaultArn=vault_arn(DEST, vault),
        IamRoleArn=ROLE,
    )["CopyJobId"]
    assert client.describe_copy_job(CopyJobId=job_id)["CopyJob"]["State"] == "RUNNING"

    def completed() -> bool:
        job = client.describe_copy_job(CopyJobId=job_id)["CopyJob"]
        return bool(job["State"] == "COMPLETED")

    wait_for(completed)
    wall = time.monotonic() - started
    job = client.describe_copy_job(CopyJobId=job_id)["CopyJob"]
    simulated = (job["CompletionDate"] - job["CreationDate"]).total_seconds()
    assert simulated > 2 * HOUR
    assert wall < 5.0
    assert wall >= simulated / SCALE


def test_a_served_sandbox_never_runs_more_than_the_quota_and_drains_its_queue(
    make_sandbox: Callable[..., Any],
) -> None:
    # Every copy lasts 1000 simulated seconds (no jitter, bandwidth beyond measure): 0.05 s of
    # wall time at this scale, so the ten jobs drain in four waves within a fraction of a second.
    box = make_sandbox(
        spec=SeedSpec(recovery_points=60, vaults=1, edge_case_share=0.0),
        copy_quota=3,
        at_quota="queue",
        jitter=0.0,
        job_overhead_seconds=1000.0,
        bandwidth_bytes_per_second=1e18,
    )
    frozen = ManualClock(start=box.world.now())
    box.world.clock = frozen  # nothing ends while the jobs are submitted
    client = backup_client("sandbox-source", NO_RETRIES)
    vault = box.seeded.vaults[0]
    firsts: dict[str, dict[str, Any]] = {}
    for rp in list_recovery_points(client, vault):
        firsts.setdefault(rp["ResourceArn"], rp)
    for rp in list(firsts.values())[:10]:
        client.start_copy_job(
            RecoveryPointArn=rp["RecoveryPointArn"],
            SourceBackupVaultName=vault,
            DestinationBackupVaultArn=vault_arn(DEST, vault),
            IamRoleArn=ROLE,
        )
    assert len(list_copy_jobs(client, ByState="RUNNING")) == 3
    assert len(list_copy_jobs(client, ByState="CREATED")) == 7
    box.world.clock = SimClock(20_000.0, start=frozen.now())  # and now time runs

    def drained() -> bool:
        assert len(list_copy_jobs(client, ByState="RUNNING")) <= 3
        return bool(control(box, "stats")["jobs_by_state"] == {"COMPLETED": 10})

    wait_for(drained)
    report = control(box, "stats")
    assert report["peak_running"] == 3
    assert box.world.books[(SOURCE, REGION)].queue.peak_running == 3
    assert report["recovery_points"][f"{DEST}/{REGION}/{vault}"] == 10
    ends = sorted(job["CompletionDate"] for job in list_copy_jobs(client))
    waves = sorted({round((end - ends[0]).total_seconds()) for end in ends})
    assert waves == [0, 1000, 2000, 3000]


def test_calls_are_counted_per_operation_in_the_world_the_stats_and_the_control_path(
    make_sandbox: Callable[..., Any],
) -> None:
    # Real time: the job runs for minutes (at the fixture's 3600x it could end before the stats
    # are read on a loaded machine).
    box = make_sandbox(
        spec=SeedSpec(recovery_points=10, vaults=1, edge_case_share=0.0), time_scale=1.0
    )
    source = backup_client("sandbox-source", NO_RETRIES)
    dest = backup_client("sandbox-dest", NO_RETRIES)
    vault = box.seeded.vaults[0]
    for _ in range(3):
        source.list_backup_vaults()
    dest.list_backup_vaults()
    points = list_recovery_points(source, vault)
    list_recovery_points(source, vault, ByResourceType="EBS")
    source.describe_recovery_point(
        BackupVaultName=vault, RecoveryPointArn=points[0]["RecoveryPointArn"]
    )
    job_id = source.start_copy_job(
        RecoveryPointArn=points[0]["RecoveryPointArn"],
        SourceBackupVaultName=vault,
        DestinationBackupVaultArn=vault_arn(DEST, vault),
        IamRoleArn=ROLE,
    )["CopyJobId"]
    source.describe_copy_job(CopyJobId=job_id)
    with pytest.raises(ClientError):
        source.describe_copy_job(CopyJobId="no-such-job")  # refused calls count too
    list_copy_jobs(source)
    expected = {
        "ListBackupVaults": 4,
        "ListRecoveryPointsByBackupVault": 2,
        "DescribeRecoveryPoint": 1,
        "StartCopyJob": 1,
        "DescribeCopyJob": 2,
        "ListCopyJobs": 1,
    }
    assert box.world.calls == Counter(expected)
    assert box.world.calls_by_account[(SOURCE, "ListBackupVaults")] == 3
    assert box.world.calls_by_account[(DEST, "ListBackupVaults")] == 1
    assert stats(box.world)["calls"] == expected
    report = control(box, "stats")
    assert report["calls"] == expected
    assert report["jobs_by_state"] == {"RUNNING": 1}
    assert [job["CopyJobId"] for job in control(box, "copy-jobs")] == [job_id]
    assert box.world.calls == Counter(expected), "the control path is not a Backup call"


def test_an_unknown_control_path_is_a_404(make_sandbox: Callable[..., Any]) -> None:
    box = make_sandbox(recovery_points=5)
    with pytest.raises(urllib.error.HTTPError) as missing:
        control(box, "reset")
    assert missing.value.code == 404


def test_concurrent_clients_over_http_lose_no_job_break_no_quota_and_share_one_token(
    make_sandbox: Callable[..., Any],
) -> None:
    box = make_sandbox(
        spec=SeedSpec(recovery_points=60, vaults=1, edge_case_share=0.0), copy_quota=5
    )
    clock = ManualClock(start=box.world.now())
    box.world.clock = clock
    vault = box.seeded.vaults[0]
    reader = backup_client("sandbox-source", NO_RETRIES)
    points = list_recovery_points(reader, vault)[:48]
    clients = [backup_client("sandbox-source", NO_RETRIES) for _ in range(6)]

    def request(rp: dict[str, Any], **extra: Any) -> dict[str, Any]:
        return {
            "RecoveryPointArn": rp["RecoveryPointArn"],
            "SourceBackupVaultName": vault,
            "DestinationBackupVaultArn": vault_arn(DEST, vault),
            "IamRoleArn": ROLE,
            **extra,
        }

    def submit(index: int) -> list[str]:
        client = clients[index]
        ids = [client.start_copy_job(**request(rp))["CopyJobId"] for rp in points[index::6]]
        shared = request(points[0], IdempotencyToken="one-token-for-all")
        ids.append(client.start_copy_job(**shared)["CopyJobId"])
        return ids

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(submit, range(6)))
    shared_ids = {ids[-1] for ids in answers}
    assert len(shared_ids) == 1  # six racing calls with one token made one job
    own_ids = [job_id for ids in answers for job_id in ids[:-1]]
    assert len(set(own_ids)) == 48
    jobs = list_copy_jobs(reader)
    assert {job["CopyJobId"] for job in jobs} == {*own_ids, *shared_ids}
    assert box.world.calls["StartCopyJob"] == 54
    assert len([job for job in jobs if job["State"] == "RUNNING"]) == 5
    clock.advance(30 * 86400.0)
    assert {job["State"] for job in list_copy_jobs(reader)} == {"COMPLETED"}
    copies = list_recovery_points(backup_client("sandbox-dest", NO_RETRIES), vault)
    assert len({rp["RecoveryPointArn"] for rp in copies}) == 49
    assert control(box, "stats")["peak_running"] == 5
