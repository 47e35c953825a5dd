"""What `verify` shows: the item rows, the verdict counts and the problem lines; with a section
per route, a line per route and a `region` column first."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from ..application.verify import ItemCheck, VerifyTally
from ..application.verify_run import NOTHING_SELECTED, RouteVerdicts
from ..domain.verification import Verdict
from .output import make_writer
from .request_types import Verify

if TYPE_CHECKING:
    from ..bootstrap import FileReports

REPORT_COLUMNS = (
    "verdict",
    "source_recovery_point_arn",
    "destination_vault",
    "destination_recovery_point_arn",
    "detail",
)
PROBLEMS_SHOWN = 50


def item_row(item: ItemCheck) -> dict[str, Any]:
    return {
        "verdict": item.check.verdict.value,
        "source_recovery_point_arn": item.source_arn,
        "destination_vault": item.dest_vault,
        "destination_recovery_point_arn": item.dest_arn or "",
        "detail": item.check.detail,
    }


class Findings:
    """The verdicts counted and the problem rows kept, as the rows go out."""

    def __init__(self) -> None:
        self.tally = VerifyTally()
        self.problems: list[dict[str, Any]] = []

    def row(self, item: ItemCheck, **first: Any) -> dict[str, Any]:
        """The item's row (`first` columns before the rest), counted."""
        self.tally.add(item)
        row = {**first, **item_row(item)}
        if item.check.verdict is not Verdict.VERIFIED:
            self.problems.append(row)
        return row


def emit_rows(
    request: Verify,
    reports: FileReports,
    columns: Sequence[str],
    rows: Iterable[dict[str, Any]],
) -> None:
    """Every row into --report-csv, or on stdout for --output csv/text (the summary then goes
    to stderr), or nowhere (the summary and the problems say it all)."""
    output = request.output
    if request.report_csv:
        reports.write_csv(request.report_csv, columns, rows)
    elif output.format in ("csv", "text") and not output.query:
        writer = make_writer(output.format, sys.stdout, columns)
        for row in rows:
            writer.write(row)
        writer.close()
    else:
        for _ in rows:
            pass


def print_verdicts(tally: VerifyTally, out: TextIO) -> None:
    for verdict in Verdict:
        out.write(f"  {verdict.value:<14} {tally.verdicts.get(verdict, 0):>10,}\n")
    if tally.mismatched_fields:
        fields = ", ".join(f"{k} {v}" for k, v in tally.mismatched_fields.items())
        out.write(f"  mismatched fields: {fields}\n")


def print_problems(problems: list[dict[str, Any]], out: TextIO) -> None:
    """The first problems, a line each (a `region` first when the row has one)."""
    for row in problems[:PROBLEMS_SHOWN]:
        region = f"{row['region']}  " if "region" in row else ""
        out.write(
            f"{region}{row['verdict']:<14} {row['source_recovery_point_arn'] or '-'} -> "
            f"{row['destination_recovery_point_arn'] or '-'}: {row['detail']}\n"
        )
    if len(problems) > PROBLEMS_SHOWN:
        out.write(
            f"... and {len(problems) - PROBLEMS_SHOWN:,} more (see --report-csv or --output json)\n"
        )


def print_route_lines(per_route: Iterable[RouteVerdicts], out: TextIO) -> None:
    """A line per route: its destination, how many verified using what, the other verdicts,
    and why it stopped if it did."""
    for verdicts in per_route:
        counts = verdicts.tally.verdicts
        parts = []
        if verdicts.mode and verdicts.mode != NOTHING_SELECTED:
            others = ", ".join(
                f"{counts[verdict]:,} {verdict.value}"
                for verdict in Verdict
                if verdict is not Verdict.VERIFIED and counts.get(verdict)
            )
            parts.append(
                f"{counts.get(Verdict.VERIFIED, 0):,} of {sum(counts.values()):,} verified "
                f"using {verdicts.mode}" + (f" ({others})" if others else "")
            )
        elif verdicts.mode:
            parts.append(verdicts.mode)
        if verdicts.error:
            parts.append(f"{'stopped' if verdicts.mode else 'not verified'}: {verdicts.error}")
        out.write(f"  {verdicts.region} -> {verdicts.dest_region}: {'; '.join(parts)}\n")
