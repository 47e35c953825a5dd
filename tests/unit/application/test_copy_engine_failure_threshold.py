"""--failure-threshold: one cause is not repeated for every item of a migration."""

from __future__ import annotations

from shuffle_aws_vaults.domain.errors import AwsError, ErrorCategory
from shuffle_aws_vaults.domain.migration import Status

from .copy_fakes import chains, independent_items, make_rig

DENIED = "Access Denied trying to call AWS Backup service"


def refusal() -> AwsError:
    return AwsError(
        "AccessDeniedException", "not authorized to copy", category=ErrorCategory.ACCESS_DENIED
    )


def test_refusals_in_a_row_stop_new_submissions_at_the_threshold() -> None:
    items = independent_items(40)
    rig = make_rig(items, workers=2, failure_threshold=5)
    for item in items:
        rig.gateway.refuse(item.source_arn, refusal())

    outcome = rig.run()

    assert outcome.reason == "failure-threshold"
    assert outcome.failure_streak is not None
    signature, count = outcome.failure_streak
    assert signature == "AccessDeniedException: not authorized to copy"
    assert 5 <= count <= 5 + 2  # answers already in when the engine looked
    started = sum(len(rig.gateway.starts_for(item.source_arn)) for item in items)
    assert 5 <= started <= 5 + 2  # what was under way when it tripped, no more
    assert rig.state.counts[Status.PENDING] >= 40 - 7


def test_failed_jobs_in_flight_are_still_tracked_to_their_end_after_the_threshold() -> None:
    items = independent_items(30)
    rig = make_rig(items, workers=6, failure_threshold=4)
    for item in items:
        rig.gateway.fail_jobs(item.source_arn, DENIED)

    outcome = rig.run()

    assert outcome.reason == "failure-threshold"
    assert outcome.failure_streak is not None and outcome.failure_streak[1] >= 4
    assert rig.state.in_flight == 0  # every job started was followed to its end
    failed = rig.state.counts[Status.FAILED]
    assert 4 <= failed <= 4 + 6
    assert rig.state.counts[Status.PENDING] == 30 - failed


def test_a_completed_copy_between_failures_ends_the_streak() -> None:
    items = chains({"vol-a": 12})  # one resource: one job at a time, in order
    rig = make_rig(items, failure_threshold=3)
    for n, item in enumerate(items):
        if n % 3 != 2:  # two failures, then a copy, and again
            rig.gateway.fail_jobs(item.source_arn, DENIED)

    outcome = rig.run()

    assert outcome.reason == "finished" and outcome.failure_streak is None
    assert rig.state.counts[Status.COMPLETED] == 4
    assert rig.state.counts[Status.FAILED] == 8


def test_a_threshold_of_0_never_stops_the_run() -> None:
    items = independent_items(30)
    rig = make_rig(items, workers=3, failure_threshold=0)
    for item in items:
        rig.gateway.refuse(item.source_arn, refusal())

    outcome = rig.run()

    assert outcome.reason == "finished"
    assert rig.state.counts[Status.FAILED] == 30
