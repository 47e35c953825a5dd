"""`verify`: does the destination hold every planned copy, complete and matching its source?"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .. import bootstrap
from ..application.selection_stage import NothingSelected, require_vaults
from ..application.verify import (
    ItemCheck,
    VerifyTally,
    verify_from_journal,
    verify_without_journal,
)
from ..domain.selection import SelectionTally
from ..domain.verification import Verdict
from .accounts import select_for_destination, selection_request
from .environment import Environment
from .exit_status import ExitStatus, UsageError
from .output import make_writer, print_document
from .state_paths import default_state_path

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


def run_verify(args: argparse.Namespace, env: Environment) -> int:
    if args.dest_account is None:
        raise UsageError("verify needs --dest-account")
    request = selection_request(args)
    require_vaults(request)
    names = list(request.vault_names)
    path = (
        Path(args.state_file)
        if args.state_file
        else default_state_path(args, names, request.selection)
    )
    store = bootstrap.state_store(path)
    selected = SelectionTally()
    wiring, dest, scanned = select_for_destination(args, request, env.now(), selected)
    source = wiring.source
    vaults = scanned.vaults
    included = [candidate.rp for candidate in scanned.candidates if candidate.included]
    if not included and not store.exists():
        raise NothingSelected("verify", source.account_id, source.region, vaults, selected)
    if args.state_file and not store.exists():
        print(
            f"warning: no migration state at {path}: verifying by copy-job records and matching",
            file=sys.stderr,
        )
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

    def rows() -> Iterator[dict[str, Any]]:
        for item in checks:
            tally.add(item)
            row = _row(item)
            if item.check.verdict is not Verdict.VERIFIED:
                problems.append(row)
            yield row

    if args.report_csv:
        bootstrap.reports().write_csv(Path(args.report_csv), REPORT_COLUMNS, rows())
    elif args.output in ("csv", "text") and not args.query:
        # Every item's verdict on stdout, the summary on stderr.
        writer = make_writer(args.output, sys.stdout, REPORT_COLUMNS)
        for item_row in rows():
            writer.write(item_row)
        writer.close()
    else:
        for _ in rows():
            pass
    summary = {
        "mode": mode,
        "total": sum(tally.verdicts.values()),
        **{verdict.value: tally.verdicts.get(verdict, 0) for verdict in Verdict},
        "mismatched_fields": dict(tally.mismatched_fields),
    }
    if args.output == "json" or args.query:
        document = {"summary": summary, "problems": problems}
        shown = "text" if args.output == "text" else "json"
        print_document(document, shown, args.query, sys.stdout)
    else:
        out = sys.stderr if args.output in ("csv", "text") else sys.stdout
        out.write(f"Verified against the destination account {dest.account_id} using {mode}:\n")
        for verdict in Verdict:
            out.write(f"  {verdict.value:<14} {tally.verdicts.get(verdict, 0):>10,}\n")
        if tally.mismatched_fields:
            fields = ", ".join(f"{k} {v}" for k, v in tally.mismatched_fields.items())
            out.write(f"  mismatched fields: {fields}\n")
        if args.output in ("csv", "text"):
            return ExitStatus.SUCCESS if tally.all_verified else ExitStatus.ERROR
        for row in problems[:50]:
            out.write(
                f"{row['verdict']:<14} {row['source_recovery_point_arn'] or '-'} -> "
                f"{row['destination_recovery_point_arn'] or '-'}: {row['detail']}\n"
            )
        if len(problems) > 50:
            out.write(f"... and {len(problems) - 50:,} more (see --report-csv or --output json)\n")
    return ExitStatus.SUCCESS if tally.all_verified else ExitStatus.ERROR
