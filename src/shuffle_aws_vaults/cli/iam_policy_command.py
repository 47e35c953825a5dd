"""`iam-policy`: least-privilege JSON for the operator in each account and the vault policy."""

from __future__ import annotations

import argparse
import json
import os
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
from .options import account_id, comma_list, region_request, role_arn
from .output import print_document


def run_iam_policy(args: argparse.Namespace, env: Environment) -> int:
    source = account_id("--source-account", args.source_account)
    dest = account_id("--dest-account", args.dest_account)
    assert source is not None and dest is not None
    regions = region_request(args)
    source_regions: str | list[str]
    dest_regions: str | list[str]
    if regions is None:
        region = args.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        if not region:
            raise UsageError("--region is needed (or AWS_REGION in the environment)")
        source_regions, dest_regions = region, args.dest_region or region
    elif regions.all_regions:
        # No AWS calls here: every Region is "*" in the ARNs, as the copy may go anywhere.
        source_regions, dest_regions = ["*"], ["*"]
    else:
        try:
            plan = plan_regions(regions.regions, args.dest_region)
        except RegionError as exc:
            raise UsageError(str(exc)) from None
        source_regions = list(plan.sources)
        dest_regions = list(dict.fromkeys(plan.dest_of(name) for name in plan.sources))
    vaults = comma_list(args.vault)
    dest_vaults = [args.dest_vault] if args.dest_vault else vaults
    role = copy_role_arn(source, role_arn("--copy-role-arn", args.copy_role_arn))
    documents = {
        "source_identity_policy": source_identity_policy(source_regions, source, vaults, role),
        "dest_identity_policy": dest_identity_policy(dest_regions, dest, dest_vaults),
        "dest_vault_access_policy": dest_vault_access_policy(
            dest_regions, dest, source, dest_vaults
        ),
    }
    if args.output != "table" or args.query:
        print_document(documents, args.output, args.query, sys.stdout)
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
