"""What `status` shows of one journal, for one Region or each of several: the status document
and its table."""

from __future__ import annotations

from collections import Counter
from typing import Any, TextIO

from ..domain.failures import failure_signature
from ..domain.migration import MigrationState
from ..domain.summary import MigrationCounts, bytes_copied, failed_items
from ..domain.units import human_size

FAILURE_EXAMPLES = 10


def report(state: MigrationState, identity: dict[str, Any], holder: str | None) -> dict[str, Any]:
    counts = MigrationCounts.of(state)
    failures = failed_items(state)
    # One cause, whichever item it hit: code and message with ARNs and IDs left out.
    by_message = Counter(failure_signature(f.code, f.message) for _, f in failures)
    return {
        "source_account": identity.get("source_account"),
        "dest_account": identity.get("dest_account"),
        "vaults": identity.get("vaults"),
        "planned_at": identity.get("created"),
        "running": holder,
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


def print_table(data: dict[str, Any], out: TextIO) -> None:
    """The table after its `State:` line: the migration, its progress and its failures."""
    out.write(
        f"Migration: account {data['source_account']} -> {data['dest_account']}, "
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
