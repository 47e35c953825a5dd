"""Flags into requests: the one module that reads the argparse Namespace. Each command's flags
are checked here (each refusal a one-line UsageError naming its flag) and become a typed,
immutable request of plain values; below this module, code takes values."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from .. import __version__
from ..application.checklist import PreflightRequest
from ..application.copy_request import CopyRequest
from ..application.routes import RouteRequest
from ..application.selection_stage import SelectionRequest, require_vaults
from ..application.state_location import MigrationName, StateLocation
from ..bootstrap import ProgressSettings
from ..domain.command_line import command_text
from ..domain.lifecycle import LifecyclePolicy
from ..domain.selection import Selection
from . import flag_values as values
from .account_requests import connections, route_flags, route_table
from .exit_status import UsageError
from .lifecycle_values import lifecycle_policy
from .parser import build_parser
from .request_types import (
    SANDBOX_CONFIG,
    SANDBOX_FAULTS,
    SANDBOX_SPEC,
    Copy,
    Demo,
    Discovery,
    IamPolicy,
    Output,
    Preflight,
    Request,
    Sandbox,
    Status,
    Verify,
)
from .run_defaults import poll_interval


def parse(
    argv: Sequence[str] | None, environ: Mapping[str, str], known: Callable[[], frozenset[str]]
) -> tuple[str, Request]:
    """The command line parsed: the command and its request."""
    args = build_parser().parse_args(argv)
    request = request_of(args, environ, known)
    if isinstance(request, Copy):  # each run records its command line, secrets removed
        typed = sys.argv[1:] if argv is None else argv
        line = command_text("shuffle-aws-vaults", typed)
        stamped = replace(request.copy, command_line=line, tool_version=__version__)
        request = replace(request, copy=stamped)
    return args.command, request


def request_of(
    args: argparse.Namespace, environ: Mapping[str, str], known: Callable[[], frozenset[str]]
) -> Request:
    """The command's request, its flags checked; `known`: the Regions botocore knows."""
    command = args.command
    if command == "demo":
        return Demo(args.seed, args.recovery_points, args.verbose)
    if command == "sandbox":
        return sandbox(args)
    output = output_of(args, environ)
    routes = route_flags(args, known)
    if command in ("list", "filter"):
        return discovery(args, routes, output)
    if command == "copy":
        return copy(args, routes, environ)
    if command == "verify":
        return verify(args, routes, environ, output)
    if command == "preflight":
        return preflight(args, routes, output)
    if command == "status":
        return status(args, routes, environ, output)
    return iam_policy(args, routes, environ, output)


def output_of(args: argparse.Namespace, environ: Mapping[str, str]) -> Output:
    choices = getattr(args, "output_choices", None)
    if choices is None:  # the command prints no document (copy)
        return Output()
    return values.output(choices, args.output, args.query, environ)


def dest_vault(args: argparse.Namespace) -> str | None:
    value = getattr(args, "dest_vault", None)
    if value is None:
        return None
    region = getattr(args, "dest_region", None) or getattr(args, "region", None)
    return values.dest_vault_name(value, getattr(args, "dest_account", None), region)


# -- selection and state ------------------------------------------------------------------


def selection(args: argparse.Namespace) -> SelectionRequest:
    names = values.comma_list(args.vault)
    if names and args.all_vaults:
        raise UsageError("give --vault or --all-vaults, not both")
    return SelectionRequest(
        tuple(names), args.all_vaults, _filters(args), route_table(args), _lifecycle(args)
    )


def _lifecycle(args: argparse.Namespace) -> LifecyclePolicy:
    """The lifecycle flags of the commands that take them (the others' copies keep their
    source's lifecycle)."""
    return lifecycle_policy(
        getattr(args, "delete_after_days", None),
        getattr(args, "cold_after_days", None),
        archive=getattr(args, "archive", False),
        fit_retention=getattr(args, "fit_retention", False),
        allow_expired=getattr(args, "allow_expired", False),
    )


def _filters(args: argparse.Namespace) -> Selection:
    return values.selection_filters(
        allowed=values.comma_list(args.allowed_apmids),
        excluded=values.comma_list(args.excluded_apmids),
        where=args.where,
        metadata=args.metadata_csv is not None,
        created_after=args.created_after,
        created_before=args.created_before,
        types=args.resource_type,
    )


