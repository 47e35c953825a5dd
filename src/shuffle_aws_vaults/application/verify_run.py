"""`verify` over a run's routes: each route's items checked against its destination (with its
journal when there is one, else by copy-job records and matching), the verdicts counted per
route and over them all. With a section per route, a route that fails stops alone."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..domain.errors import AwsError, CredentialsError
from ..domain.selection import SelectionTally
from ..domain.verification import Verdict
from .destinations import Destinations
from .errors import OperatorError, RequestRefused
from .ports import Accounts, BackupGateway, Notices, StateFiles
from .routes import Route, RouteRequest, open_routes, wiring_of
from .selection_stage import NothingSelected, SelectionRequest, select, sources_of
from .state_location import StateLocation
from .verify import NO_JOURNAL, ItemCheck, VerifyTally, verify_selection

# What stops a route's verify, and only that route's (with a section per route): AWS refusing a
# call (access denied, a Region off for the account), credentials that do not work there, a
# damaged journal.
ROUTE_FAILURES = (AwsError, CredentialsError, OperatorError)

NOTHING_SELECTED = "nothing selected"  # a route's mode when it had no journal and no item


@dataclass
class RouteVerdicts:
    """One route's verify: where it looked, what it found, or why it stopped."""

    region: str
    dest_region: str
    mode: str = ""
    tally: VerifyTally = field(default_factory=VerifyTally)
    error: str | None = None

    @property
    def verified(self) -> bool:
        return self.error is None and self.tally.all_verified


@dataclass
class _Prepared:
    """A route ready to be checked: its journal's state (if any) and its selection."""

    verdicts: RouteVerdicts
    checks: Iterator[ItemCheck] | None  # None: nothing to verify there


def verdict_counts(tally: VerifyTally) -> dict[str, Any]:
    """The summary's counts: the total, each verdict's, and the fields that differed."""
    return {
        "total": sum(tally.verdicts.values()),
        **{verdict.value: tally.verdicts.get(verdict, 0) for verdict in Verdict},
        "mismatched_fields": dict(tally.mismatched_fields),
    }


def route_summary(verdicts: RouteVerdicts) -> dict[str, Any]:
    return {
        "dest_region": verdicts.dest_region,
        "mode": verdicts.mode,
        **verdict_counts(verdicts.tally),
        "error": verdicts.error,
    }


