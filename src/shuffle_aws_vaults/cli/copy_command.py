"""`copy`: plan, submit to the quota, track in bulk, journal every intent, resume."""

from __future__ import annotations

import argparse
import dataclasses
import gc
import hashlib
import os
import signal
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

from ..application.copy_engine import CopyEngine, EngineSettings, RunOutcome
from ..application.destination import prepare_destination
from ..application.discovery import resolve_vaults, scan
from ..application.planning import PlanSummary, build_plan, estimate_seconds
from ..application.preflight import PlanFacts, failed
from ..application.run_control import StopSignal
from ..domain.copy_job import Lifecycle
from ..domain.iam_policies import copy_role_arn
from ..domain.lanes import (
    DOCUMENTED_TYPE_LIMITS,
    TypeLimit,
    TypeLimitError,
    merge_limits,
    parse_type_limits,
)
from ..domain.migration import MigrationState, Status
from ..domain.plan import plan_hash
from ..domain.progress import format_duration
from ..domain.selection import Selection, SelectionTally
from ..infrastructure.output import human_size
from .discovery_commands import check_where_columns, warn_duplicates, wire
from .exit_status import ExitStatus, UsageError, UserError
from .options import selection_from_args, vault_names
from .preflight_command import preflight, print_checklist

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


def default_state_path(args: argparse.Namespace, vaults: list[str], selection: Selection) -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    key = repr((sorted(vaults), args.all_vaults, args.dest_vault, selection.describe()))
    digest = hashlib.sha256(key.encode()).hexdigest()[:10]
    label = "all-vaults" if args.all_vaults else "+".join(sorted(vaults))[:60]
    region = args.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    name = f"{args.source_account}-to-{args.dest_account}-{region or 'default'}-{label}-{digest}"
    return Path(base) / "shuffle-aws-vaults" / f"{name}.jsonl"


def identity_of(
    args: argparse.Namespace, vaults: list[str], selection: Selection, source: Any, dest: Any
) -> dict[str, Any]:
    """What makes a migration this migration; a state file of another one is refused."""
    return {
        "source_account": source.account_id,
        "dest_account": dest.account_id,
        "source_region": source.region,
        "dest_region": dest.region,
        "vaults": sorted(vaults) if not args.all_vaults else "*",
        "dest_vault": args.dest_vault,
        "selection": selection.describe(),
    }


def identity_difference(recorded: dict[str, Any], wanted: dict[str, Any]) -> str | None:
    for key in ("source_account", "dest_account", "source_region", "dest_region", "vaults"):
        if recorded.get(key) != wanted.get(key):
            return f"{key.replace('_', ' ')} {recorded.get(key)} vs {wanted.get(key)}"
    if recorded.get("dest_vault") != wanted.get("dest_vault"):
        return f"--dest-vault {recorded.get('dest_vault')} vs {wanted.get('dest_vault')}"
    if recorded.get("selection") != wanted.get("selection"):
        return "the selection filters differ"
    return None


def type_limits_of(args: argparse.Namespace) -> tuple[TypeLimit, ...]:
    """--type-limit, as given (each repeat adds to the others)."""
    try:
        return parse_type_limits(args.type_limit or [])
    except TypeLimitError as exc:
        raise UsageError(f"--type-limit: {exc}") from None


def print_plan(
    summary: PlanSummary,
    items: list[Any],
    workers: int,
    limits: tuple[TypeLimit, ...],
    out: Any,
) -> None:
    tally = summary.tally
    out.write(
        f"Plan: {summary.items:,} recovery points, {human_size(summary.bytes)} "
        f"(of {tally.total:,} listed; {tally.excluded_total:,} excluded).\n"
    )
    for title, counts, sizes in (
        ("vault", summary.by_vault, summary.bytes_by_vault),
        ("resource type", summary.by_type, summary.bytes_by_type),
    ):
        out.write(f"By {title}:\n")
        for name, count in counts.most_common():
            out.write(f"  {name:<32} {count:>10,}  {human_size(sizes[name]):>12}\n")
    if summary.by_apmid:
        out.write("By APMID (largest 15):\n")
        for name, count in summary.by_apmid.most_common(15):
            out.write(f"  {name or '(none)':<32} {count:>10,}\n")
    if tally.excluded:
        out.write("Excluded by reason:\n")
        for reason, count in tally.excluded.most_common():
            out.write(f"  {reason.value:<32} {count:>10,}  {reason.description}\n")
    assumed = merge_limits(parse_type_limits(DOCUMENTED_TYPE_LIMITS), limits)
    estimate = estimate_seconds(items, workers, assumed)
    named = ",".join(f"{limit.name}={limit.limit}" for limit in assumed)
    out.write(
        f"Estimated duration at {workers} concurrent jobs: {format_duration(estimate.seconds)}, "
        f"bound by {estimate.bound_by} (assuming 100 MiB/s and 2 minutes per job, and the "
        f"services' own copy limits {named}; AWS publishes no copy speed).\n"
    )


