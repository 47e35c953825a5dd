"""`list` and `filter` over a run's routes: what each route's source holds, and what a migration
would take (its counts per route and over them all)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

from ..domain.recovery_point import Vault
from ..domain.routing import RouteTable
from ..domain.selection import SelectionTally
from .adoption import ExistingCopies
from .destinations import Destinations
from .discovery import Candidate
from .ports import Accounts, BackupGateway, DestinationAccount, Notices
from .routes import Route, RouteRequest, account_of, open_routes, wiring_of
from .selection_stage import SelectionRequest, select, sources_of


def no_vaults(account: str, region: str) -> str:
    return f"no vaults in account {account}, Region {region}"


def listing_routes(
    routes: RouteRequest, request: SelectionRequest, accounts: Accounts, notices: Notices
) -> list[Route]:
    """The routes to list: with several source accounts, one that cannot be reached (or a
    Region of it that cannot be listed) is named in a warning and left out."""

    def skipped(route: Route) -> None:
        notices.warn(f"{route.label} skipped: {route.refused}")

    failed = skipped if routes.by_account else None
    return open_routes(routes, request, accounts, notices, failed=failed)


def listed_vaults(
    routes: list[Route], accounts: Accounts, notices: Notices
) -> Iterator[tuple[Route, Vault]]:
    """Each route's vaults (listed when the routes were planned, or now)."""
    for route in routes:
        source = account_of(accounts, route).wiring(route.region).source
        vaults = route.vaults if route.vaults is not None else tuple(source.list_vaults())
        if not vaults:
            notices.warn(no_vaults(source.account_id, route.region))
        for vault in vaults:
            yield route, vault


def listed_points(
    routes: list[Route],
    request: SelectionRequest,
    accounts: Accounts,
    notices: Notices,
    now: datetime,
) -> Iterator[tuple[Route, Candidate]]:
    """Each route's recovery points with their verdicts (as copied to another account); then
    its nested points of composites, no candidates of their own (no verdict, no metadata)."""
    for route in routes:
        sources = sources_of(account_of(accounts, route).wiring(route.region))
        scanned = select(route.request, sources, cross_account=True, now=now)
        if not scanned.vaults and not request.vault_names:  # else planning the routes said so
            notices.warn(no_vaults(sources.source.account_id, route.region))
        yield from ((route, candidate) for candidate in scanned.candidates)
        yield from ((route, Candidate(rp, None, None)) for rp in scanned.nested)


def filter_summary(
    tally: SelectionTally, included_by: Mapping[str, Counter[str]], already_copied: int | None
) -> dict[str, Any]:
    return {
        "total": tally.total,
        "included": tally.included,
        "included_bytes": tally.included_bytes,
        "already_copied": already_copied,
        "excluded": tally.excluded_total,
        "not_selected": tally.not_selected,
        "ineligible": tally.ineligible,
        "excluded_by_reason": {
            reason.value: count for reason, count in sorted(tally.excluded.items())
        },
        **{f"included_by_{key}": dict(sorted(c.items())) for key, c in included_by.items()},
        **nested_summary(tally),
    }


def nested_summary(tally: SelectionTally) -> dict[str, Any]:
    """Composite recovery points' nested ones, when the vaults hold any: listed, and those
    of the included composites (copied with them); not items, so in no count above."""
    if not tally.nested:
        return {}
    return {
        "composites_included": len(tally.included_composites),
        "nested_listed": tally.nested,
        "nested_included": tally.nested_included,
    }