class VerifyRun:
    """The routes planned (`plan()`), then each route's item checks in turn (`checks()`), its
    verdicts kept in `routes`. In the one-Region form the one route's journal is --state-file
    or the default, and its refusals are the command's; with a section per route each route's
    journal is in the migration directory, and a route that fails stops alone."""

    def __init__(
        self,
        selection: SelectionRequest,
        routes: RouteRequest,
        location: StateLocation,
        *,
        states: StateFiles,
        accounts: Accounts,
        notices: Notices,
        dest_vault: str | None,
        now: datetime,
    ) -> None:
        self._selection = selection
        self._request = routes
        self._location = location
        self._states = states
        self._accounts = accounts
        self._notices = notices
        self._dest_vault = dest_vault
        self._now = now
        self._sectioned = routes.sectioned
        self._routes: list[Route] = []
        self.routes: dict[str, RouteVerdicts] = {}
        self._nothing: list[str] = []  # routes with no journal and nothing selected

    @property
    def path(self) -> Path:
        """The migration directory (with a section per route)."""
        return self._location.directory()

    def plan(self) -> None:
        """The routes; with a section per route, a Region whose vaults cannot be listed stops
        alone, and the migration directory's journals are matched against the Regions."""
        stopped: list[Route] = []
        self._routes = open_routes(
            self._request,
            self._selection,
            self._accounts,
            self._notices,
            failed=stopped.append if self._sectioned else None,
        )
        if not self._sectioned:
            return
        journals = self._states.routes_in(self.path)
        if self._location.state_dir and not journals:
            self._notices.warn(
                f"no migration state in {self.path}: verifying by copy-job records and matching"
            )
        covered = {route.key for route in [*self._routes, *stopped]}
        left = [key for key in journals if key not in covered]
        if left and self._request.all_regions:
            self._notices.warn(
                f"not verified: {', '.join(left)} (a journal in {self.path}, but no vault "
                "matching the selection there now); name it in --regions to verify it"
            )
        for route in stopped:
            assert route.refused is not None
            self._notices.warn(f"{route.label} not verified: {route.refused}")
            self.failed(route.key, route.dest_region, route.refused)

    def in_order(self) -> list[RouteVerdicts]:
        """Each route's verdicts, as --regions gave them, else in name order."""
        given = list(self._request.regions)
        ranked = sorted(
            self.routes, key=lambda r: (given.index(r) if r in given else len(given), r)
        )
        return [self.routes[region] for region in ranked]

    def summary(self, tally: VerifyTally) -> dict[str, Any]:
        """The run's summary: its counts (over `tally`, every row's), and each route's with
        a section per route, else the one route's mode."""
        if not self._sectioned:
            return {"mode": self.in_order()[0].mode, **verdict_counts(tally)}
        return {
            "state_dir": str(self.path),
            **verdict_counts(tally),
            "regions": {v.region: route_summary(v) for v in self.in_order()},
        }

    def journal_of(self, route: Route) -> Path:
        return self._location.route_journal(route.key, self._sectioned)

    def failed(self, region: str, dest_region: str, error: Exception) -> None:
        """A route that stopped before its checks (its vaults could not be listed)."""
        self.routes[region] = RouteVerdicts(region, dest_region, error=str(error))

    @property
    def all_verified(self) -> bool:
        return all(verdicts.verified for verdicts in self.routes.values())

    def checks(self) -> Iterator[tuple[RouteVerdicts, ItemCheck]]:
        """Every route's checks, each counted in its route's verdicts. In the one-Region form
        the route is prepared now, so that its refusal comes before any row."""
        if not self._sectioned:
            prepared = self._prepare(self._routes[0])
            return self._checked([prepared])
        return self._checked(None)

    def _checked(self, ready: list[_Prepared] | None) -> Iterator[tuple[RouteVerdicts, ItemCheck]]:
        for index, route in enumerate(self._routes):
            if ready is not None:
                verdicts = ready[index].verdicts
            else:
                verdicts = self.routes[route.key] = RouteVerdicts(route.key, route.dest_region)
            try:
                prepared = ready[index] if ready is not None else self._prepare(route, verdicts)
                for item in prepared.checks or ():
                    prepared.verdicts.tally.add(item)
                    yield prepared.verdicts, item
            except ROUTE_FAILURES as exc:
                if not self._sectioned:
                    raise
                verdicts.error = str(exc)
                self._notices.warn(f"{route.label} not verified: {exc}")
        checked = [v for v in self.routes.values() if v.error or v.region not in self._nothing]
        if not checked:
            raise RequestRefused(
                "nothing to verify: no journal and no recovery point matching the selection "
                f"in Regions {', '.join(self._nothing)}"
            )

    def _prepare(self, route: Route, verdicts: RouteVerdicts | None = None) -> _Prepared:
        if verdicts is None:
            verdicts = self.routes[route.key] = RouteVerdicts(route.key, route.dest_region)
        store = self._states.store(self.journal_of(route))
        state = None
        verdicts.mode = NO_JOURNAL
        recorded_identity: dict[str, Any] = {}
        if store.exists():
            identity, state = store.read()
            recorded_identity = identity
            verdicts.mode = f"journal {store.journal_path}"
            recorded = identity.get("dest_region")
            if recorded and recorded != route.dest_region:
                self._notices.warn(
                    f"{route.label}: its journal copies to {recorded}, not "
                    f"{route.dest_region}; verifying against {recorded}"
                )
                verdicts.dest_region = str(recorded)
        wiring = wiring_of(self._accounts, route, verdicts.dest_region)
        dest = wiring.dest
        assert dest is not None
        source = wiring.source
        selected = SelectionTally()
        scanned = select(
            route.request,
            sources_of(wiring),
            cross_account=source.account_id != dest.account_id,
            now=self._now,
            tally=selected,
            dest_region=dest.region,
        )
        chosen = [candidate for candidate in scanned.candidates if candidate.included]
        included = [candidate.rp for candidate in chosen]
        # a journal of a --route-csv migration names each item's destination account
        routed = route.request.routing is not None or "routes" in recorded_identity
        every: BackupGateway | Destinations = (
            Destinations(dest, self._accounts.destination) if routed else dest
        )
        if not included and state is None:
            nothing = NothingSelected(
                "verify", source.account_id, source.region, scanned.vaults, selected
            )
            if not self._sectioned:
                raise nothing
            self._nothing.append(route.key)
            verdicts.mode = NOTHING_SELECTED
            if route.vaults:  # else planning the routes warned of the Region without them
                self._notices.warn(str(nothing))
            return _Prepared(verdicts, None)
        if state is None and not self._sectioned and self._location.state_file is not None:
            self._notices.warn(
                f"no migration state at {store.journal_path}: verifying by copy-job records "
                "and matching"
            )
        checks = verify_selection(
            state, included, scanned.vaults, source, every, self._dest_vault, chosen, scanned.nested
        )
        return _Prepared(verdicts, checks)
