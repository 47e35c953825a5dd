"""`iam-policy`: least-privilege JSON for the operator in each account and the vault policy."""

from __future__ import annotations

import json
import sys

from ..domain.iam_policies import (
    copy_role_arn,
    dest_identity_policy,
    dest_vault_access_policy,
    source_identity_policy,
)
from ..domain.regions import RegionError, plan_regions
from .environment import Environment
from .exit_status import ExitStatus, UsageError
from .output import print_document
from .request_types import IamPolicy


def run_iam_policy(request: IamPolicy, env: Environment) -> int:
    """No AWS calls, and nothing to wire: the documents come from the flags alone."""
    source, dest, routes = request.source_account, request.dest_account, request.routes
    source_regions: str | list[str]
    dest_regions: str | list[str]
    if request.region is not None:
        source_regions, dest_regions = request.region, routes.dest_region or request.region
    elif routes.all_regions:
        # No AWS calls here: every Region is "*" in the ARNs, as the copy may go anywhere.
        source_regions, dest_regions = ["*"], ["*"]
    else:
        try:
            plan = plan_regions(routes.regions, routes.dest_region)
        except RegionError as exc:
            raise UsageError(str(exc)) from None
        source_regions = list(plan.sources)
        dest_regions = list(dict.fromkeys(plan.dest_of(name) for name in plan.sources))
    vaults = list(request.vaults)
    role = copy_role_arn(source, request.copy_role_arn)
    source_document = source_identity_policy(source_regions, source, vaults, role)
    # Each destination account's vaults (and Regions): the flags' one, or --route-csv's rows.
    places: dict[str, tuple[list[str], str | list[str]]] = {}
    if request.routing is None:
        places[dest] = ([request.dest_vault] if request.dest_vault else vaults, dest_regions)
    for rule in request.routing.rules if request.routing is not None else ():
        to = rule.destination
        names, regions = places.setdefault(to.account, ([], dest_regions))
        if to.vault not in names:
            names.append(to.vault)
        if to.region is not None:
            listed = [regions] if isinstance(regions, str) else list(regions)
            places[to.account] = (names, list(dict.fromkeys([*listed, to.region])))
    per_dest = {
        account: {
            "dest_identity_policy": dest_identity_policy(regions, account, names),
            "dest_vault_access_policy": dest_vault_access_policy(regions, account, source, names),
        }
        for account, (names, regions) in places.items()
    }
    documents: dict[str, object] = {"source_identity_policy": source_document}
    if request.routing is None:
        documents.update(per_dest[dest])
    else:
        documents["destinations"] = per_dest
    if request.output.document:
        print_document(documents, request.output.format, request.output.query, sys.stdout)
        return ExitStatus.SUCCESS
    print(f"# Operator identity policy in the source account {source}")
    print(json.dumps(source_document, indent=2))
    print()
    for account, pair in per_dest.items():
        titles = {
            "dest_identity_policy": (
                f"Operator identity policy in the destination account {account}"
            ),
            "dest_vault_access_policy": (
                f"Access policy of the destination vault(s) in {account}: only "
                f"backup:CopyIntoBackupVault, only for {source}"
            ),
        }
        for key, document in pair.items():
            print(f"# {titles[key]}")
            print(json.dumps(document, indent=2))
            print()
    return ExitStatus.SUCCESS
