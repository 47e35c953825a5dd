"""`status` of a migration over several source Regions: every Region's journal in the migration
directory read (no AWS calls, no writes), the totals over them and each Region's own status."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from .. import bootstrap
from .exit_status import ExitStatus, UsageError, UserError
from .options import region_request
from .output import print_document
from .state_paths import from_copy_flags, state_dir
from .status_report import print_table, report, shown

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


def migration_path(args: argparse.Namespace) -> Path:
    """--state-dir, else the directory the copy's own flags name (as copy finds it)."""
    if args.state_file:
        raise UsageError("give --state-file (one Region) or --state-dir (several), not both")
    if args.state_dir:
        return Path(args.state_dir)
    return state_dir(args, *from_copy_flags(args, "--state-dir", "migration directory"))


def _same(values: list[Any]) -> Any:
    """One value when every Region has it, else each distinct value in order."""
    distinct = list(dict.fromkeys(values))
    return distinct[0] if len(distinct) == 1 else distinct


def _vaults(values: list[Any]) -> Any:
    if any(value == "*" for value in values):
        return "*"
    return sorted({str(name) for value in values for name in value or ()})


def merge_reports(per_region: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The totals of several Regions' status documents, in the one-Region document's keys:
    counts summed, percent done recomputed from them, failure causes merged (most first) and
    each Region's failure examples with its `region`."""
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


def region_reports(args: argparse.Namespace, path: Path) -> dict[str, dict[str, Any]]:
    """Each chosen Region's one-Region status document, with its destination Region."""
    directory = bootstrap.migration_directory(path)
    present = directory.regions()
    if not present:
        raise UserError(f"no migration state in {path}")
    regions = region_request(args)
    chosen = list(regions.regions) if regions is not None and regions.regions else present
    missing = [region for region in chosen if region not in present]
    if missing:
        raise UserError(
            f"no migration state for Region {', '.join(missing)} in {path} "
            f"(Regions there: {', '.join(present)})"
        )
    found: dict[str, dict[str, Any]] = {}
    for region in chosen:
        store = directory.store(region)
        identity, state = store.read()
        found[region] = {
            **report(state, identity, store.holder()),
            "dest_region": identity.get("dest_region"),
        }
    return found


def run_status_regions(args: argparse.Namespace) -> int:
    path = migration_path(args)
    per_region = region_reports(args, path)
    data = {**merge_reports(per_region), "regions": per_region}
    if args.output != "table" or args.query:
        if args.output == "text" and not args.query:
            data = {
                **shown(data, args.output, args.query),
                "regions": {r: shown(d, args.output, None) for r, d in per_region.items()},
            }
        print_document(data, args.output, args.query, sys.stdout)
        return ExitStatus.SUCCESS
    out = sys.stdout
    out.write(f"State: {path}\n")
    print_region_lines(per_region, out)
    print_table(data, out)
    return ExitStatus.SUCCESS


def print_region_lines(per_region: Mapping[str, Mapping[str, Any]], out: TextIO) -> None:
    for region, doc in per_region.items():
        out.write(
            f"{region} -> {doc['dest_region'] or '?'}: {doc['percent_done']:.1f}% of "
            f"{doc['total_items']:,} | Completed: {doc['completed']:,} | "
            f"Failed: {doc['failed']:,} | In Progress: {doc['in_flight']:,} | "
            f"Queued: {doc['pending']:,} | Running: {doc['running'] or 'no'}\n"
        )
