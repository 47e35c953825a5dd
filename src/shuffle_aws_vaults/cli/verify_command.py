"""`verify`: does the destination hold every planned copy, complete and matching its source?"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..application.discovery import resolve_vaults, scan
from ..application.verify import (
    ItemCheck,
    VerifyTally,
    verify_from_journal,
    verify_without_journal,
)
from ..domain.verification import Verdict
from .copy_command import default_state_path
from .discovery_commands import check_where_columns, warn_duplicates, wire
from .exit_status import ExitStatus, UsageError
from .options import selection_from_args, vault_names

REPORT_COLUMNS = (
    "verdict",
    "source_recovery_point_arn",
    "destination_vault",
    "destination_recovery_point_arn",
    "detail",
)


def _row(item: ItemCheck) -> dict[str, Any]:
    return {
        "verdict": item.check.verdict.value,
        "source_recovery_point_arn": item.source_arn,
        "destination_vault": item.dest_vault,
        "destination_recovery_point_arn": item.dest_arn or "",
        "detail": item.check.detail,
    }


def run_verify(args: argparse.Namespace) -> int:
    from ..infrastructure.journal_store import StateStore
    from ..infrastructure.reports import private_file

    if args.dest_account is None:
        raise UsageError("verify needs --dest-account")
    names = vault_names(args)
    if not names and not args.all_vaults:
        raise UsageError("name the vaults: --vault NAME (repeatable) or --all-vaults")
    selection = selection_from_args(args)
    path = Path(args.state_file) if args.state_file else default_state_path(args, names, selection)
    store = StateStore(path)
    wiring = wire(args, with_dest=True)
    assert wiring.dest is not None
    source, dest = wiring.source, wiring.dest
    warn_duplicates(wiring)
    check_where_columns(selection, wiring)
    vaults = resolve_vaults(source, names, all_vaults=args.all_vaults)
    included = [
        candidate.rp
        for candidate in scan(
            source,
            vaults,
            selection,
            metadata=wiring.metadata,
            keys=wiring.keys,
            now=datetime.now(UTC),
            cross_account=source.account_id != dest.account_id,
        )
        if candidate.included
    ]
    checks: Iterator[ItemCheck]
    if store.exists():
        _, state = store.read()
        planned = {item.source_arn for item in state.items}
        listed = {rp.arn: rp for rp in included if rp.arn in planned}
        if len(listed) < len(planned):  # planned items the selection no longer includes
            for vault in {item.source_vault for item in state.items} - {v.name for v in vaults}:
                listed.update({rp.arn: rp for rp in source.iter_recovery_points(vault)})
        mode = f"journal {path}"
        checks = verify_from_journal(state, listed, dest)
    else:
        dest_of = {vault.name: args.dest_vault or vault.name for vault in vaults}
        arns = {vault.name: vault.arn for vault in vaults}
        mode = "copy-job records and matching (no journal)"
        checks = verify_without_journal(included, dest_of, arns, source, dest)
    tally = VerifyTally()
    problems: list[dict[str, Any]] = []
    with contextlib.ExitStack() as stack:
        writer = None
        if args.report_csv:
            handle = stack.enter_context(private_file(Path(args.report_csv)))
            writer = csv.DictWriter(handle, fieldnames=REPORT_COLUMNS)
            writer.writeheader()
        for item in checks:
            tally.add(item)
            if writer:
                writer.writerow(_row(item))
            if item.check.verdict is not Verdict.VERIFIED:
                problems.append(_row(item))
    summary = {
        "mode": mode,
        "total": sum(tally.verdicts.values()),
        **{verdict.value: tally.verdicts.get(verdict, 0) for verdict in Verdict},
        "mismatched_fields": dict(tally.mismatched_fields),
    }
    if args.output == "json":
        print(json.dumps({"summary": summary, "problems": problems}, indent=2))
    else:
        print(f"Verified against the destination account {dest.account_id} using {mode}:")
        for verdict in Verdict:
            print(f"  {verdict.value:<14} {tally.verdicts.get(verdict, 0):>10,}")
        if tally.mismatched_fields:
            fields = ", ".join(f"{k} {v}" for k, v in tally.mismatched_fields.items())
            print(f"  mismatched fields: {fields}")
        for row in problems[:50]:
            print(
                f"{row['verdict']:<14} {row['source_recovery_point_arn'] or '-'} -> "
                f"{row['destination_recovery_point_arn'] or '-'}: {row['detail']}"
            )
        if len(problems) > 50:
            print(f"... and {len(problems) - 50:,} more (see --report-csv or --output json)")
    return ExitStatus.SUCCESS if tally.all_verified else ExitStatus.ERROR
