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
    dest_vaults = [request.dest_vault] if request.dest_vault else vaults
    role = copy_role_arn(source, request.copy_role_arn)
    documents = {
        "source_identity_policy": source_identity_policy(source_regions, source, vaults, role),
        "dest_identity_policy": dest_identity_policy(dest_regions, dest, dest_vaults),
        "dest_vault_access_policy": dest_vault_access_policy(
            dest_regions, dest, source, dest_vaults
        ),
    }
    if request.output.document:
        print_document(documents, request.output.format, request.output.query, sys.stdout)
        return ExitStatus.SUCCESS
    titles = {
        "source_identity_policy": f"Operator identity policy in the source account {source}",
        "dest_identity_policy": f"Operator identity policy in the destination account {dest}",
        "dest_vault_access_policy": (
            f"Access policy of the destination vault(s) in {dest}: only "
            f"backup:CopyIntoBackupVault, only for {source}"
        ),
    }
    for key, document in documents.items():
        print(f"# {titles[key]}")
        print(json.dumps(document, indent=2))
        print()
    return ExitStatus.SUCCESS
