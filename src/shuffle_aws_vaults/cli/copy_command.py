"""`copy`: flags into a CopyRequest; print what the use case says; its outcome as exit status."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .. import bootstrap
from ..application.copy_engine import EngineSettings
from ..application.copy_migration import CopyMigration
from ..application.copy_request import (
    CopyRequest,
    PlanPreview,
    PreflightFailed,
)
from ..application.run_control import StopSignal
from ..application.selection_stage import check_metadata, require_vaults
from ..domain.lanes import (
    TypeLimit,
    TypeLimitError,
    parse_type_limits,
)
from .accounts import copy_ports, selection_request, sources, warn, wire
from .checklist import print_checklist
from .copy_outcome import closing_line, exit_status
from .copy_regions import run_copy_regions
from .environment import Environment
from .exit_status import ExitStatus, UsageError
from .options import region_request
from .plan_display import print_plan
from .signals import PlanningSignals, StoppedWhilePlanning, install_signal_handlers
from .state_paths import default_state_path

MAX_WORKERS = 500


def check_args(args: argparse.Namespace) -> None:
    if args.dest_account is None:
        raise UsageError("copy needs --dest-account")
    if args.dest_kms_key_arn and not args.create_dest_vault:
        raise UsageError("--dest-kms-key-arn applies to vaults that --create-dest-vault creates")
    if not 1 <= args.workers <= MAX_WORKERS:
        raise UsageError(f"--workers must be from 1 to {MAX_WORKERS}, got {args.workers}")
    if args.resume and args.reset:
        raise UsageError("give --resume or --reset, not both")
    for flag, given in (("--include-new", args.include_new), ("--retry-failed", args.retry_failed)):
        if given and not args.resume:
            raise UsageError(f"{flag} applies to a migration being resumed: add --resume")
    if args.failure_threshold < 0:
        raise UsageError(f"--failure-threshold must be 0 or more, got {args.failure_threshold}")
    for flag, value in (
        ("--poll-interval", args.poll_interval),
        ("--progress-interval", args.progress_interval),
    ):
        if value <= 0:
            raise UsageError(f"{flag} must be greater than 0, got {value}")
    if args.max_job_attempts < 1 or args.max_job_attempts > 20:
        raise UsageError(f"--max-job-attempts must be from 1 to 20, got {args.max_job_attempts}")
    if args.max_runtime_minutes is not None and args.max_runtime_minutes <= 0:
        raise UsageError("--max-runtime-minutes must be greater than 0")
    if args.drain_minutes < 0:
        raise UsageError("--drain-minutes must be 0 or more")
    for flag, days in (
        ("--delete-after-days", args.delete_after_days),
        ("--cold-after-days", args.cold_after_days),
    ):
        if days is not None and days < 1:
            raise UsageError(f"{flag} must be at least 1, got {days}")
    if (
        args.delete_after_days is not None
        and args.cold_after_days is not None
        and args.delete_after_days < args.cold_after_days + 90
    ):
        raise UsageError(
            "--delete-after-days must be at least 90 days after --cold-after-days (AWS's rule)"
        )
    for flag in ("summary_output", "report_csv", "log_file"):
        value = getattr(args, flag)
        if value is not None and not Path(value).parent.resolve().is_dir():
            raise UsageError(
                f"--{flag.replace('_', '-')}: directory {Path(value).parent} does not exist"
            )


def type_limits_of(args: argparse.Namespace) -> tuple[TypeLimit, ...]:
    """--type-limit, as given (each repeat adds to the others)."""
    try:
        return parse_type_limits(args.type_limit or [])
    except TypeLimitError as exc:
        raise UsageError(f"--type-limit: {exc}") from None


COMPACT_EVERY_VARIABLE = "SHUFFLE_AWS_VAULTS_COMPACT_EVERY"


def compact_every() -> int:
    """Journal events between compactions (tests and torture runs set it low to crash in one)."""
    raw = os.environ.get(COMPACT_EVERY_VARIABLE, "")
    if not raw:
        return EngineSettings.compact_every
    if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
        raise UsageError(f"{COMPACT_EVERY_VARIABLE}={raw!r}: expected a positive whole number")
    return int(raw)


def copy_request(args: argparse.Namespace) -> CopyRequest:
    """The flags, checked, as the use case's request."""
    check_args(args)
    limits = type_limits_of(args)
    every = compact_every()  # a bad value is refused before anything is read or written
    selection = selection_request(args)
    require_vaults(selection)
    return CopyRequest(
        selection=selection,
        dest_vault=args.dest_vault,
        dry_run=args.dry_run,
        resume=args.resume,
        reset=args.reset,
        skip_preflight=args.skip_preflight,
        create_dest_vault=args.create_dest_vault,
        dest_kms_key_arn=args.dest_kms_key_arn,
        copy_role_arn=args.copy_role_arn,
        delete_after_days=args.delete_after_days,
        cold_after_days=args.cold_after_days,
        workers=args.workers,
        type_limits=limits,
        poll_interval=args.poll_interval,
        max_job_attempts=args.max_job_attempts,
        max_runtime_minutes=args.max_runtime_minutes,
        drain_minutes=args.drain_minutes,
        compact_every=every,
        summary_output=Path(args.summary_output) if args.summary_output else None,
        report_csv=Path(args.report_csv) if args.report_csv else None,
        adopt=not args.no_adopt,
        include_new=args.include_new,
        retry_failed=args.retry_failed,
        failure_threshold=args.failure_threshold,
        newest_first=args.resource_order == "newest-first",
    )


