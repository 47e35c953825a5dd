"""Flag groups shared by several commands, and their validation into domain values."""

from __future__ import annotations

import argparse
import difflib
import os
import re
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from ..application.regions import RegionRequest
from ..domain.recovery_point import KNOWN_RESOURCE_TYPES
from ..domain.regions import REGION_NAME, RegionError, check_region, parse_regions
from ..domain.selection import Selection
from .exit_status import UsageError
from .output import compile_query

ACCOUNT_ID = re.compile(r"[0-9]{12}")  # ASCII digits only: \d would take any script's
ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/.+$")


def add_account_flags(
    parser: argparse.ArgumentParser, *, dest: bool, required: bool = True
) -> None:
    group = parser.add_argument_group("accounts and credentials")
    group.add_argument("--source-account", required=required, help="source account ID (12 digits)")
    group.add_argument("--source-profile", help="AWS profile for the source account")
    group.add_argument("--source-role-arn", help="role to assume in the source account")
    group.add_argument("--region", help="source region (default: the AWS config's, else us-east-1)")
    if dest:
        group.add_argument("--dest-account", help="destination account ID (12 digits)")
        group.add_argument("--dest-profile", help="AWS profile for the destination account")
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


def check_region_flags(args: argparse.Namespace) -> None:
    """--region and --dest-region are Region names; a --dest-region mapping (SRC=DST,...) is
    for several source Regions only."""
    several = bool(getattr(args, "regions", None) or getattr(args, "all_regions", False))
    state_dir = getattr(args, "state_dir", None)
    # status reads a migration directory as it is: --state-dir alone means every Region in it.
    alone = getattr(args, "command", None) == "status"
    if state_dir is not None and not several and not alone:
        raise UsageError(
            "--state-dir is for several Regions (--regions or --all-regions); with one Region "
            "give --state-file"
        )
    if several and getattr(args, "state_file", None):
        raise UsageError(
            "--state-file names one Region's journal: with --regions or --all-regions give "
            "--state-dir (the migration directory)"
        )
    if state_dir is not None and os.path.exists(state_dir) and not os.path.isdir(state_dir):
        raise UsageError(f"--state-dir {state_dir}: not a directory")
    try:
        if getattr(args, "region", None):
            check_region("--region", args.region)
        dest = getattr(args, "dest_region", None)
        if dest and "=" in dest and not several:
            raise RegionError(
                f"--dest-region {dest}: a mapping SRC=DST is for several source Regions "
                "(--regions or --all-regions); with one Region give the destination Region"
            )
        if dest and "=" not in dest:
            check_region("--dest-region", dest.strip())
    except RegionError as exc:
        raise UsageError(str(exc)) from None
    check_known(named_regions(args))


def named_regions(args: argparse.Namespace) -> list[tuple[str, str]]:
    """(flag, Region) for every Region the Region flags name."""
    named = [("--region", getattr(args, "region", None))]
    dest = getattr(args, "dest_region", None) or ""
    for part in dest.split(","):
        named += [("--dest-region", side.strip()) for side in part.split("=")]
    named += [("--regions", name) for name in comma_list(getattr(args, "regions", None))]
    return [(flag, name) for flag, name in named if name]


def check_known(named: list[tuple[str, str]]) -> None:
    """A Region botocore does not know AWS Backup in: with a known one close to it, most
    likely a typo (refused, naming it); else perhaps newer than this botocore (a warning)."""
    if not named:
        return
    from .. import bootstrap

    known = bootstrap.known_regions()
    for flag, name in named:
        if name in known or not REGION_NAME.fullmatch(name):
            continue  # a malformed name is refused elsewhere, by its flag
        close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.8)
        if close:
            raise UsageError(
                f"{flag}: {name} is not a Region AWS Backup is in (did you mean {close[0]}?)"
            )
        print(
            f"warning: {flag}: {name} is not a Region this botocore knows AWS Backup in; "
            "going on (a Region newer than botocore would be)",
            file=sys.stderr,
        )


def region_request(args: argparse.Namespace) -> RegionRequest | None:
    """The Region flags as a request; None when neither --regions nor --all-regions is given
    (then --region names the one source Region, as ever)."""
    given = comma_list(getattr(args, "regions", None))
    every = bool(getattr(args, "all_regions", False))
    if not given and not every:
        if getattr(args, "regions", None):
            raise UsageError("--regions: no Region given")
        return None
    flag = "--regions" if given else "--all-regions"
    if args.region:
        raise UsageError(f"give {flag} or --region, not both")
    try:
        regions = parse_regions(given) if given else ()
    except RegionError as exc:
        raise UsageError(str(exc)) from None
    return RegionRequest(regions, every, getattr(args, "dest_region", None))


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


