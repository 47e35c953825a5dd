"""The destination's limits read by the boto3 adapter from a served sandbox: Service Quotas for
the applied values, EC2 and RDS for the counts, as the sandbox's settings and vaults say; a
copy that lands counts; a refused read is a reading naming the error, not an exception.

What each account holds is counted here from the sandbox's own records (its recovery points by
type), not from the tool: an EC2 recovery point is an AMI with one snapshot, EBS a snapshot,
RDS a DB instance snapshot, Aurora a DB cluster snapshot."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from botocore.stub import Stubber

from shuffle_aws_vaults import bootstrap
from shuffle_aws_vaults.domain.destination_limits import (
    AMIS,
    EBS_SNAPSHOTS,
    RDS_CLUSTER_SNAPSHOTS,
    RDS_SNAPSHOTS,
    VAULT_RECOVERY_POINTS,
    QuotaReading,
)
from shuffle_aws_vaults.infrastructure.aws_sessions import AccountAccess, AccountSpec, RetrySettings
from shuffle_aws_vaults.infrastructure.destination_limits import Boto3DestinationLimits
from shuffle_aws_vaults.infrastructure.resource_types import botocore_resource_types
from shuffle_aws_vaults.sandbox import SeedSpec

from . import DEST, REGION, accounts_of, list_recovery_points

pytestmark = pytest.mark.integration

SPEC = SeedSpec(recovery_points=60, vaults=2, edge_case_share=0.0)


def limits_of(profile: str = "sandbox-dest", account: str = DEST) -> Boto3DestinationLimits:
    access = AccountAccess(
        AccountSpec("destination", profile=profile), RetrySettings("standard", 1)
    )
    return Boto3DestinationLimits(access, account, REGION)


def held_by_type(box: Any, account: str) -> Counter[str]:
    """The sandbox's recovery points in `account`'s vaults, by resource type."""
    world = box.world
    with world.lock:
        world.tick()
        return Counter(
            rp.resource_type
            for (owner, region, _), contents in world.vaults.items()
            if (owner, region) == (account, REGION)
            for rp in contents.by_arn.values()
            if not rp.deleted
        )


def test_the_defaults_are_awss_and_the_counts_what_the_vaults_hold(
    make_sandbox: Callable[..., Any],
) -> None:
    box = make_sandbox(spec=SPEC)
    limits = limits_of("sandbox-source", box.config.source_account)
    types = held_by_type(box, box.config.source_account)
    assert types["EC2"] and types["EBS"] and types["RDS"] and types["Aurora"]
    assert limits.read(AMIS) == QuotaReading(50_000, types["EC2"])
    assert limits.read(EBS_SNAPSHOTS) == QuotaReading(100_000, types["EBS"] + types["EC2"])
    rds = "RDS DescribeAccountAttributes"
    assert limits.read(RDS_SNAPSHOTS) == QuotaReading(100, types["RDS"], rds)
    assert limits.read(RDS_CLUSTER_SNAPSHOTS) == QuotaReading(100, types["Aurora"], rds)
    assert limits.read(VAULT_RECOVERY_POINTS) == QuotaReading(1_000_000, None)


def test_the_settings_give_the_destinations_quotas_and_holdings_paged_by_a_thousand(
    make_sandbox: Callable[..., Any],
) -> None:
    box = make_sandbox(
        spec=SPEC,
        dest_quotas={"amis": 3000, "L-9B510759": 7, "vault-recovery-points": 50},
        dest_held={"amis": 2500, "rds-cluster-snapshots": 4},
    )
    limits = limits_of()
    types = held_by_type(box, DEST)
    assert limits.read(AMIS) == QuotaReading(3000, 2500 + types["EC2"])
    cluster = limits.read(RDS_CLUSTER_SNAPSHOTS)
    assert (cluster.value, cluster.used) == (7, 4 + types["Aurora"])
    assert limits.read(VAULT_RECOVERY_POINTS).value == 50
    # 2,500 AMIs are three pages; each quota read once, however often it is asked for.
    limits.read(AMIS)
    calls = limits._access.calls
    assert calls["DescribeImages"] == 3 and calls["ListImagesInRecycleBin"] == 1
    assert calls["GetServiceQuota"] == 2  # AMIs and the vault quota; RDS tells its own
    assert calls["DescribeAccountAttributes"] == 1


def test_a_copy_that_lands_in_the_destination_counts_toward_its_quotas(
    make_sandbox: Callable[..., Any],
) -> None:
    box = make_sandbox(spec=SPEC, jitter=0.0)
    accounts = accounts_of(box)
    before = limits_of().read(AMIS).used
    assert before == held_by_type(box, DEST)["EC2"]
    ec2 = [
        rp
        for vault in box.seeded.vaults
        for rp in accounts.points(vault=vault)
        if rp["ResourceType"] == "EC2" and rp["Status"] == "COMPLETED"
    ]
    assert ec2, "the seed has EC2 recovery points"
    accounts.copy(ec2[0])
    accounts.finish()
    copied = list_recovery_points(accounts.dest, ec2[0]["BackupVaultName"])
    assert [rp["ResourceType"] for rp in copied].count("EC2") >= 1
    assert held_by_type(box, DEST)["EC2"] == before + 1
    assert limits_of().read(AMIS).used == before + 1
    snapshots = limits_of().read(EBS_SNAPSHOTS).used
    assert snapshots == held_by_type(box, DEST)["EBS"] + before + 1


def test_denied_quotas_are_readings_that_name_the_error(
    make_sandbox: Callable[..., Any],
) -> None:
    make_sandbox(spec=SPEC, dest_quotas_denied=True)
    reading = limits_of().read(AMIS)
    assert reading.value is None and reading.used is None
    assert reading.error is not None and reading.error.startswith("AccessDeniedException: ")
    assert not reading.readable
    assert limits_of().read(VAULT_RECOVERY_POINTS).error == reading.error
    # RDS tells its quotas itself: a Service Quotas denial does not reach them.
    assert limits_of().read(RDS_SNAPSHOTS).readable


def test_a_quota_without_an_applied_value_takes_aws_default(
    make_sandbox: Callable[..., Any],
) -> None:
    make_sandbox(spec=SPEC)
    limits = limits_of()
    client = limits._access.client("service-quotas", REGION)
    stub = Stubber(client)
    stub.add_client_error("get_service_quota", "NoSuchResourceException", "not available", 400)
    stub.add_response(
        "get_aws_default_service_quota",
        {"Quota": {"ServiceCode": "backup", "QuotaCode": "L-514878B6", "Value": 1_000_000.0}},
        {"ServiceCode": "backup", "QuotaCode": "L-514878B6"},
    )
    with stub:
        reading = limits.read(VAULT_RECOVERY_POINTS)
    assert reading == QuotaReading(1_000_000, None, "Service Quotas (AWS default)")


def test_resource_types_are_the_installed_botocores_backup_models() -> None:
    found = botocore_resource_types()
    assert found is not None and {"EBS", "EC2", "EKS", "SAP HANA on Amazon EC2"} <= found
    assert bootstrap.known_resource_types() == found


def test_a_throttled_page_is_asked_again_after_a_pause(make_sandbox: Callable[..., Any]) -> None:
    make_sandbox(spec=SPEC)
    limits = limits_of()
    paused: list[float] = []
    limits._access.sleep = paused.append
    stub = Stubber(limits._access.client("ec2", REGION))
    stub.add_client_error("describe_snapshots", "RequestLimitExceeded", "slow down", 503)
    stub.add_response("describe_snapshots", {"Snapshots": [{"SnapshotId": "snap-1"}]})
    with stub:
        assert limits._count_snapshots() == 1
    assert paused == [2.0]
