"""`status`: a migration's progress and failures, read from its journals (no AWS calls, no
writes): each route's status document, and their totals in the same document's keys."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ..domain.failures import failure_signature
from ..domain.migration import MigrationState
from ..domain.summary import MigrationCounts, bytes_copied, failed_items
from .errors import RequestRefused
from .migration_report import (
    last_run,
    merged_pace,
    migration_sections,
    pace_sections,
    total_sections,
)
from .ports import StateFiles
from .state_location import StateLocation

FAILURE_EXAMPLES = 10


def status_document(
    state: MigrationState,
    identity: dict[str, Any],
    holder: str | None,
    *,
    now: datetime,
    path: Path,
) -> dict[str, Any]:
    """One route's document; `now` (the clock) sets the rate's hour."""
    counts = MigrationCounts.of(state)
    sections = migration_sections(state, identity, path)
    failures = failed_items(state)
    # One cause, whichever item it hit: code and message with ARNs and IDs left out.
    by_message = Counter(failure_signature(f.code, f.message) for _, f in failures)
    return {
        "source_account": identity.get("source_account"),
        "dest_account": identity.get("dest_account"),
        "vaults": identity.get("vaults"),
        "planned_at": identity.get("created"),
        "running": holder,
        "source_region": identity.get("source_region"),
        "dest_region": sections["migration"]["dest_region"],
        "dest_vaults": sorted({pair["destination"] for pair in sections["migration"]["vaults"]}),
        "last_run": last_run(state, holder),
        **pace_sections(state, now, holder),
        **sections,
        "total_items": counts.total,
        # As in the copy's summary and progress: a copy found in the destination is completed
        # (already_copied says how many of them).
        "completed": counts.completed + counts.already_copied,
        "failed": counts.failed,
        "in_flight": counts.in_flight,
        "unconfirmed": counts.unconfirmed,
        "pending": counts.pending,
        "already_copied": counts.already_copied,
        "retried_failed": counts.retried_failed,
        "added_since_plan": sum(e.get("added", 0) for e in identity.get("extensions", [])),
        "percent_done": counts.percent_done,
        "bytes_copied": bytes_copied(state),
        "bytes_planned": sum(item.size_bytes for item in state.items),
        "job_retries": counts.job_retries,
        "failures_by_message": dict(by_message.most_common()),
        "failures": [
            {
                "recovery_point_arn": state.items[i].source_arn,
                "error_code": f.code,
                "error_message": f.message,
            }
            for i, f in failures[:FAILURE_EXAMPLES]
        ],
    }


# The one-Region document's counts: the totals are their sums.
SUMMED = (
    "total_items",
    "completed",
    "failed",
    "in_flight",
    "unconfirmed",
    "pending",
    "already_copied",
    "retried_failed",
    "added_since_plan",
    "bytes_copied",
    "bytes_planned",
    "job_retries",
)


def _same(values: list[Any]) -> Any:
    """One value when every Region has it, else each distinct value in order."""
    distinct = list(dict.fromkeys(values))
    return distinct[0] if len(distinct) == 1 else distinct


def _vaults(values: list[Any]) -> Any:
    if any(value == "*" for value in values):
        return "*"
    return sorted({str(name) for value in values for name in value or ()})


def merge_reports(
    per_region: Mapping[str, Mapping[str, Any]], *, now: datetime, path: Path
) -> dict[str, Any]:
    """The totals of several Regions' status documents, in the one-Region document's keys:
    counts summed, percent done recomputed from them, failure causes merged (most first) and
    each Region's failure examples with its `region`; the rates added up, the slowest route's
    ETA, the last run of them all."""
    docs = list(per_region.values())
    holders = [doc["running"] for doc in docs if doc["running"]]
    planned = [doc["planned_at"] for doc in docs if doc["planned_at"]]
    sums = {key: sum(int(doc[key]) for doc in docs) for key in SUMMED}
    done = sums["completed"] + sums["failed"]  # completed counts the already copied
    total = sums["total_items"]
    causes: Counter[str] = Counter()
    for doc in docs:
        causes.update(doc["failures_by_message"])
    return {
        "source_account": _same([doc["source_account"] for doc in docs]),
        "dest_account": _same([doc["dest_account"] for doc in docs]),
        "vaults": _vaults([doc["vaults"] for doc in docs]),
        "planned_at": min(planned) if planned else None,
        "running": "; ".join(dict.fromkeys(holders)) or None,
        "source_region": _same([doc["source_region"] for doc in docs]),
        "dest_region": _same([doc["dest_region"] for doc in docs]),
        "dest_vaults": sorted({name for doc in docs for name in doc["dest_vaults"]}),
        "last_run": max(
            (
                {"route": route, **doc["last_run"]}
                for route, doc in per_region.items()
                if doc["last_run"]
            ),
            key=lambda run: run["start_time"],
            default=None,
        ),
        **merged_pace(docs, now),
        **total_sections(per_region, path),
        "total_items": total,
        "completed": sums["completed"],
        "failed": sums["failed"],
        "in_flight": sums["in_flight"],
        "unconfirmed": sums["unconfirmed"],
        "pending": sums["pending"],
        "already_copied": sums["already_copied"],
        "retried_failed": sums["retried_failed"],
        "added_since_plan": sums["added_since_plan"],
        "percent_done": round(100.0 * done / total, 2) if total else 100.0,
        "bytes_copied": sums["bytes_copied"],
        "bytes_planned": sums["bytes_planned"],
        "job_retries": sums["job_retries"],
        "failures_by_message": dict(causes.most_common()),
        "failures": [
            {"region": region, **failure}
            for region, doc in per_region.items()
            for failure in doc["failures"]
        ],
    }


@dataclass(frozen=True)
class StatusReading:
    """What `status` read: where, each route's document (with its destination Region) and
    the totals over them."""

    path: Path
    routes: dict[str, dict[str, Any]]
    total: dict[str, Any]


def read_status(
    location: StateLocation,
    states: StateFiles,
    *,
    sectioned: bool,
    regions: tuple[str, ...] = (),
    accounts: tuple[str, ...] = (),
    now: Callable[[], datetime],
) -> StatusReading:
    """One Region's journal, or every route's in the migration directory (those whose Region
    `regions` names and whose account `accounts` names, if any)."""
    if not sectioned:
        if location.state_file is None:
            location.require_name("--state-file", "state file")
        path = location.journal()
        store = states.store(path)
        if not store.exists():
            raise RequestRefused(f"no migration state at {path}")
        identity, state = store.read()
        document = status_document(state, identity, store.holder(), now=now(), path=path)
        return StatusReading(path, {}, document)
    if location.state_file is not None:
        raise RequestRefused("give --state-file (one Region) or --state-dir (several), not both")
    if location.state_dir is None:
        location.require_name("--state-dir", "migration directory")
    path = location.directory()
    present = states.routes_in(path)
    if not present:
        raise RequestRefused(f"no migration state in {path}")
    chosen = [
        key
        for key in present
        if (not regions or key.rsplit("/", 1)[-1] in regions)
        and (not accounts or key.partition("/")[0] in accounts)
    ]
    named = [
        *(r for r in regions if all(key.rsplit("/", 1)[-1] != r for key in present)),
        *(a for a in accounts if all(key.partition("/")[0] != a for key in present)),
    ]
    if named or not chosen:
        what = ", ".join(named or [*accounts, *regions])
        raise RequestRefused(
            f"no migration state for {what} in {path} (there: {', '.join(present)})"
            if accounts
            else f"no migration state for Region {what} in {path} "
            f"(Regions there: {', '.join(present)})"
        )
    found: dict[str, dict[str, Any]] = {}
    at = now()  # one hour for every route
    for key in chosen:
        journal = location.route_journal(key, sectioned=True)
        store = states.store(journal)
        identity, state = store.read()
        found[key] = status_document(state, identity, store.holder(), now=at, path=journal)
        # last, as it was before the one-Region document had a dest_region of its own
        found[key].pop("dest_region")
        found[key]["dest_region"] = identity.get("dest_region")
    return StatusReading(path, found, merge_reports(found, now=at, path=path))