COMPACT_EVERY_VARIABLE = "SHUFFLE_AWS_VAULTS_COMPACT_EVERY"


def compact_every() -> int:
    """Journal events between compactions (tests and torture runs set it low to crash in one)."""
    raw = os.environ.get(COMPACT_EVERY_VARIABLE, "")
    if not raw:
        return EngineSettings.compact_every
    if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
        raise UsageError(f"{COMPACT_EVERY_VARIABLE}={raw!r}: expected a positive whole number")
    return int(raw)


def run_copy(args: argparse.Namespace) -> int:
    from ..infrastructure.journal_store import StateStore
    from ..infrastructure.logging_setup import configure

    check_args(args)
    type_limits_of(args)
    compact_every()  # a bad value is refused before anything is read or written
    configure(args.verbose, args.log_file)
    names = vault_names(args)
    if not names and not args.all_vaults:
        raise UsageError("name the vaults: --vault NAME (repeatable) or --all-vaults")
    selection = selection_from_args(args)
    state_path = (
        Path(args.state_file) if args.state_file else default_state_path(args, names, selection)
    )
    store = StateStore(state_path)
    if not args.dry_run:
        store.lock("shuffle-aws-vaults copy")
    planning = PlanningSignals()
    try:
        return _run_copy(args, names, selection, store, planning)
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
        store.unlock()


class StoppedWhilePlanning(BaseException):
    """SIGINT or SIGTERM while listing, filtering and planning: nothing to drain, stop now."""

    def __init__(self, signal_name: str) -> None:
        super().__init__(signal_name)
        self.signal = signal_name


class PlanningSignals:
    """Until the engine installs its own handlers, SIGINT and SIGTERM stop the run at once with
    exit status 2 (the copy's "incomplete"); the state files are written atomically, so
    whatever was recorded stays loadable. After the engine's run, they are ignored: only the
    summary is left to write."""

    def __init__(self) -> None:
        self.armed = True
        self._previous = {
            sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGINT, signal.SIGTERM)
        }

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        if self.armed:
            self.armed = False
            raise StoppedWhilePlanning(signal.Signals(signum).name)

    def restore(self) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)


