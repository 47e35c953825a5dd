"""`verify`: does the destination hold every planned copy of every route, complete and matching
its source? Exit 0 only when every item is verified."""

from __future__ import annotations

import sys

from .. import bootstrap
from ..application.verify_run import VerifyRun
from .environment import Environment
from .exit_status import ExitStatus
from .output import print_document
from .request_types import Verify
from .verify_report import (
    REPORT_COLUMNS,
    Findings,
    emit_rows,
    print_problems,
    print_route_lines,
    print_verdicts,
)


def run_verify(request: Verify, env: Environment) -> int:
    adapters = bootstrap.build(request.connections, verbose=request.verbose)
    sectioned = request.routes.sectioned
    run = VerifyRun(
        request.selection,
        request.routes,
        request.state,
        states=adapters.states,
        accounts=adapters.accounts,
        notices=adapters.notices,
        dest_vault=request.dest_vault,
        now=env.now(),
    )
    run.plan()
    found = Findings()
    rows = (
        found.row(item, **({"region": verdicts.region} if sectioned else {}))
        for verdicts, item in run.checks()
    )
    columns = ("region", *REPORT_COLUMNS) if sectioned else REPORT_COLUMNS
    emit_rows(request, adapters.reports, columns, rows)
    summary = run.summary(found.tally)
    code = ExitStatus.SUCCESS if run.all_verified else ExitStatus.ERROR
    output = request.output
    if output.format == "json" or output.query:
        document = {"summary": summary, "problems": found.problems}
        shown = "text" if output.format == "text" else "json"
        print_document(document, shown, output.query, sys.stdout)
        return code
    out = sys.stderr if output.format in ("csv", "text") else sys.stdout
    plural = "s" if "," in request.dest_account else ""
    into = f"Verified against the destination account{plural} {request.dest_account}"
    if sectioned:
        by = "route by route" if request.routes.by_account else "Region by Region"
        out.write(f"{into}, {by} (migration directory {run.path}):\n")
        print_route_lines(run.in_order(), out)
        out.write("Totals:\n")
    else:
        out.write(f"{into} using {summary['mode']}:\n")
    print_verdicts(found.tally, out)
    if output.format not in ("csv", "text"):
        print_problems(found.problems, out)
    return code
