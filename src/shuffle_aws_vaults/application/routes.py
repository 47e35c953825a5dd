"""A migration is a set of routes: a source account and Region, the destination Region its
copies go to, and the selection within it. One Region (`--region`, or the session's own) is a
list of one route; `--regions`/`--all-regions` make a route per source Region, each holding the
named vaults it has; `--source-accounts`/`--organization` make those routes in each source
account. Every command works over the list; the output form comes from the flags
(`RouteRequest.sectioned`), never from how many routes there are."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from ..domain.errors import AwsError, CredentialsError, ErrorCategory
from ..domain.recovery_point import Vault
from ..domain.regions import (
    REGION_NOT_ENABLED_CODES,
    RegionError,
    RegionPlan,
    check_region,
    parse_regions,
    plan_regions,
    unknown_regions,
)
from .discovery import UnknownVault
from .errors import OperatorError, RequestRefused
from .ports import Accounts, BackupGateway, Notices, RegionCatalog, Wiring
from .selection_stage import SelectionRequest, check_metadata, check_routing


@dataclass(frozen=True)
class RouteRequest:
    """The Region flags: `--regions` (empty when not given), `--all-regions`, `--dest-region`
    (one Region, or a mapping SRC=DST,... for several)."""

    regions: tuple[str, ...] = ()
    all_regions: bool = False
    dest_region: str | None = None
    accounts: tuple[str, ...] = ()  # --source-accounts (none: the one --source-account)
    organization: bool = False  # --organization: its ACTIVE member accounts
    exclude_accounts: tuple[str, ...] = ()
    dest_accounts: tuple[str, ...] = ()  # --dest-account: not a source of --organization's

    @property
    def by_account(self) -> bool:
        """Routes in several source accounts (their sections named by account and Region)."""
        return bool(self.accounts) or self.organization

    @property
    def sectioned(self) -> bool:
        """The output form: a section per route (--regions/--all-regions, --source-accounts,
        --organization, even naming one), else today's one-Region output."""
        return bool(self.regions) or self.all_regions or self.by_account


@dataclass(frozen=True)
class Route:
    """One route of the run: its source Region, where its copies go, and the selection within
    it (the named vaults narrowed to those this Region holds)."""

    region: str
    dest_region: str
    request: SelectionRequest
    # The Region's vaults of the selection, as listed when the routes were planned; None for
    # the one route of the one-Region form (not listed yet: its selection lists them).
    vaults: tuple[Vault, ...] | None
    # Listing the Region's vaults failed (kept only when asked to keep_refused), or, with an
    # `account` and no `region`, reaching the account did.
    refused: Exception | None = None
    account: str | None = None  # the source account, when the run has several

    @property
    def key(self) -> str:
        """The route's name in sections, state files and reports: its Region, or with several
        accounts ACCOUNT/REGION (ACCOUNT alone when the account could not be reached)."""
        if self.account is None:
            return self.region
        return f"{self.account}/{self.region}" if self.region else self.account

    @property
    def label(self) -> str:
        """The route in a sentence: "Region R", "account A, Region R", "account A"."""
        if self.account is None:
            return f"Region {self.region}"
        return f"account {self.account}" + (f", Region {self.region}" if self.region else "")

    @property
    def holds_vaults(self) -> bool:
        """Whether the route has vaults of the selection (or may: not listed yet)."""
        return self.vaults is None or bool(self.vaults)


def _not_enabled(exc: AwsError) -> bool:
    """Refused because the Region is off for the account: an opt-in Region left disabled, or
    an organization's policy denying the Region."""
    return exc.code in REGION_NOT_ENABLED_CODES or exc.category is ErrorCategory.ACCESS_DENIED


def _holding(request: SelectionRequest, vaults: list[Vault]) -> tuple[str, ...]:
    names = {vault.name for vault in vaults}
    return tuple(name for name in dict.fromkeys(request.vault_names) if name in names)


def routes_of(
    *,
    region: str | None,
    dest: str | None,
    given: Sequence[str],
    every: bool,
    known: Callable[[], frozenset[str]],
    warn: Callable[[str], None],
) -> RouteRequest:
    """The Region flags as a request: --region and --dest-region Region names (a mapping
    SRC=DST only for several source Regions), --regions (comma lists, repeatable) or
    --all-regions, each name one botocore knows AWS Backup in (`known`) or warned about."""
    several = bool(given) or every
    if region:
        check_region("--region", region)
    if dest and "=" in dest and not several:
        raise RegionError(
            f"--dest-region {dest}: a mapping SRC=DST is for several source Regions "
            "(--regions or --all-regions); with one Region give the destination Region"
        )
    if dest and "=" not in dest:
        check_region("--dest-region", dest.strip())
    listed = [part.strip() for item in given for part in item.split(",") if part.strip()]
    named = [("--region", region or "")]
    for part in (dest or "").split(","):
        named += [("--dest-region", side.strip()) for side in part.split("=")]
    named = [(flag, name) for flag, name in named if name]
    named += [("--regions", name) for name in listed]
    for line in unknown_regions(named, known()) if named else ():
        warn(line)
    if not several:
        return RouteRequest(dest_region=dest)
    if given and not listed:
        raise RegionError("--regions: no Region given")
    if region:
        raise RegionError(
            f"give {'--regions' if listed else '--all-regions'} or --region, not both"
        )
    return RouteRequest(parse_regions(listed) if listed else (), every and not listed, dest)


