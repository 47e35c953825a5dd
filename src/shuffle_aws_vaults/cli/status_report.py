"""What `status` prints: the status document as --output says, or its table (a line per
Region first, with a section per route)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TextIO

from ..domain.units import human_size


def vault_list(vaults: Any) -> str:
    if not vaults or vaults in ("*", ["*"]):  # --all-vaults is recorded as "*"
        return "all"
    if isinstance(vaults, str):
        return vaults
    return ", ".join(str(vault) for vault in vaults)


def shown(data: dict[str, Any], output: str, query: str | None) -> dict[str, Any]:
    """The document as --output prints it: text has no keys, so each cause becomes a line of
    its own, count then message."""
    if output != "text" or query:
        return data
    causes = data["failures_by_message"].items()
    return {**data, "failures_by_message": [{"count": n, "cause": m} for m, n in causes]}


def named(accounts: Any) -> str:
    """An account, or several (a list, in status's document), as a comma list."""
    return ", ".join(map(str, accounts)) if isinstance(accounts, list) else str(accounts)


def print_table(data: dict[str, Any], out: TextIO) -> None:
    """The table after its `State:` line: the migration, its progress and its failures."""
    source, dest = named(data["source_account"]), named(data["dest_account"])
    out.write(
        f"Migration: account{'s' if ',' in source else ''} {source} -> {dest}, "
        f"vaults {vault_list(data['vaults'])}, planned {data['planned_at']}\n"
    )
    out.write(f"Running: {data['running'] or 'no'}\n")
    out.write(
        f"Progress: {data['percent_done']:.1f}% of {data['total_items']:,} | "
        f"Completed: {data['completed']:,} | Failed: {data['failed']:,} | "
        f"In Progress: {data['in_flight']:,} | Queued: {data['pending']:,}\n"
    )
    out.write(
        f"Copied {human_size(data['bytes_copied'])} of {human_size(data['bytes_planned'])}; "
        f"{data['job_retries']:,} copy jobs retried\n"
    )
    extras = [
        (
            f"{data['already_copied']:,} of the completed already in the destination when "
            "planned (not copied again)"
            if data["already_copied"]
            else ""
        ),
        f"{data['added_since_plan']:,} added by --include-new" if data["added_since_plan"] else "",
        f"{data['retried_failed']:,} failed items retried" if data["retried_failed"] else "",
    ]
    if any(extras):
        out.write("Also: " + "; ".join(extra for extra in extras if extra) + "\n")
    if data["failures_by_message"]:
        out.write("Failures by cause (ARNs and IDs left out):\n")
        for message, count in data["failures_by_message"].items():
            out.write(f"  {count:>8,}  {message}\n")


def print_region_lines(per_region: Mapping[str, Mapping[str, Any]], out: TextIO) -> None:
    for region, doc in per_region.items():
        out.write(
            f"{region} -> {doc['dest_region'] or '?'}: {doc['percent_done']:.1f}% of "
            f"{doc['total_items']:,} | Completed: {doc['completed']:,} | "
            f"Failed: {doc['failed']:,} | In Progress: {doc['in_flight']:,} | "
            f"Queued: {doc['pending']:,} | Running: {doc['running'] or 'no'}\n"
        )
