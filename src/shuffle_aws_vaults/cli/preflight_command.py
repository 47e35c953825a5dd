"""`preflight`: the checklist of every refusal AWS would make, before any copy is submitted."""

from __future__ import annotations

import sys

from .. import bootstrap
from ..application.checklist import check_row, preflight
from .checklist import print_checklist, print_sections, verdict_line
from .environment import Environment
from .exit_status import ExitStatus
from .output import print_document
from .request_types import Preflight


def run_preflight_command(request: Preflight, env: Environment) -> int:
    adapters = bootstrap.build(request.connections, verbose=request.verbose)
    checked = preflight(
        request.checks, request.routes, adapters.accounts, adapters.notices, env.now()
    )
    output, sectioned = request.output, request.routes.sectioned
    if output.document:
        # The documents keep their shapes (one Region's: a list of checks); the verdict line
        # goes to standard error, as filter's summary does beside its CSV.
        document = checked.document() if sectioned else [check_row(r) for r in checked.one_route()]
        print_document(document, output.format, output.query, sys.stdout)
        sys.stderr.write(verdict_line(checked) + "\n")
    elif sectioned:
        print_sections(checked, sys.stdout)  # ends with the verdict line
    else:
        print_checklist(checked.one_route(), sys.stdout)
        sys.stdout.write(verdict_line(checked) + "\n")
    return ExitStatus.ERROR if checked.failed else ExitStatus.SUCCESS