def open_routes(
    routes: RouteRequest,
    request: SelectionRequest,
    accounts: Accounts,
    notices: Notices,
    *,
    keep_refused: bool = False,
    failed: Callable[[Route], None] | None = None,
) -> list[Route]:
    """The metadata file checked (once for the whole run), then the run's routes: the one
    route of the sessions' own Regions (no AWS call beyond connecting), a route per source
    Region (region_routes), or those of each source account (account_routes).

    `failed` (with a section per route): a route that cannot be listed is handed to it, its
    error in `refused`, and left out; the others are planned all the same."""
    check_metadata(request.selection, accounts.metadata, notices.warn)
    check_routing(request.routing, accounts.metadata)
    if not routes.sectioned:
        return [Route(accounts.home, accounts.dest_home or accounts.home, request, None)]
    if routes.by_account:
        return account_routes(
            routes, request, accounts, notices, keep_refused=keep_refused, failed=failed
        )
    return region_routes(
        routes,
        request,
        account=accounts.source_account,
        catalog=accounts.catalog,
        gateway_for=lambda region: accounts.wiring(region).source,
        warn=notices.warn,
        keep_refused=keep_refused,
        failed=failed,
    )


# Reaching an account can fail on its own: no role to assume, credentials of another account,
# an organization policy (SCP) denying the calls.
ACCOUNT_FAILURES: tuple[type[Exception], ...] = (AwsError, CredentialsError, OperatorError)


def account_routes(
    routes: RouteRequest,
    request: SelectionRequest,
    accounts: Accounts,
    notices: Notices,
    *,
    keep_refused: bool = False,
    failed: Callable[[Route], None] | None = None,
) -> list[Route]:
    """Each source account's routes: its --regions/--all-regions, else its session's own
    Region. --source-accounts keeps each account named (one holding none of the selection's
    vaults selects nothing there, with a warning); --organization keeps the members holding
    vaults that match the selection. An account that cannot be reached stops alone."""
    named = list(routes.accounts) if routes.accounts else accounts.members()
    if routes.organization:  # the destination is a member too, most often: not a source
        into = {*routes.dest_accounts, *(request.routing.accounts if request.routing else ())}
        kept = [account for account in named if account not in into]
        if len(kept) < len(named):
            left = ", ".join(account for account in named if account in into)
            notices.say(f"--organization: destination account {left} is not copied from")
        named = kept
    unknown = [account for account in routes.exclude_accounts if account not in named]
    if unknown:
        notices.warn(f"--exclude-accounts: {', '.join(unknown)} not among the source accounts")
    chosen = [account for account in named if account not in routes.exclude_accounts]
    if not chosen:
        raise RequestRefused("no source account left to copy from (--exclude-accounts)")
    found: list[Route] = []
    listed: dict[str, list[Vault]] = {}
    stopped = False
    for account in chosen:
        try:
            these = _routes_of_account(routes, request, accounts.of(account), account, listed)
        except ACCOUNT_FAILURES as exc:
            dest = routes.dest_region or ""
            lost = Route("", dest, replace(request, vault_names=(), all_vaults=False), ())
            lost = replace(lost, refused=exc, account=account)
            stopped = True
            if failed is not None:
                failed(lost)
            elif keep_refused:
                found.append(lost)
            else:
                raise
            continue
        for route in these:
            if route.refused is not None and failed is not None:
                failed(route)
                stopped = True
            elif route.refused is not None or route.vaults or not routes.organization:
                found.append(route)
            stopped = stopped or route.refused is not None
    for route in found:
        if route.vaults == () and request.vault_names and route.refused is None:
            notices.warn(f"no vault named {', '.join(request.vault_names)} in {route.label}")
        elif route.vaults == () and route.refused is None:  # --all-vaults: a named account
            notices.warn(f"no vault in {route.label}: nothing to copy from it")
    if not stopped:
        _check_named(request, listed, ", ".join(chosen))
    if not found and not stopped:
        raise RequestRefused(
            f"no source account holds vaults matching the selection (accounts looked at: "
            f"{', '.join(chosen)})"
        )
    return found


