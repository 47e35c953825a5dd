"""The preflight over a run's routes: the account-wide checks once (identities, cross-account
backup, the copy role), then each route's own against its destination Region. In the output
form with a section per route, a route whose checks cannot be made fails alone and the others
are still checked; in the one-Region form, its AWS error is the command's."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from ..domain.errors import AwsError, ErrorCategory
from ..domain.iam_policies import copy_role_arn
from ..domain.preflight import CheckResult, Outcome
from ..domain.recovery_point import NewVault
from ..domain.regions import REGION_NOT_ENABLED_CODES, RegionsUnknown
from .destinations import Destinations
from .lifecycles import locks_for
from .ports import Accounts, DestinationAccount, Notices, RegionCatalog, Wiring
from .preflight import (
    PlanFacts,
    RoutedFacts,
    destination_checks,
    identity_checks,
    landing_vaults,
    named_for,
    plan_checks,
    role_check,
)
from .routes import ACCOUNT_FAILURES, Route, RouteRequest, account_of, open_routes, wiring_of
from .selection_stage import SelectionRequest, select, sources_of

UNCHECKED = "Region checks"


@dataclass(frozen=True)
class PreflightRequest:
    selection: SelectionRequest
    dest_vault: str | None = None
    copy_role_arn: str | None = None
    create_dest_vault: bool = False
    new_vault: NewVault = field(default_factory=NewVault)  # what --create-dest-vault creates


def verdict(results: Sequence[CheckResult]) -> Outcome:
    """FAIL if anything fails, else WARN if anything warns, else PASS."""
    outcomes = {result.outcome for result in results}
    for outcome in (Outcome.FAIL, Outcome.WARN):
        if outcome in outcomes:
            return outcome
    return Outcome.PASS


def check_row(result: CheckResult) -> dict[str, str]:
    """A check as the JSON document has it."""
    return {
        "check": result.name,
        "outcome": result.outcome.value,
        "detail": result.detail,
        "fix": result.fix,
    }


@dataclass(frozen=True)
class RouteChecklist:
    """One route's checks, against the destination Region its copies go to: the destination
    vaults' (`vaults`), then what the planned copies need (`plan`)."""

    region: str
    dest_region: str
    vaults: tuple[CheckResult, ...]
    plan: tuple[CheckResult, ...]
    account: str | None = None  # the source account, when the run has several

    @property
    def key(self) -> str:
        return f"{self.account}/{self.region}" if self.account else self.region

    @property
    def results(self) -> tuple[CheckResult, ...]:
        return (*self.vaults, *self.plan)

    @property
    def verdict(self) -> Outcome:
        return verdict(self.results)

    @property
    def heading(self) -> str:
        where = f"Account {self.account}, Region" if self.account else "Region"
        return f"{where} {self.region} -> {self.dest_region}"


@dataclass(frozen=True)
class AccountChecks:
    """A source account's checks, made once whatever its Regions: the identities and the
    cross-account setting (`identity`), and the copy role (IAM is global)."""

    account: str | None  # None: the one account the flags name
    identity: tuple[CheckResult, ...]
    role: CheckResult

    @property
    def results(self) -> tuple[CheckResult, ...]:
        return (*self.identity, self.role)


