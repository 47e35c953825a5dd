"""`shuffle-aws-vaults demo`: three source accounts consolidated into one destination account,
on a sandbox served in this process.

list -> filter -> preflight -> copy stopped by its runtime limit -> status -> copy --resume -> a
night's new backups picked up by --include-new -> a lost migration directory that copies nothing
twice -> verify, each one run over the three accounts at once, with the real progress display (a
line per account, then the total) and summary (a section per account and per destination). Time
runs 3000 times faster in the sandbox, so it takes about a minute.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shlex
import shutil
import sys
import textwrap
from pathlib import Path
from typing import Any

from . import signals
from .environment import Environment
from .exit_status import ExitStatus
from .request_types import Demo
from .sandbox_loader import load_sandbox

OUTPUT = Path("demo-output")
SOURCE_ACCOUNTS = 3
WIDTH = 100  # command lines longer than this are broken before a flag, shell-style


def _say(text: str = "", *, wrap: bool = False) -> None:
    """A line of the demo's own (a paragraph filled to WIDTH when `wrap`), flushed: in order
    with the commands' standard error, even through a pipe."""
    print(textwrap.fill(text, WIDTH) if wrap else text, flush=True)


def shell_line(argv: list[str]) -> str:
    """The command as one would type it, a flag kept with its value: broken with `\\` before a
    flag that would take the line past WIDTH."""
    groups: list[list[str]] = [["$", "shuffle-aws-vaults"]]
    for word in (shlex.quote(arg) for arg in argv):
        if word.startswith("--") or len(groups) == 1:
            groups.append([])
        groups[-1].append(word)
    lines = [" ".join(groups[0])]
    for group in groups[1:]:
        text = " ".join(group)
        if len(lines[-1]) + 1 + len(text) > WIDTH:
            lines[-1] += " \\"
            lines.append("   ")
        lines[-1] += " " + text
    return "\n".join(lines)


def _step(number: int, title: str, argv: list[str]) -> None:
    _say(f"\n== {number}. {title}")
    _say(shell_line(argv))


class DemoStopped(Exception):
    """A step was stopped by a signal: the demo ends there."""


def _run(argv: list[str]) -> int:
    """One step's command; a Ctrl-C (or SIGTERM) that stopped it stops the demo too."""
    from . import main

    seen = len(signals.RECEIVED)
    code = main(argv)
    if code == ExitStatus.INTERRUPTED or len(signals.RECEIVED) > seen:
        _say(f"exit status {code}")
        raise DemoStopped
    return code


def run_demo(request: Demo, env: Environment) -> int:
    try:
        return _demo(request)
    except DemoStopped:
        print("stopped by a signal: the demo ends here", file=sys.stderr)
        return ExitStatus.INTERRUPTED


def summary_sections(path: Path) -> list[str]:
    """The summary file's section per source account and per destination account, a line each."""
    summary: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    lines = [f'{path}: its "accounts" section (one per source account) and "destinations":']
    for account, section in summary.get("accounts", {}).items():
        lines.append(
            f"  source {account}: {section['completed']:,} of {section['planned_items']:,} "
            f"planned copied, {section['failed']:,} failed, {section['skipped']:,} not "
            f"copyable (routes: {', '.join(section['routes'])})"
        )
    for account, section in summary.get("destinations", {}).items():
        lines.append(
            f"  destination {account}: {section['completed']:,} of {section['planned']:,} "
            f"planned copied, {section['failed']:,} failed, {section['to_do']:,} to do"
        )
    return lines


