"""What `list` and `filter` print: the vault and recovery point rows (a `region` column first
when the run has a section per route), the end of a row listing, and filter's summary (with a
line per route first)."""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Callable, Iterable
from typing import Any, TextIO

from ..application.discovery import Candidate
from ..application.routes import Route
from ..domain.reasons import Reason
from ..domain.recovery_point import Vault
from ..domain.units import human_size
from .exit_status import ExitStatus
from .output import CollectingWriter, RowWriter, iso, make_writer, print_document
from .request_types import Output

RP_COLUMNS = (
    "recovery_point_arn",
    "vault",
    "resource_type",
    "resource_arn",
    "created",
    "size",
    "status",
)


def row(candidate: Candidate, metadata_columns: tuple[str, ...]) -> dict[str, Any]:
    rp = candidate.rp
    out: dict[str, Any] = {
        "recovery_point_arn": rp.arn,
        "vault": rp.vault_name,
        "resource_type": rp.resource_type,
        "resource_arn": rp.resource_arn,
        "created": iso(rp.creation_date),
        "size": rp.size_bytes,
        "status": rp.status,
    }
    meta = candidate.metadata or {}
    for column in metadata_columns:
        out[column] = meta.get(column, "")
    return out


def writer_for(output: Output, out: TextIO, columns: tuple[str, ...]) -> RowWriter:
    """Rows as --output says, or kept for --query (which needs them all)."""
    return CollectingWriter() if output.query else make_writer(output.format, out, columns)


def finish_rows(output: Output, writer: RowWriter, out: TextIO) -> int:
    """After the rows: --query's answer, or the line that ends a JSON array or a table."""
    if isinstance(writer, CollectingWriter):
        print_document(writer.rows, output.format, output.query, out)
    elif output.format in ("json", "table"):
        out.write("\n")
    return ExitStatus.SUCCESS


def region_of(route: Route, sectioned: bool) -> dict[str, str]:
    """A row's first columns with a section per route: its source account (with several) and
    its Region."""
    if not sectioned:
        return {}
    return (
        {"account": route.account, "region": route.region}
        if route.account
        else {"region": route.region}
    )


def first_columns(sectioned: bool, by_account: bool) -> tuple[str, ...]:
    """The columns region_of fills: none, the Region, or the account and the Region."""
    return ("account", "region") if by_account else ("region",) if sectioned else ()


def print_region_lines(per_route: dict[str, dict[str, Any]], stream: TextIO) -> None:
    for region, data in per_route.items():
        vaults = len(data.get("included_by_vault") or {})
        already = f", {data['already_copied']:,} already copied" if data["already_copied"] else ""
        stream.write(
            f"{region}: selected {data['included']:,} of {data['total']:,} recovery points "
            f"({human_size(data['included_bytes'])}) in {vaults} vault(s){already}\n"
        )


def print_summary(data: dict[str, Any], stream: TextIO) -> None:
    vault_count = len(data.get("included_by_vault") or {})  # the vaults holding selected items
    stream.write(
        f"Selected {data['included']:,} of {data['total']:,} recovery points "
        f"({human_size(data['included_bytes'])}) in {vault_count} vault(s).\n"
    )
    if data["already_copied"]:
        stream.write(
            f"Of them, {data['already_copied']:,} are already in the destination: copy records "
            "them as already copied and does not copy them again.\n"
        )
    if data.get("nested_listed"):
        stream.write(
            nested_line(data["nested_listed"], data["nested_included"], data["composites_included"])
            + "\n"
        )
    if data["excluded"]:
        stream.write(f"Excluded {data['excluded']:,}:\n")
        for ineligible, title in ((False, "not selected"), (True, "cannot be copied")):
            reasons = [
                (Reason(value), count)
                for value, count in data["excluded_by_reason"].items()
                if Reason(value).is_ineligible == ineligible
            ]
            if not reasons:
                continue
            stream.write(f"  {title}: {sum(c for _, c in reasons):,}\n")
            for reason, count in reasons:
                stream.write(f"    {count:>10,}  {reason.description}\n")
    for key in ("vault", "resource_type", "apmid"):
        counts = data.get(f"included_by_{key}") or {}
        if counts:
            stream.write(f"Included by {key.replace('_', ' ')}: {counted_list(counts)}\n")
    stream.write("\n")


