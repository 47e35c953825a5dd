"""`copy`: the request's routes planned, locked and run by one CopyRun; what it says printed;
how it ended as the exit status."""

from __future__ import annotations

import sys
from collections.abc import Callable

from .. import bootstrap
from ..application.copy_engine import RunOutcome
from ..application.copy_request import OpenedMigration, PlanPreview, PreflightFailed
from ..application.copy_run import CopyRun, completion
from ..application.run_control import StopSignal
from .checklist import print_checklist
from .copy_view import closing_line, print_plan, print_stopped, route_line
from .environment import Environment
from .exit_status import COMPLETION, ExitStatus
from .request_types import Copy
from .signals import PlanningSignals, StoppedWhilePlanning, install_signal_handlers


def run_copy(request: Copy, env: Environment) -> int:
    adapters = bootstrap.build(
        request.connections,
        progress=request.progress,
        verbose=request.verbose,
        log_file=request.log_file,
        logs=True,
        now=env.now,
    )
    assert adapters.board is not None
    run = CopyRun(
        request.copy,
        request.routes,
        request.state,
        accounts=adapters.accounts,
        states=adapters.states,
        reports=adapters.reports,
        executor=adapters.executor,
        notices=adapters.notices,
        now=adapters.now,
        progress=adapters.board.sink,
    )
    planning = PlanningSignals()
    try:
        run.plan()
        with run:
            run.check_states()
            return _run(run, planning, adapters.board.close)
    except StoppedWhilePlanning as stopped:
        if run.sectioned:
            saved = f"what was planned is saved in {run.state_path}"
        else:
            saved = (
                f"the plan is saved in {run.state_path}"
                if run.recorded()
                else ("nothing was recorded")
            )
        print(
            f"stopped by {stopped.signal} before any copy was started; {saved}; run again "
            "(with --resume) to go on",
            file=sys.stderr,
        )
        return ExitStatus.INCOMPLETE
    finally:
        planning.restore()
        adapters.board.close()


def _run(run: CopyRun, planning: PlanningSignals, close_progress: Callable[[], None]) -> int:
    try:
        results = run.open()
    except PreflightFailed as refused:  # the one-Region form: its checklist, then its error
        print_checklist(refused.results, sys.stderr)
        raise
    request = run.request
    if run.sectioned:
        print_stopped(results, sys.stderr)
    if request.dry_run:
        for result in results:
            if isinstance(result.opened, PlanPreview):
                if run.sectioned:
                    print(f"{result.label} -> {result.dest_region}:")
                print_plan(result.opened, request.workers, request.type_limits, sys.stdout)
        return ExitStatus.ERROR if any(result.fatal for result in results) else 0
    stop = StopSignal()
    restore = install_signal_handlers(stop)
    planning.armed = False
    try:
        run.run(stop)
    finally:
        restore()
        close_progress()  # its last lines before the closing ones
    if not run.sectioned:
        outcome = results[0].outcome
        assert outcome is not None and isinstance(results[0].opened, OpenedMigration)
        line = closing_line(outcome.report, outcome.run, run.state_path, request.report_csv)
        print(line, file=sys.stderr)
        if outcome.run.reason == "fatal":
            print(f"error: {outcome.run.fatal}", file=sys.stderr)
        return COMPLETION[completion(results)]
    if run.summary is not None:
        for result in results:
            print(route_line(result), file=sys.stderr)
        total = RunOutcome(run.summary["stop_reason"])
        line = closing_line(run.summary, total, run.state_path, request.report_csv, "--state-dir")
        every = "All accounts" if run.by_account else "All Regions"
        print(f"{every}: {line}", file=sys.stderr)
    return COMPLETION[completion(results)]
