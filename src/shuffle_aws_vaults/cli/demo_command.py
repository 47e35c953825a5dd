"""`shuffle-aws-vaults demo`: a whole migration on a sandbox served in this process.

filter -> copy stopped by its runtime limit -> status -> copy --resume -> a night's new backups
picked up by --include-new -> a lost state file that copies nothing twice -> verify, with the
real progress display and summary. Time runs 3000 times faster in the sandbox, so it takes about
a minute.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from pathlib import Path

from . import signals
from .environment import Environment
from .exit_status import ExitStatus
from .request_types import Demo
from .sandbox_loader import load_sandbox

OUTPUT = Path("demo-output")


def _step(number: int, title: str, argv: list[str]) -> None:
    print(f"\n== {number}. {title}")
    print("$ shuffle-aws-vaults " + " ".join(argv), flush=True)


class DemoStopped(Exception):
    """A step was stopped by a signal: the demo ends there."""


def _run(argv: list[str]) -> int:
    """One step's command; a Ctrl-C (or SIGTERM) that stopped it stops the demo too."""
    from . import main

    seen = len(signals.RECEIVED)
    code = main(argv)
    if code == ExitStatus.INTERRUPTED or len(signals.RECEIVED) > seen:
        print(f"exit status {code}")
        raise DemoStopped
    return code


def run_demo(request: Demo, env: Environment) -> int:
    try:
        return _demo(request)
    except DemoStopped:
        print("stopped by a signal: the demo ends here", file=sys.stderr)
        return ExitStatus.INTERRUPTED


def _demo(request: Demo) -> int:

    sandbox = load_sandbox()
    config = sandbox.SandboxConfig(
        seed=request.seed,
        time_scale=3000.0,
        faults=sandbox.FaultConfig(throttle_rate=0.02, job_failure_rate=0.02),
    )
    spec = sandbox.SeedSpec(recovery_points=request.recovery_points, vaults=2)
    OUTPUT.mkdir(exist_ok=True)
    state = OUTPUT / "state.jsonl"
    for stale in OUTPUT.glob("state.jsonl*"):
        stale.unlink()
    print(
        f"Starting a sandbox AWS Backup: {spec.recovery_points:,} recovery points in 2 vaults of "
        "account 111111111111, to be copied to account 222222222222. Time runs 3000x faster; "
        "2% of calls are throttled and 2% of copy jobs fail once."
    )
    with sandbox.Sandbox(config, spec) as server:
        os.environ.update(server.env())
        accounts = [
            "--source-account",
            config.source_account,
            "--source-profile",
            "sandbox-source",
        ]
        both = [*accounts, "--dest-account", config.dest_account, "--dest-profile", "sandbox-dest"]
        csv_flag = ["--metadata-csv", str(server.csv_path)]
        print(f"Serving at {server.endpoint_url}; metadata CSV {server.csv_path}")

        argv = ["list", *accounts]
        _step(1, "What is in the source account", argv)
        _run(argv)

        argv = ["filter", *both, "--all-vaults", *csv_flag, "--output", "csv"]
        _step(2, "What a migration would take (items to a CSV, the summary here)", argv)
        items = io.StringIO()
        with contextlib.redirect_stdout(items):
            _run(argv)
        (OUTPUT / "selection.csv").write_text(items.getvalue(), encoding="utf-8")
        selected = items.getvalue().count("\n") - 1
        print(f"(the {selected:,} selected items are in {OUTPUT}/selection.csv)")

        copy = [
            "copy",
            *both,
            "--all-vaults",
            *csv_flag,
            "--workers",
            "80",
            "--poll-interval",
            "0.5",
            "--progress-interval",
            "5",
            "--state-file",
            str(state),
        ]
        argv = [*copy, "--max-runtime-minutes", "0.2", "--drain-minutes", "0.05"]
        _step(3, "Copy, in a 12-second maintenance window", argv)
        code = _run(argv)
        print(f"exit status {code} (2: incomplete, run again with --resume)")

        argv = ["status", "--state-file", str(state)]
        _step(4, "Status, from the journal alone", argv)
        _run(argv)

        argv = [
            *copy,
            "--resume",
            "--summary-output",
            str(OUTPUT / "summary.json"),
            "--report-csv",
            str(OUTPUT / "report.csv"),
        ]
        _step(5, "Resume to the end", argv)
        code = _run(argv)
        meaning = {0: "every item copied", 1: "some items failed; see the summary"}
        print(f"exit status {code} ({meaning.get(code, 'incomplete')})")

        added = sandbox.add_new_backups(server.world, server.seeded, 40)
        argv = [*copy, "--resume", "--include-new", "--no-progress"]
        _step(
            6,
            f"A night later the backup plans added {len(added)} recovery points: pick them up",
            argv,
        )
        code = _run(argv)
        print(f"exit status {code}")

        lost = OUTPUT / "state-lost.jsonl"
        for stale in OUTPUT.glob("state-lost.jsonl*"):
            stale.unlink()
        argv = [*copy[: copy.index("--state-file")], "--state-file", str(lost), "--resume"]
        argv += ["--no-progress"]
        _step(7, "The journal is lost: a new state file adopts the copies, copies none again", argv)
        code = _run(argv)
        print(f"exit status {code}")

        argv = ["verify", *both, "--all-vaults", *csv_flag, "--state-file", str(state)]
        _step(8, "Verify: every planned copy in the destination, complete and matching", argv)
        code = _run(argv)
        print(f"exit status {code} (0: every planned item verified)")
        jobs, copied, twice = sandbox.launch.copies_made(server.world)
        print(
            f"\nThe sandbox's own records: {jobs:,} copy jobs, {copied:,} recovery "
            f"points copied, {twice} copied twice."
        )
        print(f"Summary: {OUTPUT}/summary.json; per-item report: {OUTPUT}/report.csv")
    sys.stdout.flush()
    return ExitStatus.SUCCESS if twice == 0 else ExitStatus.ERROR
