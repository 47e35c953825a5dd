"""The run summary keeps the original design's contract."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from shuffle_aws_vaults.application.copy_report import run_summary
from shuffle_aws_vaults.application.engine_context import RunOutcome
from shuffle_aws_vaults.domain.events import Intent, JobEnded, Refused, Submitted
from shuffle_aws_vaults.domain.migration import MigrationState

from .copy_fakes import independent_items

START = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


class Statistics:
    def calls(self) -> dict[str, int]:
        return {"StartCopyJob": 3}

    def retries(self) -> int:
        return 0

    def pacing(self) -> dict[str, Any]:
        return {}


def summary_of(state: MigrationState, skipped: dict[str, int]) -> dict[str, Any]:
    return run_summary(
        state,
        RunOutcome(reason="finished", completed_this_run=1),
        {"skipped_by_reason": skipped},
        START,
        START + timedelta(hours=1),
        Statistics(),
    )


def test_total_items_is_completed_failed_skipped_in_progress_and_pending() -> None:
    state = MigrationState(independent_items(6))
    state.adopt(0, "arn:dest:0")
    for event in (
        Intent(1, 1, 1.0),
        Submitted(1, "job-1", 2.0),
        JobEnded(1, "job-1", "COMPLETED", 3.0, dest_arn="arn:dest:1"),
        Refused(2, "AccessDeniedException", "no", 4.0),
        Intent(3, 1, 5.0),
    ):
        state.apply(event)

    summary = summary_of(state, {"cold-storage": 2, "created-before-window": 5})

    assert (summary["completed"], summary["already_copied"], summary["failed"]) == (2, 1, 1)
    assert (summary["in_progress"], summary["pending"], summary["skipped"]) == (1, 2, 7)
    parts = ("completed", "failed", "skipped", "in_progress", "pending")
    assert summary["total_items"] == sum(summary[part] for part in parts) == 13
    assert summary["planned_items"] == 6
    assert summary["success_rate"] == round(100 * 2 / 3, 2)


def test_the_success_rate_is_null_until_an_item_has_finished() -> None:
    state = MigrationState(independent_items(2))
    state.apply(Intent(0, 1, 1.0))
    assert summary_of(state, {})["success_rate"] is None