def resolve_output(args: argparse.Namespace, environ: Mapping[str, str]) -> None:
    """--output's default (AWS_DEFAULT_OUTPUT, as the AWS CLI takes it), and a --query checked
    before anything is read."""
    choices = getattr(args, "output_choices", None)
    if choices is None:
        return
    if args.output is None:
        wanted = environ.get("AWS_DEFAULT_OUTPUT", "").strip().lower()
        args.output = wanted if wanted in choices else "table"
    if args.query:
        try:
            compile_query(args.query)
        except ValueError as exc:
            raise UsageError(str(exc)) from None


def comma_list(values: list[str] | str | None) -> list[str]:
    if values is None:
        return []
    items = [values] if isinstance(values, str) else values
    return [part.strip() for item in items for part in item.split(",") if part.strip()]


def account_id(flag: str, value: str | None) -> str | None:
    if value is None:
        return None
    if not ACCOUNT_ID.fullmatch(value):
        raise UsageError(f"{flag} must be a 12-digit account ID, got {value!r}")
    return value


def role_arn(flag: str, value: str | None) -> str | None:
    if value is not None and not ROLE_ARN.match(value):
        raise UsageError(f"{flag} must be an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)")
    return value


def parse_when(flag: str, text: str | None) -> datetime | None:
    """ISO 8601: a date (midnight UTC) or a date and time (UTC unless it says otherwise)."""
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"{flag}: {text!r} is not an ISO 8601 date or time (e.g. 2024-01-31 or "
            "2024-01-31T12:00:00Z)"
        ) from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def resource_types(text: str | None) -> frozenset[str] | None:
    names = comma_list(text)
    if not names:
        return None
    canonical = {name.lower(): name for name in KNOWN_RESOURCE_TYPES}
    chosen = set()
    for name in names:
        found = canonical.get(name.lower())
        if found is None:
            known = ", ".join(sorted(KNOWN_RESOURCE_TYPES))
            raise UsageError(f"--resource-type: unknown type {name!r} (known: {known})")
        chosen.add(found)
    return frozenset(chosen)


def selection_from_args(args: argparse.Namespace) -> Selection:
    allowed = comma_list(args.allowed_apmids)
    excluded = comma_list(args.excluded_apmids)
    where: dict[str, set[str]] = {}
    for item in args.where:
        column, sep, value = item.partition("=")
        if not sep or not column.strip():
            raise UsageError(f"--where expects COLUMN=VALUE, got {item!r}")
        where.setdefault(column.strip(), set()).add(value.strip())
    for flag, used in (
        ("--allowed-apmids", bool(allowed)),
        ("--excluded-apmids", bool(excluded)),
        ("--where", bool(where)),
    ):
        if used and not args.metadata_csv:
            raise UsageError(f"{flag} needs --metadata-csv")
    after = parse_when("--created-after", args.created_after)
    before = parse_when("--created-before", args.created_before)
    if after is not None and before is not None and after >= before:
        raise UsageError("--created-after must be earlier than --created-before")
    return Selection(
        allowed_apmids=frozenset(allowed) if allowed else None,
        excluded_apmids=frozenset(excluded),
        resource_types=resource_types(args.resource_type),
        created_after=after,
        created_before=before,
        where=tuple(sorted((column, frozenset(values)) for column, values in where.items())),
    )


def vault_names(args: argparse.Namespace) -> list[str]:
    names = comma_list(args.vault)
    if names and args.all_vaults:
        raise UsageError("give --vault or --all-vaults, not both")
    return names


# CreateBackupVault's pattern for BackupVaultName.
VAULT_NAME = re.compile(r"[A-Za-z0-9_-]{2,50}")
VAULT_ARN = re.compile(r"arn:(aws[a-z-]*):backup:([a-z0-9-]+):(\d{12}):backup-vault:(.+)")


def normalize_dest_vault(args: argparse.Namespace) -> None:
    """--dest-vault is a vault name; an ARN is taken only when it is in the destination account
    (and Region), so a copy can never be pointed at a third account's vault."""
    value = getattr(args, "dest_vault", None)
    if value is None:
        return
    if value.startswith("arn:"):
        match = VAULT_ARN.fullmatch(value)
        if match is None:
            raise UsageError(f"--dest-vault {value}: not a backup vault ARN; give the vault's name")
        _, region, account, name = match.groups()
        dest_account = getattr(args, "dest_account", None)
        if dest_account and account != dest_account:
            raise UsageError(
                f"--dest-vault {value} is in account {account}, not --dest-account {dest_account}"
            )
        dest_region = getattr(args, "dest_region", None) or getattr(args, "region", None)
        if dest_region and region != dest_region:
            raise UsageError(
                f"--dest-vault {value} is in Region {region}, not the destination's {dest_region}"
            )
        value = name
    if not VAULT_NAME.fullmatch(value):
        raise UsageError(
            f"--dest-vault {value!r}: a vault name is 2 to 50 letters, digits, hyphens and "
            "underscores"
        )
    args.dest_vault = value