class FilterTotals:
    """filter's counts, per route and over all of them; `sectioned`: the document keeps a
    summary per route, and vaults are counted by Region (one name may be in several)."""

    def __init__(self, apmid: bool, sectioned: bool, routed: bool = False) -> None:
        self.apmid = apmid
        self.sectioned = sectioned
        self.routed = routed  # --route-csv: included items by destination account and vault
        self.per_route: dict[str, dict[str, Any]] = {}
        self.tally = SelectionTally()
        self.included_by = self.counters()
        self.already: int | None = None

    def counters(self) -> dict[str, Counter[str]]:
        keys = ("vault", "resource_type", "apmid") if self.apmid else ("vault", "resource_type")
        return {key: Counter() for key in (*keys, *(("destination",) if self.routed else ()))}

    def add(
        self,
        route: Route,
        tally: SelectionTally,
        included_by: dict[str, Counter[str]],
        already: int | None,
    ) -> None:
        self.per_route[route.key] = filter_summary(tally, included_by, already)
        self.tally.merge(tally)
        for key, counts in included_by.items():
            if key == "vault" and self.sectioned:
                counts = Counter({f"{route.key}/{name}": n for name, n in counts.items()})
            self.included_by[key].update(counts)
        if already is not None:
            self.already = (self.already or 0) + already

    def document(self) -> dict[str, Any]:
        total = filter_summary(self.tally, self.included_by, self.already)
        return {**total, "regions": self.per_route} if self.sectioned else total


def count_included(
    candidate: Candidate,
    included_by: dict[str, Counter[str]],
    copied: Callable[[Candidate], bool] | None,
) -> bool:
    """Count an included item in `included_by`; whether the destination already holds it."""
    rp = candidate.rp
    included_by["vault"][rp.vault_name] += 1
    included_by["resource_type"][rp.resource_type] += 1
    if "apmid" in included_by:
        included_by["apmid"][(candidate.metadata or {}).get("APMID", "")] += 1
    to = candidate.destination
    if to is not None:
        included_by["destination"][f"{to.account} {to.vault}"] += 1
    return copied is not None and copied(candidate)


def copies_in(
    source: BackupGateway,
    dest: DestinationAccount,
    vaults: list[str],
    routing: RouteTable | None,
    destination: Callable[[str, str], DestinationAccount],
) -> Callable[[Candidate], bool]:
    """Whether the destination holds a candidate's copy: its namesake vault in `dest`, or with
    a route table its row's vault in its row's account (each listed once, on first need)."""
    if routing is None:
        copies = ExistingCopies(source, dest, vaults)
        return lambda candidate: bool(copies.take_point(candidate.rp, candidate.rp.vault_name))
    destinations = Destinations(dest, destination)
    found: dict[tuple[str, str], ExistingCopies] = {}

    def copied(candidate: Candidate) -> bool:
        to = candidate.destination
        assert to is not None
        place = to.place(dest.region)
        if place not in found:
            names = routing.vaults_at(place, dest.region)
            found[place] = ExistingCopies(source, destinations.of(*place), names)
        return bool(found[place].take_point(candidate.rp, to.vault))

    return copied


def included_points(
    routes: list[Route],
    request: SelectionRequest,
    accounts: Accounts,
    notices: Notices,
    now: datetime,
    totals: FilterTotals,
) -> Iterator[tuple[Route, Candidate]]:
    """Each route's included recovery points, as copy would plan them (what AWS cannot copy
    to another account or Region excluded), counted in `totals` as they go by."""
    for route in routes:
        wiring = wiring_of(accounts, route)
        source, dest = wiring.source, wiring.dest
        tally, by = SelectionTally(), totals.counters()
        scanned = select(
            route.request,
            sources_of(wiring),
            cross_account=dest is None or dest.account_id != source.account_id,
            now=now,
            tally=tally,
            cross_region=route.dest_region != route.region,
            dest_region=route.dest_region,
        )
        if not scanned.vaults and not request.vault_names:  # else planning the routes said so
            notices.warn(no_vaults(source.account_id, route.region))
        copied = None
        if dest is not None:
            names = [vault.name for vault in scanned.vaults]
            copied = copies_in(source, dest, names, route.request.routing, accounts.destination)
        already = 0
        for candidate in scanned.candidates:
            if candidate.included:
                already += count_included(candidate, by, copied)
                yield route, candidate
        totals.add(route, tally, by, already if copied is not None else None)