def state_location(
    args: argparse.Namespace,
    environ: Mapping[str, str],
    chosen: SelectionRequest,
    vault: str | None,
) -> StateLocation:
    """--state-file / --state-dir, and what finds the default state under $XDG_STATE_HOME (or
    ~/.local/state) when they are not given."""
    home = environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    region = args.region or environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION")
    # Several source accounts: named without them, so any account set of one migration (and
    # --organization) finds the same directory, whatever order the accounts are named in.
    several = getattr(args, "source_accounts", None) or getattr(args, "organization", False)
    name = MigrationName(
        source_account="accounts" if several else args.source_account,
        dest_account=args.dest_account or ("routed" if getattr(args, "route_csv", None) else None),
        region=region,
        vaults=chosen.vault_names,
        all_vaults=chosen.all_vaults,
        dest_vault=vault,
        selection=chosen.selection,
    )
    state_file = getattr(args, "state_file", None)
    state_dir = getattr(args, "state_dir", None)
    return StateLocation(
        Path(state_file) if state_file else None,
        Path(state_dir) if state_dir else None,
        Path(home),
        name,
    )


# -- the commands -------------------------------------------------------------------------


def discovery(args: argparse.Namespace, routes: RouteRequest, output: Output) -> Discovery:
    chosen = selection(args)
    if args.command == "filter":
        require_vaults(chosen)
    elif not chosen.vault_names and not chosen.all_vaults and chosen.selection != Selection():
        raise UsageError("selection flags apply to recovery points: add --vault or --all-vaults")
    reach = connections(args, routes, dest=args.command == "filter", table=chosen.routing)
    return Discovery(reach, routes, chosen, output, args.verbose)


def copy(args: argparse.Namespace, routes: RouteRequest, environ: Mapping[str, str]) -> Copy:
    if args.dest_account is None and args.route_csv is None:
        raise UsageError("copy needs --dest-account (or --route-csv)")
    run: dict[str, Any] = {
        "dest_kms_key_arn": args.dest_kms_key_arn,
        "create_dest_vault": args.create_dest_vault,
        "dest_vault_type": args.dest_vault_type,
        "min_retention_days": args.min_retention_days,
        "max_retention_days": args.max_retention_days,
        "workers": args.workers,
        "resume": args.resume,
        "reset": args.reset,
        "include_new": args.include_new,
        "retry_failed": args.retry_failed,
        "failure_threshold": args.failure_threshold,
        "poll_interval": poll_interval(args.poll_interval, environ),
        "max_job_attempts": args.max_job_attempts,
        "max_runtime_minutes": args.max_runtime_minutes,
        "drain_minutes": args.drain_minutes,
    }
    outputs = {
        "--summary-output": args.summary_output,
        "--report-csv": args.report_csv,
        "--log-file": args.log_file,
    }
    values.check_copy(run, args.progress_interval, outputs)
    limits = values.type_limits(args.type_limit or [])
    every = values.compact_every(environ)  # refused before anything is read or written
    chosen = selection(args)
    require_vaults(chosen)
    vault = dest_vault(args)
    request = CopyRequest(
        selection=chosen,
        dest_vault=vault,
        dry_run=args.dry_run,
        skip_preflight=args.skip_preflight,
        copy_role_arn=args.copy_role_arn,
        type_limits=limits,
        compact_every=every,
        summary_output=Path(args.summary_output) if args.summary_output else None,
        report_csv=Path(args.report_csv) if args.report_csv else None,
        adopt=not args.no_adopt,
        newest_first=args.resource_order == "newest-first",
        **run,
    )
    progress = ProgressSettings(args.no_progress, args.progress_interval, routes.sectioned)
    return Copy(
        connections(args, routes, dest=True, table=chosen.routing),
        routes,
        request,
        state_location(args, environ, chosen, vault),
        progress,
        args.verbose,
        args.log_file,
    )


def verify(
    args: argparse.Namespace, routes: RouteRequest, environ: Mapping[str, str], output: Output
) -> Verify:
    if args.dest_account is None and args.route_csv is None:
        raise UsageError("verify needs --dest-account (or --route-csv)")
    chosen = selection(args)
    require_vaults(chosen)
    vault = dest_vault(args)
    location = state_location(args, environ, chosen, vault)
    report = Path(args.report_csv) if args.report_csv else None
    reach = connections(args, routes, dest=True, table=chosen.routing)
    # with --route-csv: its destination accounts ("the destination accounts A, B")
    into = ", ".join(chosen.routing.accounts) if chosen.routing else args.dest_account
    return Verify(reach, routes, chosen, into, vault, location, report, output, args.verbose)


