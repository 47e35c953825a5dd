"""The selection stage every command shares: check the request, resolve the vaults, scan them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from ..domain.composite import NestedPoints
from ..domain.lifecycle import LifecyclePolicy
from ..domain.recovery_point import Vault
from ..domain.routing import RouteTable
from ..domain.selection import Selection, SelectionTally
from .discovery import Candidate, LifecycleRule, LockBounds, resolve_vaults, scan
from .errors import RequestRefused
from .ports import BackupGateway, KeyInspector, MetadataIndex, Wiring


@dataclass(frozen=True)
class SelectionRequest:
    """Which vaults, and which of their recovery points, a command works on."""

    vault_names: tuple[str, ...]
    all_vaults: bool
    selection: Selection
    # --route-csv: each recovery point's destination chosen by its metadata (None: the one
    # destination of the flags)
    routing: RouteTable | None = None
    # The lifecycle flags: each copy's lifecycle, and `would-expire` for a copy that would
    # arrive already expired (they change what is planned, so they belong to the selection)
    lifecycle: LifecyclePolicy = field(default_factory=LifecyclePolicy)


@dataclass(frozen=True)
class SelectionSources:
    """Where a selection is read from: the source account, its keys and the metadata CSV."""

    source: BackupGateway
    keys: KeyInspector | None
    metadata: MetadataIndex | None

    @property
    def metadata_columns(self) -> tuple[str, ...]:
        return self.metadata.columns if self.metadata is not None else ()


@dataclass
class SelectionScan:
    vaults: list[Vault]
    candidates: Iterator[Candidate]
    # The nested points of composites, as the candidates' stream finds them (not candidates)
    nested: NestedPoints


class NothingSelected(RequestRefused):
    """The selection matches no recovery point: a wrong Region, account or filter, most likely."""

    def __init__(
        self, what: str, account: str, region: str, vaults: list[Vault], tally: SelectionTally
    ) -> None:
        seen = ", ".join(vault.name for vault in vaults) or "none"
        listed = (
            f"; {tally.total:,} recovery points listed, all excluded (see filter)"
            if tally.total
            else ""
        )
        super().__init__(
            f"nothing to {what}: no recovery point in account {account}, Region {region} matches "
            f"the selection (vaults: {seen}{listed})"
        )


def require_vaults(request: SelectionRequest) -> None:
    """Refused before anything is read: a selection names its vaults."""
    if not request.vault_names and not request.all_vaults:
        raise RequestRefused("name the vaults: --vault NAME (repeatable) or --all-vaults")


def check_metadata(
    selection: Selection, metadata: MetadataIndex | None, warn: Callable[[str], None]
) -> None:
    """Pass on the metadata file's warning; refuse filters on columns the file lacks."""
    if metadata is None:
        return
    warning = metadata.warning()
    if warning:
        warn(warning)
    known = set(metadata.columns)
    for column in sorted(selection.metadata_columns()):
        if column not in known:
            raise RequestRefused(
                f"--where/--*-apmids: column {column!r} is not in the metadata CSV "
                f"(columns: {', '.join(metadata.columns)})"
            )


def check_routing(routing: RouteTable | None, metadata: MetadataIndex | None) -> None:
    """A route table routes by metadata columns the CSV has."""
    if routing is None:
        return
    if metadata is None:
        if any(rule.value != "*" for rule in routing.rules):
            raise RequestRefused(
                f"--route-csv {routing.source} routes by metadata: give --metadata-csv too"
            )
        return
    known = set(metadata.columns)
    for rule in routing.rules:
        if rule.value != "*" and rule.column not in known:
            raise RequestRefused(
                f"{routing.source}:{rule.line}: column {rule.column!r} is not in the metadata "
                f"CSV (columns: {', '.join(metadata.columns)})"
            )


def select(
    request: SelectionRequest,
    sources: SelectionSources,
    *,
    cross_account: bool,
    now: datetime,
    tally: SelectionTally | None = None,
    cross_region: bool = False,
    dest_region: str | None = None,
    locks: LockBounds | None = None,
) -> SelectionScan:
    """The vaults (unknown names refused) and a stream of their recovery points' verdicts.

    `cross_region`: the copies go to another Region (types AWS cannot copy across Regions are
    excluded as cross-region-unsupported). With a route table each recovery point's own
    destination decides both (`dest_region`: the route's, for rows that name none). `locks`:
    the destination vaults' retention bounds, for --fit-retention."""
    vaults = resolve_vaults(sources.source, request.vault_names, all_vaults=request.all_vaults)
    nested = NestedPoints()
    candidates = scan(
        sources.source,
        vaults,
        request.selection,
        metadata=sources.metadata,
        keys=sources.keys,
        now=now,
        cross_account=cross_account,
        tally=tally,
        cross_region=cross_region,
        routing=request.routing,
        dest_region=dest_region,
        nested=nested,
        lifecycle=LifecycleRule(request.lifecycle, locks),
    )
    return SelectionScan(vaults, candidates, nested)


def sources_of(wiring: Wiring) -> SelectionSources:
    """Where a route's selection is read from."""
    return SelectionSources(wiring.source, wiring.keys, wiring.metadata)
