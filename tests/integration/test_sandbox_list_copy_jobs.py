"""ListCopyJobs through boto3: every filter agrees with filtering the full listing in Python.

One in-process sandbox serves the module, read-only: jobs in every state (CREATED, RUNNING,
COMPLETED, FAILED), to three destination vaults, created at three different simulated times.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from shuffle_aws_vaults.sandbox import Sandbox, SandboxConfig, SeedSpec
from shuffle_aws_vaults.sandbox.clock import ManualClock

from . import (
    DEST,
    NO_RETRIES,
    ROLE,
    SOURCE,
    backup_client,
    error_code,
    list_copy_jobs,
    list_recovery_points,
    vault_arn,
)

pytestmark = pytest.mark.integration


@dataclass
class Busy:
    box: Sandbox
    source: Any
    middle: datetime

    @property
    def vaults(self) -> list[str]:
        assert self.box.seeded is not None
        return list(self.box.seeded.vaults)

    def jobs(self, **filters: Any) -> list[dict[str, Any]]:
        return list_copy_jobs(self.source, **filters)


@pytest.fixture(scope="module")
def busy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Busy]:
    spec = SeedSpec(recovery_points=150, vaults=2, edge_case_share=0.0)
    config = SandboxConfig(copy_quota=4, jitter=0.0)
    box = Sandbox(config, spec, workdir=tmp_path_factory.mktemp("jobs"), serve=False).start()
    try:
        assert box.world is not None
        clock = ManualClock(start=math.ceil(box.world.now()))
        box.world.clock = clock
        with pytest.MonkeyPatch.context() as patch:
            for key, value in box.env().items():
                patch.setenv(key, value)
            source = backup_client("sandbox-source", NO_RETRIES)
            source.list_backup_vaults()  # assume the role while the env points at the sandbox
        busy = Busy(box, source, _make_jobs(box, source, clock))
        states = {job["State"] for job in busy.jobs()}
        assert states == {"CREATED", "RUNNING", "COMPLETED", "FAILED"}, states
        yield busy
    finally:
        box.stop()


def _make_jobs(box: Sandbox, source: Any, clock: ManualClock) -> datetime:
    """13 jobs; returns the simulated time at which the middle five were created."""
    assert box.seeded is not None
    first_vault, second_vault = box.seeded.vaults

    def points(vault: str) -> list[dict[str, Any]]:
        return list_recovery_points(source, vault)

    def one_per_resource(vault: str, count: int) -> list[dict[str, Any]]:
        chosen: dict[str, dict[str, Any]] = {}
        for rp in points(vault):
            chosen.setdefault(rp["ResourceArn"], rp)
        return list(chosen.values())[:count]

    def start(rp: dict[str, Any], dest_vault: str | None = None) -> None:
        source.start_copy_job(
            RecoveryPointArn=rp["RecoveryPointArn"],
            SourceBackupVaultName=rp["BackupVaultName"],
            DestinationBackupVaultArn=vault_arn(DEST, dest_vault or rp["BackupVaultName"]),
            IamRoleArn=ROLE,
        )

    groups: dict[str, list[dict[str, Any]]] = {}
    for rp in points(first_vault):
        groups.setdefault(rp["ResourceArn"], []).append(rp)
    pairs = [group for group in groups.values() if len(group) >= 2][:5]
    assert len(pairs) == 5
    for group in pairs:
        start(group[0])  # four RUNNING (the quota), one CREATED
    clock.advance(60)
    middle = datetime.fromtimestamp(clock.now()).astimezone()
    for rp in one_per_resource(second_vault, 4):
        start(rp)
    start(points(second_vault)[-1], dest_vault="no-such-vault")  # FAILS at once
    clock.advance(60)
    for group in pairs[:3]:
        start(group[1])  # waits in CREATED behind the job of its resource
    clock.advance(400)  # the smallest jobs end, waiting ones start in the freed slots
    return middle


def test_list_copy_jobs_pages_through_every_job_once_in_creation_order(
    busy: Busy,
) -> None:
    env = busy
    everything = env.jobs()
    assert len(everything) == 13
    paged = env.jobs(PaginationConfig={"PageSize": 3})
    assert [j["CopyJobId"] for j in paged] == [j["CopyJobId"] for j in everything]
    first = env.source.list_copy_jobs(MaxResults=5)
    assert len(first["CopyJobs"]) == 5
    assert first["NextToken"]
    dates = [j["CreationDate"] for j in everything]
    assert dates == sorted(dates)
    with pytest.raises(ClientError) as refused:
        env.source.list_copy_jobs(MaxResults=1001)
    assert error_code(refused) == "InvalidParameterValueException"


@pytest.mark.parametrize("state", ["CREATED", "RUNNING", "COMPLETED", "FAILED"])
def test_list_copy_jobs_by_state_agrees_with_filtering_every_job(busy: Busy, state: str) -> None:
    env = busy
    expected = [j["CopyJobId"] for j in env.jobs() if j["State"] == state]
    assert expected
    assert [j["CopyJobId"] for j in env.jobs(ByState=state)] == expected


def test_list_copy_jobs_by_creation_time_agrees_with_filtering_every_job(
    busy: Busy,
) -> None:
    env, middle = busy, busy.middle
    everything = env.jobs()
    after = [j["CopyJobId"] for j in everything if j["CreationDate"] > middle]
    before = [j["CopyJobId"] for j in everything if j["CreationDate"] < middle]
    assert (len(before), len(after)) == (5, 3)  # the 5 jobs created at `middle` are neither
    assert [j["CopyJobId"] for j in env.jobs(ByCreatedAfter=middle)] == after
    assert [j["CopyJobId"] for j in env.jobs(ByCreatedBefore=middle)] == before


def test_list_copy_jobs_by_destination_vault_agrees_with_filtering_every_job(
    busy: Busy,
) -> None:
    env = busy
    everything = env.jobs()
    for name in [*env.vaults, "no-such-vault"]:
        arn = vault_arn(DEST, name)
        expected = [j["CopyJobId"] for j in everything if j["DestinationBackupVaultArn"] == arn]
        assert expected
        assert [j["CopyJobId"] for j in env.jobs(ByDestinationVaultArn=arn)] == expected


def test_list_copy_jobs_by_source_recovery_point_and_resource_agree_with_filtering(
    busy: Busy,
) -> None:
    env = busy
    everything = env.jobs()
    for job in everything[::4]:
        arn = job["SourceRecoveryPointArn"]
        expected = [j["CopyJobId"] for j in everything if j["SourceRecoveryPointArn"] == arn]
        assert [j["CopyJobId"] for j in env.jobs(BySourceRecoveryPointArn=arn)] == expected
        resource = job["ResourceArn"]
        expected = [j["CopyJobId"] for j in everything if j["ResourceArn"] == resource]
        assert [j["CopyJobId"] for j in env.jobs(ByResourceArn=resource)] == expected


def test_list_copy_jobs_by_resource_type_and_account_agree_with_filtering(
    busy: Busy,
) -> None:
    env = busy
    everything = env.jobs()
    for resource_type in {j["ResourceType"] for j in everything}:
        expected = [j["CopyJobId"] for j in everything if j["ResourceType"] == resource_type]
        assert [j["CopyJobId"] for j in env.jobs(ByResourceType=resource_type)] == expected
    assert len(env.jobs(ByAccountId=SOURCE)) == len(everything)
    assert env.jobs(ByAccountId=DEST) == []


def test_list_copy_jobs_combines_filters(busy: Busy) -> None:
    env, middle = busy, busy.middle
    arn = vault_arn(DEST, env.vaults[0])
    expected = [
        j["CopyJobId"]
        for j in env.jobs()
        if j["DestinationBackupVaultArn"] == arn
        and j["CreationDate"] > middle
        and j["State"] != "FAILED"
    ]
    got = env.jobs(ByDestinationVaultArn=arn, ByCreatedAfter=middle)
    assert [j["CopyJobId"] for j in got] == expected
    assert len(expected) == 3


def test_list_copy_jobs_by_completion_time_agrees_with_filtering_every_job(busy: Busy) -> None:
    everything = busy.jobs()
    ended = sorted(j["CompletionDate"] for j in everything if "CompletionDate" in j)
    assert len(ended) < len(everything)  # jobs still running have no completion date
    for boundary in (ended[0], ended[-1]):
        after = [
            j["CopyJobId"]
            for j in everything
            if "CompletionDate" in j and j["CompletionDate"] > boundary
        ]
        before = [
            j["CopyJobId"]
            for j in everything
            if "CompletionDate" in j and j["CompletionDate"] < boundary
        ]
        assert [j["CopyJobId"] for j in busy.jobs(ByCompleteAfter=boundary)] == after
        assert [j["CopyJobId"] for j in busy.jobs(ByCompleteBefore=boundary)] == before


def test_list_copy_jobs_by_message_category_agrees_with_filtering_every_job(busy: Busy) -> None:
    everything = busy.jobs()
    categories = {j["MessageCategory"] for j in everything if "MessageCategory" in j}
    assert categories == {"SUCCESS", "ACCESS_DENIED"}
    for category in categories:
        expected = [j["CopyJobId"] for j in everything if j.get("MessageCategory") == category]
        got = busy.jobs(ByMessageCategory=category)
        assert [j["CopyJobId"] for j in got] == expected