def preflight(args: argparse.Namespace, routes: RouteRequest, output: Output) -> Preflight:
    if args.dest_account is None and args.route_csv is None:
        raise UsageError("preflight needs --dest-account (or --route-csv)")
    chosen = selection(args)
    require_vaults(chosen)
    new = {
        "dest_kms_key_arn": args.dest_kms_key_arn,
        "create_dest_vault": args.create_dest_vault,
        "dest_vault_type": args.dest_vault_type,
        "min_retention_days": args.min_retention_days,
        "max_retention_days": args.max_retention_days,
    }
    values.check_new_vault(new)
    checks = PreflightRequest(
        selection=chosen,
        dest_vault=dest_vault(args),
        copy_role_arn=args.copy_role_arn,
        create_dest_vault=args.create_dest_vault,
        new_vault=CopyRequest(chosen, **new).new_vault,
    )
    reach = connections(args, routes, dest=True, table=chosen.routing)
    return Preflight(reach, routes, checks, output, args.verbose)


def status(
    args: argparse.Namespace, routes: RouteRequest, environ: Mapping[str, str], output: Output
) -> Status:
    sectioned = routes.sectioned or args.state_dir is not None
    named = SelectionRequest((), False, Selection())
    if not args.state_file and not args.state_dir:  # the copy's flags find its default state
        values.account_id("--source-account", args.source_account)
        values.account_id("--dest-account", args.dest_account)
        if args.vault or args.all_vaults:
            named = selection(args)
    location = state_location(args, environ, named, dest_vault(args))
    return Status(location, sectioned, routes.regions, routes.accounts, output, args.verbose)


def iam_policy(
    args: argparse.Namespace, routes: RouteRequest, environ: Mapping[str, str], output: Output
) -> IamPolicy:
    source = values.account_id("--source-account", args.source_account)
    table = route_table(args)
    if args.dest_account is None and table is None:
        raise UsageError("iam-policy needs --dest-account (or --route-csv)")
    dest = values.account_id("--dest-account", args.dest_account) or ""
    assert source is not None
    region = None
    if not routes.sectioned:
        region = args.region or environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION")
        if not region:
            raise UsageError("--region is needed (or AWS_REGION in the environment)")
    return IamPolicy(
        source,
        dest,
        routes,
        region,
        tuple(values.comma_list(args.vault)),
        dest_vault(args),
        values.role_arn("--copy-role-arn", args.copy_role_arn),
        output,
        args.verbose,
        table,
    )


def sandbox(args: argparse.Namespace) -> Sandbox:
    given = vars(args)
    retention = args.copy_job_retention_days
    config = {
        **{name: given[name] for name in SANDBOX_CONFIG.split()},
        "bandwidth_bytes_per_second": args.bandwidth_mib * 1024 * 1024,
        "job_overhead_seconds": args.job_overhead,
        "copy_job_retention_seconds": retention * 86400.0 if retention is not None else None,
        "source_opted_out": tuple(args.opt_out),
        "dest_opted_out": tuple(args.dest_opt_out),
        "page_token_ttl_seconds": args.page_token_ttl,
        "lag_vault_creation_seconds": args.lag_creation_seconds,
        # Each --lag-copy-limit's TypeLimits (None: AWS's quotas), merged by sandbox_command.
        "lag_copy_limits": args.lag_copy_limit,
    }
    faults = {
        **{name: given[name] for name in SANDBOX_FAULTS.split()},
        "credential_ttl_seconds": args.credential_ttl,
    }
    spec = {
        **{name: given[name] for name in SANDBOX_SPEC.split()},
        "dest_vaults": not args.no_dest_vaults,
        "dest_policy": not args.no_dest_policy,
        "cross_account_enabled": not args.cross_account_disabled,
        "copy_role": not args.no_copy_role,
        "region_shares": args.region_shares or (),
        "account_shares": args.account_shares or (),
        "lag_vaults": tuple(args.dest_lag_vault or ()),
    }
    return Sandbox(
        config,
        faults,
        spec,
        args.regions,
        args.region_shares,
        args.type_limit,
        args.port,
        Path(args.env_file) if args.env_file else None,
        Path(args.workdir) if args.workdir else None,
        args.api_burst is not None and args.api_rate is None,
        args.verbose,
    )
