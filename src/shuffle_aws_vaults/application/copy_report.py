"""The run summary a copy writes (`--summary-output`) and prints its closing line from: one
route's, or the totals over routes with a section each."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ..domain.migration import MigrationState
from ..domain.progress import format_duration
from ..domain.summary import MigrationCounts, bytes_copied, failed_items
from .copy_engine import RunOutcome
from .errors import describe
from .ports import ApiStatistics

if TYPE_CHECKING:
    from .copy_run import RouteResult


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
        # copies whose DeleteAfterDays --fit-retention clamped into their vault's lock
        "lifecycle_clamped": sum(
            1 for item in state.items if item.lifecycle and item.lifecycle.clamped_from is not None
        ),
        "skipped_by_reason": skipped,
        "stop_reason": outcome.reason,
        "failure_streak": (
            {"error": outcome.failure_streak[0], "items": outcome.failure_streak[1]}
            if outcome.failure_streak
            else None
        ),
        "unknown_job_states": dict(outcome.unknown_states),
        # each destination vault as AWS reported it in the copy jobs (and the journal keeps)
        "destination_vaults": {
            arn: {
                "vault_type": landing.vault_type,
                "lock_state": landing.lock_state,
                "encryption_key_arn": landing.key_arn,
            }
            for arn, landing in state.landings.items()
        },
    }


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
    "lifecycle_clamped",
)

# The run's stop reason is its gravest Region's.
GRAVITY = ("finished", "stopped", "runtime-limit", "interrupted", "failure-threshold", "fatal")


def stop_reason(results: Sequence[RouteResult]) -> str:
    reasons = ["finished"]  # a Region whose selection matched nothing has nothing to stop
    for result in results:
        if result.fatal:
            reasons.append("fatal")
        elif result.outcome is not None:
            reasons.append(result.outcome.run.reason)
    return max(reasons, key=lambda reason: GRAVITY.index(reason) if reason in GRAVITY else 0)


def region_section(result: RouteResult, pacing: dict[str, Any] | None) -> dict[str, Any]:
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


class AccountsStatistics:
    """Several source accounts' API statistics as one: calls and retries added up, each
    Region's pacer named ACCOUNT/REGION."""

    def __init__(self, accounts: Sequence[tuple[str, ApiStatistics]]) -> None:
        self._accounts = list(accounts)

    def calls(self) -> dict[str, int]:
        total: Counter[str] = Counter()
        for _, statistics in self._accounts:
            total.update(statistics.calls())
        return dict(total)

    def retries(self) -> int:
        return sum(statistics.retries() for _, statistics in self._accounts)

    def pacing(self) -> dict[str, Any]:
        return {account: statistics.pacing() for account, statistics in self._accounts}

    def pacing_by_region(self) -> dict[str, dict[str, Any]]:
        return {
            f"{account}/{region}": pacing
            for account, statistics in self._accounts
            for region, pacing in statistics.pacing_by_region().items()
        }


def account_sections(
    results: Sequence[RouteResult], destinations: dict[str, dict[str, int]]
) -> dict[str, Any]:
    """With several source accounts: each account's totals and routes, each destination's."""
    accounts: dict[str, dict[str, Any]] = {}
    for result in results:
        account = result.route.account if result.route is not None else None
        if account is None:
            continue
        section = accounts.setdefault(
            account, {**dict.fromkeys(SUMMED[:9], 0), "routes": [], "failed_routes": []}
        )
        section["routes"].append(result.region)
        if result.fatal:
            section["failed_routes"].append(result.region)
        report = result.outcome.report if result.outcome is not None else {}
        for key in SUMMED[:9]:
            section[key] += int(report.get(key) or 0)
    return {"accounts": accounts, "destinations": destinations}


def routes_summary(
    results: Sequence[RouteResult],
    start: datetime,
    end: datetime,
    statistics: ApiStatistics,
    destinations: dict[str, dict[str, int]] | None = None,
) -> dict[str, Any]:
    """One summary for a copy with a section per route: the one-Region summary's keys as
    totals over every route (so scripts that read them keep working), and a section each;
    with several source accounts (`destinations` given) a section per account and per
    destination account too."""
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
            result.region: region_section(result, pacing.get(result.region)) for result in results
        },
        **(account_sections(results, destinations) if destinations is not None else {}),
    }