@dataclass(frozen=True)
class Checklist:
    """Each source account's checks and each route's, in the routes' order."""

    accounts: tuple[AccountChecks, ...]
    routes: tuple[RouteChecklist, ...]

    @property
    def account(self) -> tuple[CheckResult, ...]:
        """The (first) source account's checks."""
        return self.accounts[0].results if self.accounts else ()

    def one_route(self) -> list[CheckResult]:
        """The one-Region checklist, in its order: identities, the destination vaults, the
        copy role, then what the planned copies need."""
        account, route = self.accounts[0], self.routes[0]
        return [*account.identity, *route.vaults, account.role, *route.plan]

    @property
    def verdict(self) -> Outcome:
        account = [result for checks in self.accounts for result in checks.results]
        routes = [result for route in self.routes for result in route.results]
        return verdict([*account, *routes])

    @property
    def failed_regions(self) -> list[str]:
        return [route.key for route in self.routes if route.verdict is Outcome.FAIL]

    @property
    def failed_accounts(self) -> list[str]:
        return [a.account or "" for a in self.accounts if verdict(a.results) is Outcome.FAIL]

    @property
    def failed(self) -> bool:
        return self.verdict is Outcome.FAIL

    def document(self) -> dict[str, Any]:
        """--output json with a section per route: each route's checks as the one-Region
        document lists them, under `regions`, with its destination and verdict; with several
        source accounts, each account's own under `accounts`."""
        several = any(account.account for account in self.accounts)
        return {
            "verdict": self.verdict.value,
            "failed_regions": self.failed_regions,
            "account": [check_row(result) for result in self.account],
            **(
                {
                    "accounts": {
                        checks.account: [check_row(result) for result in checks.results]
                        for checks in self.accounts
                    }
                }
                if several
                else {}
            ),
            "regions": {
                route.key: {
                    "region": route.region,
                    "dest_region": route.dest_region,
                    "verdict": route.verdict.value,
                    "checks": [check_row(result) for result in route.results],
                }
                for route in self.routes
            },
        }


def unchecked(region: str, dest_region: str, exc: Exception) -> CheckResult:
    """A route whose checks could not be made: a FAIL naming it and what refused."""
    aws = exc if isinstance(exc, AwsError) else None
    if aws is not None and aws.code in REGION_NOT_ENABLED_CODES:
        fix = (
            f"enable {region} (and {dest_region}) for the accounts (AWS Account Management), "
            "or leave the Region out of --regions"
        )
    elif aws is not None and aws.category is ErrorCategory.ACCESS_DENIED:
        fix = (
            "allow the calls `shuffle-aws-vaults iam-policy --regions ...` lists in this Region "
            "(an organization policy may deny it), or leave the Region out of --regions"
        )
    else:
        fix = "run preflight again; if it persists, leave the Region out of --regions"
    detail = f"{region} -> {dest_region} could not be checked: {exc}"
    return CheckResult(UNCHECKED, Outcome.FAIL, detail, fix)


def not_enabled(region: str, dest_region: str, account: str) -> CheckResult:
    return CheckResult(
        UNCHECKED,
        Outcome.FAIL,
        f"{region} -> {dest_region} could not be checked: {region} is not enabled for "
        f"account {account}",
        f"enable {region} for the account (AWS Account Management: an opt-in Region), or leave "
        "it out of --regions",
    )


def enabled_regions(catalog: RegionCatalog) -> set[str] | None:
    """The Regions enabled for the source account; None when no source tells (then a disabled
    Region shows itself by refusing the calls)."""
    try:
        return set(catalog.enabled_regions())
    except (RegionsUnknown, AwsError):
        return None


def route_checks(
    route: Route,
    wiring: Wiring,
    request: PreflightRequest,
    now: datetime,
    destination: Callable[[str, str], DestinationAccount] | None = None,
) -> RouteChecklist:
    """The route's selection scanned into the facts its checks need, then the checks (with a
    route table, each destination account's, named with it; `destination` reaches them)."""
    dest = wiring.dest
    assert dest is not None
    source = wiring.source
    every = Destinations(dest, destination)
    scanned = select(
        route.request,
        sources_of(wiring),
        cross_account=source.account_id != dest.account_id,
        now=now,
        cross_region=route.dest_region != route.region,
        dest_region=dest.region,
        locks=locks_for(
            route.request.lifecycle,
            every,
            request.dest_vault,
            create=request.create_dest_vault,
            new_vault=request.new_vault,
        ),
    )
    places: list[tuple[DestinationAccount, PlanFacts]]
    if route.request.routing is not None:
        routed = RoutedFacts(dest.region)
        for _ in routed.watch(scanned.candidates):
            pass
        places = [(every.of(*place), facts) for place, facts in routed.places()]
    else:
        facts = PlanFacts(
            {vault.name: request.dest_vault or vault.name for vault in scanned.vaults}
        )
        for _ in facts.watch(scanned.candidates):
            pass
        places = [(dest, facts)]
    vaults: list[CheckResult] = []
    plan: list[CheckResult] = []
    for to, facts in places:
        existing = {vault.name: vault for vault in to.list_vaults()}
        source_account = source.account_id
        create, new = request.create_dest_vault, request.new_vault
        these = destination_checks(
            source_account, to, facts, existing, create=create, new_vault=new
        )
        planned = plan_checks(
            source_account,
            wiring.source_checks,
            to.account_id,
            facts,
            landing_vaults(to, facts, existing, create=create, new_vault=new),
            lifecycle=route.request.lifecycle,
            opt_ins=(source, to),
            limits=to.limits(),
        )
        several = len(places) > 1
        vaults += named_for(to, these) if several else these
        plan += named_for(to, planned) if several else planned
    return RouteChecklist(
        route.region, route.dest_region, tuple(vaults), tuple(plan), route.account
    )


