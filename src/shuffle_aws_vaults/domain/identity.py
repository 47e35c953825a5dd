"""What makes a migration this migration: a state file of another one is refused on resume."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from .lifecycle import flags_text


def migration_identity(
    *,
    source_account: str,
    dest_account: str,
    source_region: str,
    dest_region: str,
    vaults: Sequence[str],
    all_vaults: bool,
    dest_vault: str | None,
    selection: Mapping[str, object],
    routes: Sequence[Sequence[str]] | None = None,
    lifecycle: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The identity recorded in a new state, and compared with the recorded one on resume
    (`routes`: a --route-csv's rows; `dest_account` is then the first row's account;
    `lifecycle`: the lifecycle flags, None without any: they decide which copies are planned
    and each one's lifecycle, as the selection filters do)."""
    routed = {"routes": [list(row) for row in routes]} if routes is not None else {}
    return {
        **routed,
        "source_account": source_account,
        "dest_account": dest_account,
        "source_region": source_region,
        "dest_region": dest_region,
        "vaults": sorted(vaults) if not all_vaults else "*",
        "dest_vault": dest_vault,
        "selection": dict(selection),
        "lifecycle": dict(lifecycle) if lifecycle is not None else None,
    }


def identity_difference(recorded: Mapping[str, Any], wanted: Mapping[str, Any]) -> str | None:
    """The first thing that tells the recorded migration from the wanted one, or None."""
    for key in ("source_account", "dest_account", "source_region", "dest_region", "vaults"):
        if recorded.get(key) != wanted.get(key):
            return f"{key.replace('_', ' ')} {recorded.get(key)} vs {wanted.get(key)}"
    if recorded.get("dest_vault") != wanted.get("dest_vault"):
        return f"--dest-vault {recorded.get('dest_vault')} vs {wanted.get('dest_vault')}"
    if recorded.get("selection") != wanted.get("selection"):
        return "the selection filters differ"
    if recorded.get("routes") != wanted.get("routes"):
        return "the --route-csv rows differ"
    # A state made before lifecycles were recorded has none to compare.
    if "lifecycle" in recorded and recorded["lifecycle"] != wanted.get("lifecycle"):
        return (
            f"lifecycle {flags_text(recorded['lifecycle'])} vs "
            f"{flags_text(wanted.get('lifecycle'))}"
        )
    return None


def state_file_name(
    *,
    source_account: str | None,
    dest_account: str | None,
    region: str | None,
    vaults: Sequence[str],
    all_vaults: bool,
    dest_vault: str | None,
    selection: Mapping[str, object],
) -> str:
    """The default state file's name: the same command line finds the same migration."""
    key = repr((sorted(vaults), all_vaults, dest_vault, dict(selection)))
    digest = hashlib.sha256(key.encode()).hexdigest()[:10]
    label = "all-vaults" if all_vaults else "+".join(sorted(vaults))[:60]
    return f"{source_account}-to-{dest_account}-{region or 'default'}-{label}-{digest}.jsonl"
