"""A sandbox serving several Regions, through real boto3 clients over HTTP: vaults seeded in each,
a copy quota per source -> destination Region pair, copies that land in another Region, AWS's
refusals of cross-Region copies, and the calls a client makes to find its Regions."""

from __future__ import annotations

import csv
import json
import math
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from shuffle_aws_vaults.sandbox import SeedSpec, messages
from shuffle_aws_vaults.sandbox.clock import ManualClock

from . import DEST, NO_RETRIES, ROLE, SOURCE, error_code, list_copy_jobs, list_recovery_points
from . import session as profile_session

pytestmark = pytest.mark.integration

EAST, WEST = "us-east-1", "eu-west-1"


class Regional:
    """A started multi-Region sandbox with a stopped clock and clients per account and Region."""

    def __init__(self, box: Any) -> None:
        self.box = box
        self.clock = ManualClock(start=math.ceil(box.world.now()))
        box.world.clock = self.clock
        self.vault = str(box.seeded.vaults[0])
        self._sessions = {p: profile_session(p) for p in ("sandbox-source", "sandbox-dest")}

    def client(self, region: str, service: str = "backup", dest: bool = False) -> Any:
        profile = "sandbox-dest" if dest else "sandbox-source"
        return self._sessions[profile].client(service, region_name=region, config=NO_RETRIES)

    def points(self, region: str, **filters: Any) -> list[dict[str, Any]]:
        return list_recovery_points(self.client(region), self.vault, **filters)

    def of_resources(self, region: str, resource_type: str, count: int) -> list[dict[str, Any]]:
        """`count` recovery points of `resource_type` in `region`, each of another resource."""
        chosen: dict[str, dict[str, Any]] = {}
        for rp in self.points(region, ByResourceType=resource_type):
            if rp["Status"] == "COMPLETED":
                chosen.setdefault(rp["ResourceArn"], rp)
        assert len(chosen) >= count, "seed more recovery points"
        return list(chosen.values())[:count]

    def copy(self, rp: dict[str, Any], source: str, dest: str) -> str:
        answer = self.client(source).start_copy_job(
            RecoveryPointArn=rp["RecoveryPointArn"],
            SourceBackupVaultName=self.vault,
            DestinationBackupVaultArn=f"arn:aws:backup:{dest}:{DEST}:backup-vault:{self.vault}",
            IamRoleArn=ROLE,
        )
        return str(answer["CopyJobId"])

    def job(self, region: str, job_id: str) -> dict[str, Any]:
        return dict(self.client(region).describe_copy_job(CopyJobId=job_id)["CopyJob"])

    def control(self, path: str) -> Any:
        url = f"{self.box.endpoint_url}/_sandbox/{path}"
        with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310
            return json.loads(answer.read())


@pytest.fixture
def make_regional(make_sandbox: Callable[..., Any]) -> Callable[..., Regional]:
    def build(
        regions: tuple[str, ...] = (EAST, WEST), points: int = 200, **config: Any
    ) -> Regional:
        spec = config.pop("spec", None) or SeedSpec(
            recovery_points=points, vaults=1, edge_case_share=0.0
        )
        return Regional(make_sandbox(spec=spec, regions=regions, jitter=0.0, **config))

    return build


def test_each_region_is_seeded_in_both_accounts_with_the_shares_asked_for(
    make_regional: Callable[..., Regional],
) -> None:
    spec = SeedSpec(recovery_points=80, vaults=2, region_shares=(3, 1))
    env = make_regional(spec=spec)
    assert env.box.seeded.by_region == {EAST: 60, WEST: 20}
    assert env.box.env()["SHUFFLE_SANDBOX_REGIONS"] == "us-east-1,eu-west-1"
    assert env.box.env()["AWS_REGION"] == EAST
    names = {*env.box.seeded.vaults, "Default"}
    for region, expected in ((EAST, 60), (WEST, 20)):
        for dest, account in ((False, SOURCE), (True, DEST)):
            vaults = env.client(region, dest=dest).list_backup_vaults()["BackupVaultList"]
            assert {v["BackupVaultName"] for v in vaults} == names
            assert {v["BackupVaultArn"].split(":")[3:5][0] for v in vaults} == {region}
            assert {v["BackupVaultArn"].split(":")[4] for v in vaults} == {account}
        points = [
            rp
            for vault in env.box.seeded.vaults
            for rp in list_recovery_points(env.client(region), vault)
        ]
        assert len(points) == expected
        assert all(rp["BackupVaultArn"].startswith(f"arn:aws:backup:{region}:") for rp in points)
        assert all(
            f":{region}:" in rp["ResourceArn"] for rp in points if rp["ResourceType"] != "S3"
        )
    assert env.client("us-west-2").list_backup_vaults()["BackupVaultList"] == []
    with env.box.csv_path.open(encoding="utf-8") as handle:
        listed = {row["resourceArn"] for row in csv.DictReader(handle)}
    seeded = {r.arn for r in env.box.seeded.resources if r.in_metadata}
    assert listed == seeded
    assert {r.region for r in env.box.seeded.resources} == {EAST, WEST}


