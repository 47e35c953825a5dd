"""`shuffle-aws-vaults demo`: a migration walked through on a sandbox served in this process."""

from __future__ import annotations

import argparse
import os
from collections import Counter

from .exit_status import ExitStatus
from .sandbox_command import load_sandbox


def run_demo(args: argparse.Namespace) -> int:
    sandbox = load_sandbox()
    config = sandbox.SandboxConfig(seed=args.seed, time_scale=600.0)
    spec = sandbox.SeedSpec(recovery_points=args.recovery_points, vaults=2)
    print(f"Starting a sandbox with {spec.recovery_points:,} recovery points in 2 vaults ...")
    with sandbox.Sandbox(config, spec) as server:
        os.environ.update(server.env())
        import boto3

        backup = boto3.Session(profile_name="sandbox-source").client("backup")
        print(f"Serving AWS Backup at {server.endpoint_url}\n")
        print(f"{'vault':<24} {'recovery points':>16}")
        for vault in backup.list_backup_vaults()["BackupVaultList"]:
            print(f"{vault['BackupVaultName']:<24} {vault['NumberOfRecoveryPoints']:>16,}")
        by_type: Counter[str] = Counter()
        by_status: Counter[str] = Counter()
        pages = backup.get_paginator("list_recovery_points_by_backup_vault")
        for name in server.seeded.vaults:
            for page in pages.paginate(BackupVaultName=name):
                for rp in page["RecoveryPoints"]:
                    by_type[rp["ResourceType"]] += 1
                    by_status[rp["Status"]] += 1
        print("\nBy resource type: " + ", ".join(f"{k} {v}" for k, v in by_type.most_common()))
        print("By status: " + ", ".join(f"{k} {v}" for k, v in by_status.most_common()))
        edges = server.seeded.edge_cases
        print("Edge-case resources: " + ", ".join(f"{k} {v}" for k, v in sorted(edges.items())))
        print(f"Metadata CSV: {server.csv_path}")
    return ExitStatus.SUCCESS