def contained(
    route: Route, check: Callable[[], RouteChecklist], *, disabled_for: str | None
) -> RouteChecklist:
    """`check`'s checklist for the route; one FAIL instead when the Region is not enabled for
    the source account `disabled_for`, its vault listing was refused, or an AWS call fails."""
    region, dest_region, account = route.region, route.dest_region, route.account
    if disabled_for is not None:
        refusal = not_enabled(region, dest_region, disabled_for)
        return RouteChecklist(region, dest_region, (), (refusal,), account)
    try:
        if route.refused is not None:
            raise route.refused
        return check()
    except ACCOUNT_FAILURES as exc:
        failure = unchecked(route.key if account else region, dest_region, exc)
        return RouteChecklist(region, dest_region, (), (failure,), account)


def account_checks(
    accounts: Accounts, route: Route, request: PreflightRequest
) -> tuple[AccountChecks, str]:
    """The route's source account's checks, and the account's ID."""
    wiring = wiring_of(accounts, route)
    assert wiring.dest is not None
    source_account = wiring.source.account_id
    routing = route.request.routing
    # with a route table, every destination account its rows name
    into = ", ".join(routing.accounts) if routing is not None else wiring.dest.account_id
    identity = identity_checks(source_account, into, wiring.source_checks)
    role = copy_role_arn(source_account, request.copy_role_arn)
    return AccountChecks(route.account, tuple(identity), role_check(wiring.source_checks, role)), (
        source_account
    )


def checks_of(
    accounts: Accounts, route: Route, request: PreflightRequest, now: datetime
) -> RouteChecklist:
    return route_checks(route, wiring_of(accounts, route), request, now, accounts.destination)


def preflight(
    request: PreflightRequest,
    routes: RouteRequest,
    accounts: Accounts,
    notices: Notices,
    now: datetime,
) -> Checklist:
    """Every route's checklist, with each source account's checks once."""
    planned = open_routes(routes, request.selection, accounts, notices, keep_refused=True)
    checked_accounts: dict[str | None, tuple[AccountChecks, str]] = {}
    enabled: dict[str | None, set[str] | None] = {}
    checked = []
    for route in planned:
        if not routes.sectioned:
            checked_accounts[None] = account_checks(accounts, route, request)
            wiring = wiring_of(accounts, route)
            checked.append(route_checks(route, wiring, request, now, accounts.destination))
            continue
        # The one account's checks whatever its Regions; each of several once it is reached.
        first = route.account is None and not checked_accounts
        if route.account not in checked_accounts and (first or route.refused is None):
            try:
                checked_accounts[route.account] = account_checks(accounts, route, request)
            except ACCOUNT_FAILURES as exc:
                if route.account is None:
                    raise
                route = replace(route, refused=exc)
        if route.account not in enabled and routes.regions and route.refused is None:
            enabled[route.account] = enabled_regions(account_of(accounts, route).catalog)
        known = enabled.get(route.account)
        # Where AWS answers a disabled Region at all, it holds nothing.
        disabled = (
            known is not None
            and route.region not in known
            and route.refused is None
            and not route.vaults
        )
        source_account = checked_accounts[route.account][1] if disabled else None
        check = functools.partial(checks_of, accounts, route, request, now)
        checked.append(contained(route, check, disabled_for=source_account))
    return Checklist(tuple(a for a, _ in checked_accounts.values()), tuple(checked))
