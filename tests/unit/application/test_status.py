"""`status` over several routes: the totals of the routes' status documents."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shuffle_aws_vaults.application.status import merge_reports, status_document
from shuffle_aws_vaults.domain.migration import MigrationState

NOW = datetime(2024, 5, 4, tzinfo=UTC)
IDENTITY = {"source_account": "111111111111", "dest_account": "222222222222"}


def doc(**given: Any) -> dict[str, Any]:
    """A one-Region status document (as status_document makes it, of an empty plan), its
    counts zeros unless given."""
    empty = status_document(MigrationState([]), IDENTITY, None, now=NOW, path=Path("s.jsonl"))
    base: dict[str, Any] = {
        **empty,
        "source_account": "111111111111",
        "dest_account": "222222222222",
        "vaults": ["a"],
        "planned_at": "2024-05-01T00:00:00+00:00",
        "running": None,
        "total_items": 0,
        "completed": 0,
        "failed": 0,
        "in_flight": 0,
        "unconfirmed": 0,
        "pending": 0,
        "already_copied": 0,
        "retried_failed": 0,
        "added_since_plan": 0,
        "percent_done": 100.0,
        "bytes_copied": 0,
        "bytes_planned": 0,
        "job_retries": 0,
        "failures_by_message": {},
        "failures": [],
    }
    return {**base, **given}


def merge(east: dict[str, Any], west: dict[str, Any]) -> dict[str, Any]:
    return merge_reports({"us-east-1": east, "eu-west-1": west}, now=NOW, path=Path("dir"))


EAST = doc(
    vaults=["a", "b"],
    planned_at="2024-05-02T00:00:00+00:00",
    total_items=90,
    completed=60,
    failed=2,
    in_flight=10,
    unconfirmed=1,
    pending=17,
    already_copied=5,
    retried_failed=1,
    added_since_plan=3,
    percent_done=68.89,
    bytes_copied=6000,
    bytes_planned=9000,
    job_retries=4,
    failures_by_message={"AccessDenied: no": 1, "Internal: oops": 1},
    failures=[
        {"recovery_point_arn": "e1", "error_code": "AccessDenied", "error_message": "no"},
        {"recovery_point_arn": "e2", "error_code": "Internal", "error_message": "oops"},
    ],
)
WEST = doc(
    vaults=["a"],
    running="pid 7 on host since 2024-05-03",
    total_items=30,
    completed=9,
    failed=3,
    pending=18,
    percent_done=40.0,
    bytes_copied=900,
    bytes_planned=3000,
    job_retries=1,
    failures_by_message={"Internal: oops": 3},
    failures=[
        {"recovery_point_arn": f"w{i}", "error_code": "Internal", "error_message": "oops"}
        for i in range(3)
    ],
)


def test_counts_are_summed_and_percent_done_is_recomputed_from_the_sums() -> None:
    totals = merge(EAST, WEST)
    assert totals["total_items"] == 120
    assert totals["completed"] == 69
    assert totals["failed"] == 5
    assert totals["in_flight"] == 10
    assert totals["unconfirmed"] == 1
    assert totals["pending"] == 35
    assert totals["already_copied"] == 5
    assert (totals["retried_failed"], totals["added_since_plan"]) == (1, 3)
    assert (totals["bytes_copied"], totals["bytes_planned"]) == (6900, 12000)
    assert totals["job_retries"] == 5
    # (69 completed, already copied among them, + 5 failed) of 120; not the Regions' mean
    assert totals["percent_done"] == 61.67
    assert set(totals) == set(EAST)  # the one-Region document's keys, no more


def test_failure_causes_merge_most_first_and_examples_say_their_region() -> None:
    totals = merge(EAST, WEST)
    assert list(totals["failures_by_message"].items()) == [
        ("Internal: oops", 4),
        ("AccessDenied: no", 1),
    ]
    assert [(f["region"], f["recovery_point_arn"]) for f in totals["failures"]] == [
        ("us-east-1", "e1"),
        ("us-east-1", "e2"),
        ("eu-west-1", "w0"),
        ("eu-west-1", "w1"),
        ("eu-west-1", "w2"),
    ]


def test_what_is_not_counted_is_shared_or_listed() -> None:
    totals = merge(EAST, WEST)
    assert totals["source_account"] == "111111111111"
    assert totals["vaults"] == ["a", "b"]
    assert totals["planned_at"] == "2024-05-01T00:00:00+00:00"  # the earliest plan
    assert totals["running"] == "pid 7 on host since 2024-05-03"
    other = doc(dest_account="333333333333", vaults="*")
    mixed = merge(EAST, other)
    assert mixed["dest_account"] == ["222222222222", "333333333333"]
    assert mixed["vaults"] == "*"
    assert mixed["running"] is None


def test_an_empty_plan_everywhere_is_done() -> None:
    totals = merge(doc(), doc())
    assert totals["total_items"] == 0 and totals["percent_done"] == 100.0
    assert totals["failures"] == [] and totals["failures_by_message"] == {}


def test_the_status_table_says_all_vaults_for_an_all_vaults_migration() -> None:
    from shuffle_aws_vaults.cli.status_report import vault_list

    assert vault_list("*") == vault_list(["*"]) == vault_list(None) == "all"
    assert vault_list(["a", "b"]) == "a, b"
