"""Per-service copy limits: settings, the copy clock that holds them, StartCopyJob, the CLI flag."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shuffle_aws_vaults.cli.exit_status import UsageError
from shuffle_aws_vaults.cli.parser import build_parser
from shuffle_aws_vaults.cli.requests import sandbox as sandbox_request
from shuffle_aws_vaults.cli.sandbox_command import config_of
from shuffle_aws_vaults.sandbox import messages
from shuffle_aws_vaults.sandbox.access_policy import copy_into_vault_policy
from shuffle_aws_vaults.sandbox.arns import vault_arn
from shuffle_aws_vaults.sandbox.clock import ManualClock
from shuffle_aws_vaults.sandbox.config import SandboxConfig
from shuffle_aws_vaults.sandbox.copy_queue import CopyQueue
from shuffle_aws_vaults.sandbox.errors import SandboxError
from shuffle_aws_vaults.sandbox.moto_bridge import create_role, create_vault, reset_moto
from shuffle_aws_vaults.sandbox.records import DAY, CopyJob, StoredRecoveryPoint
from shuffle_aws_vaults.sandbox.server import stats
from shuffle_aws_vaults.sandbox.world import CopyRequest, SandboxWorld

T0 = 1_700_000_000.0
REGION, SRC, DST = "us-east-1", "111111111111", "222222222222"
SRC_VAULT, DEST_VAULT = "source-vault", "dest-vault"
DEST_ARN = vault_arn(REGION, DST, DEST_VAULT)
ROLE = f"arn:aws:iam::{SRC}:role/service-role/AWSBackupDefaultServiceRole"
CMK = f"arn:aws:kms:{REGION}:{SRC}:key/11111111-1111-4111-a111-111111111111"
# With jitter 0, the default 120 s overhead and 100 MiB/s, this size copies in exactly 720 s.
SIZE_720S = 60_000 * 1024**2


# -- settings ----------------------------------------------------------------------------------


def test_by_default_no_type_has_a_limit_of_its_own() -> None:
    assert SandboxConfig().type_limits == {}


def test_type_limit_keys_are_stored_without_padding_and_as_a_copy_of_the_callers_dict() -> None:
    given_limits = {"EBS": 20, " RDS + Aurora ": 20}
    config = SandboxConfig(type_limits=given_limits)
    given_limits["EFS"] = 1
    assert config.type_limits == {"EBS": 20, "RDS+Aurora": 20}
    assert isinstance(hash(config), int)  # a dict field, and the config still hashes


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        ({"EBS": 0}, "must be a whole number of at least 1"),
        ({"EBS": True}, "must be a whole number of at least 1"),
        ({"EBS": 2.5}, "must be a whole number of at least 1"),
        ({"": 3}, "names an empty resource type"),
        ({"RDS+": 3}, "names an empty resource type"),
        ({"RDS+Aurora": 20, "RDS": 5}, "resource type RDS is in two type_limits keys"),
        ({"EBS+EBS": 2}, "resource type EBS appears twice in type_limits key 'EBS\\+EBS'"),
    ],
)
def test_bad_type_limits_are_refused_with_what_is_wrong(
    limits: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        SandboxConfig(type_limits=limits)


# -- the copy clock ----------------------------------------------------------------------------


def job(seq: int, resource_type: str, duration: float = 100.0, resource: str = "") -> CopyJob:
    return CopyJob(
        seq=seq,
        copy_job_id=f"JOB-{seq}",
        account_id=SRC,
        source_vault_arn=vault_arn(REGION, SRC, "v"),
        source_recovery_point_arn=f"arn:aws:backup:{REGION}:{SRC}:recovery-point:{seq}",
        dest_vault_arn=vault_arn(REGION, DST, "v"),
        resource_arn=resource or f"{resource_type}-resource-{seq}",
        resource_type=resource_type,
        resource_name=f"r{seq}",
        size=1,
        iam_role_arn=ROLE,
        creation_date=T0,
        duration=duration,
    )


def finish(finished: CopyJob, at: float) -> None:
    finished.state = "COMPLETED"
    finished.completion_date = at


def test_a_type_at_its_limit_waits_in_created_while_other_types_run() -> None:
    queue = CopyQueue(10, finish, {"EBS": 2})
    ebs = [job(n, "EBS") for n in range(1, 6)]
    efs = [job(n, "EFS") for n in range(6, 9)]
    for each in [*ebs, *efs]:  # the EFS jobs arrive after EBS jobs that must wait
        queue.admit(each, T0)
    assert [j.state for j in ebs] == ["RUNNING"] * 2 + ["CREATED"] * 3
    assert [j.state for j in efs] == ["RUNNING"] * 3
    assert (queue.running, queue.waiting) == (5, 3)
    assert queue.group_load("EBS") == ("EBS", 5, 2)
    assert queue.group_load("EFS") is None


def test_a_waiting_job_starts_when_a_job_of_its_group_ends_at_that_exact_time() -> None:
    queue = CopyQueue(10, finish, {"EBS": 2})
    ebs = [job(n, "EBS", duration) for n, duration in enumerate((100.0, 250.0, 80.0), start=1)]
    for each in ebs:
        queue.admit(each, T0)
    queue.advance(T0 + 10_000.0)  # one late poll
    assert [j.start_date for j in ebs] == [T0, T0, T0 + 100.0]
    assert [j.completion_date for j in ebs] == [T0 + 100.0, T0 + 250.0, T0 + 180.0]
    assert queue.peak_running_by_type == {"EBS": 2}


def test_types_joined_by_plus_share_one_limit() -> None:
    queue = CopyQueue(10, finish, {"RDS+Aurora": 2, "EBS": 1})
    jobs = [job(1, "RDS"), job(2, "Aurora"), job(3, "Aurora"), job(4, "RDS"), job(5, "EBS")]
    for each in jobs:
        queue.admit(each, T0)
    assert [j.state for j in jobs] == ["RUNNING", "RUNNING", "CREATED", "CREATED", "RUNNING"]
    queue.advance(T0 + 100.0)
    # Two slots of the group free at once: the waiting jobs start in arrival order.
    assert [j.start_date for j in jobs[2:4]] == [T0 + 100.0, T0 + 100.0]
    assert queue.peak_running_by_type == {"RDS+Aurora": 2, "EBS": 1}


def test_a_job_blocked_by_its_group_does_not_take_the_account_slot_of_a_later_job() -> None:
    queue = CopyQueue(2, finish, {"EBS": 1})
    first, blocked, other = job(1, "EBS"), job(2, "EBS"), job(3, "EFS")
    for each in (first, blocked, other):
        queue.admit(each, T0)
    assert (first.state, blocked.state, other.state) == ("RUNNING", "CREATED", "RUNNING")


def test_the_account_quota_still_binds_when_groups_have_room() -> None:
    queue = CopyQueue(3, finish, {"EBS": 20})
    jobs = [job(n, "EBS") for n in range(1, 6)]
    for each in jobs:
        queue.admit(each, T0)
    assert queue.running == 3
    assert queue.peak_running == queue.peak_running_by_type["EBS"] == 3


def simulate(
    quota: int, limit: int, specs: list[tuple[int, int, int, int]], polls: list[int]
) -> list[tuple[float, float]]:
    """Admit (type, resource, duration, arrival) jobs, polling too; (start, end) per job."""
    queue = CopyQueue(quota, finish, {"EBS": limit, "RDS+Aurora": limit})
    types = ("EBS", "RDS", "Aurora", "EFS")
    jobs: list[CopyJob] = []
    events = sorted([(spec[3], 0, n) for n, spec in enumerate(specs)])
    events += [(at, 1, -1) for at in polls]
    for at, kind, n in sorted(events):
        if kind == 1:
            queue.advance(T0 + at)
            continue
        rtype, resource, duration, _ = specs[n]
        jobs.append(job(n + 1, types[rtype], float(duration), f"r{resource}"))
        queue.admit(jobs[-1], T0 + at)
    queue.advance(T0 + 10**6)
    assert queue.active == 0
    jobs.sort(key=lambda j: j.seq)
    return [(j.start_date or 0.0, j.completion_date or 0.0) for j in jobs]


job_specs = st.lists(
    st.tuples(st.integers(0, 3), st.integers(0, 5), st.integers(1, 50), st.integers(0, 200)),
    min_size=1,
    max_size=25,
)


@settings(max_examples=150, deadline=None)
@given(
    quota=st.integers(1, 5),
    limit=st.integers(1, 3),
    specs=job_specs,
    polls=st.lists(st.integers(0, 400), max_size=30),
)
def test_for_any_jobs_and_polling_no_group_exceeds_its_limit_and_timing_is_the_same(
    quota: int, limit: int, specs: list[tuple[int, int, int, int]], polls: list[int]
) -> None:
    timing = simulate(quota, limit, specs, polls)
    assert timing == simulate(quota, limit, specs, [])  # polling never changes what happens
    group = {0: "EBS", 1: "RDS+Aurora", 2: "RDS+Aurora", 3: None}
    for (start, end), (rtype, resource, duration, arrival) in zip(timing, specs, strict=True):
        assert start >= T0 + arrival
        assert end == start + duration
        running = [spec for (s, e), spec in zip(timing, specs, strict=True) if s <= start < e]
        assert len(running) <= quota
        assert sum(other[1] == resource for other in running) == 1
        if group[rtype] is not None:
            assert sum(group[other[0]] == group[rtype] for other in running) <= limit


# -- StartCopyJob ------------------------------------------------------------------------------


@dataclass
class World:
    world: SandboxWorld
    clock: ManualClock
    serial: int = 0

    def copy(self, resource_type: str) -> CopyJob:
        self.serial += 1
        n = self.serial
        created = self.clock.now() - DAY
        rp = StoredRecoveryPoint(
            seq=self.world.next_seq(),
            arn=f"arn:aws:backup:{REGION}:{SRC}:recovery-point:{n:08d}-0000-4000-a000-0",
            vault_name=SRC_VAULT,
            vault_arn=vault_arn(REGION, SRC, SRC_VAULT),
            resource_arn=f"arn:aws:{resource_type.lower()}:{REGION}:{SRC}:thing/{n:08x}",
            resource_type=resource_type,
            resource_name=f"resource-{n}",
            creation_date=created,
            completion_date=created + 600,
            size=SIZE_720S,
            status="COMPLETED",
            encryption_key_arn=CMK,
            iam_role_arn=ROLE,
            delete_after_days=35,
        )
        self.world.add_recovery_point(SRC, REGION, rp)
        request = CopyRequest(rp.arn, rp.vault_name, DEST_ARN, ROLE)
        return self.world.start_copy_job(SRC, REGION, request)

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)
        self.world.tick()


@pytest.fixture
def make_world() -> Iterator[Callable[..., World]]:
    reset_moto()

    def build(**config: Any) -> World:
        clock = ManualClock()
        world = SandboxWorld(SandboxConfig(jitter=0.0, **config), clock=clock)
        create_role(SRC, "AWSBackupDefaultServiceRole", "/service-role/", "backup.amazonaws.com")
        create_vault(SRC, REGION, SRC_VAULT, encryption_key_arn=CMK)
        create_vault(DST, REGION, DEST_VAULT)
        world.policies[(DST, REGION, DEST_VAULT)] = copy_into_vault_policy(DEST_ARN, SRC)
        return World(world, clock)

    yield build
    reset_moto()


def test_in_reject_mode_a_type_at_its_limit_answers_limit_exceeded_naming_the_limit(
    make_world: Callable[..., World],
) -> None:
    env = make_world(at_quota="reject", type_limits={"EBS": 2})
    first = env.copy("EBS")
    env.copy("EBS")
    with pytest.raises(SandboxError) as refused:
        env.copy("EBS")
    assert refused.value.error_type == "LimitExceededException"
    assert refused.value.code == 400
    assert refused.value.message == messages.TYPE_LIMIT_EXCEEDED.format(
        group="EBS", active=2, region=REGION, limit=2
    )
    assert refused.value.message == (
        "Concurrent copy job limit exceeded for resource type EBS: 2 copy jobs in progress "
        "to us-east-1 (limit 2)"
    )
    assert env.copy("EFS").state == "RUNNING"  # the account quota has room for other types
    env.advance(720.0)
    assert first.state == "COMPLETED"
    assert env.copy("EBS").state == "RUNNING"


def test_in_reject_mode_a_group_counts_all_its_types_and_the_account_quota_comes_first(
    make_world: Callable[..., World],
) -> None:
    env = make_world(at_quota="reject", copy_quota=3, type_limits={"RDS+Aurora": 2})
    env.copy("RDS")
    env.copy("Aurora")
    with pytest.raises(SandboxError) as refused:
        env.copy("RDS")
    assert "resource type RDS+Aurora: 2 copy jobs" in refused.value.message
    env.copy("EBS")
    with pytest.raises(SandboxError) as at_quota:
        env.copy("Aurora")
    assert at_quota.value.message == messages.LIMIT_EXCEEDED.format(quota=3)


def test_in_queue_mode_the_makespan_is_each_groups_waves_and_stats_show_the_peaks(
    make_world: Callable[..., World],
) -> None:
    env = make_world(type_limits={"EBS": 2, "RDS+Aurora": 1})
    t0 = env.clock.now()
    ebs = [env.copy("EBS") for _ in range(5)]
    rds = [env.copy(kind) for kind in ("RDS", "Aurora")]
    efs = [env.copy("EFS") for _ in range(4)]
    assert [j.state for j in ebs] == ["RUNNING"] * 2 + ["CREATED"] * 3
    assert [j.state for j in rds] == ["RUNNING", "CREATED"]
    assert {j.state for j in efs} == {"RUNNING"}
    env.advance(3 * 720.0)
    # Five EBS copies two at a time: three waves; two RDS-group copies one at a time: two.
    assert [j.completion_date for j in ebs] == [t0 + 720.0 * w for w in (1, 1, 2, 2, 3)]
    assert [j.completion_date for j in rds] == [t0 + 720.0, t0 + 1440.0]
    assert [j.completion_date for j in efs] == [t0 + 720.0] * 4
    report = stats(env.world)
    assert report["peak_running_by_type"] == {"EBS": 2, "RDS+Aurora": 1}
    assert report["peak_running"] == 7


def test_without_type_limits_stats_report_no_groups(make_world: Callable[..., World]) -> None:
    env = make_world()
    env.copy("EBS")
    assert stats(env.world)["peak_running_by_type"] == {}


# -- the CLI flag ------------------------------------------------------------------------------


def sandbox_args(*flags: str) -> Any:
    return build_parser().parse_args(["sandbox", *flags])


def test_type_limit_takes_comma_lists_and_repeats_in_any_case_and_joins_groups() -> None:
    args = sandbox_args("--type-limit", "ebs=20,rds+AURORA=20", "--type-limit", "EFS=3")
    config, _ = config_of(sandbox_request(args))
    assert config.type_limits == {"EBS": 20, "RDS+Aurora": 20, "EFS": 3}


def test_no_type_limit_flag_means_no_type_limits() -> None:
    config, _ = config_of(sandbox_request(sandbox_args()))
    assert config.type_limits == {}


@pytest.mark.parametrize(
    ("value", "names"),
    [
        ("EBS=x", "'x'"),
        ("EBS", "'EBS'"),
        ("EBS=0", "at least 1"),
        ("Tape=3", "unknown resource type 'Tape'"),
        ("=3", "'=3'"),
        ("RDS+=3", "'RDS+=3'"),
        ("EBS=20,RDS+Aurora=20,rds=1", "RDS is limited twice"),
    ],
)
def test_a_bad_type_limit_is_a_one_line_usage_error_naming_the_flag_and_the_bad_part(
    value: str, names: str
) -> None:
    with pytest.raises(UsageError) as refused:
        sandbox_args("--type-limit", value)
    message = str(refused.value)
    assert "\n" not in message
    assert "--type-limit" in message
    assert names in message


def test_a_type_limited_in_two_flags_is_a_usage_error() -> None:
    args = sandbox_args("--type-limit", "EBS=20", "--type-limit", "ebs=5")
    with pytest.raises(UsageError, match="--type-limit: EBS is limited twice"):
        config_of(sandbox_request(args))
