"""The preflight checklist as `preflight` and a refused `copy` print it."""

from __future__ import annotations

from typing import TextIO

from ..domain.preflight import CheckResult


def print_checklist(results: list[CheckResult], out: TextIO) -> None:
    out.write("Preflight:\n")
    for result in results:
        out.write(f"  {result.outcome.value:<4}  {result.name}: {result.detail}\n")
        if result.fix and result.outcome.value != "PASS":
            out.write(f"        fix: {result.fix}\n")
