"""`list` and `filter`: what is there, and what a migration would take."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Iterator
from typing import Any

from ..application.adoption import ExistingCopies
from ..application.selection_stage import check_metadata, require_vaults, select
from ..domain.selection import Selection, SelectionTally
from .accounts import selection_request, sources, warn, wire
from .discovery_rows import (
    RP_COLUMNS,
    count_included,
    finish_rows,
    listed_row,
    no_vaults,
    print_filter,
    row,
    summary,
    vault_row,
)
from .environment import Environment
from .exit_status import UsageError
from .options import region_request
from .output import CollectingWriter, make_writer

# -- list -----------------------------------------------------------------------------------


def run_list(args: argparse.Namespace, env: Environment) -> int:
    regions = region_request(args)
    if regions is not None:
        from .region_discovery import run_list_regions

        return run_list_regions(args, env, regions)
    request = selection_request(args)
    wiring = wire(args, with_dest=False)
    check_metadata(request.selection, sources(wiring), warn)
    out = sys.stdout
    if not request.vault_names and not request.all_vaults:
        if request.selection != Selection():
            raise UsageError(
                "selection flags apply to recovery points: add --vault or --all-vaults"
            )
        columns: tuple[str, ...] = ("vault", "recovery_points", "locked", "vault_arn")
        writer = CollectingWriter() if args.query else make_writer(args.output, out, columns)
        listed = wiring.source.list_vaults()
        if not listed:
            warn(no_vaults(wiring.source.account_id, wiring.source.region))
        for vault in listed:
            writer.write(vault_row(vault))
        writer.close()
        return finish_rows(args, writer, out)
    scanned = select(request, sources(wiring), cross_account=True, now=env.now())
    if not scanned.vaults:
        warn(no_vaults(wiring.source.account_id, wiring.source.region))
    meta_columns = sources(wiring).metadata_columns
    columns = (*RP_COLUMNS, *meta_columns, "copyable")
    writer = CollectingWriter() if args.query else make_writer(args.output, out, columns)
    for candidate in scanned.candidates:
        item = listed_row(candidate, meta_columns)
        if item is not None:
            writer.write(item)
    writer.close()
    return finish_rows(args, writer, out)


# -- filter ---------------------------------------------------------------------------------


def run_filter(args: argparse.Namespace, env: Environment) -> int:
    regions = region_request(args)
    if regions is not None:
        from .region_discovery import run_filter_regions

        return run_filter_regions(args, env, regions)
    request = selection_request(args)
    require_vaults(request)
    wiring = wire(args, with_dest=True)
    check_metadata(request.selection, sources(wiring), warn)
    cross_account = wiring.dest is None or wiring.dest.account_id != wiring.source.account_id
    meta_columns = sources(wiring).metadata_columns
    columns = (*RP_COLUMNS, *meta_columns)
    tally = SelectionTally()
    included_by: dict[str, Counter[str]] = {"vault": Counter(), "resource_type": Counter()}
    if wiring.metadata is not None and "APMID" in meta_columns:
        included_by["apmid"] = Counter()
    # As copy plans it: copies to another Region (--dest-region) exclude what AWS cannot copy
    # across Regions.
    cross_region = wiring.dest is not None and wiring.dest.region != wiring.source.region
    scanned = select(
        request,
        sources(wiring),
        cross_account=cross_account,
        now=env.now(),
        tally=tally,
        cross_region=cross_region,
    )
    vaults, candidates = scanned.vaults, scanned.candidates
    if not vaults:
        warn(no_vaults(wiring.source.account_id, wiring.source.region))
    copies = None
    if wiring.dest is not None:
        copies = ExistingCopies(wiring.source, wiring.dest, [vault.name for vault in vaults])
    already = 0

    def included() -> Iterator[dict[str, Any]]:
        nonlocal already
        for candidate in candidates:
            if candidate.included:
                already += count_included(candidate, included_by, copies)
                yield row(candidate, meta_columns)

    def document() -> dict[str, Any]:
        return summary(tally, included_by, already if copies else None)

    return print_filter(args, included(), columns, document)