def _run_copy(
    args: argparse.Namespace,
    names: list[str],
    selection: Selection,
    store: Any,
    planning: PlanningSignals,
) -> int:
    from ..infrastructure.progress_display import LineProgress, NullProgress, TqdmProgress

    existing = store.exists() and not args.dry_run
    if existing and not args.resume and not args.reset:
        raise UserError(
            f"a migration state already exists at {store.journal_path}: add --resume to "
            "continue it, or --reset to discard it and plan afresh"
        )
    wiring = wire(args, with_dest=True)
    assert wiring.dest is not None
    source, dest = wiring.source, wiring.dest
    same_place = source.account_id == dest.account_id and source.region == dest.region
    if same_place and (args.dest_vault is None or args.dest_vault in names):
        raise UsageError(
            "source and destination are the same account and region: give a --dest-vault "
            "other than the source vaults"
        )
    warn_duplicates(wiring)
    check_where_columns(selection, wiring)
    identity = identity_of(args, names, selection, source, dest)
    role = copy_role_arn(source.account_id, args.copy_role_arn)
    if existing and args.reset:
        print(describe_discard(store), file=sys.stderr)
    if existing and args.resume:
        recorded, state, journal = store.load()
        difference = identity_difference(recorded, identity)
        if difference:
            journal.close()
            raise UserError(
                f"state file {store.journal_path} belongs to another migration ({difference}); "
                "use another --state-file, or --reset to discard it"
            )
        print(f"Resuming from {store.journal_path}: {resume_line(state)}", file=sys.stderr)
    else:
        vaults = resolve_vaults(source, names, all_vaults=args.all_vaults)
        if args.dest_vault is not None and args.dest_vault == "Default":
            raise UsageError(
                "--dest-vault Default: AWS Backup cannot copy into another account's Default vault"
            )
        tally = SelectionTally()
        candidates = scan(
            source,
            vaults,
            selection,
            metadata=wiring.metadata,
            keys=wiring.keys,
            now=datetime.now(UTC),
            cross_account=source.account_id != dest.account_id,
            tally=tally,
        )

        def dest_arn(vault: str) -> str:
            name = args.dest_vault or vault
            return f"arn:aws:backup:{dest.region}:{dest.account_id}:backup-vault:{name}"

        facts = PlanFacts({vault.name: args.dest_vault or vault.name for vault in vaults})
        items, summary = build_plan(facts.watch(candidates), dest_arn, tally)
        if args.dry_run:
            print_plan(summary, items, args.workers, type_limits_of(args), sys.stdout)
            return ExitStatus.SUCCESS
        if not args.skip_preflight:
            results = preflight(args, source, dest, facts)
            if failed(results):
                print_checklist(results, sys.stderr)
                raise UserError("preflight failed; nothing was copied (see the checklist above)")
        by_name = {vault.name: vault for vault in vaults}
        needed = {args.dest_vault or item.source_vault: item.source_vault for item in items}
        prepared = prepare_destination(
            dest,  # type: ignore[arg-type]
            [(name, by_name.get(source)) for name, source in sorted(needed.items())],
            source.account_id,
            create=args.create_dest_vault,
            kms_key_arn=args.dest_kms_key_arn,
        )
        for name in prepared.created:
            print(f"Created destination vault {name} in account {dest.account_id}", file=sys.stderr)
        for name in prepared.policies_updated:
            print(
                f"Granted account {source.account_id} CopyIntoBackupVault on {name}",
                file=sys.stderr,
            )
        if existing and args.reset:
            moved = store.discard()
            print(f"Previous state moved to {moved}", file=sys.stderr)
        identity = {
            **identity,
            "plan_hash": plan_hash(items),
            "skipped_by_reason": {r.value: n for r, n in tally.excluded.items()},
            "created": datetime.now(UTC).isoformat(),
        }
        state = MigrationState(items)
        journal = store.create(identity, state)
        print(
            f"Planned {len(items):,} copies ({human_size(summary.bytes)}) into "
            f"account {dest.account_id}; state in {store.journal_path}",
            file=sys.stderr,
        )
        recorded = identity
    lifecycle = None
    if args.delete_after_days is not None or args.cold_after_days is not None:
        lifecycle = Lifecycle(args.delete_after_days, args.cold_after_days)
    settings = EngineSettings(
        workers=args.workers,
        type_limits=type_limits_of(args),
        iam_role_arn=role,
        lifecycle=lifecycle,
        poll_interval=args.poll_interval,
        max_job_attempts=args.max_job_attempts,
        max_runtime=args.max_runtime_minutes * 60 if args.max_runtime_minutes else None,
        drain=args.drain_minutes * 60,
        retry_delay=min(300.0, args.poll_interval * 10),
        compact_every=compact_every(),
    )
    stop = StopSignal()
    restore = install_signal_handlers(stop)
    planning.armed = False
    start_time = datetime.now(UTC)
    if args.no_progress:
        progress: Any = NullProgress()
    elif sys.stderr.isatty():
        progress = TqdmProgress(
            len(state), state.counts[Status.COMPLETED] + state.counts[Status.FAILED]
        )
    else:
        progress = LineProgress(args.progress_interval)
    from ..infrastructure.worker_pool import WorkerPool

    # The plan and its state live until the run ends: the collector need not walk them again
    # (at a million items its full passes cost seconds; bench/engine_overhead.py).
    gc.freeze()

    executor = WorkerPool(min(32, args.workers), name="copy")
    engine = CopyEngine(
        state=state,
        gateway=source,
        journal=journal,
        settings=settings,
        executor=executor,
        progress=progress,
        stop=stop,
    )
    try:
        outcome = engine.run()
    finally:
        restore()
    progress.close(engine.snapshot())
    if outcome.reason != "interrupted" and outcome.reason != "fatal":
        try:
            journal.compact(state)
        except OSError as exc:
            where = exc.filename or store.journal_path
            print(
                f"warning: could not compact the state ({where}: {exc.strerror or exc}); "
                "the journal still holds every event",
                file=sys.stderr,
            )
    journal.close()
    end_time = datetime.now(UTC)
    report = run_summary(state, outcome, recorded, start_time, end_time, wiring)
    if args.summary_output:
        from ..infrastructure.reports import write_summary

        write_summary(Path(args.summary_output), report)
    if args.report_csv:
        from ..infrastructure.reports import write_report_csv

        columns = wiring.metadata.columns if wiring.metadata else ()
        write_report_csv(Path(args.report_csv), state, wiring.metadata, columns)
    print(closing_line(report, outcome, store.journal_path), file=sys.stderr)
    if outcome.reason == "fatal":
        print(f"error: {outcome.fatal}", file=sys.stderr)
        return ExitStatus.ERROR
    if outcome.reason == "interrupted":
        os._exit(ExitStatus.INCOMPLETE)  # a second signal: no waiting for calls under way
    if not state.done:
        return ExitStatus.INCOMPLETE
    return ExitStatus.ERROR if state.counts[Status.FAILED] else ExitStatus.SUCCESS


