"""`verify`: does the destination hold every planned copy, complete and matching its source?"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .. import bootstrap
from ..application.selection_stage import require_vaults
from ..application.verify import (
    ItemCheck,
    VerifyTally,
    verify_from_journal,
    verify_without_journal,
)
from ..domain.verification import Verdict
from .accounts import select_for_destination, selection_request
from .environment import Environment
from .exit_status import ExitStatus, UsageError
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
    wiring, dest, scanned = select_for_destination(args, request, env.now())
    source = wiring.source
    vaults = scanned.vaults
    included = [candidate.rp for candidate in scanned.candidates if candidate.included]
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
    else:
        for _ in rows():
            pass
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
