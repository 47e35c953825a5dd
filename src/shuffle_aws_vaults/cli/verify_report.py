"""What `verify` shows, for one Region or each of several: the item rows, the verdict counts
and the problem lines."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TextIO

from .. import bootstrap
from ..application.verify import ItemCheck, VerifyTally
from ..domain.verification import Verdict
from .output import make_writer

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
    args: argparse.Namespace, columns: Sequence[str], rows: Iterable[dict[str, Any]]
) -> None:
    """Every row into --report-csv, or on stdout for --output csv/text (the summary then goes
    to stderr), or nowhere (the summary and the problems say it all)."""
    if args.report_csv:
        bootstrap.reports().write_csv(Path(args.report_csv), columns, rows)
    elif args.output in ("csv", "text") and not args.query:
        writer = make_writer(args.output, sys.stdout, columns)
        for row in rows:
            writer.write(row)
        writer.close()
    else:
        for _ in rows:
            pass


def verdict_counts(tally: VerifyTally) -> dict[str, Any]:
    """The summary's counts: the total, each verdict's, and the fields that differed."""
    return {
        "total": sum(tally.verdicts.values()),
        **{verdict.value: tally.verdicts.get(verdict, 0) for verdict in Verdict},
        "mismatched_fields": dict(tally.mismatched_fields),
    }


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
