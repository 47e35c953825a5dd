"""How a copy ended, in words and as an exit status: the closing line and the status."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from ..application.copy_engine import RunOutcome
from ..application.copy_request import CopyOutcome
from .exit_status import ExitStatus


def exit_status(outcome: CopyOutcome) -> int:
    if outcome.run.reason == "fatal":
        print(f"error: {outcome.run.fatal}", file=sys.stderr)
        return ExitStatus.ERROR
    if outcome.run.reason == "failure-threshold":
        return ExitStatus.ERROR
    if outcome.run.reason == "interrupted" or not outcome.done:
        return ExitStatus.INCOMPLETE
    return ExitStatus.ERROR if outcome.counts.failed else ExitStatus.SUCCESS


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
