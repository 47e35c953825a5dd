"""The copy engine under AWS's limits: throttling never cuts jobs in flight; LimitExceeded and
jobs piling up in CREATED cap the lane they concern, and the other lanes use the free slots."""

from __future__ import annotations

from collections import Counter

from shuffle_aws_vaults.domain.errors import Throttled
from shuffle_aws_vaults.domain.lanes import parse_type_limits

from .copy_fakes import EngineRig, FakeJob, independent_items, make_rig


def lane_in_flight(rig: EngineRig, resource_type: str, at: float) -> int:
    """Jobs of `resource_type` AWS had in flight (CREATED or RUNNING) at `at`."""
    kinds = rig.gateway.type_of
    return sum(
        1
        for job in rig.gateway.jobs.values()
        if kinds[job.source_arn] == resource_type and job.created <= at < job.ends
    )


def running(rig: EngineRig, at: float) -> int:
    return sum(1 for job in rig.gateway.jobs.values() if job.running_at(at))


def makespan(rig: EngineRig) -> float:
    jobs: list[FakeJob] = list(rig.gateway.jobs.values())
    return max(job.ends for job in jobs) - min(job.created for job in jobs)


def mixed_items(ebs: int, s3: int):  # type: ignore[no-untyped-def]
    return independent_items(ebs, prefix="ebs") + independent_items(
        s3, prefix="s3", resource_type="S3"
    )


# -- throttling is the pacer's business -------------------------------------------------------


def test_throttling_never_lowers_the_jobs_in_flight() -> None:
    rig = make_rig(independent_items(200), workers=16, default_duration=100.0)
    for moment in (50.0, 120.0, 300.0, 610.0):
        rig.clock.at(moment, lambda: rig.gateway.throttle_next(3, code="ThrottlingException"))
    # Throttling botocore retried away, as the needs-retry hook counts it: only counted.
    rig.clock.at(200.0, lambda: setattr(rig.gateway, "throttle_events", 500))

    outcome = rig.run()

    assert rig.engine.limits.report() == {}
    assert {sample.cap for sample in rig.progress.samples} == {16}
    settled = {p.at: p.in_flight for p in rig.in_flight_trace()}  # after each moment's events
    assert min(n for at, n in settled.items() if 50.0 <= at <= 1000.0) >= 15
    assert outcome.throttles >= 500
    assert rig.gateway.new_jobs_by_source() == Counter({i.source_arn: 1 for i in rig.items})


def test_a_failed_poll_is_asked_again_at_once_not_a_poll_interval_later() -> None:
    rig = make_rig(independent_items(4), workers=4, poll_interval=30.0, default_duration=100.0)
    rate_exceeded = Throttled("ThrottlingException", "Rate exceeded", "ListCopyJobs")
    rig.gateway.fail_polls(rate_exceeded, rate_exceeded)

    rig.run()

    times = [at for at, _ in rig.gateway.page_requests]
    assert times[1] - times[0] <= 1.5
    assert times[2] - times[1] <= 1.5
    assert times[3] - times[2] >= 29.0  # then the ordinary interval again


# -- a lane per service limit -----------------------------------------------------------------


def test_jobs_piling_up_in_created_cap_their_lane_and_other_types_take_the_slots() -> None:
    rig = make_rig(mixed_items(40, 40), workers=16, default_duration=100.0)
    rig.gateway.limit_type("EBS", 4, mode="queue")  # EBS's own limit, unannounced

    outcome = rig.run()

    assert outcome.reason == "finished"
    ebs = rig.engine.limits.cap("EBS")
    assert ebs.lowest <= 5  # 4 running + 1 waiting to take the next free slot
    assert rig.engine.limits.total.limit == 16  # the account's cap was never the problem
    assert rig.gateway.state_listings  # the engine looked at what waits in CREATED
    # The first EBS jobs wait their turn in AWS; once they have, EBS holds few slots and S3
    # runs in the others until it is done (at about 600 s).
    assert max(lane_in_flight(rig, "EBS", t) for t in range(300, 1000, 10)) <= 8
    assert sum(running(rig, t) for t in range(300, 500, 10)) / 20 >= 14
    # EBS alone needs 40 x 100 s / 4 = 1,000 s: the run takes little more.
    assert makespan(rig) <= 1150.0
    assert rig.gateway.new_jobs_by_source() == Counter({i.source_arn: 1 for i in rig.items})


def test_limit_exceeded_for_one_type_caps_that_lane_and_the_rest_fill_the_account() -> None:
    rig = make_rig(mixed_items(40, 40), workers=16, default_duration=100.0)
    rig.gateway.limit_type("EBS", 4, mode="reject")

    outcome = rig.run()

    assert outcome.reason == "finished"
    assert outcome.limit_refusals >= 1
    assert rig.engine.limits.cap("EBS").lowest == 4
    assert rig.engine.limits.total.limit == 16
    assert sum(running(rig, t) for t in range(0, 300, 10)) / 30 >= 14  # until S3 is done
    assert makespan(rig) <= 1150.0
    # A refusal creates no job, and the refused item is copied once in the end.
    assert rig.gateway.new_jobs_by_source() == Counter({i.source_arn: 1 for i in rig.items})


def test_an_operators_type_limit_holds_the_lane_from_the_start() -> None:
    rig = make_rig(
        mixed_items(20, 20),
        workers=10,
        default_duration=100.0,
        type_limits=parse_type_limits("EBS=3"),
    )

    rig.run()

    assert max(lane_in_flight(rig, "EBS", t) for t in range(0, 1500, 5)) == 3
    assert max(running(rig, t) for t in range(0, 200, 5)) == 10
    assert rig.engine.limits.report() == {}  # never refused, never piled up
