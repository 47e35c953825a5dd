"""`copy --regions/--all-regions`: a migration per source Region, each with its journal in one
migration directory, planned and run side by side; one progress display, one summary, one
report and one exit status. A Region that fails stops only itself."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Callable

from .. import bootstrap
from ..application.copy_engine import RunOutcome
from ..application.copy_migration import CopyMigration
from ..application.copy_request import CopyRequest, OpenedMigration, PlanPreview
from ..application.ports import MigrationDirectory, ProgressBoard
from ..application.regional_copy import RegionalCopy, RegionPart, RegionResult
from ..application.regional_report import regional_summary
from ..application.regions import RegionRequest, RegionScope
from ..application.run_control import StopSignal
from ..bootstrap import Regional
from .accounts import copy_ports, regional_scopes, warn
from .checklist import print_checklist
from .copy_outcome import closing_line, counts_text
from .environment import Environment
from .exit_status import ExitStatus, UserError, describe
from .plan_display import print_plan
from .signals import PlanningSignals, StoppedWhilePlanning, install_signal_handlers
from .state_paths import state_dir


def said_for(region: str) -> Callable[[str], None]:
    def say(line: str) -> None:
        print(f"[{region}] {line}", file=sys.stderr)

    return say


def part_of(
    scope: RegionScope,
    request: CopyRequest,
    directory: MigrationDirectory,
    regional: Regional,
    board: ProgressBoard,
    env: Environment,
) -> RegionPart:
    wiring = regional.wiring(scope.region, scope.dest_region)
    here = dataclasses.replace(
        request, selection=scope.request, summary_output=None, report_csv=None
    )
    ports = copy_ports(wiring, lambda total, done: board.sink(scope.region, total, done))
    migration = CopyMigration(here, directory.store(scope.region), said_for(scope.region), env.now)
    return RegionPart(scope.region, scope.dest_region, migration, ports)


def run_copy_regions(
    args: argparse.Namespace, env: Environment, regions: RegionRequest, request: CopyRequest
) -> int:
    bootstrap.configure_logging(args.verbose, args.log_file)
    unlisted: list[RegionResult] = []
    regional, listed, _ = regional_scopes(
        args,
        regions,
        request.selection,
        dest=True,
        # A Region whose vaults cannot be listed (credentials, an SCP) stops alone.
        failed=lambda region, dest, exc: unlisted.append(RegionResult(region, dest, error=exc)),
    )
    scopes = [scope for scope in listed if scope.vaults]  # the others were warned about
    if not scopes:
        _report_open(unlisted)
        if not unlisted:
            raise UserError("nothing to copy: none of the Regions holds a vault of the selection")
        return ExitStatus.ERROR
    names = list(request.selection.vault_names)
    directory = bootstrap.migration_directory(state_dir(args, names, request.selection.selection))
    left = sorted(set(directory.regions()) - {scope.region for scope in scopes})
    if left and not request.dry_run:
        warn(
            f"{directory.path} also holds the state of Region(s) {', '.join(left)}, not in this "
            "run: left as it is (name them in --regions to go on with them)"
        )
    board = bootstrap.region_progress(
        quiet=args.no_progress,
        interval=args.progress_interval,
        regions=[scope.region for scope in scopes],
    )
    parts = [part_of(scope, request, directory, regional, board, env) for scope in scopes]
    copy = RegionalCopy(parts)
    planning = PlanningSignals()
    try:
        with copy:
            if not request.dry_run:
                copy.check_states()
            return _run(request, env, copy, board, planning, directory, unlisted)
    except StoppedWhilePlanning as stopped:
        print(
            f"stopped by {stopped.signal} before any copy was started; what was planned is "
            f"saved in {directory.path}; run again (with --resume) to go on",
            file=sys.stderr,
        )
        return ExitStatus.INCOMPLETE
    finally:
        planning.restore()


def _report_open(results: list[RegionResult]) -> None:
    for result in results:
        if result.nothing is not None:
            print(f"[{result.region}] {result.nothing}", file=sys.stderr)
        if result.checklist is not None:
            print(f"[{result.region}] ", end="", file=sys.stderr)
            print_checklist(result.checklist, sys.stderr)
        if result.error is not None:
            print(
                f"error: Region {result.region}: {describe(result.error)}; the other Regions "
                "go on",
                file=sys.stderr,
            )


def _run(
    request: CopyRequest,
    env: Environment,
    copy: RegionalCopy,
    board: ProgressBoard,
    planning: PlanningSignals,
    directory: MigrationDirectory,
    unlisted: list[RegionResult],
) -> int:
    results = [*unlisted, *copy.open()]
    _report_open(results)
    opened = [result for result in results if result.opened is not None]
    if not opened and all(result.nothing is not None for result in results):
        raise UserError("nothing to copy in any Region: no recovery point matches the selection")
    if request.dry_run:
        for result in opened:
            assert isinstance(result.opened, PlanPreview)
            print(f"Region {result.region} -> {result.dest_region}:")
            print_plan(result.opened, request.workers, request.type_limits, sys.stdout)
        return ExitStatus.ERROR if any(result.fatal for result in results) else 0
    stop = StopSignal()
    restore = install_signal_handlers(stop)
    planning.armed = False
    started = env.now()
    try:
        copy.run(stop)
    finally:
        restore()
        board.close()
    statistics = copy.parts[0].ports.statistics
    summary = regional_summary(results, started, env.now(), statistics, describe)
    reports = copy.parts[0].ports.reports
    if request.summary_output:
        reports.write_summary(request.summary_output, summary)
    if request.report_csv:
        states = [
            (result.region, result.opened.state)
            for result in results
            if isinstance(result.opened, OpenedMigration)
        ]
        reports.write_region_report_csv(request.report_csv, states, copy.parts[0].ports.metadata)
    for result in results:
        print(region_line(result), file=sys.stderr)
    total = RunOutcome(summary["stop_reason"])
    print(
        "All Regions: "
        + closing_line(summary, total, directory.path, request.report_csv, "--state-dir"),
        file=sys.stderr,
    )
    return exit_status(results)


def region_line(result: RegionResult) -> str:
    where = f"  {result.region} -> {result.dest_region}: "
    if result.outcome is None:
        if result.nothing is not None:
            return where + "nothing to copy"
        return where + ("stopped: " + describe(result.error) if result.error else "not run")
    report, run = result.outcome.report, result.outcome.run
    text = f"{counts_text(report, 'there')} ({run.reason}"
    if run.fatal:
        text += f": {run.fatal}"
    elif result.error is not None:
        text += f": {describe(result.error)}"
    if run.failure_streak is not None:
        signature, count = run.failure_streak
        text += f": {count:,} items in a row failed with {signature}"
    return where + text + ")"


def exit_status(results: list[RegionResult]) -> int:
    """1 when any Region failed fatally, hit its failure threshold or has failed items (once
    nothing is left to do); else 2 while any Region is incomplete; else 0."""
    outcomes = [result.outcome for result in results if result.outcome is not None]
    if any(result.fatal for result in results):
        return ExitStatus.ERROR
    if any(outcome.run.reason == "failure-threshold" for outcome in outcomes):
        return ExitStatus.ERROR
    if any(outcome.run.reason == "interrupted" or not outcome.done for outcome in outcomes):
        return ExitStatus.INCOMPLETE
    return ExitStatus.ERROR if any(outcome.counts.failed for outcome in outcomes) else 0