def _routes_of_account(
    routes: RouteRequest,
    request: SelectionRequest,
    accounts: Accounts,
    account: str,
    listed: dict[str, list[Vault]],
) -> list[Route]:
    """One account's routes, every Region's vault listing kept in `listed` (by route key); a
    Region that cannot be listed is a route with its error in `refused`."""
    if routes.all_regions:
        plan = plan_regions(accounts.catalog.enabled_regions(), routes.dest_region)
    else:
        regions = routes.regions or (accounts.home,)
        plan = plan_regions(regions, routes.dest_region if routes.regions else None)
    found = []
    for region, dest in plan.pairs:
        if not routes.regions and not routes.all_regions:
            dest = routes.dest_region or region
        try:
            vaults = accounts.wiring(region).source.list_vaults()
        except AwsError as exc:
            if routes.all_regions and _not_enabled(exc):
                continue
            nothing = replace(request, vault_names=(), all_vaults=False)
            found.append(Route(region, dest, nothing, (), exc, account))
            continue
        route = Route(region, dest, request, (), account=account)
        listed[route.key] = vaults
        names = _holding(request, vaults)
        if request.vault_names and not names:
            found.append(replace(route, request=replace(request, vault_names=())))
            continue
        chosen = tuple(v for v in vaults if not request.vault_names or v.name in names)
        if routes.all_regions and not chosen:
            continue
        found.append(replace(route, request=replace(request, vault_names=names), vaults=chosen))
    return found


def region_routes(
    regions: RouteRequest,
    request: SelectionRequest,
    *,
    account: str,
    catalog: RegionCatalog,
    gateway_for: Callable[[str], BackupGateway],
    warn: Callable[[str], None],
    keep_refused: bool = False,
    failed: Callable[[Route], None] | None = None,
) -> list[Route]:
    """The source Regions in order, each with its destination Region and selection.

    `--regions`: as given, each kept (a Region without the named vaults selects nothing there,
    with a warning). `--all-regions`: the Regions enabled for the account that hold vaults
    matching the selection; a Region whose vault listing is refused as off for the account is
    skipped with a warning. Either way a named vault that no Region holds is refused.

    `keep_refused`: a Region whose listing fails otherwise (any failure with `--regions`) is
    kept as a scope with the error in `refused` and nothing selected, instead of the error
    stopping every Region. With `failed`, such a Region is instead handed to `failed` (source
    Region's route, its error in `refused`) and left out. Either way what the listed Regions
    lack is no longer refused (the failed Region may hold it).
    """
    if regions.all_regions:
        plan: RegionPlan = plan_regions(catalog.enabled_regions(), regions.dest_region)
    else:
        plan = plan_regions(regions.regions, regions.dest_region)
    scopes: list[Route] = []
    listed: dict[str, list[Vault]] = {}
    stopped: list[str] = []
    for region, dest in plan.pairs:
        try:
            vaults = gateway_for(region).list_vaults()
        except AwsError as exc:
            if regions.all_regions and _not_enabled(exc):
                warn(f"Region {region} skipped: listing its vaults was refused ({exc.code})")
            elif failed is not None:
                nothing = replace(request, vault_names=(), all_vaults=False)
                failed(Route(region, dest, nothing, (), refused=exc))
                stopped.append(region)
            elif keep_refused:
                nothing = replace(request, vault_names=(), all_vaults=False)
                scopes.append(Route(region, dest, nothing, (), refused=exc))
                stopped.append(region)
            else:
                raise
            continue
        listed[region] = vaults
        named = _holding(request, vaults)
        if request.vault_names and not named:
            if not regions.all_regions:
                warn(f"no vault named {', '.join(request.vault_names)} in Region {region}")
                scopes.append(Route(region, dest, replace(request, vault_names=()), ()))
            continue
        if regions.all_regions and not vaults:
            continue
        chosen = tuple(v for v in vaults if not request.vault_names or v.name in named)
        scopes.append(Route(region, dest, replace(request, vault_names=named), chosen))
    if stopped:
        return scopes
    _check_named(request, listed, account)
    if not scopes:
        looked = ", ".join(listed) or "none could be listed"
        raise RequestRefused(
            f"no Region enabled for account {account} holds vaults matching the selection "
            f"(Regions looked at: {looked})"
        )
    return scopes


def _check_named(request: SelectionRequest, listed: dict[str, list[Vault]], account: str) -> None:
    """A vault named by --vault must be in one of the Regions at least."""
    found = {vault.name for vaults in listed.values() for vault in vaults}
    missing = [name for name in dict.fromkeys(request.vault_names) if name not in found]
    if missing:
        raise UnknownVault(missing, sorted(found), account, ", ".join(listed) or "(none)")


def account_of(accounts: Accounts, route: Route) -> Accounts:
    """The route's own source account."""
    return accounts.of(route.account) if route.account is not None else accounts


def wiring_of(accounts: Accounts, route: Route, dest_region: str | None = None) -> Wiring:
    """The route's gateways: in its own source account, to its destination Region (or the
    one given)."""
    return account_of(accounts, route).wiring(route.region, dest_region or route.dest_region)
