from __future__ import annotations

import pytest

from shuffle_aws_vaults.domain.concurrency import Cap, JobLimits, headroom
from shuffle_aws_vaults.domain.lanes import Lanes, parse_type_limits

# -- one cap ----------------------------------------------------------------------------------


def test_the_cap_starts_at_the_ceiling() -> None:
    cap = Cap(80)
    assert cap.limit == 80
    assert cap.decreases == 0


def test_a_limit_lowers_the_cap_to_what_aws_took_not_to_half() -> None:
    cap = Cap(80)
    assert cap.lower_to(63)
    assert (cap.limit, cap.lowest, cap.decreases) == (63, 63, 1)


def test_a_limit_above_the_cap_changes_nothing() -> None:
    cap = Cap(80)
    cap.lower_to(40)
    assert not cap.lower_to(50)
    assert (cap.limit, cap.decreases) == (40, 1)


def test_the_cap_never_drops_below_the_floor() -> None:
    cap = Cap(8, floor=3)
    cap.lower_to(0)
    assert cap.limit == 3


def test_successes_grow_the_cap_by_about_one_per_cap_successes() -> None:
    cap = Cap(80)
    cap.lower_to(40)
    for _ in range(40):
        cap.on_success()
    assert cap.limit == 40  # each success adds 1/cap: just short of 41
    cap.on_success()
    assert cap.limit == 41


def test_successes_grow_the_cap_back_to_the_ceiling_one_step_at_a_time() -> None:
    cap = Cap(16)
    cap.lower_to(8)
    seen = [cap.limit]
    for _ in range(200):
        cap.on_success()
        if cap.limit != seen[-1]:
            seen.append(cap.limit)
    assert seen == list(range(8, 17))


def test_a_ceiling_below_the_floor_is_refused() -> None:
    with pytest.raises(ValueError, match="ceiling must be at least floor"):
        Cap(2, floor=3)


def test_headroom_is_a_tenth_of_what_runs_and_at_least_one() -> None:
    assert [headroom(n) for n in (0, 1, 10, 11, 20, 95)] == [1, 1, 1, 2, 2, 10]


# -- the account and its lanes ----------------------------------------------------------------


def limits(workers: int = 40, text: str = "") -> JobLimits:
    return JobLimits(workers, Lanes(parse_type_limits(text)), evidence_window=60.0)


def test_rds_and_aurora_share_a_lane_as_aws_documents_unless_told_otherwise() -> None:
    assert Lanes().lane("Aurora") == Lanes().lane("RDS") == "RDS+Aurora"
    assert Lanes().lane("EBS") == "EBS"
    told = Lanes(parse_type_limits("RDS=10"))
    assert (told.lane("RDS"), told.lane("Aurora")) == ("RDS", "Aurora")


def test_lanes_start_at_workers_or_at_the_operators_type_limit() -> None:
    job_limits = limits(40, "EBS=20,RDS+Aurora=8")
    assert job_limits.limit("EBS") == 20
    assert job_limits.limit("RDS+Aurora") == 8
    assert job_limits.limit("S3") == 40
    assert not job_limits.capped()  # at their ceilings


def test_one_lane_refused_caps_that_lane_only() -> None:
    job_limits = limits()
    job_limits.on_refused("EBS", lane_in_flight=18, total_in_flight=33, now=10.0)

    assert job_limits.limit("EBS") == 18
    assert job_limits.total.limit == 40  # other types keep the account's room
    assert job_limits.capped()


def test_refusals_from_two_lanes_close_together_are_the_accounts_limit() -> None:
    job_limits = limits()
    job_limits.on_refused("EBS", lane_in_flight=18, total_in_flight=33, now=10.0)
    job_limits.on_refused("S3", lane_in_flight=15, total_in_flight=33, now=40.0)

    assert job_limits.total.limit == 33
    assert (job_limits.limit("EBS"), job_limits.limit("S3")) == (18, 15)


