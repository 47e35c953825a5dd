"""`verify` over several source Regions (--regions, --all-regions): every Region's rows with a
`region` column first, the totals with each Region's counts, and one exit status (0 only when
every item of every Region is verified)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from typing import Any, TextIO

from .. import bootstrap
from ..application.ports import BackupGateway
from ..application.regional_verify import NOTHING_SELECTED, RegionalVerify, RegionVerdicts
from ..application.regions import RegionRequest
from ..application.selection_stage import SelectionSources, require_vaults
from ..domain.errors import AwsError
from ..domain.verification import Verdict
from .accounts import regional_scopes, selection_request, sources, warn
from .environment import Environment
from .exit_status import ExitStatus
from .output import print_document
from .state_paths import state_dir
from .verify_report import (
    REPORT_COLUMNS,
    Findings,
    emit_rows,
    print_problems,
    print_verdicts,
    verdict_counts,
)


def run_verify_regions(args: argparse.Namespace, env: Environment, regions: RegionRequest) -> int:
    request = selection_request(args)
    require_vaults(request)
    stopped: list[tuple[str, str, AwsError]] = []
    regional, scopes, _ = regional_scopes(
        args,
        regions,
        request,
        dest=True,
        failed=lambda region, dest, exc: stopped.append((region, dest, exc)),
    )
    path = state_dir(args, list(request.vault_names), request.selection)
    directory = bootstrap.migration_directory(path)
    journals = directory.regions()
    if args.state_dir and not journals:
        warn(f"no migration state in {path}: verifying by copy-job records and matching")
    covered = {scope.region for scope in scopes} | {region for region, _, _ in stopped}
    left = [region for region in journals if region not in covered]
    if left and regions.all_regions:
        warn(
            f"not verified: {', '.join(left)} (a journal in {path}, but no vault matching the "
            "selection there now); name it in --regions to verify it"
        )

    def side(region: str, dest_region: str) -> tuple[SelectionSources, BackupGateway]:
        wiring = regional.wiring(region, dest_region)
        assert wiring.dest is not None
        return sources(wiring), wiring.dest

    verify = RegionalVerify(
        scopes,
        directory=directory,
        side=side,
        dest_vault=args.dest_vault,
        now=env.now(),
        warn=warn,
    )
    for region, dest_region, exc in stopped:
        warn(f"Region {region} not verified: {exc}")
        verify.failed(region, dest_region, exc)
    found = Findings()
    rows = (found.row(item, region=verdicts.region) for verdicts, item in verify.checks())
    emit_rows(args, ("region", *REPORT_COLUMNS), rows)
    per_region = in_order(verify.regions, regions)
    summary = {
        "state_dir": str(path),
        **verdict_counts(found.tally),
        "regions": {region: region_summary(v) for region, v in per_region.items()},
    }
    code = ExitStatus.SUCCESS if verify.all_verified else ExitStatus.ERROR
    if args.output == "json" or args.query:
        document = {"summary": summary, "problems": found.problems}
        shown = "text" if args.output == "text" else "json"
        print_document(document, shown, args.query, sys.stdout)
        return code
    out = sys.stderr if args.output in ("csv", "text") else sys.stdout
    out.write(
        f"Verified against the destination account {args.dest_account}, Region by Region "
        f"(migration directory {path}):\n"
    )
    print_region_lines(per_region.values(), out)
    out.write("Totals:\n")
    print_verdicts(found.tally, out)
    if args.output not in ("csv", "text"):
        print_problems(found.problems, out)
    return code


def in_order(found: dict[str, RegionVerdicts], regions: RegionRequest) -> dict[str, RegionVerdicts]:
    """The Regions as --regions gave them, else in name order (as --all-regions finds them)."""
    given = list(regions.regions)
    ranked = sorted(found, key=lambda r: (given.index(r) if r in given else len(given), r))
    return {region: found[region] for region in ranked}


def region_summary(verdicts: RegionVerdicts) -> dict[str, Any]:
    return {
        "dest_region": verdicts.dest_region,
        "mode": verdicts.mode,
        **verdict_counts(verdicts.tally),
        "error": verdicts.error,
    }


def print_region_lines(per_region: Iterable[RegionVerdicts], out: TextIO) -> None:
    """A line per Region: its destination, how many verified using what, the other verdicts,
    and why it stopped if it did."""
    for verdicts in per_region:
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
