"""`preflight`: the checklist of every refusal AWS would make, before any copy is submitted."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

from ..application.discovery import resolve_vaults, scan
from ..application.preflight import PlanFacts, failed, run_preflight
from ..domain.iam_policies import copy_role_arn
from ..domain.preflight import CheckResult
from .discovery_commands import check_where_columns, warn_duplicates, wire
from .exit_status import ExitStatus, UsageError
from .options import selection_from_args, vault_names


def print_checklist(results: list[CheckResult], out: TextIO) -> None:
    out.write("Preflight:\n")
    for result in results:
        out.write(f"  {result.outcome.value:<4}  {result.name}: {result.detail}\n")
        if result.fix and result.outcome.value != "PASS":
            out.write(f"        fix: {result.fix}\n")


def preflight(
    args: argparse.Namespace, source: Any, dest: Any, facts: PlanFacts
) -> list[CheckResult]:
    from ..infrastructure.source_checks import Boto3SourceChecks

    return run_preflight(
        source_account=source.account_id,
        source=Boto3SourceChecks(source.access, source.account_id),
        dest=dest,
        facts=facts,
        role_arn=copy_role_arn(source.account_id, args.copy_role_arn),
        create=args.create_dest_vault,
        delete_after_days=args.delete_after_days,
    )


def run_preflight_command(args: argparse.Namespace) -> int:
    if args.dest_account is None:
        raise UsageError("preflight needs --dest-account")
    names = vault_names(args)
    if not names and not args.all_vaults:
        raise UsageError("name the vaults: --vault NAME (repeatable) or --all-vaults")
    selection = selection_from_args(args)
    wiring = wire(args, with_dest=True)
    assert wiring.dest is not None
    warn_duplicates(wiring)
    check_where_columns(selection, wiring)
    source, dest = wiring.source, wiring.dest
    vaults = resolve_vaults(source, names, all_vaults=args.all_vaults)
    facts = PlanFacts({vault.name: args.dest_vault or vault.name for vault in vaults})
    for _ in facts.watch(
        scan(
            source,
            vaults,
            selection,
            metadata=wiring.metadata,
            keys=wiring.keys,
            now=datetime.now(UTC),
            cross_account=source.account_id != dest.account_id,
        )
    ):
        pass
    results = preflight(args, source, dest, facts)
    if args.output == "json":
        print(
            json.dumps(
                [
                    {"check": r.name, "outcome": r.outcome.value, "detail": r.detail, "fix": r.fix}
                    for r in results
                ],
                indent=2,
            )
        )
    else:
        print_checklist(results, sys.stdout)
    return ExitStatus.ERROR if failed(results) else ExitStatus.SUCCESS
