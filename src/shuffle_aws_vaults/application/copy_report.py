"""The run summary a copy writes (`--summary-output`) and prints its closing line from."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ..domain.migration import MigrationState
from ..domain.progress import format_duration
from ..domain.summary import MigrationCounts, bytes_copied, failed_items
from .copy_engine import RunOutcome
from .ports import ApiStatistics


def run_summary(
    state: MigrationState,
    outcome: RunOutcome,
    identity: dict[str, Any],
    start: datetime,
    end: datetime,
    statistics: ApiStatistics,
) -> dict[str, Any]:
    counts = MigrationCounts.of(state)
    duration = (end - start).total_seconds()
    skipped = identity.get("skipped_by_reason", {})
    # The original design's contract: total_items = completed + failed + skipped + in_progress
    # + pending. Copies found in the destination when planned count as completed (and are
    # counted again, apart, as already_copied).
    completed = counts.completed + counts.already_copied
    return {
        "total_items": counts.total + sum(skipped.values()),
        "completed": completed,
        "failed": counts.failed,
        "skipped": sum(skipped.values()),
        "in_progress": counts.in_flight,
        "pending": counts.pending,
        "planned_items": counts.total,
        "already_copied": counts.already_copied,
        "retried_failed": counts.retried_failed,
        "duration_seconds": round(duration, 3),
        "duration_formatted": format_duration(duration),
        "start_time": start.isoformat(),
        "end_time": end.isoformat(),
        "success_rate": counts.success_rate,
        "throughput_per_hour": (
            round(outcome.completed_this_run * 3600 / duration, 1) if duration > 0 else 0.0
        ),
        "failures": [
            {
                "recovery_point_arn": state.items[i].source_arn,
                "error_code": failure.code,
                "error_message": failure.message,
                "timestamp": datetime.fromtimestamp(failure.at, UTC).isoformat(),
            }
            for i, failure in failed_items(state)
        ],
        "api_calls": statistics.calls(),
        "retries": statistics.retries() + outcome.submit_retries,
        "job_retries": counts.job_retries,
        "throttles": outcome.throttles,
        "limit_refusals": outcome.limit_refusals,
        "lane_caps": {
            lane: {
                "cap": report.cap,
                "lowest": report.lowest,
                "ceiling": report.ceiling,
                "lowered": report.decreases,
            }
            for lane, report in outcome.lane_caps.items()
        },
        "request_pacing": statistics.pacing(),
        "bytes_copied": bytes_copied(state),
        "skipped_by_reason": skipped,
        "stop_reason": outcome.reason,
        "failure_streak": (
            {"error": outcome.failure_streak[0], "items": outcome.failure_streak[1]}
            if outcome.failure_streak
            else None
        ),
        "unknown_job_states": dict(outcome.unknown_states),
    }
