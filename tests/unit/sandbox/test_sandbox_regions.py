"""Several Regions in one sandbox: the seed split, the Region settings, and copy clocks keyed by
(account, source Region, destination Region), on an in-process world with a manual clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from shuffle_aws_vaults.sandbox import messages
from shuffle_aws_vaults.sandbox.access_policy import copy_into_vault_policy
from shuffle_aws_vaults.sandbox.arns import vault_arn
from shuffle_aws_vaults.sandbox.clock import ManualClock
from shuffle_aws_vaults.sandbox.config import SandboxConfig
from shuffle_aws_vaults.sandbox.moto_bridge import create_role, create_vault, reset_moto
from shuffle_aws_vaults.sandbox.records import DAY, StoredRecoveryPoint
from shuffle_aws_vaults.sandbox.region_stats import region_stats
from shuffle_aws_vaults.sandbox.regions import (
    check_known,
    cross_region_refusal,
    opt_status,
    split_counts,
)
from shuffle_aws_vaults.sandbox.seed import SeedSpec
from shuffle_aws_vaults.sandbox.world import CopyRequest, SandboxWorld

SRC, DST = "111111111111", "222222222222"
EAST, WEST, FRANKFURT = "us-east-1", "eu-west-1", "eu-central-1"
VAULT = "vault"
ROLE = f"arn:aws:iam::{SRC}:role/service-role/AWSBackupDefaultServiceRole"


# -- the seed split ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "shares", "expected"),
    [
        (2000, (1, 1), [1000, 1000]),
        (2000, (3, 1), [1500, 500]),
        (10, (1, 1, 1), [4, 3, 3]),  # the remainder goes to the first of equal remainders
        (7, (0.5, 0.25, 0.25), [3, 2, 2]),  # remainders .5, .75, .75
        (5, (1, 0), [5, 0]),
        (0, (2, 1), [0, 0]),
    ],
)
def test_split_counts_shares_the_total_in_proportion(
    total: int, shares: tuple[float, ...], expected: list[int]
) -> None:
    counts = split_counts(total, shares)
    assert counts == expected
    assert sum(counts) == total


@pytest.mark.parametrize("shares", [(), (0, 0), (1, -1)])
def test_split_counts_refuses_shares_that_split_nothing(shares: tuple[float, ...]) -> None:
    with pytest.raises(ValueError, match="share"):
        split_counts(10, shares)


def test_recovery_points_are_the_total_over_regions_equal_unless_shares_say() -> None:
    regions = (EAST, WEST)
    assert SeedSpec(recovery_points=2000).points_per_region(regions) == {EAST: 1000, WEST: 1000}
    unequal = SeedSpec(recovery_points=2000, region_shares=(3, 1))
    assert unequal.points_per_region(regions) == {EAST: 1500, WEST: 500}
    assert SeedSpec(recovery_points=300).points_per_region((EAST,)) == {EAST: 300}


def test_a_share_per_region_is_needed() -> None:
    with pytest.raises(ValueError, match="3 Region shares given for 2 Regions"):
        SeedSpec(region_shares=(1, 1, 1)).points_per_region((EAST, WEST))
    with pytest.raises(ValueError, match="not all 0"):
        SeedSpec(region_shares=(0, 0))


# -- the Region settings -----------------------------------------------------------------------


def test_by_default_the_sandbox_serves_its_one_region() -> None:
    assert SandboxConfig().regions == (EAST,)
    assert SandboxConfig(region=WEST).regions == (WEST,)


def test_the_first_of_several_regions_is_the_home_region() -> None:
    config = SandboxConfig(regions=(WEST, EAST))
    assert config.regions == (WEST, EAST)
    assert config.region == WEST


@pytest.mark.parametrize(
    ("regions", "message"),
    [
        ((EAST, EAST), "us-east-1 is listed twice"),
        (("us-east",), "not a Region name"),
        (("US-EAST-1",), "not a Region name"),
    ],
)
def test_region_lists_that_make_no_sense_are_refused(
    regions: tuple[str, ...], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        SandboxConfig(regions=regions)


def test_only_regions_botocore_knows_are_served() -> None:
    check_known((EAST, WEST, "ap-east-1"))
    with pytest.raises(ValueError, match="unknown Region xx-east-1"):
        check_known((EAST, "xx-east-1"))


def test_opt_in_regions_are_enabled_only_where_served() -> None:
    assert opt_status(EAST, (WEST,)) == "ENABLED_BY_DEFAULT"
    assert opt_status("ap-east-1", (EAST, "ap-east-1")) == "ENABLED"
    assert opt_status("ap-east-1", (EAST,)) == "DISABLED"


def test_the_cross_region_account_copy_setting_takes_two_values() -> None:
    assert SandboxConfig().cross_region_account_copy == "supported"
    with pytest.raises(ValueError, match="cross_region_account_copy"):
        SandboxConfig(cross_region_account_copy="maybe")  # type: ignore[arg-type]


# -- which cross-Region copies AWS refuses -----------------------------------------------------


def refusal(resource_type: str = "RDS", **given: Any) -> tuple[str, str] | None:
    arguments: dict[str, Any] = {
        "resource_type": resource_type,
        "copyable_elsewhere": True,
        "source_region": EAST,
        "dest_region": WEST,
        "cross_account": True,
        "single_hop": True,
    }
    arguments.update(given)
    return cross_region_refusal(**arguments)


def test_rds_family_copies_both_cross_region_and_cross_account_fail_when_refused() -> None:
    text = messages.CROSS_REGION_UNSUPPORTED.format(source=EAST, dest=WEST, type="Aurora")
    assert refusal("Aurora") == (text, messages.CATEGORY_INVALID)
    for resource_type in ("RDS", "DocumentDB", "Neptune"):
        assert refusal(resource_type) is not None
    assert refusal("EBS") is None  # other types copy both ways in one job
    assert refusal("RDS", single_hop=False) is None  # AWS since November 2025
    assert refusal("RDS", cross_account=False) is None  # one hop: cross-Region only
    assert refusal("RDS", dest_region=EAST) is None  # one hop: cross-account only


def test_a_type_that_cannot_leave_its_region_fails_any_cross_region_copy() -> None:
    failure = refusal("DynamoDB", copyable_elsewhere=False, cross_account=False)
    assert failure is not None
    assert failure[0] == (
        f"Copy job from {EAST} to {WEST} cannot be initiated for DynamoDB resources. "
        "Feature is not supported for provided resource type."
    )
    assert refusal("DynamoDB", copyable_elsewhere=False, dest_region=EAST) is None


# -- copy clocks per (account, source Region, destination Region) ------------------------------


@pytest.fixture
def regional_world() -> Iterator[Callable[..., tuple[SandboxWorld, ManualClock]]]:
    """A world serving three Regions: a source vault in each, a destination vault in each."""
    reset_moto()

    def build(**config: Any) -> tuple[SandboxWorld, ManualClock]:
        clock = ManualClock()
        world = SandboxWorld(
            SandboxConfig(regions=(EAST, WEST, FRANKFURT), jitter=0.0, **config), clock=clock
        )
        create_role(SRC, "AWSBackupDefaultServiceRole", "/service-role/", "backup.amazonaws.com")
        for region in (EAST, WEST, FRANKFURT):
            create_vault(SRC, region, VAULT)
            create_vault(DST, region, VAULT)
            world.policies[(DST, region, VAULT)] = copy_into_vault_policy(
                vault_arn(region, DST, VAULT), SRC
            )
        return world, clock

    yield build
    reset_moto()


def add_points(world: SandboxWorld, region: str, count: int) -> list[StoredRecoveryPoint]:
    points = []
    for n in range(count):
        resource = f"arn:aws:elasticfilesystem:{region}:{SRC}:file-system/fs-{n:08x}"
        created = world.now() - DAY
        rp = StoredRecoveryPoint(
            seq=world.next_seq(),
            arn=f"arn:aws:backup:{region}:{SRC}:recovery-point:{n:08d}-0000-4000-a000-000000000000",
            vault_name=VAULT,
            vault_arn=vault_arn(region, SRC, VAULT),
            resource_arn=resource,
            resource_type="EFS",
            resource_name=f"fs-{n}",
            creation_date=created,
            completion_date=created + 600,
            size=1024**3,
            status="COMPLETED",
            encryption_key_arn=None,
            iam_role_arn=ROLE,
        )
        world.add_recovery_point(SRC, region, rp)
        points.append(rp)
    return points


def copy(world: SandboxWorld, rp: StoredRecoveryPoint, source: str, dest: str) -> str:
    request = CopyRequest(rp.arn, VAULT, vault_arn(dest, DST, VAULT), ROLE)
    return world.start_copy_job(SRC, source, request).state


def test_each_source_to_destination_region_pair_has_its_own_quota(
    regional_world: Callable[..., tuple[SandboxWorld, ManualClock]],
) -> None:
    world, _ = regional_world(copy_quota=2)
    east = add_points(world, EAST, 6)
    west = add_points(world, WEST, 2)
    states = [copy(world, rp, EAST, EAST) for rp in east[:3]]
    states += [copy(world, rp, EAST, WEST) for rp in east[3:6]]
    states += [copy(world, rp, WEST, WEST) for rp in west]
    assert states == ["RUNNING", "RUNNING", "CREATED"] * 2 + ["RUNNING", "RUNNING"]
    east_book = world.book(SRC, EAST)
    assert set(east_book.queues) == {EAST, WEST}
    assert east_book.queue_to(EAST).running == 2
    assert east_book.queue_to(WEST).waiting == 1
    assert world.book(SRC, WEST).queue.running == 2
    report = region_stats(world)
    assert report[EAST]["peak_running_by_destination"] == {EAST: 2, WEST: 2}
    assert report[EAST]["jobs_by_state"] == {"RUNNING": 4, "CREATED": 2}
    assert report[WEST]["peak_running"] == 2
    assert report[FRANKFURT] == {
        "jobs_by_state": {},
        "peak_running": 0,
        "peak_running_by_destination": {},
        "peak_running_by_type": {},
    }


def test_at_quota_reject_counts_the_pair_not_the_account(
    regional_world: Callable[..., tuple[SandboxWorld, ManualClock]],
) -> None:
    from shuffle_aws_vaults.sandbox.errors import SandboxError

    world, _ = regional_world(copy_quota=1, at_quota="reject")
    east = add_points(world, EAST, 3)
    assert copy(world, east[0], EAST, EAST) == "RUNNING"
    assert copy(world, east[1], EAST, FRANKFURT) == "RUNNING"
    with pytest.raises(SandboxError) as refused:
        copy(world, east[2], EAST, FRANKFURT)
    assert refused.value.error_type == "LimitExceededException"


def test_a_cross_region_copy_lands_in_the_destination_regions_vault(
    regional_world: Callable[..., tuple[SandboxWorld, ManualClock]],
) -> None:
    world, clock = regional_world()
    rp = add_points(world, EAST, 1)[0]
    copy(world, rp, EAST, WEST)
    clock.advance(3600.0)
    (job,) = world.copy_jobs()
    assert job.state == "COMPLETED"
    (landed,) = world.recovery_points(DST, WEST, VAULT)
    assert job.dest_recovery_point_arn == landed.arn
    assert landed.arn.startswith(f"arn:aws:backup:{WEST}:{DST}:recovery-point:")
    assert landed.source_vault_arn == vault_arn(EAST, SRC, VAULT)
    assert world.recovery_points(DST, EAST, VAULT) == []


# -- the sandbox command's flags ---------------------------------------------------------------


def sandbox_config(*flags: str) -> tuple[Any, Any]:
    from shuffle_aws_vaults.cli.parser import build_parser
    from shuffle_aws_vaults.cli.requests import sandbox as sandbox_request
    from shuffle_aws_vaults.cli.sandbox_command import config_of

    return config_of(sandbox_request(build_parser().parse_args(["sandbox", *flags])))


def test_the_regions_flags_reach_the_config_and_the_seed() -> None:
    config, spec = sandbox_config(
        "--regions", "eu-west-1, us-east-1", "--region-shares", "3,1",
        "--cross-region-account-copy", "refused",
    )  # fmt: skip
    assert config.regions == (WEST, EAST)
    assert config.region == WEST
    assert config.cross_region_account_copy == "refused"
    assert spec.region_shares == (3.0, 1.0)
    default_config, default_spec = sandbox_config()
    assert default_config.regions == (EAST,)
    assert default_config.cross_region_account_copy == "supported"
    assert default_spec.region_shares == ()


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (("--regions", "us-east-1,xx-west-9"), "--regions: unknown Region xx-west-9"),
        (("--regions", "us-east-1,us-east-1"), "--regions: Region us-east-1 is listed twice"),
        (("--regions", "us-east-1,"), "an empty Region name"),
        (("--region-shares", "1,1"), "--region-shares: 2 shares for 1 Regions"),
        (("--regions", "us-east-1,eu-west-1", "--region-shares", "1,x"), "not numbers"),
        (("--regions", "us-east-1,eu-west-1", "--region-shares", "0,0"), "not all 0"),
    ],
)
def test_bad_regions_flags_are_refused_naming_the_flag(
    flags: tuple[str, ...], message: str
) -> None:
    from shuffle_aws_vaults.cli.exit_status import UsageError

    with pytest.raises(UsageError) as refused:
        sandbox_config(*flags)
    assert message in str(refused.value)
    assert "\n" not in str(refused.value)
