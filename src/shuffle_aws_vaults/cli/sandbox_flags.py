"""The `sandbox` command's flag groups for the AWS behaviour issue 3 added: logically air-gapped
vaults, the destination accounts' own quotas, and composite recovery points."""

from __future__ import annotations

from .parser_types import Parser, non_negative_float, rate
from .sandbox_loader import lag_vault, quota_setting, type_limit


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


def add_composite(sandbox: Parser) -> None:
    """Composite recovery points (CloudFormation stacks), and what AWS leaves unsaid of them."""
    composite = sandbox.add_argument_group("composite recovery points (CloudFormation stacks)")
    composite.add_argument(
        "--composite-share",
        type=rate,
        default=0.0,
        metavar="S",
        help="share of the seeded recovery points that belong to CloudFormation stacks: "
        "composite points and their nested ones (default: 0, none)",
    )
    composite.add_argument(
        "--composite-failure",
        choices=("partial", "failed"),
        default="partial",
        help="a composite's copy job whose child jobs partly failed ends PARTIAL (its copy "
        "lands PARTIAL) or FAILED (no copy); AWS does not say (default: partial)",
    )
    composite.add_argument(
        "--nested-copy",
        choices=("allowed", "refused"),
        default="allowed",
        help="StartCopyJob on a nested recovery point alone: an ordinary copy, or "
        "InvalidRequestException; AWS does not say (default: allowed)",
    )
