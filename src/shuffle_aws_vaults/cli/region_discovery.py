"""`list` and `filter` over several source Regions (--regions, --all-regions): the rows of every
Region with a `region` column first, and filter's totals with a summary per Region."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Iterator
from typing import Any

from ..application.adoption import ExistingCopies
from ..application.regions import RegionRequest
from ..application.selection_stage import (
    require_vaults,
    select,
)
from ..domain.selection import Selection, SelectionTally
from ..domain.units import human_size
from .accounts import regional_scopes, selection_request, sources, warn
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
from .output import CollectingWriter, make_writer


def run_list_regions(args: argparse.Namespace, env: Environment, regions: RegionRequest) -> int:
    request = selection_request(args)
    listing = not request.vault_names and not request.all_vaults
    if listing and request.selection != Selection():
        raise UsageError("selection flags apply to recovery points: add --vault or --all-vaults")
    regional, scopes, wiring = regional_scopes(args, regions, request, dest=False)
    first = sources(wiring)
    out = sys.stdout
    if listing:
        columns: tuple[str, ...] = ("region", "vault", "recovery_points", "locked", "vault_arn")
        writer = CollectingWriter() if args.query else make_writer(args.output, out, columns)
        for scope in scopes:
            if not scope.vaults:
                warn(no_vaults(first.source.account_id, scope.region))
            for vault in scope.vaults:
                writer.write({"region": scope.region, **vault_row(vault)})
        writer.close()
        return finish_rows(args, writer, out)
    meta_columns = first.metadata_columns
    columns = ("region", *RP_COLUMNS, *meta_columns, "copyable")
    writer = CollectingWriter() if args.query else make_writer(args.output, out, columns)
    for scope in scopes:
        here = sources(regional.wiring(scope.region))
        scanned = select(scope.request, here, cross_account=True, now=env.now())
        if not scanned.vaults and not request.vault_names:  # else region_scopes said so
            warn(no_vaults(here.source.account_id, scope.region))
        for candidate in scanned.candidates:
            item = listed_row(candidate, meta_columns)
            if item is not None:
                writer.write({"region": scope.region, **item})
    writer.close()
    return finish_rows(args, writer, out)


class RegionTotals:
    """filter's counts, per Region and over all of them."""

    def __init__(self, apmid: bool) -> None:
        self.apmid = apmid
        self.per_region: dict[str, dict[str, Any]] = {}
        self.tally = SelectionTally()
        self.included_by = self.counters()
        self.already: int | None = None

    def counters(self) -> dict[str, Counter[str]]:
        keys = ("vault", "resource_type", "apmid") if self.apmid else ("vault", "resource_type")
        return {key: Counter() for key in keys}

    def add(
        self,
        region: str,
        tally: SelectionTally,
        included_by: dict[str, Counter[str]],
        already: int | None,
    ) -> None:
        self.per_region[region] = summary(tally, included_by, already)
        self.tally.included += tally.included
        self.tally.included_bytes += tally.included_bytes
        self.tally.excluded.update(tally.excluded)
        for key, counts in included_by.items():
            if key == "vault":  # one vault name may be in several Regions
                counts = Counter({f"{region}/{name}": n for name, n in counts.items()})
            self.included_by[key].update(counts)
        if already is not None:
            self.already = (self.already or 0) + already

    def document(self) -> dict[str, Any]:
        return {**summary(self.tally, self.included_by, self.already), "regions": self.per_region}


def print_region_lines(per_region: dict[str, dict[str, Any]], stream: Any) -> None:
    for region, data in per_region.items():
        vaults = len(data.get("included_by_vault") or {})
        already = f", {data['already_copied']:,} already copied" if data["already_copied"] else ""
        stream.write(
            f"{region}: selected {data['included']:,} of {data['total']:,} recovery points "
            f"({human_size(data['included_bytes'])}) in {vaults} vault(s){already}\n"
        )


def run_filter_regions(args: argparse.Namespace, env: Environment, regions: RegionRequest) -> int:
    request = selection_request(args)
    require_vaults(request)
    regional, scopes, wiring = regional_scopes(args, regions, request, dest=True)
    first = sources(wiring)
    meta_columns = first.metadata_columns
    columns = ("region", *RP_COLUMNS, *meta_columns)
    totals = RegionTotals(first.metadata is not None and "APMID" in meta_columns)

    def included() -> Iterator[dict[str, Any]]:
        for scope in scopes:
            wiring = regional.wiring(scope.region, scope.dest_region)
            dest = wiring.dest
            cross = dest is None or dest.account_id != wiring.source.account_id
            tally, by = SelectionTally(), totals.counters()
            scanned = select(
                scope.request,
                sources(wiring),
                cross_account=cross,
                now=env.now(),
                tally=tally,
                cross_region=scope.dest_region != scope.region,
            )
            if not scanned.vaults and not request.vault_names:  # else region_scopes said so
                warn(no_vaults(wiring.source.account_id, scope.region))
            copies = None
            if dest is not None:
                copies = ExistingCopies(wiring.source, dest, [v.name for v in scanned.vaults])
            already = 0
            for candidate in scanned.candidates:
                if candidate.included:
                    already += count_included(candidate, by, copies)
                    yield {"region": scope.region, **row(candidate, meta_columns)}
            totals.add(scope.region, tally, by, already if copies is not None else None)

    return print_filter(
        args,
        included(),
        columns,
        totals.document,
        lambda stream: print_region_lines(totals.per_region, stream),
    )
