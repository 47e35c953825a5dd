"""Flag values checked and turned into domain values: account IDs, role ARNs, dates, resource
types, vault names, Region names. Each refusal names its flag (a UsageError, exit status 1)."""

from __future__ import annotations

import difflib
import os
import re
import sys
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..application.copy_engine import EngineSettings
from ..application.routes import RouteRequest, routes_of
from ..bootstrap import known_resource_types
from ..domain.iam_policies import role_in
from ..domain.lanes import TypeLimit, TypeLimitError, parse_type_limits
from ..domain.regions import RegionError
from ..domain.selection import Selection
from .exit_status import UsageError
from .output import compile_query
from .request_types import Output

ACCOUNT_ID = re.compile(r"[0-9]{12}")  # ASCII digits only: \d would take any script's
ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/.+$")
MAX_WORKERS = 500
# AWS's bounds: CreateLogicallyAirGappedBackupVault's MinRetentionDays (at least 7) and a
# lifecycle's 36500 days at most.
MIN_AIR_GAPPED_RETENTION = 7
MAX_RETENTION = 36500
COMPACT_EVERY_VARIABLE = "SHUFFLE_AWS_VAULTS_COMPACT_EVERY"
# CreateBackupVault's pattern for BackupVaultName.
VAULT_NAME = re.compile(r"[A-Za-z0-9_-]{2,50}")
VAULT_ARN = re.compile(r"arn:(aws[a-z-]*):backup:([a-z0-9-]+):(\d{12}):backup-vault:(.+)")


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


def assumed_role(
    account: str | None, flag: str, given: str | None, role_name: str | None
) -> str | None:
    """The role to assume in an account: its own flag's ARN, or --role-name's role there."""
    role = role_arn(flag, given)
    if role_name:
        if role:
            raise UsageError(f"give --role-name or {flag}, not both")
        role = role_in(account, role_name)
    return role


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


def resource_types(
    text: str | None, known: Callable[[], frozenset[str]] = known_resource_types
) -> frozenset[str] | None:
    """--resource-type's names as AWS spells them (any case); `known`: the types accepted
    (the installed botocore's AWS Backup model's). A name not among them is refused with the
    closest one, if any, and the whole list."""
    names = comma_list(text)
    if not names:
        return None
    accepted = known()
    canonical = {name.lower(): name for name in accepted}
    chosen = set()
    for name in names:
        found = canonical.get(name.lower())
        if found is None:
            close = difflib.get_close_matches(name.lower(), list(canonical), n=1, cutoff=0.6)
            hint = f" (did you mean {canonical[close[0]]}?)" if close else ""
            listed = ", ".join(sorted(accepted))
            raise UsageError(
                f"--resource-type: unknown type {name!r}{hint}; AWS Backup's types: {listed}"
            )
        chosen.add(found)
    return frozenset(chosen)


def dest_vault_name(value: str, dest_account: str | None, dest_region: str | None) -> str:
    """--dest-vault is a vault name; an ARN is taken only when it is in the destination account
    (and Region), so a copy can never be pointed at a third account's vault."""
    if value.startswith("arn:"):
        match = VAULT_ARN.fullmatch(value)
        if match is None:
            raise UsageError(f"--dest-vault {value}: not a backup vault ARN; give the vault's name")
        _, region, account, name = match.groups()
        if dest_account and account != dest_account:
            raise UsageError(
                f"--dest-vault {value} is in account {account}, not --dest-account {dest_account}"
            )
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
    return value


def check_copy(
    run: Mapping[str, Any], progress_interval: float, outputs: Mapping[str, Any]
) -> None:
    """The copy's run flags (by CopyRequest's field names) within their ranges, and the
    directories its output files go to there."""
    check_new_vault(run)
    if not 1 <= run["workers"] <= MAX_WORKERS:
        raise UsageError(f"--workers must be from 1 to {MAX_WORKERS}, got {run['workers']}")
    if run["resume"] and run["reset"]:
        raise UsageError("give --resume or --reset, not both")
    for flag in ("include_new", "retry_failed"):
        if run[flag] and not run["resume"]:
            name = "--" + flag.replace("_", "-")
            raise UsageError(f"{name} applies to a migration being resumed: add --resume")
    if run["failure_threshold"] < 0:
        raise UsageError(f"--failure-threshold must be 0 or more, got {run['failure_threshold']}")
    for flag, value in (
        ("--poll-interval", run["poll_interval"]),
        ("--progress-interval", progress_interval),
    ):
        if value <= 0:
            raise UsageError(f"{flag} must be greater than 0, got {value}")
    if not 1 <= run["max_job_attempts"] <= 20:
        raise UsageError(f"--max-job-attempts must be from 1 to 20, got {run['max_job_attempts']}")
    if run["max_runtime_minutes"] is not None and run["max_runtime_minutes"] <= 0:
        raise UsageError("--max-runtime-minutes must be greater than 0")
    if run["drain_minutes"] < 0:
        raise UsageError("--drain-minutes must be 0 or more")
    for flag, value in outputs.items():
        if value is not None and not Path(value).parent.resolve().is_dir():
            raise UsageError(f"{flag}: directory {Path(value).parent} does not exist")


