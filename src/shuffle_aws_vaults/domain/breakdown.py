"""A migration taken apart: its bytes (planned = copied + already there + failed + remaining)
and its items' states per source vault and per resource type."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .migration import MigrationState, Status

# Each item's state under the name the summary and status give it.
STATE_NAMES = {
    Status.PENDING: "pending",
    Status.INTENT: "in_flight",
    Status.SUBMITTED: "in_flight",
    Status.COMPLETED: "completed",
    Status.FAILED: "failed",
    Status.ALREADY_COPIED: "already_copied",
}
COUNTED = ("planned", "completed", "already_copied", "failed", "in_flight", "pending")


def _empty() -> dict[str, int]:
    return {**dict.fromkeys(COUNTED, 0), "bytes_planned": 0, "bytes_copied": 0}


def bytes_of(state: MigrationState) -> dict[str, int]:
    """The plan's bytes by what became of them; `remaining` is what is still to copy (pending
    or in flight), so planned = copied + already_copied + failed + remaining."""
    found = {"planned": 0, "copied": 0, "already_copied": 0, "failed": 0, "remaining": 0}
    where = {
        Status.COMPLETED: "copied",
        Status.ALREADY_COPIED: "already_copied",
        Status.FAILED: "failed",
    }
    status = state.status
    for i, item in enumerate(state.items):
        found["planned"] += item.size_bytes
        found[where.get(Status(status[i]), "remaining")] += item.size_bytes
    return found


def completion(state: MigrationState) -> tuple[dict[str, Any], dict[str, Any]]:
    """(per source vault, per resource type): items planned and in each state, and their bytes
    planned and copied; each vault with the destination vaults its copies go to."""
    vaults: dict[str, dict[str, Any]] = {}
    types: dict[str, dict[str, Any]] = {}
    dests: dict[str, dict[str, None]] = {}
    status = state.status
    for i, item in enumerate(state.items):
        name = STATE_NAMES[Status(status[i])]
        for table, key in ((vaults, item.source_vault), (types, item.resource_type)):
            counts = table.get(key)
            if counts is None:
                counts = table[key] = _empty()
            counts["planned"] += 1
            counts[name] += 1
            counts["bytes_planned"] += item.size_bytes
            if name == "completed":
                counts["bytes_copied"] += item.size_bytes
        dests.setdefault(item.source_vault, {})[item.dest_vault_name] = None
    for vault, counts in vaults.items():
        counts["destination_vaults"] = list(dests[vault])
    return dict(sorted(vaults.items())), dict(sorted(types.items()))


def added(tables: Iterable[Mapping[str, Mapping[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Several routes' per-type (or per-vault, keyed apart) tables as one: counts summed."""
    total: dict[str, dict[str, Any]] = {}
    for table in tables:
        for key, counts in table.items():
            into = total.setdefault(key, _empty())
            for name, value in counts.items():
                if isinstance(value, int):
                    into[name] = into.get(name, 0) + value
                elif isinstance(value, list):
                    into.setdefault(name, [])
                    into[name] += [v for v in value if v not in into[name]]
    return dict(sorted(total.items()))


def vault_pairs(by_vault: Mapping[str, Mapping[str, Any]]) -> list[dict[str, str]]:
    """The vaults as source -> destination pairs, one per destination vault."""
    return [
        {"source": vault, "destination": dest}
        for vault, counts in by_vault.items()
        for dest in counts.get("destination_vaults", [])
    ]
