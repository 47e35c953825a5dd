"""`verify`: does the destination hold every planned copy, complete and matching its source?"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import bootstrap
from ..application.selection_stage import NothingSelected, require_vaults
from ..application.verify import NO_JOURNAL, verify_selection
from ..domain.selection import SelectionTally
from .accounts import select_for_destination, selection_request
from .environment import Environment
from .exit_status import ExitStatus, UsageError
from .options import region_request
from .output import print_document
from .state_paths import default_state_path
from .verify_report import (
    REPORT_COLUMNS,
    Findings,
    emit_rows,
    print_problems,
    print_verdicts,
    verdict_counts,
)


def run_verify(args: argparse.Namespace, env: Environment) -> int:
    if args.dest_account is None:
        raise UsageError("verify needs --dest-account")
    regions = region_request(args)
    if regions is not None:
        from .region_verify import run_verify_regions

        return run_verify_regions(args, env, regions)
    request = selection_request(args)
    require_vaults(request)
    names = list(request.vault_names)
    path = (
        Path(args.state_file)
        if args.state_file
        else default_state_path(args, names, request.selection)
    )
    store = bootstrap.state_store(path)
    selected = SelectionTally()
    wiring, dest, scanned = select_for_destination(args, request, env.now(), selected)
    source = wiring.source
    vaults = scanned.vaults
    included = [candidate.rp for candidate in scanned.candidates if candidate.included]
    if not included and not store.exists():
        raise NothingSelected("verify", source.account_id, source.region, vaults, selected)
    if args.state_file and not store.exists():
        print(
            f"warning: no migration state at {path}: verifying by copy-job records and matching",
            file=sys.stderr,
        )
    state = store.read()[1] if store.exists() else None
    mode = f"journal {path}" if state is not None else NO_JOURNAL
    checks = verify_selection(state, included, vaults, source, dest, args.dest_vault)
    found = Findings()
    emit_rows(args, REPORT_COLUMNS, (found.row(item) for item in checks))
    tally, problems = found.tally, found.problems
    summary = {"mode": mode, **verdict_counts(tally)}
    if args.output == "json" or args.query:
        document = {"summary": summary, "problems": problems}
        shown = "text" if args.output == "text" else "json"
        print_document(document, shown, args.query, sys.stdout)
    else:
        out = sys.stderr if args.output in ("csv", "text") else sys.stdout
        out.write(f"Verified against the destination account {dest.account_id} using {mode}:\n")
        print_verdicts(tally, out)
        if args.output in ("csv", "text"):
            return ExitStatus.SUCCESS if tally.all_verified else ExitStatus.ERROR
        print_problems(problems, out)
    return ExitStatus.SUCCESS if tally.all_verified else ExitStatus.ERROR
