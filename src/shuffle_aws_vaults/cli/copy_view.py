"""What `copy` prints: a --dry-run's plan, each route that stopped, the closing line (a line per
route first, with a section per route)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TextIO

from ..application.copy_engine import RunOutcome
from ..application.copy_request import PlanPreview
from ..application.copy_run import RouteResult
from ..application.errors import describe
from ..application.planning import estimate_seconds
from ..domain.lanes import DOCUMENTED_TYPE_LIMITS, TypeLimit, merge_limits, parse_type_limits
from ..domain.progress import format_duration
from ..domain.units import human_size
from .checklist import print_checklist
from .discovery_rows import nested_line


def counts_text(report: dict[str, Any], adopted_where: str = "in the destination") -> str:
    """'N of M copied, A already in the destination, F failed, I in flight, P to go'."""
    adopted = report["already_copied"]
    return (
        f"{report['completed'] - adopted:,} of {report['planned_items']:,} copied, "
        + (f"{adopted:,} already {adopted_where}, " if adopted else "")
        + f"{report['failed']:,} failed, "
        f"{report['in_progress']:,} in flight, {report['pending']:,} to go"
    )


def closing_line(
    report: dict[str, Any],
    outcome: RunOutcome,
    path: Path,
    report_csv: Path | None = None,
    state_flag: str = "--state-file",
) -> str:
    text = (
        counts_text(report)
        + f" ({report['duration_formatted']}, {report['throughput_per_hour']:,.0f}/hour)."
    )
    if report["failed"]:
        text += f" Failures by cause: shuffle-aws-vaults status {state_flag} {path}" + (
            f"; item by item: {report_csv}." if report_csv else "."
        )
    if outcome.failure_streak is not None:
        signature, count = outcome.failure_streak
        return (
            f"{text} Stopped: {count:,} items in a row failed with {signature}. Fix the cause, "
            f"then run again with --resume --retry-failed (state {path})."
        )
    if (
        outcome.reason in ("stopped", "runtime-limit", "interrupted")
        or report["pending"]
        or report["in_progress"]
    ):
        text += f" Incomplete ({outcome.reason}): run again with --resume (state {path})."
    return text


def print_plan(
    preview: PlanPreview, workers: int, limits: tuple[TypeLimit, ...], out: TextIO
) -> None:
    summary, tally = preview.summary, preview.summary.tally
    out.write(
        f"Plan: {summary.items:,} recovery points, {human_size(summary.bytes)} "
        f"(of {tally.total:,} listed; {tally.excluded_total:,} excluded).\n"
    )
    if tally.nested:
        composites = len(tally.included_composites)
        out.write(nested_line(tally.nested, tally.nested_included, composites) + "\n")
    if preview.already_copied:
        out.write(
            f"Already in the destination: {preview.already_copied:,} (recorded as already "
            f"copied, not copied again); to copy: {len(preview.to_copy):,}.\n"
        )
    for title, counts, sizes in (
        ("vault", summary.by_vault, summary.bytes_by_vault),
        ("destination (--route-csv)", summary.by_destination, summary.bytes_by_destination),
        ("resource type", summary.by_type, summary.bytes_by_type),
    ):
        if not counts:
            continue
        out.write(f"By {title}:\n")
        for name, count in counts.most_common():
            out.write(f"  {name:<32} {count:>10,}  {human_size(sizes[name]):>12}\n")
    if summary.by_apmid:
        out.write("By APMID (largest 15):\n")
        for name, count in summary.by_apmid.most_common(15):
            out.write(f"  {name or '(none)':<32} {count:>10,}\n")
    if summary.lifecycle_clamped:
        out.write(
            f"Lifecycles: {summary.lifecycle_clamped:,} copies' DeleteAfterDays clamped into "
            "their vault's lock (--fit-retention; --report-csv shows each).\n"
        )
    if summary.cold_dropped:
        out.write(
            f"Lifecycles: {summary.cold_dropped:,} copies sent without their cold-storage "
            "transition (under 90 days before they expire, AWS's rule).\n"
        )
    if tally.excluded:
        out.write("Excluded by reason:\n")
        for reason, count in tally.excluded.most_common():
            out.write(f"  {reason.value:<32} {count:>10,}  {reason.description}\n")
    assumed = merge_limits(parse_type_limits(DOCUMENTED_TYPE_LIMITS), limits)
    estimate = estimate_seconds(preview.to_copy, workers, assumed)
    named = ",".join(f"{limit.name}={limit.limit}" for limit in assumed)
    out.write(
        f"Estimated duration at {workers} concurrent jobs: {format_duration(estimate.seconds)}, "
        f"bound by {estimate.bound_by} (assuming 100 MiB/s and 2 minutes per job, and the "
        f"services' own copy limits {named}; AWS publishes no copy speed).\n"
    )


def print_stopped(results: list[RouteResult], out: TextIO) -> None:
    """With a section per route: each route that selected nothing, or stopped, and why."""
    for result in results:
        if result.nothing is not None:
            print(f"[{result.region}] {result.nothing}", file=out)
        if result.checklist is not None:
            print(f"[{result.region}] ", end="", file=out)
            print_checklist(result.checklist, out)
        if result.error is not None:
            others = "routes" if result.route is not None and result.route.account else "Regions"
            print(
                f"error: {result.label}: {describe(result.error)}; the other {others} go on",
                file=out,
            )


def route_line(result: RouteResult) -> str:
    # an account that could not be reached has no Region yet, nor a destination Region
    where = (
        f"  {result.region} -> {result.dest_region}: "
        if result.dest_region
        else (f"  {result.region}: ")
    )
    if result.outcome is None:
        if result.nothing is not None:
            return where + "nothing to copy"
        return where + ("stopped: " + describe(result.error) if result.error else "not run")
    report, run = result.outcome.report, result.outcome.run
    text = f"{counts_text(report, 'there')} ({run.reason}"
    if run.fatal:
        text += f": {run.fatal}"
    elif result.error is not None:
        text += f": {describe(result.error)}"
    if run.failure_streak is not None:
        signature, count = run.failure_streak
        text += f": {count:,} items in a row failed with {signature}"
    return where + text + ")"
