"""`status`: a migration's progress and failures from its journals; no AWS calls, no writes."""

from __future__ import annotations

import sys
from typing import Any

from .. import bootstrap
from ..application.status import read_status
from .environment import Environment
from .exit_status import ExitStatus
from .output import print_document
from .request_types import Status
from .status_report import print_region_lines, print_table, shown


def run_status(request: Status, env: Environment) -> int:
    adapters = bootstrap.build(verbose=request.verbose, now=env.now)
    reading = read_status(
        request.state,
        adapters.states,
        sectioned=request.sectioned,
        regions=request.regions,
        accounts=request.accounts,
        now=adapters.now,
    )
    output, per_region = request.output, reading.routes
    data: dict[str, Any] = reading.total
    if request.sectioned:
        data = {**data, "regions": per_region}
    if output.document:
        if request.sectioned and output.format == "text" and not output.query:
            data = {
                **shown(data, output.format, None),
                "regions": {r: shown(d, output.format, None) for r, d in per_region.items()},
            }
        else:
            data = shown(data, output.format, output.query)
        print_document(data, output.format, output.query, sys.stdout)
        return ExitStatus.SUCCESS
    out = sys.stdout
    out.write(f"State: {reading.path}\n")
    if request.sectioned:
        print_region_lines(per_region, out)
    print_table(data, out)
    return ExitStatus.SUCCESS
