"""Vaults and recovery points, streamed through the selection rules."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from ..domain.composite import NestedPoints
from ..domain.eligibility import blocked_by_aws_managed_key, ineligibility
from ..domain.lifecycle import CopyLifecycle, LifecyclePolicy, RetentionBounds, copy_lifecycle
from ..domain.reasons import Reason
from ..domain.recovery_point import RecoveryPoint, Vault
from ..domain.routing import Destination, RouteTable
from ..domain.selection import Selection, SelectionTally, decide, filter_reason
from .errors import OperatorError
from .ports import BackupGateway, KeyInspector, MetadataIndex


class UnknownVault(OperatorError):
    """A --vault names a vault the account does not have."""

    def __init__(
        self, names: Sequence[str], available: Sequence[str], account: str, region: str
    ) -> None:
        shown = ", ".join(available) or "none"
        super().__init__(
            f"no vault named {', '.join(names)} in account {account}, Region {region} "
            f"(vaults: {shown})"
        )
        self.names = list(names)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A recovery point with its metadata and, when excluded, the reason."""

    rp: RecoveryPoint
    metadata: Mapping[str, str] | None
    reason: Reason | None
    destination: Destination | None = None  # --route-csv's choice (None: the flags' one)
    # the copy's lifecycle, when lifecycle flags were given (also of a `would-expire` one)
    lifecycle: CopyLifecycle | None = None

    @property
    def included(self) -> bool:
        return self.reason is None


def resolve_vaults(
    gateway: BackupGateway, names: Sequence[str], *, all_vaults: bool
) -> list[Vault]:
    """The vaults named (in the order given), or every vault; unknown names are an error."""
    vaults = gateway.list_vaults()
    if all_vaults:
        return vaults
    by_name = {vault.name: vault for vault in vaults}
    missing = [name for name in names if name not in by_name]
    if missing:
        raise UnknownVault(missing, sorted(by_name), gateway.account_id, gateway.region)
    return [by_name[name] for name in dict.fromkeys(names)]


class KeyVerdicts:
    """Asks the key inspector only about keys that matter, once per key."""

    def __init__(self, keys: KeyInspector | None) -> None:
        self._keys = keys
        self._known: dict[str, bool | None] = {}

    def for_item(self, rp: RecoveryPoint, *, cross_account: bool) -> bool | None:
        key = rp.encryption_key_arn
        if self._keys is None or key is None:
            return None
        # Ask only when the answer could exclude the item.
        if not blocked_by_aws_managed_key(rp, cross_account=cross_account, key_is_aws_managed=True):
            return None
        if key not in self._known:
            self._known[key] = self._keys.is_aws_managed(key)
        return self._known[key]


# The retention bounds of the vault a recovery point's copy goes to: (the point, its source
# vault, --route-csv's destination or None) -> the bounds, None when that vault is not locked.
LockBounds = Callable[[RecoveryPoint, Vault, Destination | None], RetentionBounds | None]


@dataclass(frozen=True)
class LifecycleRule:
    """The lifecycle flags and, for --fit-retention, the destination vaults' locks."""

    policy: LifecyclePolicy
    locks: LockBounds | None = None

    def judge(
        self, rp: RecoveryPoint, vault: Vault, destination: Destination | None, now: datetime
    ) -> tuple[CopyLifecycle | None, Reason | None]:
        """A copyable point's lifecycle, and `would-expire` when it would arrive expired."""
        policy = self.policy
        if not policy.given:
            return None, None
        locks = self.locks if policy.fit_retention else None
        bounds = locks(rp, vault, destination) if locks is not None else None
        verdict = copy_lifecycle(rp, policy, bounds, now=now)
        if verdict.expired and not policy.allow_expired:
            return verdict, Reason.WOULD_EXPIRE
        return verdict, None


