"""Recovery points AWS Backup will not copy, seen through boto3: refused on the call or the job.

The seeded edge cases (cold storage, continuous backups, PARTIAL/EXPIRED statuses, AWS-managed
keys, types without cross-account copy) of one module-wide in-process sandbox: starting a refused
or failing job changes nothing another test here looks at.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from shuffle_aws_vaults.sandbox import Sandbox, SandboxConfig, SeedSpec, messages
from shuffle_aws_vaults.sandbox.seed import SeededResource

from . import Accounts, accounts_of, assert_failed_at_once, error_code

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def edges(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Accounts]:
    spec = SeedSpec(recovery_points=600, vaults=1, edge_case_share=0.3)
    box = Sandbox(SandboxConfig(), spec, workdir=tmp_path_factory.mktemp("edges"), serve=False)
    box.start()
    try:
        with pytest.MonkeyPatch.context() as patch:
            for key, value in box.env().items():
                patch.setenv(key, value)
            env = accounts_of(box)
            env.source.list_backup_vaults()  # assume both roles while the env points here
            env.dest.list_backup_vaults()
        yield env
    finally:
        box.stop()


def edge_resources(env: Accounts, edge: str, *types: str) -> list[SeededResource]:
    assert env.box.seeded is not None
    found = [
        r
        for r in env.box.seeded.resources
        if r.edge == edge and (not types or r.resource_type in types)
    ]
    assert found, f"the seed should hold {edge} resources of {types or 'any type'}"
    return found


def copyable(env: Accounts, resource: SeededResource) -> dict[str, Any] | None:
    """A COMPLETED, WARM, non-continuous recovery point of `resource`, if it has one."""
    for rp in env.points(ByResourceArn=resource.arn):
        if rp["Status"] != "COMPLETED" or ":continuous:" in rp["RecoveryPointArn"]:
            continue
        described = env.source.describe_recovery_point(
            BackupVaultName=rp["BackupVaultName"], RecoveryPointArn=rp["RecoveryPointArn"]
        )
        if described["StorageClass"] == "WARM":
            return rp
    return None


def first_copyable(env: Accounts, resources: list[SeededResource]) -> dict[str, Any]:
    found = next((rp for r in resources if (rp := copyable(env, r)) is not None), None)
    assert found is not None, "the seed should hold a copyable recovery point of these"
    return found


def test_a_recovery_point_in_cold_storage_is_refused_with_invalid_request(
    edges: Accounts,
) -> None:
    resource = edge_resources(edges, "cold")[0]
    points = edges.points(ByResourceArn=resource.arn)
    described = [
        edges.source.describe_recovery_point(
            BackupVaultName=rp["BackupVaultName"], RecoveryPointArn=rp["RecoveryPointArn"]
        )
        for rp in points
    ]
    cold = [rp for rp in described if rp["StorageClass"] == "COLD"]
    assert cold, "older recovery points of a cold-lifecycle resource have moved to cold"
    assert all(rp["Lifecycle"]["MoveToColdStorageAfterDays"] == 7 for rp in described)
    for rp in cold[:2]:
        with pytest.raises(ClientError) as refused:
            edges.copy(rp)
        assert error_code(refused) == "InvalidRequestException"
        assert "cold storage" in refused.value.response["Error"]["Message"]


def test_the_warm_recovery_point_of_a_cold_lifecycle_resource_still_copies(
    edges: Accounts,
) -> None:
    job_id = edges.copy(first_copyable(edges, edge_resources(edges, "cold", "EFS", "S3", "EBS")))
    edges.finish()
    assert edges.job(job_id)["State"] == "COMPLETED"


def test_a_continuous_recovery_point_is_refused_with_invalid_request(edges: Accounts) -> None:
    continuous = [
        rp for rp in edges.points() if ":recovery-point:continuous:" in rp["RecoveryPointArn"]
    ]
    assert continuous
    for rp in continuous:
        with pytest.raises(ClientError) as refused:
            edges.copy(rp)
        assert error_code(refused) == "InvalidRequestException"


@pytest.mark.parametrize("status", ["PARTIAL", "EXPIRED"])
def test_a_recovery_point_not_completed_or_available_is_refused_with_invalid_request(
    edges: Accounts, status: str
) -> None:
    points = [rp for rp in edges.points() if rp["Status"] == status]
    assert points
    with pytest.raises(ClientError) as refused:
        edges.copy(points[0])
    assert error_code(refused) == "InvalidRequestException"
    assert status in refused.value.response["Error"]["Message"]


@pytest.mark.parametrize("resource_type", ["EBS", "EC2", "RDS"])
def test_an_aws_managed_key_on_a_type_backup_does_not_fully_manage_fails_the_job(
    edges: Accounts, resource_type: str
) -> None:
    rp = first_copyable(edges, edge_resources(edges, "aws-managed-key", resource_type))
    assert edges.box.world is not None
    assert rp["EncryptionKeyArn"] in edges.box.world.aws_managed_keys
    job = edges.job(edges.copy(rp))
    expected = (
        messages.AWS_MANAGED_KEY_RDS.format(key=rp["EncryptionKeyArn"])
        if resource_type == "RDS"
        else messages.AWS_MANAGED_KEY_SNAPSHOT
    )
    assert_failed_at_once(job, expected)


@pytest.mark.parametrize("resource_type", ["DynamoDB", "FSx"])
def test_a_type_that_cannot_be_copied_across_accounts_fails_the_job(
    edges: Accounts, resource_type: str
) -> None:
    rp = first_copyable(edges, edge_resources(edges, "unsupported-type", resource_type))
    job = edges.job(edges.copy(rp))
    assert_failed_at_once(job, messages.UNSUPPORTED_TYPE)


def test_an_ordinary_recovery_point_of_each_type_copies(edges: Accounts) -> None:
    assert edges.box.seeded is not None
    types = ("EBS", "EC2", "RDS", "Aurora", "DynamoDB", "EFS", "S3", "FSx")
    plain = [r for r in edges.box.seeded.resources if r.edge is None]
    jobs = {
        t: edges.copy(first_copyable(edges, [r for r in plain if r.resource_type == t]))
        for t in types
    }
    edges.finish()
    assert {t: edges.job(j)["State"] for t, j in jobs.items()} == dict.fromkeys(jobs, "COMPLETED")
