"""`preflight --regions R1,R2 | --all-regions`: the account-wide checks once, then each source
Region's checklist against its destination Region; exit 1 when anything FAILs in any Region."""

from __future__ import annotations

import argparse
import sys

from ..application.preflight import PlanFacts, account_checks, region_checks
from ..application.regional_preflight import RegionalChecklist, RegionChecklist, check_region
from ..application.regions import RegionRequest, RegionScope
from ..application.selection_stage import require_vaults, select
from ..bootstrap import Regional
from ..domain.errors import AwsError
from ..domain.iam_policies import copy_role_arn
from ..domain.preflight import CheckResult
from ..domain.regions import RegionsUnknown
from .accounts import regional_scopes, selection_request, sources
from .checklist import print_regional_checklist
from .environment import Environment
from .exit_status import ExitStatus
from .output import print_document


def run_preflight_regions(
    args: argparse.Namespace, env: Environment, regions: RegionRequest
) -> int:
    request = selection_request(args)
    require_vaults(request)
    regional, scopes, first = regional_scopes(args, regions, request, dest=True, keep_refused=True)
    source_account = first.source.account_id
    dest = regional.wiring(scopes[0].region, scopes[0].dest_region).dest
    assert dest is not None
    account = account_checks(
        source_account,
        dest.account_id,
        first.source_checks,
        copy_role_arn(source_account, args.copy_role_arn),
    )
    enabled = _enabled_regions(regional) if not regions.all_regions else None
    checked = RegionalChecklist(
        tuple(account),
        tuple(
            _check_scope(
                args,
                env,
                regional,
                scope,
                # Where AWS answers a disabled Region at all, it holds nothing.
                disabled=enabled is not None
                and scope.region not in enabled
                and scope.refused is None
                and not scope.vaults,
            )
            for scope in scopes
        ),
    )
    if args.output != "table" or args.query:
        print_document(checked.document(), args.output, args.query, sys.stdout)
    else:
        print_regional_checklist(checked, sys.stdout)
    return ExitStatus.ERROR if checked.failed else ExitStatus.SUCCESS


def _enabled_regions(regional: Regional) -> set[str] | None:
    """The Regions enabled for the source account; None when no source tells (then a disabled
    Region shows itself by refusing the calls)."""
    try:
        return set(regional.catalog.enabled_regions())
    except (RegionsUnknown, AwsError):
        return None


def _check_scope(
    args: argparse.Namespace,
    env: Environment,
    regional: Regional,
    scope: RegionScope,
    *,
    disabled: bool,
) -> RegionChecklist:
    wiring = regional.wiring(scope.region, scope.dest_region)

    def gather() -> list[CheckResult]:
        dest = wiring.dest
        assert dest is not None
        source = wiring.source
        scanned = select(
            scope.request,
            sources(wiring),
            cross_account=source.account_id != dest.account_id,
            now=env.now(),
            cross_region=scope.dest_region != scope.region,
        )
        facts = PlanFacts({vault.name: args.dest_vault or vault.name for vault in scanned.vaults})
        for _ in facts.watch(scanned.candidates):
            pass
        return region_checks(
            source_account=source.account_id,
            source=wiring.source_checks,
            dest=dest,
            facts=facts,
            create=args.create_dest_vault,
            delete_after_days=args.delete_after_days,
            opt_ins=(source, dest),
        )

    account = wiring.source.account_id if disabled else None
    return check_region(
        scope.region, scope.dest_region, gather, scope.refused, disabled_for=account
    )
