"""Which migration a summary or a status document describes, and how it is going: its
accounts, Regions, vaults, state path, the tool's version and command line (`migration`), its
bytes, its items per vault and per type, its runs; for `status` also the last run's outcome, the
rate over the last hour and the ETA. One route's sections, and their totals over routes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ..domain.breakdown import added, bytes_of, completion, vault_pairs
from ..domain.migration import MigrationState
from ..domain.progress import format_duration
from ..domain.runs import iso, pace
from ..domain.summary import MigrationCounts

# A run with no end recorded: still running (its lock held), or stopped without a word.
RUNNING, UNRECORDED = "running", "no end recorded (killed?)"


def _destinations(state: MigrationState) -> tuple[list[str], list[str]]:
    """The destination accounts and Regions of the plan's vaults, in their order."""
    places = {
        tuple(arn.split(":")[3:5]): None for arn in {item.dest_vault_arn for item in state.items}
    }
    return (
        list(dict.fromkeys(account for _, account in places)),
        list(dict.fromkeys(region for region, _ in places)),
    )


def _one(values: list[str], fallback: Any) -> Any:
    if not values:
        return fallback
    return values[0] if len(values) == 1 else values


def migration_sections(
    state: MigrationState,
    identity: Mapping[str, Any],
    state_path: Path,
) -> dict[str, Any]:
    """One route's `migration`, `bytes`, `by_vault`, `by_type` and `runs` (its command line:
    its last run's)."""
    by_vault, by_type = completion(state)
    accounts, regions = _destinations(state)
    runs = state.log.runs
    done = state.done and bool(runs) and runs[-1].ended is not None
    return {
        "migration": {
            "source_account": identity.get("source_account"),
            "source_region": identity.get("source_region"),
            "dest_account": _one(accounts, identity.get("dest_account")),
            "dest_region": _one(regions, identity.get("dest_region")),
            "vaults": vault_pairs(by_vault),
            "state_path": str(state_path),
            # the version and command line of the last run (as each run in `runs` has its own)
            "tool_version": runs[-1].version if runs else None,
            "command_line": runs[-1].command if runs else None,
            "planned_at": identity.get("created"),
            "started": iso(runs[0].started) if runs else None,
            # when the last item became final, as near as the runs tell: the end of the run
            # that finished it; None while anything is left
            "ended": iso(runs[-1].ended) if done and runs[-1].ended is not None else None,
            "runs": len(runs),
        },
        "bytes": bytes_of(state),
        "by_vault": by_vault,
        "by_type": by_type,
        "runs": [run.document() for run in runs],
    }


def last_run(state: MigrationState, holder: str | None) -> dict[str, Any] | None:
    """The last run, with its outcome: its stop reason, running, or no end recorded."""
    if not state.log.runs:
        return None
    run = state.log.runs[-1]
    outcome = run.reason or (RUNNING if holder else UNRECORDED)
    return {**run.document(), "outcome": outcome}


def pace_sections(state: MigrationState, now: datetime, holder: str | None) -> dict[str, Any]:
    """`status`'s rate over the last hour and ETA (of what is still to copy, at that rate)."""
    counts = MigrationCounts.of(state)
    remaining = counts.pending + counts.in_flight
    found = pace(
        state.log,
        [item.size_bytes for item in state.items],
        now=now.timestamp(),
        remaining=remaining,
        running=holder is not None,
    )
    return {
        "rate": {
            "window_seconds": found.window_seconds,
            "completed": found.completed,
            "bytes": found.bytes,
            "items_per_hour": found.per_hour,
            "bytes_per_hour": found.bytes_per_hour,
        },
        "eta": eta_of(found.eta_seconds, now, remaining),
    }


def eta_of(seconds: float | None, now: datetime, remaining: int) -> dict[str, Any] | None:
    if seconds is None:
        return None
    return {
        "remaining_items": remaining,
        "seconds": seconds,
        "formatted": format_duration(seconds),
        "at": (now + timedelta(seconds=seconds)).isoformat(),
    }


def _same(values: list[Any]) -> Any:
    distinct = list(dict.fromkeys(v for v in values if v is not None))
    return _one(distinct, None) if distinct else None


def total_sections(per_route: Mapping[str, Mapping[str, Any]], state_path: Path) -> dict[str, Any]:
    """Several routes' sections as one: the same keys, values summed or listed; a vault and
    a run are named with their route (ROUTE/VAULT, `route`)."""
    docs = list(per_route.values())
    migrations = [doc["migration"] for doc in docs]

    def each(key: str) -> Any:
        flat: list[Any] = []
        for one in migrations:
            value = one.get(key)
            flat += value if isinstance(value, list) else [value]
        return _same(flat)

    starts = [m["started"] for m in migrations if m["started"]]
    ends = [m["ended"] for m in migrations]
    by_vault = {
        f"{route}/{vault}": counts
        for route, doc in per_route.items()
        for vault, counts in doc["by_vault"].items()
    }
    return {
        "migration": {
            **{
                key: each(key)
                for key in ("source_account", "source_region", "dest_account", "dest_region")
            },
            "vaults": [
                {"route": route, **pair}
                for route, doc in per_route.items()
                for pair in doc["migration"]["vaults"]
            ],
            "state_path": str(state_path),
            "tool_version": each("tool_version"),
            "command_line": each("command_line"),
            "planned_at": min(
                (m["planned_at"] for m in migrations if m["planned_at"]), default=None
            ),
            "started": min(starts) if starts else None,
            "ended": max(ends) if ends and all(ends) else None,
            "runs": max((m["runs"] for m in migrations), default=0),
        },
        "bytes": (
            {key: sum(doc["bytes"][key] for doc in docs) for key in docs[0]["bytes"]}
            if docs
            else {}
        ),
        "by_vault": dict(sorted(by_vault.items())),
        "by_type": added(doc["by_type"] for doc in docs),
        "runs": [
            {"route": route, **run} for route, doc in per_route.items() for run in doc["runs"]
        ],
    }


def merged_pace(docs: list[Mapping[str, Any]], now: datetime) -> dict[str, Any]:
    """Several routes' rates and ETAs as one: the routes run side by side, so their rates
    add up and the migration ends with its slowest route (no ETA while a route with items
    left has none)."""
    rates = [doc["rate"] for doc in docs]
    per_hour = [rate["items_per_hour"] for rate in rates if rate["items_per_hour"] is not None]
    per_byte = [rate["bytes_per_hour"] for rate in rates if rate["bytes_per_hour"] is not None]
    left = [doc for doc in docs if doc["pending"] + doc["in_flight"]]
    etas = [float(doc["eta"]["seconds"]) for doc in left if doc["eta"]]
    remaining = sum(doc["pending"] + doc["in_flight"] for doc in docs)
    eta = max(etas, default=0.0) if per_hour and len(etas) == len(left) else None
    return {
        "rate": {
            "window_seconds": max((rate["window_seconds"] for rate in rates), default=0.0),
            "completed": sum(rate["completed"] for rate in rates),
            "bytes": sum(rate["bytes"] for rate in rates),
            "items_per_hour": round(sum(per_hour), 1) if per_hour else None,
            "bytes_per_hour": round(sum(per_byte), 1) if per_byte else None,
        },
        "eta": eta_of(eta, now, remaining),
    }
