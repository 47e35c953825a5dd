"""Flags into requests, the accounts half of requests.py (the two modules that read the
argparse Namespace): the Regions and source accounts as routes, the route table of
--route-csv, and how each account is reached."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from ..application.routes import RouteRequest
from ..bootstrap import AccountSettings, Connections, load_route_table
from ..domain.routing import RouteTable
from . import flag_values as values
from .exit_status import UsageError

# -- Regions and routes -------------------------------------------------------------------


def route_flags(args: argparse.Namespace, known: Callable[[], frozenset[str]]) -> RouteRequest:
    """--region, --dest-region, --regions/--all-regions (and --state-dir/--state-file, which
    name several Regions' directory or one Region's journal), the source accounts."""
    accounts, excluded, _ = account_flags(args)
    routes = values.route_request(
        region=getattr(args, "region", None),
        dest=getattr(args, "dest_region", None),
        given=getattr(args, "regions", None) or [],
        every=bool(getattr(args, "all_regions", False)),
        state_dir=getattr(args, "state_dir", None),
        state_file=getattr(args, "state_file", None),
        # status reads a migration directory as it is: --state-dir alone, every Region in it.
        dir_alone=args.command == "status",
        known=known,
        accounts=bool(accounts) or bool(getattr(args, "organization", False)),
    )
    organization = bool(getattr(args, "organization", False))
    dest = getattr(args, "dest_account", None)
    return replace(
        routes,
        accounts=accounts,
        organization=organization,
        exclude_accounts=excluded,
        dest_accounts=(dest,) if dest else (),
    )


def account_flags(
    args: argparse.Namespace,
) -> tuple[tuple[str, ...], tuple[str, ...], dict[str, str]]:
    return values.source_accounts(
        given=getattr(args, "source_accounts", None),
        organization=bool(getattr(args, "organization", False)),
        exclude=getattr(args, "exclude_accounts", None),
        profile=getattr(args, "source_profile", None),
        role_name=getattr(args, "role_name", None),
        role_arn_given=bool(getattr(args, "source_role_arn", None)),
        reaching=args.command != "status",  # status reads the journals alone
    )


# -- accounts -----------------------------------------------------------------------------


def route_table(args: argparse.Namespace) -> RouteTable | None:
    """--route-csv's rows (read now: a bad file is refused before any AWS call)."""
    path = getattr(args, "route_csv", None)
    if path is None:
        return None
    if getattr(args, "dest_vault", None):
        raise UsageError("give --dest-vault or --route-csv (its rows name the vaults), not both")
    table = load_route_table(Path(path))
    dest = values.account_id("--dest-account", getattr(args, "dest_account", None))
    if dest is not None and dest not in table.accounts:
        raise UsageError(
            f"--dest-account {dest} is not among --route-csv {path}'s destination accounts "
            f"({', '.join(table.accounts)})"
        )
    return table


def connections(
    args: argparse.Namespace,
    routes: RouteRequest,
    *,
    dest: bool,
    table: RouteTable | None = None,
) -> Connections:
    """Who the source and destination are, and how to reach them. With a section per route
    each route's destination Region comes from its plan, so the destination's session keeps
    its profile's own Region. With a route table (`table`) the destination is each row's
    account, reached with --dest-profile ID=PROFILE or --role-name (the flags' destination:
    --dest-account, else the first row's)."""
    source = values.account_id("--source-account", args.source_account)
    _, _, profiles = account_flags(args)
    base = None if profiles else args.source_profile  # a plain profile: the base credentials
    role = None
    if not routes.by_account:
        role = values.assumed_role(
            source, "--source-role-arn", args.source_role_arn, args.role_name
        )
    settings = AccountSettings("source", "--source-account", source, base, role, args.region)
    dest_base, dest_profiles = values.dest_profiles(
        getattr(args, "dest_profile", None), table.accounts if table else None
    )
    dest_settings = _dest_settings(args, routes, table, dest_profiles) if dest else None
    if table is not None and dest_settings is not None and not args.role_name:
        unreached = [
            account
            for account in table.accounts
            if account not in dest_profiles and account != dest_settings.account_id
        ]
        if unreached:
            raise UsageError(
                f"--route-csv sends copies to {', '.join(unreached)}: give --role-name, or "
                "--dest-profile ID=PROFILE for each destination account"
            )
    if not 1 <= args.max_attempts <= 20:
        raise UsageError(f"--max-attempts must be from 1 to 20, got {args.max_attempts}")
    return Connections(
        settings,
        dest_settings,
        args.retry_mode,
        args.max_attempts,
        args.metadata_csv,
        profiles,
        args.role_name if routes.by_account or table else None,
        dest_profiles,
        dest_base,
    )


def _dest_settings(
    args: argparse.Namespace,
    routes: RouteRequest,
    table: RouteTable | None,
    profiles: dict[str, str],
) -> AccountSettings | None:
    dest = values.account_id("--dest-account", getattr(args, "dest_account", None))
    if dest is None and table is not None:
        dest = table.accounts[0]
    if dest is None:
        return None
    profile = profiles.get(dest, args.dest_profile if not profiles else None)
    role = None
    if dest not in profiles:
        role = values.assumed_role(dest, "--dest-role-arn", args.dest_role_arn, args.role_name)
    region = None if routes.sectioned else (args.dest_region or args.region)
    flag = "--dest-account" if args.dest_account else "--route-csv"
    return AccountSettings("destination", flag, dest, profile, role, region)
