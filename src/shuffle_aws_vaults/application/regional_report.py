"""One summary for a copy over several Regions: the one-Region summary's keys as totals over
every Region (so scripts that read them keep working), and a section per Region."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from ..domain.progress import format_duration
from .ports import ApiStatistics
from .regional_copy import RegionResult

# Counts that add up across Regions.
SUMMED = (
    "total_items",
    "completed",
    "failed",
    "skipped",
    "in_progress",
    "pending",
    "planned_items",
    "already_copied",
    "retried_failed",
    "job_retries",
    "throttles",
    "limit_refusals",
    "bytes_copied",
)

# The run's stop reason is its gravest Region's.
GRAVITY = ("finished", "stopped", "runtime-limit", "interrupted", "failure-threshold", "fatal")


def stop_reason(results: Sequence[RegionResult]) -> str:
    reasons = ["finished"]  # a Region whose selection matched nothing has nothing to stop
    for result in results:
        if result.fatal:
            reasons.append("fatal")
        elif result.outcome is not None:
            reasons.append(result.outcome.run.reason)
    return max(reasons, key=lambda reason: GRAVITY.index(reason) if reason in GRAVITY else 0)


def region_section(
    result: RegionResult, describe: Callable[[Exception], str], pacing: dict[str, Any] | None
) -> dict[str, Any]:
    section: dict[str, Any] = {"dest_region": result.dest_region}
    if result.outcome is not None:
        section.update(result.outcome.report)
        section["stop_reason"] = result.outcome.run.reason
        # The account's API counters are the whole run's: they are reported once, at the top;
        # the request pacer is the Region's own.
        for key in ("api_calls", "retries"):
            section.pop(key, None)
        section["request_pacing"] = pacing
    elif result.nothing is not None:
        section["stop_reason"] = "nothing-selected"
        section["note"] = str(result.nothing)
    else:
        section["stop_reason"] = "fatal"
    if result.error is not None:
        section["error"] = describe(result.error)
    elif result.outcome is not None and result.outcome.run.fatal:
        section["error"] = result.outcome.run.fatal
    return section


def regional_summary(
    results: Sequence[RegionResult],
    start: datetime,
    end: datetime,
    statistics: ApiStatistics,
    describe: Callable[[Exception], str],
) -> dict[str, Any]:
    reports = [result.outcome.report for result in results if result.outcome is not None]
    pacing = statistics.pacing_by_region()
    totals = {key: sum(int(report.get(key) or 0) for report in reports) for key in SUMMED}
    duration = (end - start).total_seconds()
    this_run = sum(
        result.outcome.run.completed_this_run for result in results if result.outcome is not None
    )
    finished = totals["completed"] + totals["failed"]
    skipped: Counter[str] = Counter()
    unknown: Counter[str] = Counter()
    for report in reports:
        skipped.update(report.get("skipped_by_reason") or {})
        unknown.update(report.get("unknown_job_states") or {})
    return {
        **{key: totals[key] for key in SUMMED[:9]},
        "duration_seconds": round(duration, 3),
        "duration_formatted": format_duration(duration),
        "start_time": start.isoformat(),
        "end_time": end.isoformat(),
        "success_rate": round(100.0 * totals["completed"] / finished, 2) if finished else None,
        "throughput_per_hour": round(this_run * 3600 / duration, 1) if duration > 0 else 0.0,
        "failures": [
            {"region": result.region, **failure}
            for result in results
            if result.outcome is not None
            for failure in result.outcome.report.get("failures", [])
        ],
        "api_calls": statistics.calls(),
        "retries": statistics.retries()
        + sum(result.outcome.run.submit_retries for result in results if result.outcome),
        **{key: totals[key] for key in SUMMED[9:]},
        "skipped_by_reason": dict(skipped),
        "stop_reason": stop_reason(results),
        "unknown_job_states": dict(unknown),
        "regions_failed": sorted(result.region for result in results if result.fatal),
        "request_pacing": pacing,
        "regions": {
            result.region: region_section(result, describe, pacing.get(result.region))
            for result in results
        },
    }
