"""The `sandbox` and `demo` commands' flags."""

from __future__ import annotations

import argparse

from .parser_types import Parser, non_negative_int, positive_float, positive_int, rate
from .sandbox_loader import (
    lag_vault,
    non_negative_float,
    quota_setting,
    region_list,
    region_shares,
    type_limit,
)


def add_sandbox(commands: argparse._SubParsersAction[Parser]) -> None:
    sandbox = commands.add_parser(
        "sandbox",
        help="serve a local AWS Backup with two accounts on 127.0.0.1",
        description=(
            "Serve a seeded local AWS Backup (source and destination accounts) on 127.0.0.1 "
            "until SIGINT/SIGTERM. Prints the environment to use as shell export lines."
        ),
    )
    sandbox.add_argument(
        "--port", type=non_negative_int, default=0, help="port (default: any free)"
    )
    sandbox.add_argument(
        "--recovery-points", type=non_negative_int, default=2000, help="recovery points to seed"
    )
    sandbox.add_argument("--vaults", type=positive_int, default=3, help="source vaults to seed")
    sandbox.add_argument(
        "--regions",
        type=region_list,
        default=None,
        metavar="R1,R2,...",
        help="Regions to serve, each with the same vaults in both accounts; the first is the home "
        "Region (AWS_REGION in the exports). Copy quotas and --type-limit count per source "
        "Region -> destination Region; a copy job lives in the Region that started it "
        "(default: us-east-1)",
    )
    sandbox.add_argument(
        "--region-shares",
        type=region_shares,
        default=None,
        metavar="W1,W2,...",
        help="split --recovery-points (the total over all Regions) in proportion to these "
        "weights, one per Region in --regions order, e.g. 3,1 (default: equal shares)",
    )
    accounts = sandbox.add_argument_group("accounts (members of one organization)")
    for side, first in (("source", 111111111111), ("dest", 222222222222)):
        accounts.add_argument(
            f"--{side}-accounts",
            dest=f"{side}_account_count",
            type=positive_int,
            default=1,
            metavar="N",
            help=f"{side} accounts {first}, {first + 1}, ... (default: 1)",
        )
    accounts.add_argument(
        "--account-shares",
        type=region_shares,
        metavar="W1,W2,...",
        help="split --recovery-points among the source accounts in proportion to these weights",
    )
    accounts.add_argument(
        "--suspended-accounts",
        metavar="ID,...",
        help="these source or destination accounts are SUSPENDED in organizations:ListAccounts",
    )
    sandbox.add_argument(
        "--cross-region-account-copy",
        choices=("supported", "refused"),
        default="supported",
        help="one copy job both cross-Region and cross-account for RDS, Aurora, DocumentDB and "
        "Neptune: supported (AWS since November 2025) or refused, the job FAILing as AWS's "
        "feature table footnote 3 had it before",
    )
    sandbox.add_argument("--seed", type=int, default=1, help="random seed (data and faults)")
    sandbox.add_argument(
        "--time-scale",
        type=positive_float,
        default=600.0,
        help="simulated seconds per wall-clock second: the default runs ten simulated minutes "
        "a second, so a 2,000-point migration ends in minutes; 1 is AWS's own pace "
        "(default: 600)",
    )
    sandbox.add_argument(
        "--copy-quota",
        type=positive_int,
        default=100,
        help="concurrent copy jobs per account and source Region -> destination Region",
    )
    sandbox.add_argument(
        "--at-quota",
        choices=("reject", "queue"),
        default="queue",
        help="StartCopyJob at the quota: LimitExceededException, or queue in CREATED",
    )
    # sandbox_command imports only the standard library and the domain: no moto, no boto3.

    sandbox.add_argument(
        "--type-limit",
        type=type_limit,
        action="append",
        metavar="TYPE=N[,TYPE=N...]",
        help="at most N concurrent copy jobs of a resource type (AWS's names: EBS, RDS, ...), "
        "as the services cap their own copies per destination Region; types joined by + share "
        "one limit. AWS documents EBS=20,RDS+Aurora=20. Over it, jobs wait in CREATED or, with "
        "--at-quota reject, StartCopyJob answers LimitExceededException. Repeatable "
        "(default: none)",
    )
    sandbox.add_argument(
        "--dest-refusal",
        choices=("job", "call"),
        default="job",
        help="a refused destination fails the copy job (AWS's documented way) or the call",
    )
    sandbox.add_argument(
        "--malformed-arn",
        choices=("not-found", "invalid"),
        default="not-found",
        help="a recovery point ARN that is no ARN: ResourceNotFoundException or "
        "InvalidParameterValueException (AWS does not say; default: not-found)",
    )
    sandbox.add_argument(
        "--other-account-vault",
        choices=("access-denied", "not-found"),
        default="access-denied",
        help="BackupVaultAccountId naming another account's vault (the sandbox shares none): "
        "AccessDeniedException or ResourceNotFoundException (AWS does not say; "
        "default: access-denied)",
    )
    sandbox.add_argument(
        "--role-refusal",
        choices=("job", "call"),
        default="job",
        help="a copy role AWS Backup cannot assume (missing, or not trusting "
        "backup.amazonaws.com) fails the copy job or the call (AWS documents neither)",
    )
    sandbox.add_argument(
        "--bandwidth-mib",
        type=positive_float,
        default=100.0,
        help="simulated copy bandwidth per job, MiB/s",
    )
    sandbox.add_argument(
        "--job-overhead", type=float, default=120.0, help="fixed simulated seconds per copy job"
    )
    sandbox.add_argument(
        "--changed-share",
        type=rate,
        default=1.0,
        metavar="S",
        help="incremental copies: a copy that starts while an earlier recovery point of its "
        "resource is already copied into its destination vault moves this share of its bytes "
        "(EBS, EC2, RDS, Aurora, EFS, S3, FSx; AWS copies the first in full, later ones "
        "incrementally, and publishes no share; default: 1, as slow as a full copy)",
    )
    sandbox.add_argument(
        "--edge-case-share", type=rate, default=0.05, help="share of edge-case recovery points"
    )
    sandbox.add_argument(
        "--metadata-missing-share",
        type=rate,
        default=0.10,
        help="share of resources left out of the metadata CSV",
    )
    sandbox.add_argument(
        "--unshared-key-share",
        type=rate,
        default=0.0,
        help="share of EBS, EC2, RDS, Aurora and FSx resources encrypted with a customer-managed "
        "key whose key policy does not allow the destination account (their copies fail)",
    )
    sandbox.add_argument(
        "--no-copy-role",
        action="store_true",
        help="do not create the copy role AWSBackupDefaultServiceRole in the source account",
    )
    sandbox.add_argument(
        "--no-dest-vaults", action="store_true", help="do not create destination vaults"
    )
    sandbox.add_argument(
        "--no-dest-policy",
        action="store_true",
        help="create destination vaults without an access policy for the source account",
    )
    sandbox.add_argument(
        "--cross-account-disabled",
        action="store_true",
        help="turn off cross-account backup for the organization",
    )
    add_lag(sandbox)
    faults = sandbox.add_argument_group("faults (deterministic under --seed)")
    faults.add_argument(
        "--throttle-rate", type=rate, default=0.0, help="share of ThrottlingException"
    )
    faults.add_argument(
        "--unavailable-rate", type=rate, default=0.0, help="share of ServiceUnavailableException"
    )
    faults.add_argument("--drop-rate", type=rate, default=0.0, help="share of dropped connections")
    faults.add_argument(
        "--job-failure-rate",
        type=rate,
        default=0.0,
        help="share of copy jobs that FAIL transiently",
    )
    faults.add_argument(
        "--system-error-rate",
        type=rate,
        default=0.0,
        help="share of copy jobs hit by a system error: AWS's copy job retry keeps them in "
        "CREATED for up to 2 simulated hours, then they run or fail",
    )
    faults.add_argument(
        "--system-error-fail-share",
        type=rate,
        default=0.25,
        help="share of those that fail when the 2 hours are up; the rest start after a delay "
        "drawn evenly from 0 to 2 hours (AWS documents neither share; default: 0.25)",
    )
    faults.add_argument(
        "--credential-ttl",
        type=positive_float,
        default=None,
        help="assumed-role credentials expire after this many simulated seconds",
    )
    faults.add_argument(
        "--api-rate",
        type=positive_float,
        default=None,
        metavar="TPS",
        help="AWS Backup requests a second per account before ThrottlingException, as a token "
        "bucket on the wall clock, so not repeatable under --seed (AWS publishes no figure; "
        "default: no limit)",
    )
    faults.add_argument(
        "--api-burst",
        type=positive_int,
        default=None,
        metavar="N",
        help="calls an idle account may make at once under --api-rate (default: the rate, "
        "at least 1)",
    )
    sandbox.add_argument(
        "--copy-job-retention-days",
        type=positive_float,
        default=None,
        metavar="D",
        help="ListCopyJobs forgets a job D simulated days after it ended (AWS documents no "
        "retention; default: never)",
    )
    add_unsaid(sandbox)
    add_dest_limits(sandbox)
    sandbox.add_argument(
        "--env-file", default=None, help="also write the export lines to this file (mode 0600)"
    )
    sandbox.add_argument(
        "--workdir", default=None, help="directory for the AWS config, credentials and CSV"
    )


