"""A copy over its routes ends with one exit status, one route or several: 1 when a route failed
fatally, hit its failure threshold, or (done) has failed items; 2 while any route is
incomplete; else 0."""

from __future__ import annotations

from shuffle_aws_vaults.application.copy_engine import RunOutcome
from shuffle_aws_vaults.application.copy_request import CopyOutcome
from shuffle_aws_vaults.application.copy_run import RouteResult, completion
from shuffle_aws_vaults.cli.copy_view import route_line
from shuffle_aws_vaults.cli.exit_status import COMPLETION
from shuffle_aws_vaults.domain.summary import MigrationCounts


def result(
    region: str, reason: str = "finished", failed: int = 0, done: bool = True
) -> RouteResult:
    counts = MigrationCounts(10, 10 - failed, failed, 0, 0, 0, 0)
    report = {
        "completed": 10 - failed,
        "already_copied": 0,
        "planned_items": 10,
        "failed": failed,
        "in_progress": 0,
        "pending": 0 if done else 4,
    }
    found = RouteResult(region, region)
    found.outcome = CopyOutcome(RunOutcome(reason), report, counts, done)
    return found


def exit_status(results: list[RouteResult]) -> int:
    return COMPLETION[completion(results)]


def test_one_route_finished_cleanly_is_0_and_with_failed_items_1() -> None:
    assert exit_status([result("us-east-1")]) == 0
    assert exit_status([result("us-east-1", failed=1)]) == 1
    assert exit_status([result("us-east-1", "interrupted", done=False)]) == 2


def test_every_region_finished_cleanly_is_0() -> None:
    assert exit_status([result("us-east-1"), result("eu-west-1")]) == 0


def test_a_region_still_incomplete_is_2_and_a_fatal_region_outranks_it() -> None:
    incomplete = result("eu-west-1", "runtime-limit", done=False)
    assert exit_status([result("us-east-1"), incomplete]) == 2
    fatal = RouteResult("ap-south-1", "ap-south-1", error=PermissionError("denied"))
    assert exit_status([fatal, incomplete]) == 1


def test_failed_items_or_a_failure_threshold_are_1() -> None:
    assert exit_status([result("us-east-1"), result("eu-west-1", failed=2)]) == 1
    assert exit_status([result("us-east-1", "failure-threshold", done=False)]) == 1


def test_each_regions_line_says_where_its_copies_went_and_how_it_ended() -> None:
    line = route_line(result("eu-west-1", "runtime-limit", failed=1, done=False))
    assert line == (
        "  eu-west-1 -> eu-west-1: 9 of 10 copied, 1 failed, 0 in flight, 4 to go "
        "(runtime-limit)"
    )
    stopped = RouteResult("us-east-1", "eu-west-1", error=PermissionError("denied"))
    assert route_line(stopped) == (
        "  us-east-1 -> eu-west-1: stopped: unexpected PermissionError: denied "
        "(run with -v for details)"
    )