# A line for people: 60 APMIDs on one line is read by nobody (the JSON keeps them all).
LISTED_AT_MOST = 10


def counted_list(counts: dict[str, int], at_most: int = LISTED_AT_MOST) -> str:
    """ "a 5, b 3" in the counts' order; with more than `at_most`, the largest `at_most`
    (ties by name) and "and K more"."""
    shown = list(counts.items())
    more = len(shown) - at_most
    if more > 0:
        shown = sorted(shown, key=lambda pair: (-pair[1], pair[0]))[:at_most]
    parts = ", ".join(f"{name or '(none)'} {count:,}" for name, count in shown)
    return f"{parts}, and {more:,} more" if more > 0 else parts


def nested_line(listed: int, included: int, composites: int) -> str:
    """The line on nested recovery points (filter and copy --dry-run)."""
    return (
        f"Nested recovery points: {listed:,} listed, not counted above: AWS copies each with "
        f"its composite recovery point ({included:,} go with the {composites:,} composite(s) "
        "selected)."
    )


def vault_row(vault: Vault) -> dict[str, Any]:
    return {
        "vault": vault.name,
        "recovery_points": vault.recovery_points,
        "locked": vault.locked,
        "vault_type": vault.kind,
        "retention_days": retention_days(vault),
        "vault_arn": vault.arn,
    }


def retention_days(vault: Vault) -> str:
    """A locked vault's bounds as 'MIN-MAX' ('7-unlimited'); empty when it has none."""
    low, high = vault.min_retention_days, vault.max_retention_days
    if not vault.locked or (low is None and high is None):
        return ""
    return f"{low or 1}-{high or 'unlimited'}"


def listed_row(candidate: Candidate, metadata_columns: tuple[str, ...]) -> dict[str, Any] | None:
    """`list`'s row of a recovery point, with whether it can be copied; None when the
    operator's own filters leave it out."""
    if candidate.reason is not None and not candidate.reason.is_ineligible:
        return None
    item = row(candidate, metadata_columns)
    item["copyable"] = "yes" if candidate.reason is None else f"no: {candidate.reason.value}"
    if candidate.rp.is_nested:  # copied by its composite's copy job, never alone
        item["copyable"] = "with its composite"
    return item


def print_filter(
    output: Output,
    items: Iterable[dict[str, Any]],
    columns: tuple[str, ...],
    document: Callable[[], dict[str, Any]],
    before_summary: Callable[[TextIO], None] | None = None,
) -> int:
    """filter's output: `document()` (the summary, known once `items` are consumed) and the
    items, as --output and --query say."""
    out = sys.stdout

    def head(stream: TextIO, data: dict[str, Any]) -> None:
        if before_summary is not None:
            before_summary(stream)
        print_summary(data, stream)

    if output.query:  # the whole document, then the expression
        listed = list(items)
        document_ = {"summary": document(), "items": listed}
        print_document(document_, output.format, output.query, out)
        return ExitStatus.SUCCESS
    if output.format in ("csv", "text"):  # data on stdout, the summary on stderr
        writer = make_writer(output.format, out, columns)
        for item in items:
            writer.write(item)
        writer.close()
        head(sys.stderr, document())
        return ExitStatus.SUCCESS
    # The summary comes first, so the items wait in a private temporary file, not in memory.
    with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
        for item in items:
            spool.write(json.dumps(item, default=str) + "\n")
        spool.seek(0)
        data = document()
        if output.format == "json":
            out.write('{"summary": ' + json.dumps(data) + ',\n"items": ')
            writer = make_writer("json", out, columns)
        else:
            head(out, data)
            writer = make_writer("table", out, columns)
        for line in spool:
            writer.write(json.loads(line))
        writer.close()
        out.write("}\n" if output.format == "json" else "")
    return ExitStatus.SUCCESS
