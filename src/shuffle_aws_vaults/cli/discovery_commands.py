"""`list` and `filter`: what is there, and what a migration would take."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, TextIO

from ..application.discovery import Candidate, resolve_vaults, scan
from ..bootstrap import AccountSettings, Wiring, discovery
from ..domain.reasons import Reason
from ..domain.selection import Selection, SelectionTally
from ..infrastructure.output import human_size, iso, make_writer
from .exit_status import ExitStatus, UsageError
from .options import account_id, role_arn, selection_from_args, vault_names

RP_COLUMNS = (
    "recovery_point_arn",
    "vault",
    "resource_type",
    "resource_arn",
    "created",
    "size",
    "status",
)


def source_settings(args: argparse.Namespace) -> AccountSettings:
    source = account_id("--source-account", args.source_account)
    role = role_arn("--source-role-arn", args.source_role_arn)
    if args.role_name:
        if role:
            raise UsageError("give --role-name or --source-role-arn, not both")
        role = f"arn:aws:iam::{source}:role/{args.role_name}"
    return AccountSettings(
        "source", "--source-account", source, args.source_profile, role, args.region
    )


def dest_settings(args: argparse.Namespace) -> AccountSettings | None:
    dest = account_id("--dest-account", getattr(args, "dest_account", None))
    if dest is None:
        return None
    role = role_arn("--dest-role-arn", args.dest_role_arn)
    if args.role_name:
        if role:
            raise UsageError("give --role-name or --dest-role-arn, not both")
        role = f"arn:aws:iam::{dest}:role/{args.role_name}"
    region = args.dest_region or args.region
    return AccountSettings("destination", "--dest-account", dest, args.dest_profile, role, region)


def check_retry(args: argparse.Namespace) -> None:
    if not 1 <= args.max_attempts <= 20:
        raise UsageError(f"--max-attempts must be from 1 to 20, got {args.max_attempts}")


def wire(args: argparse.Namespace, *, with_dest: bool) -> Wiring:
    check_retry(args)
    return discovery(
        source_settings(args),
        retry_mode=args.retry_mode,
        max_attempts=args.max_attempts,
        metadata_csv=args.metadata_csv,
        dest=dest_settings(args) if with_dest else None,
    )


def check_where_columns(selection: Selection, wiring: Wiring) -> None:
    if wiring.metadata is None:
        return
    known = set(wiring.metadata.columns)
    for column in sorted(selection.metadata_columns()):
        if column not in known:
            raise UsageError(
                f"--where/--*-apmids: column {column!r} is not in the metadata CSV "
                f"(columns: {', '.join(wiring.metadata.columns)})"
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


def warn_duplicates(wiring: Wiring) -> None:
    duplicates = getattr(wiring.metadata, "duplicates", None)
    if duplicates is not None and duplicates.count:
        print(f"warning: {duplicates.describe(wiring.metadata.path)}", file=sys.stderr)  # type: ignore[union-attr]


# -- list -----------------------------------------------------------------------------------


def run_list(args: argparse.Namespace) -> int:
    names = vault_names(args)
    selection = selection_from_args(args)
    wiring = wire(args, with_dest=False)
    warn_duplicates(wiring)
    check_where_columns(selection, wiring)
    out = sys.stdout
    if not names and not args.all_vaults:
        if selection != Selection():
            raise UsageError(
                "selection flags apply to recovery points: add --vault or --all-vaults"
            )
        columns: tuple[str, ...] = ("vault", "recovery_points", "locked", "vault_arn")
        writer = make_writer(args.output, out, columns)
        for vault in wiring.source.list_vaults():
            writer.write(
                {
                    "vault": vault.name,
                    "recovery_points": vault.recovery_points,
                    "locked": vault.locked,
                    "vault_arn": vault.arn,
                }
            )
        writer.close()
        return ExitStatus.SUCCESS
    vaults = resolve_vaults(wiring.source, names, all_vaults=args.all_vaults)
    meta_columns = wiring.metadata.columns if wiring.metadata else ()
    columns = (*RP_COLUMNS, *meta_columns, "copyable")
    writer = make_writer(args.output, out, columns)
    for candidate in scan(
        wiring.source,
        vaults,
        selection,
        metadata=wiring.metadata,
        keys=wiring.keys,
        now=datetime.now(UTC),
        cross_account=True,
    ):
        if candidate.reason is not None and not candidate.reason.is_ineligible:
            continue  # not selected by the operator's filters
        item = row(candidate, meta_columns)
        item["copyable"] = "yes" if candidate.reason is None else f"no: {candidate.reason.value}"
        writer.write(item)
    writer.close()
    if args.output != "csv":
        out.write("\n")
    return ExitStatus.SUCCESS


# -- filter ---------------------------------------------------------------------------------


def summary(tally: SelectionTally, included_by: Mapping[str, Counter[str]]) -> dict[str, Any]:
    return {
        "total": tally.total,
        "included": tally.included,
        "included_bytes": tally.included_bytes,
        "excluded": tally.excluded_total,
        "not_selected": tally.not_selected,
        "ineligible": tally.ineligible,
        "excluded_by_reason": {
            reason.value: count for reason, count in sorted(tally.excluded.items())
        },
        **{f"included_by_{key}": dict(sorted(c.items())) for key, c in included_by.items()},
    }


def print_summary(data: dict[str, Any], vault_count: int, stream: TextIO) -> None:
    stream.write(
        f"Selected {data['included']:,} of {data['total']:,} recovery points "
        f"({human_size(data['included_bytes'])}) in {vault_count} vault(s).\n"
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


def run_filter(args: argparse.Namespace) -> int:
    names = vault_names(args)
    if not names and not args.all_vaults:
        raise UsageError("name the vaults: --vault NAME (repeatable) or --all-vaults")
    selection = selection_from_args(args)
    wiring = wire(args, with_dest=True)
    warn_duplicates(wiring)
    check_where_columns(selection, wiring)
    vaults = resolve_vaults(wiring.source, names, all_vaults=args.all_vaults)
    cross_account = wiring.dest is None or wiring.dest.account_id != wiring.source.account_id
    meta_columns = wiring.metadata.columns if wiring.metadata else ()
    columns = (*RP_COLUMNS, *meta_columns)
    tally = SelectionTally()
    included_by: dict[str, Counter[str]] = {"vault": Counter(), "resource_type": Counter()}
    if wiring.metadata is not None and "APMID" in meta_columns:
        included_by["apmid"] = Counter()
    candidates = scan(
        wiring.source,
        vaults,
        selection,
        metadata=wiring.metadata,
        keys=wiring.keys,
        now=datetime.now(UTC),
        cross_account=cross_account,
        tally=tally,
    )

    def included() -> Iterator[dict[str, Any]]:
        for candidate in candidates:
            if candidate.included:
                included_by["vault"][candidate.rp.vault_name] += 1
                included_by["resource_type"][candidate.rp.resource_type] += 1
                if "apmid" in included_by:
                    included_by["apmid"][(candidate.metadata or {}).get("APMID", "")] += 1
                yield row(candidate, meta_columns)

    out = sys.stdout
    if args.output == "csv":  # data on stdout, the summary on stderr
        writer = make_writer("csv", out, columns)
        for item in included():
            writer.write(item)
        writer.close()
        print_summary(summary(tally, included_by), len(vaults), sys.stderr)
        return ExitStatus.SUCCESS
    # The summary comes first, so the items wait in a private temporary file, not in memory.
    with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
        for item in included():
            spool.write(json.dumps(item, default=str) + "\n")
        spool.seek(0)
        data = summary(tally, included_by)
        if args.output == "json":
            out.write('{"summary": ' + json.dumps(data) + ',\n"items": ')
            writer = make_writer("json", out, columns)
        else:
            print_summary(data, len(vaults), out)
            writer = make_writer("table", out, columns)
        for line in spool:
            writer.write(json.loads(line))
        writer.close()
        out.write("}\n" if args.output == "json" else "")
    return ExitStatus.SUCCESS
