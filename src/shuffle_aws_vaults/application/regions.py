"""Which source Regions a command works in (`--regions`, `--all-regions`), where each one's
copies go, and which of the named vaults each Region holds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from ..domain.errors import AwsError, ErrorCategory
from ..domain.recovery_point import Vault
from ..domain.regions import REGION_NOT_ENABLED_CODES, RegionPlan, plan_regions
from .discovery import UnknownVault
from .errors import RequestRefused
from .ports import BackupGateway, RegionCatalog
from .selection_stage import SelectionRequest


@dataclass(frozen=True)
class RegionRequest:
    """The Region flags: `--regions` (empty when not given), `--all-regions`, `--dest-region`."""

    regions: tuple[str, ...]
    all_regions: bool
    dest_region: str | None = None


@dataclass(frozen=True)
class RegionScope:
    """One source Region of the run: where its copies go, and the selection within it (the
    named vaults narrowed to those this Region holds)."""

    region: str
    dest_region: str
    request: SelectionRequest
    vaults: tuple[Vault, ...]
    # Listing the Region's vaults failed (kept only when region_scopes is asked to keep_refused).
    refused: AwsError | None = None


def _not_enabled(exc: AwsError) -> bool:
    """Refused because the Region is off for the account: an opt-in Region left disabled, or
    an organization's policy denying the Region."""
    return exc.code in REGION_NOT_ENABLED_CODES or exc.category is ErrorCategory.ACCESS_DENIED


def _holding(request: SelectionRequest, vaults: list[Vault]) -> tuple[str, ...]:
    names = {vault.name for vault in vaults}
    return tuple(name for name in dict.fromkeys(request.vault_names) if name in names)


def region_scopes(
    regions: RegionRequest,
    request: SelectionRequest,
    *,
    account: str,
    catalog: RegionCatalog,
    gateway_for: Callable[[str], BackupGateway],
    warn: Callable[[str], None],
    keep_refused: bool = False,
    failed: Callable[[str, str, AwsError], None] | None = None,
) -> list[RegionScope]:
    """The source Regions in order, each with its destination Region and selection.

    `--regions`: as given, each kept (a Region without the named vaults selects nothing there,
    with a warning). `--all-regions`: the Regions enabled for the account that hold vaults
    matching the selection; a Region whose vault listing is refused as off for the account is
    skipped with a warning. Either way a named vault that no Region holds is refused.

    `keep_refused`: a Region whose listing fails otherwise (any failure with `--regions`) is
    kept as a scope with the error in `refused` and nothing selected, instead of the error
    stopping every Region. With `failed`, such a Region is instead handed to `failed` (source
    Region, destination Region, the error) and left out. Either way what the listed Regions
    lack is no longer refused (the failed Region may hold it).
    """
    if regions.all_regions:
        plan: RegionPlan = plan_regions(catalog.enabled_regions(), regions.dest_region)
    else:
        plan = plan_regions(regions.regions, regions.dest_region)
    scopes: list[RegionScope] = []
    listed: dict[str, list[Vault]] = {}
    stopped: list[str] = []
    for region, dest in plan.pairs:
        try:
            vaults = gateway_for(region).list_vaults()
        except AwsError as exc:
            if regions.all_regions and _not_enabled(exc):
                warn(f"Region {region} skipped: listing its vaults was refused ({exc.code})")
            elif failed is not None:
                failed(region, dest, exc)
                stopped.append(region)
            elif keep_refused:
                nothing = replace(request, vault_names=(), all_vaults=False)
                scopes.append(RegionScope(region, dest, nothing, (), refused=exc))
                stopped.append(region)
            else:
                raise
            continue
        listed[region] = vaults
        named = _holding(request, vaults)
        if request.vault_names and not named:
            if not regions.all_regions:
                warn(f"no vault named {', '.join(request.vault_names)} in Region {region}")
                scopes.append(RegionScope(region, dest, replace(request, vault_names=()), ()))
            continue
        if regions.all_regions and not vaults:
            continue
        chosen = tuple(v for v in vaults if not request.vault_names or v.name in named)
        scopes.append(RegionScope(region, dest, replace(request, vault_names=named), chosen))
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
