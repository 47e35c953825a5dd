"""The preflight checklist as `preflight` and a refused `copy` print it."""

from __future__ import annotations

from typing import TextIO

from ..application.checklist import Checklist, verdict
from ..domain.preflight import CheckResult, Outcome


def print_checklist(results: list[CheckResult], out: TextIO) -> None:
    out.write("Preflight:\n")
    _print_results(results, out)


def _print_results(results: list[CheckResult] | tuple[CheckResult, ...], out: TextIO) -> None:
    for result in results:
        out.write(f"  {result.outcome.value:<4}  {result.name}: {result.detail}\n")
        if result.fix and result.outcome.value != "PASS":
            out.write(f"        fix: {result.fix}\n")


def print_sections(checked: Checklist, out: TextIO) -> None:
    """Each source account's section once ("account-wide" with one), a section per route,
    then the verdict."""
    for account in checked.accounts:
        out.write(
            f"Preflight, {f'account {account.account}' if account.account else 'account-wide'}:\n"
        )
        _print_results(account.results, out)
    for region in checked.routes:
        out.write(f"{region.heading}:\n")
        _print_results(region.results, out)
    out.write(verdict_line(checked) + "\n")


def verdict_line(checked: Checklist) -> str:
    """The one verdict line every form of preflight ends with: "Preflight: PASS (1 Region
    checked)", "Preflight: WARN (3 routes checked)", "Preflight: FAIL (failed in eu-west-1)"."""
    if checked.failed:
        failed_accounts = [
            f"account {account.account}" if account.account else "account-wide"
            for account in checked.accounts
            if verdict(account.results) is Outcome.FAIL
        ]
        where = "failed in " + ", ".join([*failed_accounts, *checked.failed_regions])
    else:
        several = any(route.account for route in checked.routes)
        count = len(checked.routes)
        noun = "route" if several else "Region"
        where = f"{count} {noun}{'s' if count != 1 else ''} checked"
    return f"Preflight: {checked.verdict.value} ({where})"