def _fresh(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    return path


def _demo(request: Demo) -> int:
    sandbox = load_sandbox()
    config = sandbox.SandboxConfig(
        seed=request.seed,
        time_scale=3000.0,
        source_account_count=SOURCE_ACCOUNTS,
        faults=sandbox.FaultConfig(throttle_rate=0.02, job_failure_rate=0.02),
    )
    spec = sandbox.SeedSpec(recovery_points=request.recovery_points, vaults=2)
    sources, dest = config.source_accounts, config.dest_account
    OUTPUT.mkdir(exist_ok=True)
    state, lost = _fresh(OUTPUT / "state"), _fresh(OUTPUT / "state-lost")
    _say(
        f"Starting a sandbox AWS Backup: {spec.recovery_points:,} recovery points spread over "
        f"{len(sources)} source accounts ({', '.join(sources)}), 2 vaults each, to be "
        f"consolidated into one destination account, {dest}. Time runs 3000x faster; 2% of "
        "calls are throttled and 2% of copy jobs fail once.",
        wrap=True,
    )
    with sandbox.Sandbox(config, spec) as server:
        os.environ.update(server.env())
        accounts = [
            "--source-accounts",
            ",".join(sources),
            "--source-profile",
            ",".join(f"{account}=sandbox-{account}" for account in sources),
        ]
        both = [*accounts, "--dest-account", dest, "--dest-profile", "sandbox-dest"]
        csv_flag = ["--metadata-csv", str(server.csv_path)]
        # The migration directory (a journal per account) wants the Regions named.
        where = ["--regions", config.region, "--state-dir"]
        _say(f"Serving at {server.endpoint_url}; metadata CSV {server.csv_path}")
        _say(
            f"Every command below takes the {len(sources)} source accounts at once "
            "(--source-accounts), each through its own AWS profile sandbox-ACCOUNTID "
            "(--source-profile ACCOUNT=PROFILE,...); the destination's profile is sandbox-dest. "
            f"The copies journal into one migration directory, {state}/, a journal per "
            "account and Region (--state-dir, with the Region named by --regions).",
            wrap=True,
        )

        argv = ["list", *accounts]
        _step(1, "What is in the source accounts", argv)
        _run(argv)

        argv = ["filter", *both, "--all-vaults", *csv_flag, "--output", "csv"]
        _step(2, "What the consolidation would take (items to a CSV, the summary here)", argv)
        items = io.StringIO()
        with contextlib.redirect_stdout(items):
            _run(argv)
        (OUTPUT / "selection.csv").write_text(items.getvalue(), encoding="utf-8")
        selected = items.getvalue().count("\n") - 1
        _say(f"(the {selected:,} selected items are in {OUTPUT}/selection.csv)")

        argv = ["preflight", *both, "--all-vaults", *csv_flag]
        _step(3, "Preflight: can each account's backups be copied into the destination?", argv)
        code = _run(argv)
        _say(f"exit status {code} (0: nothing failed; the WARNs name what the plan leaves out)")

        copy = ["copy", *both, "--all-vaults", *csv_flag, "--workers", "80"]
        copy += ["--poll-interval", "0.5", "--progress-interval", "5"]
        argv = [*copy, *where, str(state), "--max-runtime-minutes", "0.15"]
        argv += ["--drain-minutes", "0.05"]
        _step(4, "Copy, in a 9-second maintenance window: a line per account, then the total", argv)
        code = _run(argv)
        _say(f"exit status {code} (2: incomplete, run again with --resume)")

        argv = ["status", "--state-dir", str(state)]
        _step(5, "Status, from the migration directory alone", argv)
        _run(argv)

        summary = OUTPUT / "summary.json"
        argv = [*copy, *where, str(state), "--resume", "--summary-output", str(summary)]
        argv += ["--report-csv", str(OUTPUT / "report.csv")]
        _step(6, "Resume to the end", argv)
        code = _run(argv)
        meaning = {0: "every item copied", 1: "some items failed; see the summary"}
        _say(f"exit status {code} ({meaning.get(code, 'incomplete')})")
        for line in summary_sections(summary):
            _say(line)

        added = sandbox.add_new_backups(server.world, server.seeded, 40)
        argv = [*copy, *where, str(state), "--resume", "--include-new", "--no-progress"]
        _step(
            7,
            f"A night later the backup plans added {len(added)} recovery points across the "
            "accounts: pick them up",
            argv,
        )
        code = _run(argv)
        _say(f"exit status {code}")

        argv = [*copy, *where, str(lost), "--resume", "--no-progress"]
        _step(
            8,
            "The migration directory is lost: a new one adopts the copies, copies none again",
            argv,
        )
        code = _run(argv)
        _say(f"exit status {code}")

        argv = ["verify", *both, "--all-vaults", *csv_flag, *where, str(state)]
        _step(9, "Verify: every planned copy in the destination, complete and matching", argv)
        verified = _run(argv)
        _say(f"exit status {verified} (0: every planned item verified)")

        jobs, copied, twice = sandbox.launch.copies_made(server.world)
        into = sandbox.launch.copies_by_source(server.world, dest)
        _say(
            f"\nThe sandbox's own records: {jobs:,} copy jobs, {copied:,} recovery points "
            f"copied, {twice} copied twice.\nConsolidated into {dest}: "
            + ", ".join(f"{into.get(account, 0):,} from {account}" for account in sources)
            + "."
        )
        _say(f"Summary: {summary}; per-item report: {OUTPUT}/report.csv")
    consolidated = all(into.get(account) for account in sources)
    ok = twice == 0 and consolidated and verified == ExitStatus.SUCCESS
    return ExitStatus.SUCCESS if ok else ExitStatus.ERROR