def scan(
    gateway: BackupGateway,
    vaults: Iterable[Vault],
    selection: Selection,
    *,
    metadata: MetadataIndex | None,
    keys: KeyInspector | None,
    now: datetime,
    cross_account: bool,
    tally: SelectionTally | None = None,
    cross_region: bool = False,
    routing: RouteTable | None = None,
    dest_region: str | None = None,
    nested: NestedPoints | None = None,
    lifecycle: LifecycleRule | None = None,
) -> Iterator[Candidate]:
    """Every recovery point of `vaults`, with its metadata and verdict (`cross_region`: the
    copies go to another Region). Nested points of composites are no candidates: they go with
    their composite, counted in `tally` and kept in `nested`. With `routing`, each one's
    destination is its row's: what the selection keeps and no row routes is `no-route`; what
    AWS cannot copy is judged against that destination (`dest_region`: the route's own, for
    rows that name none). With `lifecycle`, a copyable point gets its copy's lifecycle, and is
    `would-expire` when that copy would arrive already expired.

    Filters are not pushed down to AWS: every item is listed, so the excluded counts account
    for the whole vault (a million items list in about a thousand calls).
    """
    verdicts = KeyVerdicts(keys)
    rule = lifecycle if lifecycle is not None and lifecycle.policy.given else None
    if routing is not None:
        yield from _routed(
            gateway,
            vaults,
            selection,
            routing,
            dest_region or gateway.region,
            metadata=metadata,
            verdicts=verdicts,
            now=now,
            tally=tally,
            nested=nested,
            rule=rule,
        )
        return
    for vault in vaults:
        for rp in gateway.iter_recovery_points(vault.name):
            if rp.is_nested:
                _nested(rp, tally, nested)
                continue
            meta = metadata.get(rp.resource_arn) if metadata is not None else None
            reason = decide(
                selection,
                rp,
                meta,
                now=now,
                cross_account=cross_account,
                key_is_aws_managed=verdicts.for_item(rp, cross_account=cross_account),
                cross_region=cross_region,
            )
            verdict = None
            if reason is None and rule is not None:
                verdict, reason = rule.judge(rp, vault, None, now)
            if tally is not None:
                tally.add(rp, reason)
            yield Candidate(rp, meta, reason, lifecycle=verdict)


def _routed(
    gateway: BackupGateway,
    vaults: Iterable[Vault],
    selection: Selection,
    routing: RouteTable,
    dest_region: str,
    *,
    metadata: MetadataIndex | None,
    verdicts: KeyVerdicts,
    now: datetime,
    tally: SelectionTally | None,
    nested: NestedPoints | None,
    rule: LifecycleRule | None,
) -> Iterator[Candidate]:
    """scan's stream with a route table: the selection's filters first, then the route, then
    what AWS cannot copy into that route's destination, then the copy's lifecycle."""
    source_account, source_region = gateway.account_id, gateway.region
    for vault in vaults:
        for rp in gateway.iter_recovery_points(vault.name):
            if rp.is_nested:
                _nested(rp, tally, nested)
                continue
            meta = metadata.get(rp.resource_arn) if metadata is not None else None
            reason = filter_reason(selection, rp, meta)
            destination = routing.destination_of(meta) if reason is None else None
            if reason is None and destination is None:
                reason = Reason.NO_ROUTE
            if reason is None and destination is not None:
                cross_account = destination.account != source_account
                reason = ineligibility(
                    rp,
                    now=now,
                    cross_account=cross_account,
                    key_is_aws_managed=verdicts.for_item(rp, cross_account=cross_account),
                    cross_region=(destination.region or dest_region) != source_region,
                )
            verdict = None
            if reason is None and rule is not None:
                verdict, reason = rule.judge(rp, vault, destination, now)
            if tally is not None:
                tally.add(rp, reason)
            chosen = destination if reason is None else None
            yield Candidate(rp, meta, reason, chosen, verdict)


def _nested(rp: RecoveryPoint, tally: SelectionTally | None, nested: NestedPoints | None) -> None:
    """A nested point of a composite: no item (AWS copies it with its composite), counted."""
    if tally is not None:
        tally.add_nested(rp)
    if nested is not None:
        nested.add(rp)
