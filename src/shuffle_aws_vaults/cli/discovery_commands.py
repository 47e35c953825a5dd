"""`list` and `filter`: what is there, and what a migration would take, over the run's routes
(one Region, or a `region` column first and a summary per Region with --regions)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

from .. import bootstrap
from ..application.listing import (
    FilterTotals,
    included_points,
    listed_points,
    listed_vaults,
    listing_routes,
)
from ..application.ports import Accounts
from .discovery_rows import (
    RP_COLUMNS,
    finish_rows,
    first_columns,
    listed_row,
    print_filter,
    print_region_lines,
    region_of,
    row,
    vault_row,
    writer_for,
)
from .environment import Environment
from .request_types import Discovery


def metadata_columns(accounts: Accounts) -> tuple[str, ...]:
    return accounts.metadata.columns if accounts.metadata is not None else ()


def run_list(request: Discovery, env: Environment) -> int:
    adapters = bootstrap.build(request.connections, verbose=request.verbose)
    accounts, notices, chosen = adapters.accounts, adapters.notices, request.selection
    sectioned = request.routes.sectioned
    routes = listing_routes(request.routes, chosen, accounts, notices)
    first = first_columns(sectioned, request.routes.by_account)
    out = sys.stdout
    if not chosen.vault_names and not chosen.all_vaults:
        columns: tuple[str, ...] = (
            *first,
            "vault",
            "recovery_points",
            "locked",
            "vault_type",
            "retention_days",
            "vault_arn",
        )
        writer = writer_for(request.output, out, columns)
        for route, vault in listed_vaults(routes, accounts, notices):
            writer.write({**region_of(route, sectioned), **vault_row(vault)})
        writer.close()
        return finish_rows(request.output, writer, out)
    meta_columns = metadata_columns(accounts)
    writer = writer_for(request.output, out, (*first, *RP_COLUMNS, *meta_columns, "copyable"))
    for route, candidate in listed_points(routes, chosen, accounts, notices, env.now()):
        item = listed_row(candidate, meta_columns)
        if item is not None:
            writer.write({**region_of(route, sectioned), **item})
    writer.close()
    return finish_rows(request.output, writer, out)


def run_filter(request: Discovery, env: Environment) -> int:
    adapters = bootstrap.build(request.connections, verbose=request.verbose)
    accounts, notices, chosen = adapters.accounts, adapters.notices, request.selection
    sectioned = request.routes.sectioned
    routes = listing_routes(request.routes, chosen, accounts, notices)
    meta_columns = metadata_columns(accounts)
    apmid = "APMID" in meta_columns
    routed = chosen.routing is not None
    totals = FilterTotals(apmid, sectioned, routed)
    where = ("dest_account", "dest_vault") if routed else ()
    first = first_columns(sectioned, request.routes.by_account)
    columns = (*first, *RP_COLUMNS, *meta_columns, *where)

    def items() -> Iterator[dict[str, Any]]:
        for route, candidate in included_points(
            routes, chosen, accounts, notices, env.now(), totals
        ):
            to = candidate.destination
            dest = {"dest_account": to.account, "dest_vault": to.vault} if to else {}
            yield {**region_of(route, sectioned), **row(candidate, meta_columns), **dest}

    lines = (lambda stream: print_region_lines(totals.per_route, stream)) if sectioned else None
    return print_filter(request.output, items(), columns, totals.document, lines)