def check_new_vault(run: Mapping[str, Any]) -> None:
    """The flags that say what --create-dest-vault creates (by CopyRequest's field names)."""
    given = {
        "--dest-kms-key-arn": bool(run["dest_kms_key_arn"]),
        "--dest-vault-type": run["dest_vault_type"] != "standard",
    }
    for flag in (flag for flag, yes in given.items() if yes and not run["create_dest_vault"]):
        raise UsageError(f"{flag} applies to vaults that --create-dest-vault creates")
    low, high = run["min_retention_days"], run["max_retention_days"]
    if run["dest_vault_type"] != "logically-air-gapped":
        for flag, days in (("--min-retention-days", low), ("--max-retention-days", high)):
            if days is not None:
                raise UsageError(f"{flag} applies to --dest-vault-type logically-air-gapped")
        return
    if low is None or high is None:
        raise UsageError(
            "--dest-vault-type logically-air-gapped needs --min-retention-days and "
            "--max-retention-days (AWS requires both)"
        )
    if not MIN_AIR_GAPPED_RETENTION <= low <= MAX_RETENTION:
        raise UsageError(
            f"--min-retention-days must be from {MIN_AIR_GAPPED_RETENTION} to {MAX_RETENTION} "
            f"for a logically air-gapped vault, got {low}"
        )
    if not low <= high <= MAX_RETENTION:
        raise UsageError(
            f"--max-retention-days must be from --min-retention-days ({low}) to "
            f"{MAX_RETENTION}, got {high}"
        )


def type_limits(given: list[str]) -> tuple[TypeLimit, ...]:
    """--type-limit, as given (each repeat adds to the others)."""
    try:
        return parse_type_limits(given)
    except TypeLimitError as exc:
        raise UsageError(f"--type-limit: {exc}") from None


def route_request(
    *,
    region: str | None,
    dest: str | None,
    given: list[str],
    every: bool,
    state_dir: str | None,
    state_file: str | None,
    dir_alone: bool,
    known: Callable[[], frozenset[str]],
    accounts: bool = False,
) -> RouteRequest:
    """The Region flags checked together: --state-dir for several routes (Regions, or source
    `accounts`) and --state-file for one, then the Regions themselves (application/routes.py)."""
    several = bool(given) or every
    if state_dir is not None and not several and not accounts and not dir_alone:
        raise UsageError(
            "--state-dir is for several Regions or accounts (--regions, --all-regions, "
            "--source-accounts, --organization); with one give --state-file"
        )
    if (several or accounts) and state_file:
        raise UsageError(
            "--state-file names one route's journal: with --regions, --all-regions, "
            "--source-accounts or --organization give --state-dir (the migration directory)"
        )
    if state_dir is not None and os.path.exists(state_dir) and not os.path.isdir(state_dir):
        raise UsageError(f"--state-dir {state_dir}: not a directory")
    try:
        return routes_of(region=region, dest=dest, given=given, every=every, known=known, warn=warn)
    except RegionError as exc:
        raise UsageError(str(exc)) from None


def compact_every(environ: Mapping[str, str]) -> int:
    """Journal events between compactions (tests and torture runs set it low to crash in one)."""
    raw = environ.get(COMPACT_EVERY_VARIABLE, "")
    if not raw:
        return EngineSettings.compact_every
    if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
        raise UsageError(f"{COMPACT_EVERY_VARIABLE}={raw!r}: expected a positive whole number")
    return int(raw)


