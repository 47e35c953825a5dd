"""Through boto3: the organization's management account, DescribeRegionSettings, and the
switches for what AWS leaves unsaid about listings (ListCopyJobs order, NextToken expiry,
short pages), with the tool's gateway listing correctly under each."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from shuffle_aws_vaults.bootstrap import AccountSettings, connect
from shuffle_aws_vaults.sandbox import SeedSpec
from shuffle_aws_vaults.sandbox.config import RESOURCE_TYPES

from . import (
    NO_RETRIES,
    SOURCE,
    Accounts,
    accounts_of,
    backup_client,
    error_code,
    list_copy_jobs,
    list_recovery_points,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def make_accounts(make_sandbox: Callable[..., Any]) -> Callable[..., Accounts]:
    def build(points: int = 40, **config: Any) -> Accounts:
        spec = SeedSpec(recovery_points=points, vaults=1, edge_case_share=0.0)
        return accounts_of(make_sandbox(serve=False, spec=spec, **config))

    return build


def start_jobs(env: Accounts, count: int) -> list[str]:
    """`count` copy jobs, one a simulated second, oldest first."""
    ids = []
    for rp in env.points()[:count]:
        ids.append(env.copy(rp))
        env.clock.advance(1.0)
    return ids


# -- the management account -------------------------------------------------------------------


def test_only_the_management_account_may_update_the_global_settings(
    make_accounts: Callable[..., Accounts],
) -> None:
    env = make_accounts(points=4)
    for member in (env.source, env.dest):
        with pytest.raises(ClientError) as refused:
            member.update_global_settings(GlobalSettings={"isCrossAccountBackupEnabled": "false"})
        assert error_code(refused) == "InvalidRequestException"
        assert "not the management account" in refused.value.response["Error"]["Message"]
    assert env.source.describe_global_settings()["GlobalSettings"] == {
        "isCrossAccountBackupEnabled": "true"
    }
    management = backup_client("sandbox-management", NO_RETRIES)
    management.update_global_settings(GlobalSettings={"isCrossAccountBackupEnabled": "false"})
    assert env.dest.describe_global_settings()["GlobalSettings"] == {
        "isCrossAccountBackupEnabled": "false"
    }


# -- region settings ----------------------------------------------------------------------------


def test_region_settings_opt_every_listed_type_in_unless_the_config_opts_one_out(
    make_accounts: Callable[..., Accounts],
) -> None:
    env = make_accounts(points=4, source_opted_out=("RDS",), dest_opted_out=("EFS", "S3"))
    source = env.source.describe_region_settings()["ResourceTypeOptInPreference"]
    dest = env.dest.describe_region_settings()["ResourceTypeOptInPreference"]
    assert set(source) == set(dest) == set(RESOURCE_TYPES)
    assert [t for t, on in source.items() if not on] == ["RDS"]
    assert sorted(t for t, on in dest.items() if not on) == ["EFS", "S3"]
    env.source.update_region_settings(ResourceTypeOptInPreference={"RDS": True, "EBS": False})
    after = env.source.describe_region_settings()["ResourceTypeOptInPreference"]
    assert (after["RDS"], after["EBS"], after["EFS"]) == (True, False, True)


# -- ListCopyJobs order ---------------------------------------------------------------------------


@pytest.mark.parametrize("order", ["oldest", "newest"])
def test_copy_jobs_list_in_the_configured_order_across_pages(
    make_accounts: Callable[..., Accounts], order: str
) -> None:
    env = make_accounts(copy_job_order=order)
    ids = start_jobs(env, 10)
    listed = list_copy_jobs(env.source, PaginationConfig={"PageSize": 3})
    expected = ids if order == "oldest" else ids[::-1]
    assert [job["CopyJobId"] for job in listed] == expected
    one = env.points()[0]["RecoveryPointArn"]
    again = env.copy(env.points()[0], IdempotencyToken="second")
    by_source = list_copy_jobs(env.source, BySourceRecoveryPointArn=one)
    expected = [ids[0], again] if order == "oldest" else [again, ids[0]]
    assert [job["CopyJobId"] for job in by_source] == expected


# -- NextToken expiry -----------------------------------------------------------------------------


def test_a_next_token_older_than_its_lifetime_is_refused(
    make_accounts: Callable[..., Accounts],
) -> None:
    env = make_accounts(page_token_ttl_seconds=60.0)
    start_jobs(env, 4)
    first = env.source.list_copy_jobs(MaxResults=2)
    env.clock.advance(59.0)
    second = env.source.list_copy_jobs(MaxResults=2, NextToken=first["NextToken"])
    assert len(second["CopyJobs"]) == 2
    env.clock.advance(2.0)
    with pytest.raises(ClientError) as expired:
        env.source.list_copy_jobs(MaxResults=2, NextToken=first["NextToken"])
    assert error_code(expired) == "InvalidParameterValueException"
    assert "expired" in expired.value.response["Error"]["Message"]
    page = env.source.list_recovery_points_by_backup_vault(BackupVaultName=env.vault, MaxResults=5)
    env.clock.advance(61.0)
    with pytest.raises(ClientError) as also:
        env.source.list_recovery_points_by_backup_vault(
            BackupVaultName=env.vault, MaxResults=5, NextToken=page["NextToken"]
        )
    assert error_code(also) == "InvalidParameterValueException"


def gateway() -> Any:
    settings = AccountSettings("source", "--source-account", SOURCE, "sandbox-source", None, None)
    return connect(settings, retry_mode="standard", max_attempts=1)[1]


@pytest.mark.parametrize("order", ["oldest", "newest"])
def test_the_gateway_lists_again_when_a_token_expires_and_yields_each_item_once(
    make_accounts: Callable[..., Accounts],
    order: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = make_accounts(points=60, copy_job_order=order, page_token_ttl_seconds=30.0)
    ids = start_jobs(env, 25)
    monkeypatch.setattr("shuffle_aws_vaults.infrastructure.backup_gateway.PAGE_SIZE", 10)
    source = gateway()
    before = env.box.world.calls["ListCopyJobs"]
    seen = []
    for job in source.list_copy_jobs():
        seen.append(job.job_id)
        if len(seen) == 10:  # a slow reader: the second page's token has expired
            env.clock.advance(31.0)
    assert sorted(seen) == sorted(ids)
    # the first page, the refused second, then all three pages again
    assert env.box.world.calls["ListCopyJobs"] - before == 5
    points = []
    for rp in source.iter_recovery_points(env.vault):
        points.append(rp.arn)
        if len(points) in (10, 35):
            env.clock.advance(31.0)
    assert sorted(points) == sorted(rp["RecoveryPointArn"] for rp in env.points())


def test_a_listing_refused_on_its_first_page_is_not_restarted(
    make_accounts: Callable[..., Accounts],
) -> None:
    make_accounts(points=4)
    from shuffle_aws_vaults.domain.errors import AwsError

    with pytest.raises(AwsError) as refused:
        list(gateway().iter_recovery_points("no-such-vault"))
    assert refused.value.code == "ResourceNotFoundException"


# -- short pages ----------------------------------------------------------------------------------


@pytest.mark.parametrize("order", ["oldest", "newest"])
def test_short_pages_still_carry_a_token_and_list_every_item_once(
    make_accounts: Callable[..., Accounts], order: str
) -> None:
    env = make_accounts(points=80, copy_job_order=order, short_pages=True)
    ids = start_jobs(env, 30)
    pages = list(
        env.source.get_paginator("list_copy_jobs").paginate(PaginationConfig={"PageSize": 5})
    )
    sizes = [len(page["CopyJobs"]) for page in pages]
    assert any(size < 5 and "NextToken" in page for size, page in zip(sizes, pages, strict=True))
    listed = [job["CopyJobId"] for page in pages for job in page["CopyJobs"]]
    assert listed == (ids if order == "oldest" else ids[::-1])
    points = list_recovery_points(env.source, env.vault, PaginationConfig={"PageSize": 7})
    assert len({rp["RecoveryPointArn"] for rp in points}) == len(points) == 80


# -- throttled pages ------------------------------------------------------------------------------


def test_a_page_still_throttled_after_botocores_attempts_is_asked_again_after_a_pause(
    make_accounts: Callable[..., Accounts], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Half the calls throttled and one attempt per call: most pages are throttled at least once.
    # Planning of 8 routes into one destination account died on one such page.
    from shuffle_aws_vaults.sandbox.config import FaultConfig

    env = make_accounts(points=40, faults=FaultConfig(throttle_rate=0.5))
    monkeypatch.setattr("shuffle_aws_vaults.infrastructure.backup_gateway.PAGE_SIZE", 5)
    source = gateway()
    slept: list[float] = []
    source.access.sleep = slept.append
    points = [rp.arn for rp in source.iter_recovery_points(env.vault)]
    assert sorted(points) == sorted(rp["RecoveryPointArn"] for rp in env.points())
    assert len(points) == len(set(points)) == 40
    assert slept and slept[0] == 2.0 and max(slept) <= 20.0  # doubling from 2 s, capped

    monkeypatch.setattr("shuffle_aws_vaults.infrastructure.aws_errors.THROTTLED_ROUNDS", 0)
    from shuffle_aws_vaults.domain.errors import Throttled

    with pytest.raises(Throttled):  # the rounds are what carried it
        for _ in range(20):
            list(source.iter_recovery_points(env.vault))