def add_demo(commands: argparse._SubParsersAction[Parser]) -> None:
    demo = commands.add_parser(
        "demo",
        help="run a whole migration on an in-process sandbox",
        description="Seed a sandbox in this process and walk through a migration on it.",
    )
    demo.add_argument("--recovery-points", type=positive_int, default=2000, help=argparse.SUPPRESS)
    demo.add_argument("--seed", type=int, default=7, help=argparse.SUPPRESS)


def add_lag(sandbox: Parser) -> None:
    """Logically air-gapped vaults: seeded in the destination, and how copies into them go."""
    lag = sandbox.add_argument_group("logically air-gapped (LAG) vaults")
    lag.add_argument(
        "--dest-lag-vault",
        type=lag_vault,
        action="append",
        metavar="NAME:MIN:MAX[:aws-owned|cmk]",
        help="a LAG vault in every destination account and Region, locked in compliance mode "
        "with MinRetentionDays MIN (at least 7) and MaxRetentionDays MAX, encrypted with an "
        "AWS-owned key or the destination's customer-managed key alias/backup (cmk); its access "
        "policy allows the source accounts unless --no-dest-policy. Repeatable (default: none)",
    )
    lag.add_argument(
        "--lag-copy-limit",
        type=type_limit,
        action="append",
        metavar="TYPE=N[,TYPE=N...]",
        help="concurrent copies into one LAG vault per resource type, as --type-limit reads "
        "them; given, replaces AWS's quotas (EBS, Aurora, DocumentDB, Neptune 20; FSx, "
        "Storage Gateway 5). Repeatable",
    )
    lag.add_argument(
        "--lag-aws-managed-key",
        choices=("job", "call"),
        default="job",
        help="a type AWS Backup does not fully manage, encrypted with an AWS-managed key, "
        "copied into a LAG vault: the copy job FAILs (job) or StartCopyJob answers "
        "InvalidRequestException (call); AWS refuses it, where it does not say (default: job)",
    )
    lag.add_argument(
        "--lag-creation-seconds",
        type=non_negative_float,
        default=60.0,
        metavar="S",
        help="simulated seconds a LAG vault made by CreateLogicallyAirGappedBackupVault stays "
        "CREATING before it is AVAILABLE; copies into it are refused meanwhile (AWS publishes "
        "no figure; default: 60)",
    )