def selection_filters(
    *,
    allowed: list[str],
    excluded: list[str],
    where: list[str],
    metadata: bool,
    created_after: str | None,
    created_before: str | None,
    types: str | None,
) -> Selection:
    """The selection's filters; those on metadata need the metadata CSV (`metadata`)."""
    columns: dict[str, set[str]] = {}
    for item in where:
        column, sep, value = item.partition("=")
        if not sep or not column.strip():
            raise UsageError(f"--where expects COLUMN=VALUE, got {item!r}")
        columns.setdefault(column.strip(), set()).add(value.strip())
    for flag, used in (
        ("--allowed-apmids", bool(allowed)),
        ("--excluded-apmids", bool(excluded)),
        ("--where", bool(columns)),
    ):
        if used and not metadata:
            raise UsageError(f"{flag} needs --metadata-csv")
    after = parse_when("--created-after", created_after)
    before = parse_when("--created-before", created_before)
    if after is not None and before is not None and after >= before:
        raise UsageError("--created-after must be earlier than --created-before")
    return Selection(
        allowed_apmids=frozenset(allowed) if allowed else None,
        excluded_apmids=frozenset(excluded),
        resource_types=resource_types(types),
        created_after=after,
        created_before=before,
        where=tuple(sorted((column, frozenset(values)) for column, values in columns.items())),
    )


def warn(line: str) -> None:
    print(f"warning: {line}", file=sys.stderr)


def source_accounts(
    *,
    given: list[str] | None,
    organization: bool,
    exclude: str | None,
    profile: str | None,
    role_name: str | None,
    role_arn_given: bool,
    reaching: bool = True,
) -> tuple[tuple[str, ...], tuple[str, ...], dict[str, str]]:
    """--source-accounts, --exclude-accounts and --source-profile ID=PROFILE,...: the source
    accounts named, those left out, and a profile per account where one is given (how each
    is reached checked only when the command reaches them: `reaching`)."""
    accounts = tuple(
        dict.fromkeys(account_id("--source-accounts", a) or "" for a in comma_list(given))
    )
    excluded = tuple(account_id("--exclude-accounts", a) or "" for a in comma_list(exclude))
    several = bool(accounts) or organization
    if excluded and not several:
        raise UsageError("--exclude-accounts applies to --organization or --source-accounts")
    profiles: dict[str, str] = {}
    if profile and "=" in profile:
        if not several:
            raise UsageError(
                "--source-profile ID=PROFILE is for several source accounts (--source-accounts "
                "or --organization); with one account give the profile's name"
            )
        for part in comma_list(profile):
            account, _, name = (piece.strip() for piece in part.partition("="))
            if not name:
                raise UsageError(f"--source-profile: expected ID=PROFILE, got {part!r}")
            profiles[account_id("--source-profile", account) or ""] = name
        strangers = [account for account in profiles if accounts and account not in accounts]
        if strangers:
            raise UsageError(f"--source-profile: {', '.join(strangers)} not in --source-accounts")
    if several and role_arn_given:
        raise UsageError(
            "--source-role-arn names one account's role: with several source accounts give "
            "--role-name"
        )
    if organization and not role_name and reaching:
        raise UsageError("--organization needs --role-name (the role to assume in each member)")
    missing = [account for account in accounts if account not in profiles]
    if missing and not role_name and reaching:
        raise UsageError(
            f"--source-accounts: give --role-name, or --source-profile ID=PROFILE for "
            f"{', '.join(missing)}"
        )
    return accounts, excluded, profiles


def dest_profiles(
    profile: str | None, accounts: tuple[str, ...] | None
) -> tuple[str | None, dict[str, str]]:
    """--dest-profile with --route-csv (`accounts`: its destination accounts): ID=PROFILE,...
    gives each account its profile; a plain PROFILE is the base credentials, for the
    --dest-account (or the rows' --role-name)."""
    if not profile or "=" not in profile:
        return profile if accounts else None, {}
    if accounts is None:
        raise UsageError(
            "--dest-profile ID=PROFILE is for --route-csv's destination accounts; with one "
            "destination give the profile's name"
        )
    profiles: dict[str, str] = {}
    for part in comma_list(profile):
        account, _, name = (piece.strip() for piece in part.partition("="))
        if not name:
            raise UsageError(f"--dest-profile: expected ID=PROFILE, got {part!r}")
        profiles[account_id("--dest-profile", account) or ""] = name
    strangers = [account for account in profiles if account not in accounts]
    if strangers:
        raise UsageError(
            f"--dest-profile: {', '.join(strangers)} not among --route-csv's destination accounts"
        )
    return None, profiles


def output(
    choices: tuple[str, ...], given: str | None, query: str | None, environ: Mapping[str, str]
) -> Output:
    """--output (its default from AWS_DEFAULT_OUTPUT, as the AWS CLI takes it) and a --query
    checked before anything is read."""
    fmt = given
    if fmt is None:
        wanted = environ.get("AWS_DEFAULT_OUTPUT", "").strip().lower()
        fmt = wanted if wanted in choices else "table"
    if query:
        try:
            compile_query(query)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    return Output(fmt, query)
