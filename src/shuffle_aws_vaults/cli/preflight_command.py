"""`preflight`: the checklist of every refusal AWS would make, before any copy is submitted."""

from __future__ import annotations

import argparse
import sys

from ..application.preflight import PlanFacts, failed, run_preflight
from ..application.selection_stage import require_vaults
from ..domain.iam_policies import copy_role_arn
from .accounts import select_for_destination, selection_request
from .checklist import print_checklist
from .environment import Environment
from .exit_status import ExitStatus, UsageError
from .options import region_request
from .output import print_document


def run_preflight_command(args: argparse.Namespace, env: Environment) -> int:
    if args.dest_account is None:
        raise UsageError("preflight needs --dest-account")
    regions = region_request(args)
    if regions is not None:
        from .regional_preflight import run_preflight_regions

        return run_preflight_regions(args, env, regions)
    request = selection_request(args)
    require_vaults(request)
    wiring, dest, scanned = select_for_destination(args, request, env.now(), cross_region=True)
    source = wiring.source
    facts = PlanFacts({vault.name: args.dest_vault or vault.name for vault in scanned.vaults})
    for _ in facts.watch(scanned.candidates):
        pass
    results = run_preflight(
        source_account=source.account_id,
        source=wiring.source_checks,
        dest=dest,
        facts=facts,
        role_arn=copy_role_arn(source.account_id, args.copy_role_arn),
        create=args.create_dest_vault,
        delete_after_days=args.delete_after_days,
        opt_ins=(source, dest),
    )
    if args.output != "table" or args.query:
        checks = [
            {"check": r.name, "outcome": r.outcome.value, "detail": r.detail, "fix": r.fix}
            for r in results
        ]
        print_document(checks, args.output, args.query, sys.stdout)
    else:
        print_checklist(results, sys.stdout)
    return ExitStatus.ERROR if failed(results) else ExitStatus.SUCCESS
