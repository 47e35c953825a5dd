"""A copy over several Regions ends with one exit status: 1 when a Region failed fatally, hit
its failure threshold, or (done) has failed items; 2 while any Region is incomplete; else 0."""

from __future__ import annotations

from shuffle_aws_vaults.application.copy_engine import RunOutcome
from shuffle_aws_vaults.application.copy_request import CopyOutcome
from shuffle_aws_vaults.application.regional_copy import RegionResult
from shuffle_aws_vaults.cli.copy_regions import exit_status, region_line
from shuffle_aws_vaults.domain.summary import MigrationCounts


def result(
    region: str, reason: str = "finished", failed: int = 0, done: bool = True
) -> RegionResult:
    counts = MigrationCounts(10, 10 - failed, failed, 0, 0, 0, 0)
    report = {
        "completed": 10 - failed,
        "already_copied": 0,
        "planned_items": 10,
        "failed": failed,
        "in_progress": 0,
        "pending": 0 if done else 4,
    }
    found = RegionResult(region, region)
    found.outcome = CopyOutcome(RunOutcome(reason), report, counts, done)
    return found


def test_every_region_finished_cleanly_is_0() -> None:
    assert exit_status([result("us-east-1"), result("eu-west-1")]) == 0


def test_a_region_still_incomplete_is_2_and_a_fatal_region_outranks_it() -> None:
    incomplete = result("eu-west-1", "runtime-limit", done=False)
    assert exit_status([result("us-east-1"), incomplete]) == 2
    fatal = RegionResult("ap-south-1", "ap-south-1", error=PermissionError("denied"))
    assert exit_status([fatal, incomplete]) == 1


def test_failed_items_or_a_failure_threshold_are_1() -> None:
    assert exit_status([result("us-east-1"), result("eu-west-1", failed=2)]) == 1
    assert exit_status([result("us-east-1", "failure-threshold", done=False)]) == 1


def test_each_regions_line_says_where_its_copies_went_and_how_it_ended() -> None:
    line = region_line(result("eu-west-1", "runtime-limit", failed=1, done=False))
    assert line == (
        "  eu-west-1 -> eu-west-1: 9 of 10 copied, 1 failed, 0 in flight, 4 to go "
        "(runtime-limit)"
    )
    stopped = RegionResult("us-east-1", "eu-west-1", error=PermissionError("denied"))
    assert region_line(stopped) == (
        "  us-east-1 -> eu-west-1: stopped: unexpected PermissionError: denied "
        "(run with -v for details)"
    )