def add_unsaid(sandbox: Parser) -> None:
    """Accounts and settings, and the switches for what AWS leaves unsaid about listings."""
    sandbox.add_argument(
        "--management-account",
        default="333333333333",
        metavar="ID",
        help="the organization's management account, the only one UpdateGlobalSettings "
        "accepts (profile sandbox-management; default: 333333333333, neither migration account)",
    )
    sandbox.add_argument(
        "--opt-out",
        action="append",
        default=[],
        metavar="TYPE",
        help="turn a resource type's service opt-in off in the source account's Region "
        "(DescribeRegionSettings); repeatable (default: every type opted in)",
    )
    sandbox.add_argument(
        "--dest-opt-out",
        action="append",
        default=[],
        metavar="TYPE",
        help="as --opt-out, in the destination account",
    )
    unsaid = sandbox.add_argument_group("what AWS leaves unsaid about listings")
    unsaid.add_argument(
        "--copy-job-order",
        choices=("oldest", "newest"),
        default="oldest",
        help="the order ListCopyJobs lists jobs in (default: oldest first)",
    )
    unsaid.add_argument(
        "--page-token-ttl",
        type=positive_float,
        default=None,
        metavar="SECONDS",
        help="a NextToken expires this many simulated seconds after it was handed out, then "
        "answers InvalidParameterValueException (default: never)",
    )
    unsaid.add_argument(
        "--short-pages",
        action="store_true",
        help="half the pages of ListCopyJobs and ListRecoveryPointsByBackupVault end early "
        "(even empty) and still carry a NextToken",
    )


def add_dest_limits(sandbox: Parser) -> None:
    """The destination accounts' own quotas and holdings, as the pre-flight reads them."""
    limits = sandbox.add_argument_group(
        "the destination accounts' quotas (Service Quotas; EC2 and RDS counts)"
    )
    limits.add_argument(
        "--dest-quota",
        dest="dest_quotas",
        type=quota_setting,
        action="append",
        default=[],
        metavar="QUOTA=N",
        help="the applied value of a quota in every destination account and Region: amis "
        "(ec2 L-B665C33B), ebs-snapshots (ebs L-309BACF6), rds-snapshots (rds L-272F1212), "
        "rds-cluster-snapshots (rds L-9B510759), vault-recovery-points (backup L-514878B6), "
        "or the quota code; repeatable (default: AWS's defaults)",
    )
    limits.add_argument(
        "--dest-held",
        dest="dest_held",
        type=quota_setting,
        action="append",
        default=[],
        metavar="QUOTA=N",
        help="AMIs, EBS snapshots, RDS instance or cluster snapshots (amis, ebs-snapshots, "
        "rds-snapshots, rds-cluster-snapshots) each destination account holds in each Region "
        "besides its recovery points (which count too: an EC2 one as an AMI and a snapshot); "
        "repeatable (default: none)",
    )
    limits.add_argument(
        "--dest-quotas-denied",
        action="store_true",
        help="Service Quotas answers the destination accounts AccessDeniedException",
    )
