"""`list` and `filter`: what is there, and what a migration would take."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any, TextIO

from ..application.adoption import ExistingCopies
from ..application.discovery import Candidate
from ..application.selection_stage import check_metadata, require_vaults, select
from ..domain.reasons import Reason
from ..domain.selection import Selection, SelectionTally
from ..domain.units import human_size
from .accounts import selection_request, sources, warn, wire
from .environment import Environment
from .exit_status import ExitStatus, UsageError
from .output import CollectingWriter, RowWriter, iso, make_writer, print_document

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


def no_vaults(account: str, region: str) -> str:
    return f"no vaults in account {account}, Region {region}"


# -- list -----------------------------------------------------------------------------------


def run_list(args: argparse.Namespace, env: Environment) -> int:
    request = selection_request(args)
    wiring = wire(args, with_dest=False)
    check_metadata(request.selection, sources(wiring), warn)
    out = sys.stdout
    if not request.vault_names and not request.all_vaults:
        if request.selection != Selection():
            raise UsageError(
                "selection flags apply to recovery points: add --vault or --all-vaults"
            )
        columns: tuple[str, ...] = ("vault", "recovery_points", "locked", "vault_arn")
        writer = CollectingWriter() if args.query else make_writer(args.output, out, columns)
        listed = wiring.source.list_vaults()
        if not listed:
            warn(no_vaults(wiring.source.account_id, wiring.source.region))
        for vault in listed:
            writer.write(
                {
                    "vault": vault.name,
                    "recovery_points": vault.recovery_points,
                    "locked": vault.locked,
                    "vault_arn": vault.arn,
                }
            )
        writer.close()
        return finish_rows(args, writer, out)
    scanned = select(request, sources(wiring), cross_account=True, now=env.now())
    if not scanned.vaults:
        warn(no_vaults(wiring.source.account_id, wiring.source.region))
    meta_columns = sources(wiring).metadata_columns
    columns = (*RP_COLUMNS, *meta_columns, "copyable")
    writer = CollectingWriter() if args.query else make_writer(args.output, out, columns)
    for candidate in scanned.candidates:
        if candidate.reason is not None and not candidate.reason.is_ineligible:
            continue  # not selected by the operator's filters
        item = row(candidate, meta_columns)
        item["copyable"] = "yes" if candidate.reason is None else f"no: {candidate.reason.value}"
        writer.write(item)
    writer.close()
    return finish_rows(args, writer, out)


def finish_rows(args: argparse.Namespace, writer: RowWriter, out: TextIO) -> int:
    """After the rows: --query's answer, or the line that ends a JSON array or a table."""
    if isinstance(writer, CollectingWriter):
        print_document(writer.rows, args.output, args.query, out)
    elif args.output in ("json", "table"):
        out.write("\n")
    return ExitStatus.SUCCESS


# -- filter ---------------------------------------------------------------------------------


def summary(
    tally: SelectionTally, included_by: Mapping[str, Counter[str]], already_copied: int | None
) -> dict[str, Any]:
    return {
        "total": tally.total,
        "included": tally.included,
        "included_bytes": tally.included_bytes,
        "already_copied": already_copied,
        "excluded": tally.excluded_total,
        "not_selected": tally.not_selected,
        "ineligible": tally.ineligible,
        "excluded_by_reason": {
            reason.value: count for reason, count in sorted(tally.excluded.items())
        },
        **{f"included_by_{key}": dict(sorted(c.items())) for key, c in included_by.items()},
    }


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
            parts = ", ".join(f"{name or '(none)'} {count:,}" for name, count in counts.items())
            stream.write(f"Included by {key.replace('_', ' ')}: {parts}\n")
    stream.write("\n")


def run_filter(args: argparse.Namespace, env: Environment) -> int:
    request = selection_request(args)
    require_vaults(request)
    wiring = wire(args, with_dest=True)
    check_metadata(request.selection, sources(wiring), warn)
    cross_account = wiring.dest is None or wiring.dest.account_id != wiring.source.account_id
    meta_columns = sources(wiring).metadata_columns
    columns = (*RP_COLUMNS, *meta_columns)
    tally = SelectionTally()
    included_by: dict[str, Counter[str]] = {"vault": Counter(), "resource_type": Counter()}
    if wiring.metadata is not None and "APMID" in meta_columns:
        included_by["apmid"] = Counter()
    scanned = select(
        request, sources(wiring), cross_account=cross_account, now=env.now(), tally=tally
    )
    vaults, candidates = scanned.vaults, scanned.candidates
    if not vaults:
        warn(no_vaults(wiring.source.account_id, wiring.source.region))
    copies = None
    if wiring.dest is not None:
        copies = ExistingCopies(wiring.source, wiring.dest, [vault.name for vault in vaults])
    already = 0

    def included() -> Iterator[dict[str, Any]]:
        nonlocal already
        for candidate in candidates:
            if candidate.included:
                if copies is not None and copies.take_point(candidate.rp, candidate.rp.vault_name):
                    already += 1
                included_by["vault"][candidate.rp.vault_name] += 1
                included_by["resource_type"][candidate.rp.resource_type] += 1
                if "apmid" in included_by:
                    included_by["apmid"][(candidate.metadata or {}).get("APMID", "")] += 1
                yield row(candidate, meta_columns)

    out = sys.stdout
    if args.query:  # the whole document, then the expression
        items = list(included())
        data = summary(tally, included_by, already if copies else None)
        print_document({"summary": data, "items": items}, args.output, args.query, out)
        return ExitStatus.SUCCESS
    if args.output in ("csv", "text"):  # data on stdout, the summary on stderr
        writer = make_writer(args.output, out, columns)
        for item in included():
            writer.write(item)
        writer.close()
        print_summary(summary(tally, included_by, already if copies else None), sys.stderr)
        return ExitStatus.SUCCESS
    # The summary comes first, so the items wait in a private temporary file, not in memory.
    with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
        for item in included():
            spool.write(json.dumps(item, default=str) + "\n")
        spool.seek(0)
        data = summary(tally, included_by, already if copies else None)
        if args.output == "json":
            out.write('{"summary": ' + json.dumps(data) + ',\n"items": ')
            writer = make_writer("json", out, columns)
        else:
            print_summary(data, out)
            writer = make_writer("table", out, columns)
        for line in spool:
            writer.write(json.loads(line))
        writer.close()
        out.write("}\n" if args.output == "json" else "")
    return ExitStatus.SUCCESS
