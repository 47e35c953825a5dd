"""The pre-flight over several source Regions: the account-wide checks once, then every Region's
own checklist against its destination Region. A Region whose checks cannot be made fails alone;
the others are still checked."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..domain.errors import AwsError, ErrorCategory
from ..domain.preflight import CheckResult, Outcome
from ..domain.regions import REGION_NOT_ENABLED_CODES

UNCHECKED = "Region checks"


@dataclass(frozen=True)
class RegionChecklist:
    """One source Region's checks, against the destination Region its copies go to."""

    region: str
    dest_region: str
    results: tuple[CheckResult, ...]

    @property
    def verdict(self) -> Outcome:
        return verdict(self.results)

    @property
    def heading(self) -> str:
        return f"Region {self.region} -> {self.dest_region}"


@dataclass(frozen=True)
class RegionalChecklist:
    """The account-wide checks and each Region's, in the Regions' order."""

    account: tuple[CheckResult, ...]
    regions: tuple[RegionChecklist, ...]

    @property
    def verdict(self) -> Outcome:
        return verdict([*self.account, *(r for region in self.regions for r in region.results)])

    @property
    def failed_regions(self) -> list[str]:
        return [region.region for region in self.regions if region.verdict is Outcome.FAIL]

    @property
    def failed(self) -> bool:
        return self.verdict is Outcome.FAIL

    def document(self) -> dict[str, Any]:
        """What --output json prints: each Region's checks as the one-Region document lists
        them, under `regions`, with the Region's destination and verdict."""
        return {
            "verdict": self.verdict.value,
            "failed_regions": self.failed_regions,
            "account": [check_row(result) for result in self.account],
            "regions": {
                region.region: {
                    "region": region.region,
                    "dest_region": region.dest_region,
                    "verdict": region.verdict.value,
                    "checks": [check_row(result) for result in region.results],
                }
                for region in self.regions
            },
        }


def check_row(result: CheckResult) -> dict[str, str]:
    """A check as the one-Region document has it."""
    return {
        "check": result.name,
        "outcome": result.outcome.value,
        "detail": result.detail,
        "fix": result.fix,
    }


def verdict(results: Sequence[CheckResult]) -> Outcome:
    """FAIL if anything fails, else WARN if anything warns, else PASS."""
    outcomes = {result.outcome for result in results}
    for outcome in (Outcome.FAIL, Outcome.WARN):
        if outcome in outcomes:
            return outcome
    return Outcome.PASS


def unchecked(region: str, dest_region: str, exc: AwsError) -> CheckResult:
    """A Region whose checks could not be made: a FAIL naming it and what refused."""
    if exc.code in REGION_NOT_ENABLED_CODES:
        fix = (
            f"enable {region} (and {dest_region}) for the accounts (AWS Account Management), "
            "or leave the Region out of --regions"
        )
    elif exc.category is ErrorCategory.ACCESS_DENIED:
        fix = (
            "allow the calls `shuffle-aws-vaults iam-policy --regions ...` lists in this Region "
            "(an organization policy may deny it), or leave the Region out of --regions"
        )
    else:
        fix = "run preflight again; if it persists, leave the Region out of --regions"
    return CheckResult(
        UNCHECKED,
        Outcome.FAIL,
        f"{region} -> {dest_region} could not be checked: {exc}",
        fix,
    )


def not_enabled(region: str, dest_region: str, account: str) -> CheckResult:
    return CheckResult(
        UNCHECKED,
        Outcome.FAIL,
        f"{region} -> {dest_region} could not be checked: {region} is not enabled for "
        f"account {account}",
        f"enable {region} for the account (AWS Account Management: an opt-in Region), or leave "
        "it out of --regions",
    )


def check_region(
    region: str,
    dest_region: str,
    gather: Callable[[], list[CheckResult]],
    refused: AwsError | None = None,
    *,
    disabled_for: str | None = None,
) -> RegionChecklist:
    """`gather`'s checks for the Region; one FAIL instead when the Region is not enabled for
    the source account `disabled_for`, its vault listing was `refused`, or an AWS call in
    `gather` fails."""
    if disabled_for is not None:
        return RegionChecklist(
            region, dest_region, (not_enabled(region, dest_region, disabled_for),)
        )
    if refused is not None:
        return RegionChecklist(region, dest_region, (unchecked(region, dest_region, refused),))
    try:
        results = gather()
    except AwsError as exc:
        return RegionChecklist(region, dest_region, (unchecked(region, dest_region, exc),))
    return RegionChecklist(region, dest_region, tuple(results))
