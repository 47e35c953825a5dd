"""Copies the destination already holds: found in bulk, so that they are never made twice.

A copy keeps its source's resource ARN and creation date, and names the vault it came from
(SourceBackupVaultArn); its own ARN is new, and nothing points back to the source recovery
point but the copy job. So a planned item's copy is recognised by:

- a COMPLETED copy job of that recovery point into the destination vault, whose destination
  recovery point is still there; or
- a destination recovery point with the same resource ARN and creation date (to the
  millisecond), and the same source vault and size where the destination reports them.

Each destination point is taken by one item at most, and a recovery point is never its own
copy (within one account the destination vault may be listed with the source's points).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from .plan import PlanItem
from .recovery_point import COPYABLE_STATUSES, RecoveryPoint


class Candidate(NamedTuple):
    """A destination recovery point that may be some item's copy."""

    arn: str
    source_vault_arn: str | None
    size_bytes: int


def _key(resource_arn: str, created: float) -> tuple[str, int]:
    return (resource_arn, round(created * 1000))


class DestinationIndex:
    """Destination recovery points by (resource ARN, creation date), vault by vault.

    Built by streaming each vault's listing once; points that are not (yet) usable copies
    (CREATING, EXPIRED, PARTIAL, DELETING) are left out, and so are nested points of
    composites (a composite's copy is adopted; its nested copies come with it).
    """

    def __init__(self) -> None:
        self._by_vault: dict[str, dict[tuple[str, int], Candidate | list[Candidate]]] = {}
        # Resource and source vault ARNs repeat from point to point: one string each (a million
        # destination points then take about a third less memory).
        self._shared: dict[str, str] = {}
        self.points = 0

    def add_vault(self, vault: str, points: Iterable[RecoveryPoint]) -> None:
        entries = self._by_vault.setdefault(vault, {})
        one = self._shared.setdefault
        for rp in points:
            if rp.status not in COPYABLE_STATUSES or rp.is_nested:
                continue  # not usable yet; or copied with its composite, never an item's copy
            self.points += 1
            key = _key(one(rp.resource_arn, rp.resource_arn), rp.creation_date.timestamp())
            origin = rp.source_vault_arn
            candidate = Candidate(rp.arn, origin and one(origin, origin), rp.size_bytes)
            held = entries.get(key)
            if held is None:
                entries[key] = candidate
            elif isinstance(held, list):
                held.append(candidate)
            else:
                entries[key] = [held, candidate]

    def take(self, item: PlanItem, source_vault_arn: str, job_dest_arn: str | None) -> str | None:
        """The destination ARN of `item`'s copy, removed from the index; None if there is none."""
        entries = self._by_vault.get(item.dest_vault_name)
        if not entries:
            return None
        key = _key(item.resource_arn, item.created)
        held = entries.get(key)
        if held is None:
            return None
        candidates = held if isinstance(held, list) else [held]
        chosen = _choose(candidates, item, source_vault_arn, job_dest_arn)
        if chosen is None:
            return None
        rest = [c for c in candidates if c is not chosen]
        if not rest:
            del entries[key]
        else:
            entries[key] = rest if len(rest) > 1 else rest[0]
        return chosen.arn


def _choose(
    candidates: list[Candidate], item: PlanItem, source_vault_arn: str, job_dest_arn: str | None
) -> Candidate | None:
    if job_dest_arn is not None:
        for candidate in candidates:
            if candidate.arn == job_dest_arn:
                return candidate
    for candidate in candidates:
        if candidate.arn == item.source_arn:
            continue  # the source itself (a copy within one account): never its own copy
        if candidate.source_vault_arn and candidate.source_vault_arn != source_vault_arn:
            continue  # copied from another vault: another item's copy
        if candidate.size_bytes and item.size_bytes and candidate.size_bytes != item.size_bytes:
            continue
        return candidate
    return None