def test_two_regions_each_run_at_the_quota_at_once_and_keep_their_own_jobs(
    make_regional: Callable[..., Regional],
) -> None:
    env = make_regional(copy_quota=2)
    east = [env.copy(rp, EAST, EAST) for rp in env.of_resources(EAST, "EBS", 3)]
    west = [env.copy(rp, WEST, WEST) for rp in env.of_resources(WEST, "EBS", 3)]
    for region, ids in ((EAST, east), (WEST, west)):
        listed = list_copy_jobs(env.client(region))
        assert {job["CopyJobId"] for job in listed} == set(ids)
        assert sorted(job["State"] for job in listed) == ["CREATED", "RUNNING", "RUNNING"]
    with pytest.raises(ClientError) as elsewhere:
        env.job(WEST, east[0])
    assert error_code(elsewhere) == "ResourceNotFoundException"
    regions = env.control("stats")["regions"]
    assert regions[EAST]["peak_running_by_destination"] == {EAST: 2}
    assert regions[WEST]["peak_running_by_destination"] == {WEST: 2}
    assert env.control("stats")["peak_running"] == 2
    assert {job["CopyJobId"] for job in env.control(f"copy-jobs?region={WEST}")} == set(west)
    assert len(env.control("copy-jobs")) == 6


def test_copies_to_another_region_take_that_pairs_quota_not_the_home_pairs(
    make_regional: Callable[..., Regional],
) -> None:
    env = make_regional(copy_quota=2, at_quota="reject")
    chosen = env.of_resources(EAST, "EBS", 5)
    home, away = chosen[:2], chosen[2:]
    for rp in home:
        env.copy(rp, EAST, EAST)
    env.copy(away[0], EAST, WEST)
    env.copy(away[1], EAST, WEST)
    with pytest.raises(ClientError) as refused:
        env.copy(away[2], EAST, WEST)
    assert error_code(refused) == "LimitExceededException"
    states = [job["State"] for job in list_copy_jobs(env.client(EAST))]
    assert states == ["RUNNING"] * 4


def test_a_cross_region_copy_lands_in_the_other_regions_destination_vault(
    make_regional: Callable[..., Regional],
) -> None:
    env = make_regional()
    rp = env.of_resources(EAST, "EBS", 1)[0]
    job_id = env.copy(rp, EAST, WEST)
    env.clock.advance(43_200.0)
    job = env.job(EAST, job_id)
    assert job["State"] == "COMPLETED"
    assert job["DestinationBackupVaultArn"].startswith(f"arn:aws:backup:{WEST}:{DEST}:")
    copies = list_recovery_points(env.client(WEST, dest=True), env.vault)
    assert [c["RecoveryPointArn"] for c in copies] == [job["DestinationRecoveryPointArn"]]
    assert copies[0]["RecoveryPointArn"].startswith(f"arn:aws:ec2:{WEST}::snapshot/snap-")
    assert copies[0]["SourceBackupVaultArn"] == rp["BackupVaultArn"]
    assert copies[0]["CreationDate"] == rp["CreationDate"]
    assert list_recovery_points(env.client(EAST, dest=True), env.vault) == []
    assert list_copy_jobs(env.client(WEST)) == []