def test_refusals_from_two_lanes_well_below_what_aws_took_before_stay_the_lanes_own() -> None:
    # Two lanes under one limit the tool was not told of (RDS and Aurora, say) look like the
    # account's limit, but the account took 40 before.
    job_limits = limits()
    job_limits.on_accepted("S3", total_in_flight=40)
    job_limits.on_refused("RDS", lane_in_flight=5, total_in_flight=30, now=10.0)
    job_limits.on_refused("Aurora", lane_in_flight=3, total_in_flight=30, now=12.0)

    assert job_limits.total.limit == 40
    assert (job_limits.limit("RDS"), job_limits.limit("Aurora")) == (5, 3)


def test_refusals_from_two_lanes_far_apart_stay_the_lanes_own() -> None:
    job_limits = limits()
    job_limits.on_refused("EBS", lane_in_flight=18, total_in_flight=33, now=10.0)
    job_limits.on_refused("S3", lane_in_flight=15, total_in_flight=33, now=100.0)

    assert job_limits.total.limit == 40


def test_accepted_submissions_probe_a_capped_lane_upward_again() -> None:
    job_limits = limits()
    job_limits.on_refused("EBS", lane_in_flight=10, total_in_flight=20, now=0.0)
    for _ in range(11):
        job_limits.on_accepted("EBS", total_in_flight=21)
    assert job_limits.limit("EBS") == 11


def test_a_census_caps_a_lane_whose_jobs_pile_up_while_its_running_count_stays() -> None:
    job_limits = limits()
    assert job_limits.on_census({"EBS": 20, "S3": 10}, {"EBS": 12}) == []  # first look
    piled = job_limits.on_census({"EBS": 20, "S3": 12}, {"EBS": 14})

    assert piled == ["EBS"]
    assert job_limits.limit("EBS") == 22  # what runs, plus a tenth waiting to take a free slot
    assert job_limits.limit("S3") == 40
    assert job_limits.total.limit == 40


def test_a_census_leaves_a_lane_alone_while_its_running_count_grows() -> None:
    job_limits = limits()
    job_limits.on_census({"EBS": 10}, {"EBS": 12})
    assert job_limits.on_census({"EBS": 14}, {"EBS": 8}) == []
    assert job_limits.limit("EBS") == 40


def test_a_few_jobs_in_created_are_headroom_not_a_pile_up() -> None:
    job_limits = limits()
    job_limits.on_census({"EBS": 20}, {"EBS": 2})
    assert job_limits.on_census({"EBS": 20}, {"EBS": 2}) == []


def test_every_lane_piling_up_is_the_accounts_limit() -> None:
    job_limits = limits(80)
    job_limits.on_census({"EBS": 25, "S3": 15}, {"EBS": 20, "S3": 20})
    job_limits.on_census({"EBS": 25, "S3": 15}, {"EBS": 20, "S3": 20})

    assert job_limits.total.limit == 44  # 40 running + 4
    assert (job_limits.limit("EBS"), job_limits.limit("S3")) == (28, 17)


def test_lanes_piling_up_with_fewer_running_than_ran_before_are_the_lanes_own_limits() -> None:
    job_limits = limits(80)
    job_limits.on_census({"EBS": 20, "S3": 40}, {})  # 60 ran at once
    job_limits.on_census({"EBS": 20, "RDS+Aurora": 20}, {"EBS": 9, "RDS+Aurora": 9})
    job_limits.on_census({"EBS": 20, "RDS+Aurora": 20}, {"EBS": 9, "RDS+Aurora": 9})

    assert job_limits.total.limit == 80
    assert (job_limits.limit("EBS"), job_limits.limit("RDS+Aurora")) == (22, 22)


def test_the_report_names_every_cap_that_was_lowered() -> None:
    job_limits = limits()
    job_limits.on_refused("EBS", lane_in_flight=18, total_in_flight=33, now=10.0)
    job_limits.on_accepted("EBS", total_in_flight=34)

    report = job_limits.report()
    assert list(report) == ["EBS"]
    assert (report["EBS"].lowest, report["EBS"].ceiling, report["EBS"].decreases) == (18, 40, 1)