def say(line: str) -> None:
    print(line, file=sys.stderr)


def run_copy(args: argparse.Namespace, env: Environment) -> int:
    request = copy_request(args)
    regions = region_request(args)
    if regions is not None:
        return run_copy_regions(args, env, regions, request)
    bootstrap.configure_logging(args.verbose, args.log_file)
    names = list(request.selection.vault_names)
    state_path = (
        Path(args.state_file)
        if args.state_file
        else default_state_path(args, names, request.selection.selection)
    )
    store = bootstrap.state_store(state_path)
    planning = PlanningSignals()
    try:
        with CopyMigration(request, store, say, env.now) as migration:
            return _run_copy(args, migration, planning)
    except StoppedWhilePlanning as stopped:
        saved = (
            f"the plan is saved in {store.journal_path}"
            if store.exists() and not args.dry_run
            else "nothing was recorded"
        )
        print(
            f"stopped by {stopped.signal} before any copy was started; {saved}; run again "
            "(with --resume) to go on",
            file=sys.stderr,
        )
        return ExitStatus.INCOMPLETE
    finally:
        planning.restore()


def _run_copy(args: argparse.Namespace, migration: CopyMigration, planning: PlanningSignals) -> int:
    migration.check_state()
    wiring = wire(args, with_dest=True)
    check_metadata(migration.request.selection.selection, sources(wiring), warn)
    ports = copy_ports(
        wiring,
        lambda total, done: bootstrap.progress(
            quiet=args.no_progress, interval=args.progress_interval, total=total, done=done
        ),
    )
    try:
        opened = migration.open(ports)
    except PreflightFailed as refused:
        print_checklist(refused.results, sys.stderr)
        raise
    if isinstance(opened, PlanPreview):
        print_plan(opened, args.workers, migration.request.type_limits, sys.stdout)
        return ExitStatus.SUCCESS
    stop = StopSignal()
    restore = install_signal_handlers(stop)
    planning.armed = False
    try:
        outcome = migration.run(opened, ports, stop)
    finally:
        restore()
    print(
        closing_line(
            outcome.report, outcome.run, migration.store.journal_path, migration.request.report_csv
        ),
        file=sys.stderr,
    )
    return exit_status(outcome)