@pytest.mark.parametrize("setting", ["supported", "refused"])
def test_an_rds_copy_both_cross_region_and_cross_account_runs_as_the_setting_says(
    make_regional: Callable[..., Regional], setting: str
) -> None:
    env = make_regional(cross_region_account_copy=setting)
    rds = env.of_resources(EAST, "RDS", 1)[0]
    ebs = env.of_resources(EAST, "EBS", 1)[0]
    rds_job, ebs_job = env.copy(rds, EAST, WEST), env.copy(ebs, EAST, WEST)
    same_region = env.copy(env.of_resources(EAST, "RDS", 2)[1], EAST, EAST)
    env.clock.advance(43_200.0)
    assert env.job(EAST, ebs_job)["State"] == "COMPLETED"
    assert env.job(EAST, same_region)["State"] == "COMPLETED"
    job = env.job(EAST, rds_job)
    if setting == "supported":
        assert job["State"] == "COMPLETED"
        return
    assert job["State"] == "FAILED"
    assert job["StatusMessage"] == (
        "Copy job from us-east-1 to eu-west-1 cannot be initiated for RDS resources. "
        "Feature is not supported for provided resource type."
    )
    assert job["CompletionDate"] == job["CreationDate"]
    assert "DestinationRecoveryPointArn" not in job


def test_a_dynamodb_backup_without_advanced_features_cannot_leave_its_region(
    make_regional: Callable[..., Regional],
) -> None:
    spec = SeedSpec(recovery_points=400, vaults=1, edge_case_share=1.0)
    env = make_regional(spec=spec)
    plain = [
        rp
        for rp in env.points(EAST, ByResourceType="DynamoDB")
        if rp["RecoveryPointArn"].startswith("arn:aws:dynamodb:") and rp["Status"] == "COMPLETED"
    ]
    assert plain, "seed more edge cases"
    answer = env.client(EAST).start_copy_job(
        RecoveryPointArn=plain[0]["RecoveryPointArn"],
        SourceBackupVaultName=env.vault,
        DestinationBackupVaultArn=f"arn:aws:backup:{WEST}:{SOURCE}:backup-vault:{env.vault}",
        IamRoleArn=ROLE,
    )
    job = env.job(EAST, answer["CopyJobId"])
    assert job["State"] == "FAILED"
    assert job["StatusMessage"] == messages.CROSS_REGION_UNSUPPORTED.format(
        source=EAST, dest=WEST, type="DynamoDB"
    )


def test_a_copy_into_a_region_the_accounts_have_not_enabled_fails_as_into_no_vault(
    make_regional: Callable[..., Regional],
) -> None:
    env = make_regional()
    rp = env.of_resources(EAST, "EBS", 1)[0]
    job = env.job(EAST, env.copy(rp, EAST, "ap-east-1"))
    assert job["State"] == "FAILED"
    assert job["StatusMessage"] == messages.ACCESS_DENIED_JOB


def test_list_regions_and_describe_regions_name_the_served_regions_enabled(
    make_regional: Callable[..., Regional],
) -> None:
    env = make_regional(regions=(EAST, "ap-east-1"), points=20)
    account = env.client(EAST, "account")
    pages = account.get_paginator("list_regions").paginate(PaginationConfig={"PageSize": 10})
    listed = {r["RegionName"]: r["RegionOptStatus"] for page in pages for r in page["Regions"]}
    assert listed[EAST] == "ENABLED_BY_DEFAULT"
    assert listed["ap-east-1"] == "ENABLED"
    assert listed["me-south-1"] == "DISABLED"
    enabled = account.list_regions(RegionOptStatusContains=["ENABLED", "ENABLED_BY_DEFAULT"])
    names = {r["RegionName"] for r in enabled["Regions"]}
    assert {EAST, "ap-east-1", WEST} <= names
    assert "me-south-1" not in names
    status = account.get_region_opt_status(RegionName="me-south-1")
    assert status["RegionOptStatus"] == "DISABLED"
    with pytest.raises(ClientError) as bad:
        account.list_regions(RegionOptStatusContains=["ENABLED"], MaxResults=51)
    assert error_code(bad) == "ValidationException"
    for dest in (False, True):
        ec2 = env.client(EAST, "ec2", dest=dest)
        regions = {r["RegionName"]: r["OptInStatus"] for r in ec2.describe_regions()["Regions"]}
        assert regions[EAST] == "opt-in-not-required"
        assert regions["ap-east-1"] == "opted-in"
        assert "me-south-1" not in regions
        every = ec2.describe_regions(AllRegions=True)["Regions"]
        assert {r["RegionName"]: r["OptInStatus"] for r in every}["me-south-1"] == "not-opted-in"
        assert set(regions) == names
