"""What a --dry-run prints: the plan, what was left out and why, and how long it would take."""

from __future__ import annotations

from typing import Any

from ..application.copy_request import PlanPreview
from ..application.planning import estimate_seconds
from ..domain.lanes import DOCUMENTED_TYPE_LIMITS, TypeLimit, merge_limits, parse_type_limits
from ..domain.progress import format_duration
from ..domain.units import human_size


def print_plan(preview: PlanPreview, workers: int, limits: tuple[TypeLimit, ...], out: Any) -> None:
    summary, tally = preview.summary, preview.summary.tally
    out.write(
        f"Plan: {summary.items:,} recovery points, {human_size(summary.bytes)} "
        f"(of {tally.total:,} listed; {tally.excluded_total:,} excluded).\n"
    )
    if preview.already_copied:
        out.write(
            f"Already in the destination: {preview.already_copied:,} (recorded as already "
            f"copied, not copied again); to copy: {len(preview.to_copy):,}.\n"
        )
    for title, counts, sizes in (
        ("vault", summary.by_vault, summary.bytes_by_vault),
        ("resource type", summary.by_type, summary.bytes_by_type),
    ):
        out.write(f"By {title}:\n")
        for name, count in counts.most_common():
            out.write(f"  {name:<32} {count:>10,}  {human_size(sizes[name]):>12}\n")
    if summary.by_apmid:
        out.write("By APMID (largest 15):\n")
        for name, count in summary.by_apmid.most_common(15):
            out.write(f"  {name or '(none)':<32} {count:>10,}\n")
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
