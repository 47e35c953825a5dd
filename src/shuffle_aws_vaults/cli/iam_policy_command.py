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
from .environment import Environment
from .exit_status import ExitStatus, UsageError
from .options import account_id, comma_list, role_arn
from .output import print_document


def run_iam_policy(args: argparse.Namespace, env: Environment) -> int:
    source = account_id("--source-account", args.source_account)
    dest = account_id("--dest-account", args.dest_account)
    assert source is not None and dest is not None
    region = args.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if not region:
        raise UsageError("--region is needed (or AWS_REGION in the environment)")
    dest_region = args.dest_region or region
    vaults = comma_list(args.vault)
    dest_vaults = [args.dest_vault] if args.dest_vault else vaults
    role = copy_role_arn(source, role_arn("--copy-role-arn", args.copy_role_arn))
    documents = {
        "source_identity_policy": source_identity_policy(region, source, vaults, role),
        "dest_identity_policy": dest_identity_policy(dest_region, dest, dest_vaults),
        "dest_vault_access_policy": dest_vault_access_policy(
            dest_region, dest, source, dest_vaults
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
