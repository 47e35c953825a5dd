"""The copy use case over a run's routes: a CopyMigration per route, planned side by side and
run side by side (each route's engine on its own thread, at its own quota), under one stop
signal; one summary, one report and one completion. One route (the one-Region form) is the same
run over a list of one, on the caller's thread, its refusals the command's own.

What must hold for the whole run is checked for every route before any is planned: that each
route's state can be locked (no other process on any of them), and that a state already there
is resumed or reset, never replaced. Those refusals stop the whole run. With a section per
route, a route that fails later (planning, preflight, its run) stops only itself.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import gc
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ..domain.summary import MigrationCounts, by_destination
from .copy_engine import CopyEngine, RunOutcome
from .copy_migration import CopyMigration
from .copy_report import AccountsStatistics, routes_summary
from .copy_request import (
    CopyOutcome,
    CopyPorts,
    CopyRequest,
    OpenedMigration,
    PlanPreview,
    PreflightFailed,
)
from .destinations import Destinations
from .errors import RequestRefused
from .migration_report import total_sections
from .ports import (
    Accounts,
    ApiStatistics,
    Executor,
    Notices,
    ProgressSink,
    Reports,
    StateFiles,
)
from .routes import Route, RouteRequest, open_routes, wiring_of
from .run_control import Mailbox, StopSignal
from .selection_stage import NothingSelected
from .side_by_side import SideBySide, on_threads, run_engines
from .state_location import StateLocation


class Completion(enum.Enum):
    """How the run ended, for its exit status."""

    DONE = "done"  # every item copied
    FAILED = "failed"  # a route failed fatally, hit its failure threshold or has failed items
    INCOMPLETE = "incomplete"  # stopped early (signal, runtime limit): run again with --resume


@dataclass
class RoutePart:
    """One route of the run: its migration (its own state) and its ports (the gateways in its
    Region and in its destination Region)."""

    route: Route
    migration: CopyMigration
    ports: CopyPorts

    @property
    def key(self) -> str:
        return self.route.key


@dataclass
class RouteResult:
    """What became of one route: its plan (or preview), its run's outcome, or what stopped it
    (`error`, with preflight's checklist when that was the refusal)."""

    region: str  # the route's key: its Region, or ACCOUNT/REGION with several accounts
    dest_region: str
    opened: OpenedMigration | PlanPreview | None = None
    outcome: CopyOutcome | None = None
    error: Exception | None = None
    checklist: list[Any] | None = None
    nothing: NothingSelected | None = None  # the selection matched nothing in this route
    route: Route | None = None

    @classmethod
    def of(cls, route: Route) -> RouteResult:
        return cls(route.key, route.dest_region, error=route.refused, route=route)

    @property
    def label(self) -> str:
        """The route in a sentence ("Region R", "account A, Region R")."""
        return self.route.label if self.route is not None else f"Region {self.region}"

    @property
    def fatal(self) -> bool:
        """Stopped by an error of its own: the other routes went on without it."""
        return self.error is not None or (
            self.outcome is not None and self.outcome.run.reason == "fatal"
        )


def completion(results: Sequence[RouteResult]) -> Completion:
    """FAILED when any route failed fatally, hit its failure threshold or has failed items
    (once nothing is left to do); else INCOMPLETE while any route is; else DONE."""
    outcomes = [result.outcome for result in results if result.outcome is not None]
    if any(result.fatal for result in results):
        return Completion.FAILED
    if any(outcome.run.reason == "failure-threshold" for outcome in outcomes):
        return Completion.FAILED
    if any(outcome.run.reason == "interrupted" or not outcome.done for outcome in outcomes):
        return Completion.INCOMPLETE
    return (
        Completion.FAILED
        if any(outcome.counts.failed for outcome in outcomes)
        else (Completion.DONE)
    )


class CopyRun:
    """The routes of one copy command, each with its own migration; a context manager that
    holds every route's lock."""

    def __init__(
        self,
        request: CopyRequest,
        routes: RouteRequest,
        location: StateLocation,
        *,
        accounts: Accounts,
        states: StateFiles,
        reports: Reports,
        executor: Callable[[int], Executor],
        notices: Notices,
        now: Callable[[], datetime],
        progress: Callable[[str, int, int], ProgressSink],
        side_by_side: SideBySide = on_threads,
        migration: Callable[..., CopyMigration] = CopyMigration,
    ) -> None:
        self.request = request
        self.sectioned = routes.sectioned
        self._routes = routes
        self._location = location
        self._accounts = accounts
        self._states = states
        self._reports = reports
        self._executor = executor
        self._notices = notices
        self._now = now
        self._progress = progress
        self._side_by_side = side_by_side
        self._migration = migration  # (request, store, notices, now): a route's migration
        self.parts: list[RoutePart] = []
        self.results: list[RouteResult] = []
        self._entered: list[CopyMigration] = []
        self._lock = threading.Lock()
        self._planning = 0  # routes being opened on their threads
        self.started: datetime | None = None
        self.summary: dict[str, Any] | None = None

    @property
    def by_account(self) -> bool:
        """Routes in several source accounts (the totals are the accounts')."""
        return self._routes.by_account

    @property
    def state_path(self) -> Path:
        """The state's path: the one route's journal, or the migration directory."""
        if not self.sectioned:
            return self._location.journal()
        return self._location.directory()

    def recorded(self) -> bool:
        """Whether anything of this run's is recorded in its state."""
        return not self.request.dry_run and any(
            part.migration.store.exists() for part in self.parts
        )

    def plan(self) -> None:
        """The routes, each with its migration; a route whose vaults cannot be listed (with a
        section per route) stops alone."""
        unlisted: list[RouteResult] = []

        def failed(route: Route) -> None:
            unlisted.append(RouteResult.of(route))

        planned = open_routes(
            self._routes,
            self.request.selection,
            self._accounts,
            self._notices,
            failed=failed if self.sectioned else None,
        )
        self.parts = [self._part(route) for route in planned if route.holds_vaults]
        self.results = [
            *unlisted,
            *(RouteResult.of(part.route) for part in self.parts),
        ]
        if not self.parts and not unlisted:
            raise RequestRefused(
                "nothing to copy: none of the Regions holds a vault of the selection"
            )
        if self.sectioned and not self.request.dry_run:
            here = {part.key for part in self.parts}
            left = sorted(set(self._states.routes_in(self.state_path)) - here)
            if left:
                self._notices.warn(
                    f"{self.state_path} also holds the state of Region(s) {', '.join(left)}, "
                    "not in this run: left as it is (name them in --regions to go on with them)"
                )

    def _part(self, route: Route) -> RoutePart:
        wiring = wiring_of(self._accounts, route)
        assert wiring.dest is not None
        request = self.request
        if self.sectioned:  # the run writes one summary and one report for every route
            request = dataclasses.replace(
                request, selection=route.request, summary_output=None, report_csv=None
            )
        notices = self._notices.prefixed(f"[{route.key}] ") if self.sectioned else self._notices
        store = self._states.store(self._location.route_journal(route.key, self.sectioned))
        ports = CopyPorts(
            source=wiring.source,
            dest=wiring.dest,
            keys=wiring.keys,
            metadata=wiring.metadata,
            source_checks=wiring.source_checks,
            statistics=wiring.statistics,
            reports=self._reports,
            executor=self._executor,
        )
        if route.request.routing is not None:  # every destination its rows name
            ports.destinations = Destinations(wiring.dest, self._accounts.destination)
        return RoutePart(route, self._migration(request, store, notices, self._now), ports)

    def __enter__(self) -> CopyRun:
        """Lock every route's state; one held by another process refuses the whole run."""
        try:
            for part in self.parts:
                part.migration.__enter__()
                self._entered.append(part.migration)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        with self._lock:
            if self._planning:
                # Stopped while routes were still planning on their threads: their locks go
                # with the process, so no other process starts on a state still being written.
                return
        while self._entered:
            self._entered.pop().__exit__(None, None, None)

    def check_states(self) -> None:
        """Every route's state that is there is resumed or reset (else the whole run is
        refused, before any route is planned)."""
        if not self.request.dry_run:
            for part in self.parts:
                part.migration.check_state()

    def open(self) -> list[RouteResult]:
        """Plan (or resume) every route side by side; with a section per route, one that
        cannot be opened keeps its error and the others are opened all the same. In the
        one-Region form the route's refusal is raised."""
        results = self.results[len(self.results) - len(self.parts) :]

        def open_one(part: RoutePart, result: RouteResult) -> None:
            with self._lock:
                self._planning += 1
            try:
                result.opened = part.migration.open(part.ports)
            except NothingSelected as nothing:
                result.nothing = nothing
            except PreflightFailed as refused:
                result.error, result.checklist = refused, list(refused.results)
            except Exception as exc:  # the route stops; the others go on
                result.error = exc
            finally:
                with self._lock:
                    self._planning -= 1

        self._side_by_side(
            [
                functools.partial(open_one, part, result)
                for part, result in zip(self.parts, results, strict=True)
            ]
        )
        if not self.sectioned:
            only = results[0]
            if only.error is not None:
                raise only.error
            if only.nothing is not None:
                raise only.nothing
        opened = [result for result in self.results if result.opened is not None]
        if not opened and all(result.nothing is not None for result in self.results):
            raise RequestRefused(
                "nothing to copy in any Region: no recovery point matches the selection"
            )
        return self.results

    def run(self, stop: StopSignal) -> list[RouteResult]:
        """Run every opened route's engine until each has finished or stopped, all of them
        stepped on this one thread (their calls on the shared worker threads); `stop`
        (signals, the runtime limit's drain) reaches them all. Each route's progress sink is
        made first, in the routes' order; each route is finished as soon as its engine ends."""
        if not self.parts:  # no route could even be listed: nothing ran, nothing to report
            return self.results
        results = self.results[len(self.results) - len(self.parts) :]
        self.started = self._now()
        wake = threading.Event()
        running: list[tuple[RoutePart, RouteResult, CopyEngine]] = []
        for part, result in zip(self.parts, results, strict=True):
            if isinstance(result.opened, OpenedMigration) and result.error is None:
                counts = MigrationCounts.of(result.opened.state)
                sink = self._progress(part.key, counts.total, counts.done)
                mailbox = Mailbox(wake)
                engine = part.migration.engine(result.opened, part.ports, stop, sink, mailbox)
                running.append((part, result, engine))
        started = self._now()

        def ended(index: int, outcome: RunOutcome | None, error: Exception | None) -> None:
            part, result, engine = running[index]
            assert isinstance(result.opened, OpenedMigration)
            try:
                if error is not None:
                    raise error
                assert outcome is not None
                migration = part.migration
                result.outcome = migration.finish(
                    result.opened, engine, outcome, part.ports, started
                )
            except Exception as exc:
                result.error = exc

        # Every route's plan lives until the run ends: the collector need not walk them again
        # (once for all routes: one route's end must not thaw the others').
        gc.freeze()
        try:
            run_engines([engine for _, _, engine in running], wake, ended)
        finally:
            gc.unfreeze()
        if not self.sectioned and results[0].error is not None:
            raise results[0].error  # the one-Region form: the run's error is the command's
        if self.sectioned:
            self._report()
        return self.results

    def _report(self) -> None:
        """With a section per route: one summary and one report for every route."""
        assert self.started is not None
        states = [
            (result.region, result.opened.state)
            for result in self.results
            if isinstance(result.opened, OpenedMigration)
        ]
        request = self.request
        statistics: ApiStatistics = self.parts[0].ports.statistics
        destinations = None
        routed = request.selection.routing is not None
        if self._routes.by_account:  # a section per account and per destination account too
            by_account = {part.route.account or "": part.ports.statistics for part in self.parts}
            statistics = AccountsStatistics(list(by_account.items()))
        if self._routes.by_account or routed:
            destinations = by_destination([state for _, state in states])
        self.summary = routes_summary(
            self.results, self.started, self._now(), statistics, destinations
        )
        reports = {r.region: r.outcome.report for r in self.results if r.outcome is not None}
        reports = {key: report for key, report in reports.items() if "migration" in report}
        if reports:  # which migration, over every route that ran
            self.summary.update(total_sections(reports, self.state_path))
        if request.summary_output:
            self._reports.write_summary(request.summary_output, self.summary)
        if request.report_csv:
            metadata = self.parts[0].ports.metadata
            self._reports.write_report_csv(
                request.report_csv,
                states,
                metadata,
                region_column=True,
                account_columns=self._routes.by_account,
                dest_columns=routed,
            )