def install_signal_handlers(stop: StopSignal) -> Callable[[], None]:
    def on_signal(signum: int, frame: FrameType | None) -> None:
        if stop.requested:
            print("\nsecond signal: stopping now; the state is saved", file=sys.stderr)
        else:
            print(
                "\nstopping: no new copies; tracking those in flight (again to stop now)",
                file=sys.stderr,
            )
        stop.request(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return restore


def resume_line(state: MigrationState) -> str:
    counts = state.counts
    return (
        f"{counts[Status.COMPLETED]:,} completed, {counts[Status.FAILED]:,} failed, "
        f"{state.in_flight:,} in flight, {counts[Status.PENDING]:,} to go"
    )


def describe_discard(store: Any) -> str:
    try:
        _, state, journal = store.load()
        journal.close()
        what = resume_line(state)
    except Exception as exc:  # a damaged state can still be discarded
        what = f"unreadable: {exc}"
    return (
        f"--reset: discarding the state at {store.journal_path} ({what}). Copy jobs still in "
        "flight continue in AWS; items copied before are planned again (AWS recognises their "
        "earlier jobs only while it honours the idempotency tokens)."
    )


def run_summary(
    state: MigrationState,
    outcome: RunOutcome,
    identity: dict[str, Any],
    start: datetime,
    end: datetime,
    wiring: Any,
) -> dict[str, Any]:
    counts = state.counts
    duration = (end - start).total_seconds()
    completed, failed = counts[Status.COMPLETED], counts[Status.FAILED]
    done = completed + failed
    access = getattr(wiring.source, "access", None)
    api_calls = dict(access.calls) if access is not None else {}
    skipped = identity.get("skipped_by_reason", {})
    return {
        "total_items": len(state),
        "completed": completed,
        "failed": failed,
        "skipped": sum(skipped.values()),
        "in_progress": state.in_flight,
        "pending": counts[Status.PENDING],
        "duration_seconds": round(duration, 3),
        "duration_formatted": format_duration(duration),
        "start_time": start.isoformat(),
        "end_time": end.isoformat(),
        "success_rate": round(100.0 * completed / done, 2) if done else 0.0,
        "throughput_per_hour": (
            round(outcome.completed_this_run * 3600 / duration, 1) if duration > 0 else 0.0
        ),
        "failures": [
            {
                "recovery_point_arn": state.items[i].source_arn,
                "error_code": failure.code,
                "error_message": failure.message,
                "timestamp": datetime.fromtimestamp(failure.at, UTC).isoformat(),
            }
            for i, failure in sorted(state.failures.items())
            if state.status[i] == Status.FAILED
        ],
        "api_calls": api_calls,
        "retries": (access.retries if access is not None else 0) + outcome.submit_retries,
        "job_retries": state.retries,
        "throttles": outcome.throttles,
        "limit_refusals": outcome.limit_refusals,
        "lane_caps": {
            lane: {
                "cap": report.cap,
                "lowest": report.lowest,
                "ceiling": report.ceiling,
                "lowered": report.decreases,
            }
            for lane, report in outcome.lane_caps.items()
        },
        "request_pacing": (
            dataclasses.asdict(access.pacer.stats()) if access is not None else None
        ),
        "bytes_copied": sum(state.items[i].size_bytes for i in state.dest_arns),
        "skipped_by_reason": skipped,
        "stop_reason": outcome.reason,
        "unknown_job_states": dict(outcome.unknown_states),
    }


def closing_line(report: dict[str, Any], outcome: RunOutcome, path: Path) -> str:
    text = (
        f"{report['completed']:,} of {report['total_items']:,} copied, "
        f"{report['failed']:,} failed, "
        f"{report['in_progress']:,} in flight, {report['pending']:,} to go "
        f"({report['duration_formatted']}, {report['throughput_per_hour']:,.0f}/hour)."
    )
    if (
        outcome.reason in ("stopped", "runtime-limit", "interrupted")
        or report["pending"]
        or report["in_progress"]
    ):
        text += f" Incomplete ({outcome.reason}): run again with --resume (state {path})."
    return text
