"""Flag groups shared by several commands (their values are checked in requests.py)."""

from __future__ import annotations

import argparse
from typing import Any


def add_account_flags(
    parser: argparse.ArgumentParser, *, dest: bool, required: bool = True
) -> None:
    group = parser.add_argument_group("accounts and credentials")
    sources = group.add_mutually_exclusive_group(required=required)
    sources.add_argument("--source-account", metavar="ID", help="source account ID (12 digits)")
    sources.add_argument(
        "--source-accounts",
        action="append",
        metavar="ID,ID",
        help="several source accounts in one run (repeatable, or a comma list), each reached "
        "with --role-name or its own --source-profile ID=PROFILE",
    )
    sources.add_argument(
        "--organization",
        action="store_true",
        help="every ACTIVE member account of the organization that holds vaults matching the "
        "selection (organizations:ListAccounts with your own credentials; needs --role-name)",
    )
    group.add_argument(
        "--exclude-accounts", metavar="ID,ID", help="with --organization: leave these out"
    )
    group.add_argument(
        "--source-profile",
        help="AWS profile for the source account; with several, ID=PROFILE,... (or one profile "
        "whose credentials assume --role-name in each)",
    )
    group.add_argument("--source-role-arn", help="role to assume in the source account")
    group.add_argument("--region", help="source region (default: the AWS config's, else us-east-1)")
    if dest:
        group.add_argument(
            "--dest-account", metavar="ID", help="destination account ID (12 digits)"
        )
        group.add_argument(
            "--dest-profile",
            help="AWS profile for the destination account; with --route-csv, ID=PROFILE,... "
            "(or one profile whose credentials assume --role-name in each)",
        )
        group.add_argument(
            "--route-csv",
            metavar="PATH",
            help="destinations chosen by metadata: rows of column,value,dest_account,dest_vault"
            "[,dest_region] (value * is the default; an item no row routes is no-route)",
        )
        group.add_argument("--dest-role-arn", help="role to assume in the destination account")
        group.add_argument("--dest-region", help="destination region (default: --region)")
    group.add_argument(
        "--role-name",
        help="assume this role name in each account (arn:aws:iam::ACCOUNT:role/NAME)",
    )
    group.add_argument(
        "--retry-mode",
        choices=("standard", "adaptive"),
        default="standard",
        help="botocore retry mode (default: standard)",
    )
    group.add_argument(
        "--max-attempts",
        type=int,
        default=5,
        help="botocore attempts per API call, retries included (default: 5)",
    )


def add_region_flags(parser: argparse.ArgumentParser) -> None:
    """--regions / --all-regions: several source Regions in one run (instead of --region)."""
    group = parser.add_argument_group("several Regions").add_mutually_exclusive_group()
    group.add_argument(
        "--regions",
        action="append",
        default=[],
        metavar="R1,R2",
        help="these source Regions (repeatable, or a comma list); instead of --region",
    )
    group.add_argument(
        "--all-regions",
        action="store_true",
        help="every Region enabled for the source account that holds vaults matching the "
        "selection (account:ListRegions, else ec2:DescribeRegions, else the AWS config's)",
    )


def add_state_dir_flag(parser: Any, help_text: str | None = None) -> None:
    """--state-dir: a migration over several Regions keeps a journal per source Region in it."""
    parser.add_argument(
        "--state-dir",
        metavar="DIR",
        help=help_text
        or "with --regions/--all-regions: the migration directory, a journal per source "
        "Region (default: ~/.local/state/shuffle-aws-vaults/<accounts-regions-vaults>/)",
    )


def add_selection_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("selection")
    group.add_argument(
        "--vault",
        action="append",
        default=[],
        metavar="NAME",
        help="source vault (repeatable, or a comma list)",
    )
    group.add_argument("--all-vaults", action="store_true", help="every vault of the account")
    group.add_argument(
        "--metadata-csv", metavar="PATH", help="metadata CSV with a resourceArn column"
    )
    group.add_argument("--allowed-apmids", metavar="LIST", help="only these APMIDs (comma list)")
    group.add_argument("--excluded-apmids", metavar="LIST", help="never these APMIDs (comma list)")
    group.add_argument(
        "--resource-type",
        metavar="LIST",
        help="only these resource types (comma list, e.g. EBS,RDS)",
    )
    group.add_argument("--created-after", metavar="WHEN", help="created at or after (ISO 8601)")
    group.add_argument("--created-before", metavar="WHEN", help="created before (ISO 8601)")
    group.add_argument(
        "--where",
        action="append",
        default=[],
        metavar="COLUMN=VALUE",
        help="metadata column equals value (repeatable; same column repeated: any of them)",
    )


def add_lifecycle_flags(parser: argparse.ArgumentParser, *, planning_only: bool = False) -> None:
    """The copies' lifecycle; `planning_only`: just the flags that change which copies are
    planned (filter's)."""
    group = parser.add_argument_group("copies' lifecycle (default: each copy keeps its source's)")
    group.add_argument(
        "--delete-after-days",
        type=int,
        metavar="N",
        help="copies expire N days after the SOURCE's creation date, as AWS counts (1-36500); "
        "those that would arrive already expired are left out as would-expire",
    )
    group.add_argument(
        "--allow-expired",
        action="store_true",
        help="copy the would-expire recovery points anyway",
    )
    if planning_only:
        return
    group.add_argument(
        "--cold-after-days",
        type=int,
        metavar="N",
        help="copies move to cold storage N days after the source's creation (1-36500; "
        "--delete-after-days at least 90 days later)",
    )
    group.add_argument(
        "--archive",
        action="store_true",
        help="OptInToArchiveForSupportedResources: supported types (EBS) go to the archive tier "
        "at their cold-storage transition",
    )
    group.add_argument(
        "--fit-retention",
        action="store_true",
        help="into a locked vault, clamp each copy's DeleteAfterDays into its Min/MaxRetentionDays "
        "(a copy that never expires gets the maximum) instead of failing preflight",
    )


def add_output_flag(
    parser: argparse.ArgumentParser, choices: tuple[str, ...] = ("table", "json", "csv", "text")
) -> None:
    parser.add_argument(
        "--output",
        choices=choices,
        default=None,
        help=f"{', '.join(choices[1:])} for scripts (text: tab-separated, no header, as the AWS "
        "CLI's), table for people (default: AWS_DEFAULT_OUTPUT when it names one of these, "
        "else table)",
    )
    parser.add_argument(
        "--query",
        metavar="JMESPATH",
        help="a JMESPath expression applied to what --output json prints, as the AWS CLI's "
        "--query; the result is printed as JSON, or as text with --output text",
    )
    parser.set_defaults(output_choices=choices)
