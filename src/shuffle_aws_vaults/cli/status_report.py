"""What `status` prints: the status document as --output says, or its table (a line per
Region first, with a section per route)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TextIO

from ..domain.progress import format_duration
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


def _run_line(run: Mapping[str, Any] | None, count: int) -> str:
    if not run:
        return "Last run: none recorded (a state from before runs were recorded, or none ran)"
    ended = run["end_time"] or "-"
    copied = f", {run['completed']:,} copied" if run.get("completed") is not None else ""
    where = f"{run['route']}: " if run.get("route") else ""
    total = f"; {count:,} runs in all" if count > 1 else ""
    return f"Last run: {where}{run['start_time']} to {ended}: {run['outcome']}{copied}{total}"


def _pace_line(data: Mapping[str, Any]) -> str:
    rate, eta = data["rate"], data["eta"]
    if rate["items_per_hour"] is None:
        shown = "none (no copy ran in the last hour)"
    else:
        shown = (
            f"{rate['items_per_hour']:,.1f} copies/h, {human_size(rate['bytes_per_hour'])}/h "
            f"({rate['completed']:,} in the last {format_duration(rate['window_seconds'])})"
        )
    when = f"{eta['formatted']} (at {eta['at']})" if eta else "none"
    return f"Rate over the last hour: {shown} | ETA: {when}"


def _part_line(name: str, counts: Mapping[str, Any]) -> str:
    planned = counts["planned"]
    done = counts["completed"] + counts["already_copied"] + counts["failed"]
    percent = 100.0 * done / planned if planned else 100.0
    return (
        f"  {name}: {percent:.1f}% of {planned:,} | "
        f"Completed: {counts['completed'] + counts['already_copied']:,} | "
        f"Failed: {counts['failed']:,} | In Progress: {counts['in_flight']:,} | "
        f"Queued: {counts['pending']:,} | "
        f"{human_size(counts['bytes_copied'])} of {human_size(counts['bytes_planned'])}\n"
    )


def print_table(data: dict[str, Any], out: TextIO) -> None:
    """The table after its `State:` line (and the routes'): the migration, its progress, its
    vaults and types, its failures, each under a `== header ==`."""
    source, dest = named(data["source_account"]), named(data["dest_account"])
    migration = data["migration"]
    out.write("== Migration ==\n")
    out.write(
        f"Migration: account{'s' if ',' in source else ''} {source} -> {dest}, "
        f"vaults {vault_list(data['vaults'])}, planned {data['planned_at']}\n"
    )
    out.write(f"Running: {data['running'] or 'no'}\n")
    out.write(f"Regions: {named(data['source_region'])} -> {named(data['dest_region'])}\n")
    pairs = [
        f"{pair.get('route') + '/' if pair.get('route') else ''}{pair['source']} -> "
        f"{pair['destination']}"
        for pair in migration["vaults"]
    ]
    out.write(f"Vaults: {'; '.join(pairs) or '-'}\n")
    out.write(_run_line(data["last_run"], migration["runs"]) + "\n")
    out.write(f"Tool: shuffle-aws-vaults {migration['tool_version']}")
    out.write(
        f"; last command: {named(migration['command_line'])}\n"
        if migration["command_line"]
        else "\n"
    )
    out.write("== Progress ==\n")
    out.write(
        f"Progress: {data['percent_done']:.1f}% of {data['total_items']:,} | "
        f"Completed: {data['completed']:,} | Failed: {data['failed']:,} | "
        f"In Progress: {data['in_flight']:,} | Queued: {data['pending']:,}\n"
    )
    out.write(
        f"Copied {human_size(data['bytes_copied'])} of {human_size(data['bytes_planned'])} "
        f"({human_size(data['bytes']['remaining'])} to go); "
        f"{data['job_retries']:,} copy jobs retried\n"
    )
    out.write(_pace_line(data) + "\n")
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
    out.write("== Vaults (source -> destination) ==\n")
    for vault, counts in data["by_vault"].items():
        into = ", ".join(counts.get("destination_vaults", []))
        out.write(_part_line(f"{vault} -> {into}", counts))
    out.write("== Resource types ==\n")
    for kind, counts in data["by_type"].items():
        out.write(_part_line(kind, counts))
    if data["failures_by_message"]:
        out.write("== Failures by cause (ARNs and IDs left out) ==\n")
        for message, count in data["failures_by_message"].items():
            out.write(f"  {count:>8,}  {message}\n")


def print_region_lines(per_region: Mapping[str, Mapping[str, Any]], out: TextIO) -> None:
    out.write("== Routes ==\n")
    for region, doc in per_region.items():
        out.write(
            f"{region} -> {doc['dest_region'] or '?'}: {doc['percent_done']:.1f}% of "
            f"{doc['total_items']:,} | Completed: {doc['completed']:,} | "
            f"Failed: {doc['failed']:,} | In Progress: {doc['in_flight']:,} | "
            f"Queued: {doc['pending']:,} | Running: {doc['running'] or 'no'}\n"
        )
