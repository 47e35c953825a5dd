"""Several source accounts (issue 2 item 6): `shuffle-aws-vaults copy --source-accounts
A,B,... --source-profile A=sandbox-A,...` (a route per source account, all into one destination
account, every route's engine stepped on one thread and every route's AWS calls on one shared
pool of at most POOL_THREADS threads) against the slowest account's share copied alone
(`--source-account A`), and the tool's threads, CPU and memory at 1, 4, 8 and 16 routes.

The sandbox is bench/regions.py's (its constants are used as they are): real time (time_scale
1), copies of 8 s x jitter +-50 % = 4 to 12 s, a copy quota of QUOTA per source account (each
account at its own quota: the sandbox counts the quota per account that starts the copy, per
source Region -> destination Region), --workers QUOTA per route, --poll-interval 1, and the copy
selects the recovery points of the last 3 days (`--created-after`). Here the sandbox serves N
source accounts (SandboxConfig.source_account_count; SeedSpec.account_shares splits the points),
one Region unless said otherwise, and one destination account. The largest account is seeded
with PER_ACCOUNT points (the others in proportion to their shares); about 40 % of them fall in
the window, so the largest account copies about 100-130 items and its quota bound is about 50 s.

1. Span. For 1, 2, 4 and 8 source accounts with equal shares, and 2, 4 and 8 with unequal
   ones (3:1, 4:2:1:1, 4:2:1:1:1:1:1:1): the span of the several-account copy (from the
   sandbox's records: the first copy job's creation in any account to the last job's end in
   any account) over the span of the slowest account's share copied alone, by `--source-account
   A --region R` in its own fresh sandbox seeded identically (the same accounts, seed and
   shares, so its recovery points are the same ones). Goal: <= 1.1 (SPAN_GOAL). The accounts
   alone and all of them together run at the same moment (a group per layout), so all see the
   same load on this machine. Which account is slowest is not known before: every account
   runs alone when there are at most ALONE_AT_MOST, else the ALONE_AT_MOST that hold the most
   selected recovery points (a `filter` of the same sandbox, run first: with equal shares the
   window still selects up to 45 % more points in one account than another, and the quota
   bounds an account's span; with unequal shares a small account's span can still be one
   resource's chain of copies, up to 36 s, so the largest share alone is not always the
   slowest). The ratio is over the slowest of those run alone, so an account not run alone
   that turned out slower would make the figure worse, never better.
   Each layout runs without faults and under regions.py's throttling: 20 % of calls answered
   ThrottlingException at random, and a token bucket of API_RATE requests a second per account
   (per Region). The 1-account layout is the several-account form (`--source-accounts A`, a
   section per account) against the one-account form of the same copy. The note gives, per
   account of the several-account run, its own span and its span over its bound (sandbox_run.
   span_bound: max(job time / quota, the longest chain)), its jobs in flight while items
   waited, its Backup calls a second and the throttles it was answered; the same for the
   accounts alone.

2. Threads, CPU and memory at 1, 4, 8 and 16 routes, no faults: the several-account copies of
   the 1-, 4- and 8-account equal layouts above, and two of 16 routes, 16 accounts and 8
   accounts x 2 Regions (the same PER_ACCOUNT points per route). Each source account's seeded
   points do not depend on how many accounts the sandbox has, so the first 8 routes of the
   16-account run are the 8-account run's. The peak thread count of the tool's process
   (/proc/PID/status `Threads:`, sampled every 20 ms by sandbox_run's wrapper), its user+sys
   CPU seconds and its peak RSS (os.wait4). Goal for threads: at most POOL_THREADS (the shared
   pool's cap) + THREAD_SLACK (the main thread and one more) at every route count, i.e. flat
   in the routes once the pool is full: the pool starts threads as calls need them, so one
   route (--workers 20, a lane of at most 20 threads) uses fewer. CPU and RSS are reported,
   with their cost per added route.

Sizes: 42 runs and 4 filters, MAX_RUNS at a time; a run without faults takes about 70 s, one
under throttling 70-90 s (up to the TIMEOUT when a pacer crawls: the several-account copies
did before 482c119, see BENCHMARKS.md), so the module takes about 11-13 minutes on a shared
2-core machine (regions.py: 7.5).

As in regions.py, a throttled run is one sample of a noisy process (the pacer's windows, a
burst against a 5-token bucket), so a throttled row's ratio moves by tens of per cent between
runs; compare it with repeated runs. CPU seconds are taken while other runs share the cores.
"""

from __future__ import annotations

import json
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from shuffle_aws_vaults.bootstrap import POOL_THREADS
from shuffle_aws_vaults.sandbox.config import account_ids

from .common import Result
from .regions import (
    API_RATE,
    BANDWIDTH,
    JITTER,
    OVERHEAD,
    POLL,
    QUOTA,
    RECENT_DAYS,
    SEED,
    SPAN_GOAL,
    THROTTLED,
    VAULTS,
    WORKERS,
    RegionFigures,
    _region_text,
    _since,
    hosted,
    route_figures,
    run_groups,
)
from .sandbox_run import (
    CLI,
    DEST,
    SOURCE,
    STEP_TIMED_OUT,
    SpanBound,
    copy_config,
    run_host,
    span_bound,
)

ACCOUNTS = account_ids(SOURCE, 16)
REGIONS = ("us-east-1", "us-west-2")
PER_ACCOUNT = 250  # recovery points seeded in the largest account (per Region); ~100-130 copied
QUICK_PER_ACCOUNT = 100  # ~40-55
ALONE_AT_MOST = 2  # accounts run alone with equal shares
THREAD_SLACK = 2  # threads besides the shared pool's: the main thread and one more
TIMEOUT = 240.0  # a run's limit, wall seconds: about 4x the largest account's bound
QUICK_TIMEOUT = 150.0
MAX_RUNS = 7  # runs at once (a run: a sandbox host and the tool), as regions.py
ROUTE_COUNTS = (1, 4, 8, 16)
STATE_DIR = "{workdir}/state"
_SAYS_ERROR = re.compile(r"error|fatal|failed|refused|stopped", re.IGNORECASE)


@dataclass(frozen=True)
class Layout:
    key: str
    label: str
    shares: tuple[int, ...]
    regions: int = 1  # Regions served (and copied, with --regions) per account

    @property
    def accounts(self) -> tuple[str, ...]:
        return ACCOUNTS[: len(self.shares)]

    @property
    def region_names(self) -> tuple[str, ...]:
        return REGIONS[: self.regions]

    @property
    def routes(self) -> int:
        return len(self.shares) * self.regions

    @property
    def equal(self) -> bool:
        return len(set(self.shares)) == 1

    def points(self, per_account: int) -> int:
        """The total seeded: `per_account` per Region in the largest account, the rest in
        proportion."""
        return round(per_account * sum(self.shares) / max(self.shares)) * self.regions


LAYOUTS = (
    Layout("1eq", "1 account", (1,)),
    Layout("2eq", "2 accounts, equal shares", (1, 1)),
    Layout("2un", "2 accounts, shares 3:1", (3, 1)),
    Layout("4eq", "4 accounts, equal shares", (1, 1, 1, 1)),
    Layout("4un", "4 accounts, shares 4:2:1:1", (4, 2, 1, 1)),
    Layout("8eq", "8 accounts, equal shares", (1,) * 8),
    Layout("8un", "8 accounts, shares 4:2:1:1:1:1:1:1", (4, 2, 1, 1, 1, 1, 1, 1)),
)
QUICK_LAYOUTS = ("1eq", "2un", "4eq")
# Only for threads, CPU and memory: 16 routes two ways.
WIDE = (
    Layout("16eq", "16 accounts, equal shares", (1,) * 16),
    Layout("8x2", "8 accounts x 2 Regions, equal shares", (1,) * 8, regions=2),
)
FAULTS = {"none": {}, "throttled": THROTTLED}
FAULT_LABELS = {
    "none": "no faults",
    "throttled": f"throttling 20 % + {API_RATE:g} calls/s per account",
}


@dataclass(frozen=True)
class Task:
    layout: Layout
    faults: str
    accounts: tuple[str, ...]  # the accounts copied: several (--source-accounts) or one
    several: bool  # --source-accounts even for one account

    @property
    def name(self) -> str:
        if self.several:
            return f"{self.layout.key}/{self.faults}/--source-accounts x{len(self.accounts)}"
        return f"{self.layout.key}/{self.faults}/--source-account {self.accounts[0]}"

    @property
    def routes(self) -> tuple[str, ...]:
        """The routes' keys, ACCOUNT/REGION (as the summary and the sandbox's counts name
        them)."""
        regions = self.layout.region_names if self.several else REGIONS[:1]
        return tuple(f"{a}/{r}" for a in self.accounts for r in regions)


@dataclass
class Run:
    task: Task
    error: str | None = None
    timed_out: bool = False
    whole: SpanBound | None = None
    routes: dict[str, RegionFigures] = field(default_factory=dict)
    cpu: float = float("nan")
    rss: float = float("nan")
    threads: int = 0
    wall: float = float("nan")
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        return self.error is None and not self.timed_out and self.whole is not None

    @property
    def span(self) -> float:
        return self.whole.span if self.whole is not None else float("nan")

    def account_span(self, account: str) -> SpanBound:
        """The span and bound of one account's jobs in the first Region (the span rows' copies
        are of one Region)."""
        return self.routes[f"{account}/{REGIONS[0]}"].bound


def _config(layout: Layout, faults: str) -> dict[str, Any]:
    config = copy_config(
        time_scale=1.0, seed=SEED, copy_quota=QUOTA, at_quota="queue", bandwidth=BANDWIDTH
    )
    config.update(
        regions=list(layout.region_names),
        source_account_count=len(layout.shares),
        job_overhead_seconds=OVERHEAD,
        jitter=JITTER,
        faults=dict(FAULTS[faults]),
    )
    return config


def _spec(layout: Layout, per_account: int) -> dict[str, Any]:
    return {
        "recovery_points": layout.points(per_account),
        "vaults": VAULTS,
        "account_shares": list(layout.shares),
    }


def _several(accounts: tuple[str, ...]) -> list[str]:
    """--source-accounts and a --source-profile ID=sandbox-ID for each."""
    return [
        "--source-accounts",
        ",".join(accounts),
        "--source-profile",
        ",".join(f"{a}=sandbox-{a}" for a in accounts),
    ]


def _accounts_flags(task: Task) -> list[str]:
    if not task.several:
        account = task.accounts[0]
        return [
            "--source-account",
            account,
            "--source-profile",
            f"sandbox-{account}",
            "--region",
            REGIONS[0],
            "--state-file",
            "{workdir}/state/migration.jsonl",
        ]
    regions = task.layout.region_names
    if len(regions) > 1:
        return [*_several(task.accounts), "--regions", ",".join(regions), "--state-dir", STATE_DIR]
    # One Region: the default migration directory (under the host's own XDG_STATE_HOME), as
    # the figures in BENCHMARKS.md were measured (written when the tool still refused
    # --state-dir with one Region for several accounts; it now takes it, and refuses
    # --state-file there).
    return [*_several(task.accounts), "--region", regions[0]]


def request(task: Task, per_account: int, since: str, limit: float) -> dict[str, Any]:
    argv = [
        *CLI,
        "copy",
        *_accounts_flags(task),
        "--dest-account",
        DEST,
        "--dest-profile",
        "sandbox-dest",
        "--all-vaults",
        "--created-after",
        since,
        "--workers",
        str(WORKERS),
        "--poll-interval",
        str(POLL),
        "--no-progress",
        "--summary-output",
        "{workdir}/summary.json",
        "--report-csv",
        "{workdir}/report.csv",
    ]
    step = {"name": "copy", "argv": argv, "timeout": limit, "ok_codes": [0, 1, STEP_TIMED_OUT]}
    return {
        "config": _config(task.layout, task.faults),
        "spec": _spec(task.layout, per_account),
        "steps": [step],
        "files": ["summary.json"],
    }


def measure(task: Task, per_account: int, since: str, limit: float) -> Run:
    return hosted(Run(task), request(task, per_account, since, limit), limit, read)


def read(run: Run, answer: dict[str, Any]) -> None:
    """Fill `run` from the host's answer."""
    step = answer["steps"][0]
    run.timed_out = step["returncode"] == STEP_TIMED_OUT
    run.cpu, run.rss, run.wall = step["cpu_seconds"], step["maxrss_mib"], step["seconds"]
    run.threads = int(step.get("peak_threads", 0))
    jobs = answer["jobs"]
    run.whole = span_bound(jobs, QUOTA)
    by_route = answer.get("calls_by_route", {})
    for key in run.task.routes:
        account, region = key.split("/")
        mine = [job for job in jobs if job["account"] == account and job["region"] == region]
        entry = by_route.get(key, {"calls": {}, "faults": {}})
        run.routes[key] = route_figures(mine, entry)
    text = answer["files"].get("summary.json")
    run.summary = json.loads(text) if text else {}
    if not run.timed_out and run.summary.get("stop_reason") != "finished":
        lines = step["stderr"].strip().splitlines()
        said = [line for line in lines if _SAYS_ERROR.search(line) and "will retry" not in line]
        run.error = (
            f"the tool stopped: {run.summary.get('stop_reason', 'no summary.json')}, exit "
            f"{step['returncode']}: {' / '.join(line[:300] for line in (said or lines[-1:])[:4])}"
        )


# -- which accounts run alone -------------------------------------------------------------


def selected_points(layout: Layout, per_account: int, since: str) -> dict[str, int]:
    """Recovery points the copy would select in each account (`filter` of the same sandbox,
    no faults: faults do not change what is seeded)."""
    argv = [
        *CLI,
        "filter",
        *_several(layout.accounts),
        "--region",
        REGIONS[0],
        "--dest-account",
        DEST,
        "--dest-profile",
        "sandbox-dest",
        "--all-vaults",
        "--created-after",
        since,
        "--output",
        "json",
    ]
    answer = run_host(
        {
            "config": _config(layout, "none"),
            "spec": _spec(layout, per_account),
            "steps": [{"name": "filter", "argv": argv, "stdout": "filter.json", "timeout": 300}],
            "files": ["filter.json"],
        },
        timeout=900.0,
    )
    routes = json.loads(answer["files"]["filter.json"])["summary"]["regions"]
    return {a: int(routes[f"{a}/{REGIONS[0]}"]["included"]) for a in layout.accounts}


def alone_accounts(layout: Layout, counts: dict[str, int] | None) -> tuple[str, ...]:
    """The accounts run alone: all of them when there are at most ALONE_AT_MOST, else the
    ALONE_AT_MOST with the most selected points (`counts`; every account when not known)."""
    if len(layout.accounts) <= ALONE_AT_MOST or counts is None:
        return layout.accounts
    ranked = sorted(layout.accounts, key=lambda a: (-counts[a], layout.accounts.index(a)))
    return tuple(sorted(ranked[:ALONE_AT_MOST], key=layout.accounts.index))


# -- rows -----------------------------------------------------------------------------------


def _run_text(run: Run) -> str:
    if run.error is not None and run.whole is None:
        return f"{run.task.name}: failed ({run.error.splitlines()[0][:160]})"
    state = " [cut off at the time limit]" if run.timed_out else ""
    if run.error is not None:
        state += f" [{run.error}]"
    pacing = run.summary.get("request_pacing") or {}
    if pacing and "throttled" in pacing:  # the one-route form: the route's pacer alone
        pacing = {run.task.routes[0]: pacing}
    paced = [
        f"{key} lowest {p['lowest_rate']:.1f}/s, waited {p['waited_seconds']:.0f} s"
        for key, p in sorted(pacing.items())
        if isinstance(p, dict) and p.get("lowest_rate") is not None
    ]
    pacing_text = f"; pacers: {', '.join(paced)}" if paced else ""
    return (
        f"{run.task.name}{state}: span {run.span:.1f} s, tool {run.wall:.0f} s wall, CPU "
        f"{run.cpu:.1f} s, peak RSS {run.rss:.0f} MiB, peak threads {run.threads}, throttles "
        f"seen {run.summary.get('throttles', '?')}{pacing_text}; "
        + "; ".join(_region_text(key, figures) for key, figures in run.routes.items())
    )


def span_row(
    layout: Layout,
    faults: str,
    several: Run,
    alone: list[Run],
    counts: dict[str, int] | None = None,
) -> Result:
    name = f"Several accounts, {layout.label}, {FAULT_LABELS[faults]}: span / slowest alone"
    note = " | ".join(_run_text(run) for run in [several, *alone])
    if counts is not None:
        chosen = ", ".join(run.task.accounts[0] for run in alone)
        listed = ", ".join(f"{a[-2:]}: {n}" for a, n in counts.items())
        note = (
            f"run alone: {chosen}, the {len(alone)} with the most selected points (account "
            f"IDs' last digits: points; {listed}) | " + note
        )
    goal = f"<= {SPAN_GOAL}x"
    if not (several.finished and all(run.finished for run in alone)):
        return Result(name, "did not finish (see note)", goal, False, note)
    slowest = max(alone, key=lambda run: run.span)
    account = slowest.task.accounts[0]
    ratio = several.span / slowest.span
    mine = several.account_span(account)
    differ = [
        run.task.accounts[0]
        for run in alone
        if run.account_span(run.task.accounts[0]).completed_items
        != several.account_span(run.task.accounts[0]).completed_items
    ]
    if differ:
        note = f"NOT THE SAME ITEMS copied alone and together in {', '.join(differ)} | " + note
    figure = (
        f"{ratio:.3f}x (span {several.span:.1f} s vs {slowest.span:.1f} s, {account} alone; its "
        f"own span among the others {mine.span:.1f} s = {mine.span / slowest.span:.3f}x"
    )
    if len(alone) > 1:
        own = {
            run.task.accounts[0]: several.account_span(run.task.accounts[0]).span / run.span
            for run in alone
        }
        worst = max(own, key=lambda a: own[a])
        figure += f"; the account that lost most: {worst}, {own[worst]:.3f}x its span alone"
    figure += ")"
    return Result(name, figure, goal, ratio <= SPAN_GOAL and not differ, note)


def _copied(run: Run) -> int:
    return run.whole.completed_items if run.whole is not None else 0


def scaling_rows(runs: dict[str, Run]) -> list[Result]:
    """Threads, CPU and RSS over the route counts run (`runs` by layout key, each the
    several-account copy of that layout without faults)."""
    order = [run for run in runs.values()]
    order.sort(key=lambda run: (run.task.layout.routes, run.task.layout.regions))
    common = "no faults; " + " | ".join(_run_text(run) for run in order)
    ok = [run for run in order if (run.finished or run.timed_out) and run.cpu == run.cpu]
    if len(ok) != len(order) or not order:
        return [
            Result(
                "Several accounts: threads, CPU and memory by routes", "failed", "", False, common
            )
        ]

    def label(run: Run) -> str:
        layout = run.task.layout
        if layout.regions > 1:
            return f"{layout.routes} ({len(layout.shares)} accounts x {layout.regions} Regions)"
        if layout.routes == 16:
            return f"{layout.routes} (16 accounts)"
        return str(layout.routes)

    cap = POOL_THREADS + THREAD_SLACK
    threads = ", ".join(f"{run.threads} at {label(run)}" for run in order)
    rows = [
        Result(
            "Several accounts: peak threads of the tool at 1, 4, 8, 16 routes",
            threads,
            f"<= {POOL_THREADS} (the shared pool) + {THREAD_SLACK} at every route count "
            "(flat in the routes)",
            all(run.threads <= cap for run in order),
            f"peak Threads: of /proc/PID/status, sampled every 20 ms while the tool ran; "
            f"--workers {WORKERS} per route (a route's lane: at most {WORKERS} threads), the "
            f"pool starts threads as calls need them, up to {POOL_THREADS}; {common}",
        )
    ]
    first = order[0]
    cpu_text = ", ".join(f"{run.cpu:.1f} s at {label(run)}" for run in order)
    per_route = ", ".join(
        f"{label(run)}: {(run.cpu - first.cpu) / (run.task.layout.routes - 1):.2f} s"
        for run in order
        if run.task.layout.routes > 1
    )
    per_item = ", ".join(
        f"{label(run)}: {run.cpu / max(1, _copied(run)) * 1000:.1f} ms" for run in order
    )
    items = ", ".join(f"{_copied(run)} at {label(run)}" for run in order)
    rows.append(
        Result(
            "Several accounts: tool CPU at 1, 4, 8, 16 routes, the same load per route",
            f"{cpu_text}; per added route over 1 route: {per_route}",
            "(reported)",
            True,
            f"copied {items}; CPU per copied item {per_item}; {common}",
        )
    )
    rss_text = ", ".join(f"{run.rss:.0f} MiB at {label(run)}" for run in order)
    rss_step = ", ".join(
        f"{label(run)}: {(run.rss - first.rss) / (run.task.layout.routes - 1):.1f} MiB"
        for run in order
        if run.task.layout.routes > 1
    )
    rows.append(
        Result(
            "Several accounts: tool peak RSS at 1, 4, 8, 16 routes",
            f"{rss_text}; per added route over 1 route: {rss_step}",
            "(reported)",
            True,
            "see the row above",
        )
    )
    return rows


# -- the module -----------------------------------------------------------------------------


def layouts_for(quick: bool) -> list[Layout]:
    return [layout for layout in LAYOUTS if not quick or layout.key in QUICK_LAYOUTS]


def tasks_for(quick: bool, alone: dict[str, tuple[str, ...]]) -> list[list[Task]]:
    """Groups of tasks that run at the same moment: a layout's several-account copy and its
    accounts alone, under each fault setting; each 16-route copy as a group of its own."""
    groups = [
        [
            Task(layout, faults, layout.accounts, True),
            *(Task(layout, faults, (account,), False) for account in alone[layout.key]),
        ]
        for faults in FAULTS
        for layout in layouts_for(quick)
    ]
    if not quick:
        groups += [[Task(layout, "none", layout.accounts, True)] for layout in WIDE]
    # The heaviest first (most routes, throttled first), so the short ones fill in at the end.
    groups.sort(key=lambda g: (-g[0].layout.routes, g[0].faults != "throttled", -len(g)))
    return groups


def run(quick: bool) -> list[Result]:
    per_account = QUICK_PER_ACCOUNT if quick else PER_ACCOUNT
    limit = QUICK_TIMEOUT if quick else TIMEOUT
    since = _since()
    began = time.perf_counter()
    layouts = layouts_for(quick)
    counted = [lo for lo in layouts if len(lo.accounts) > ALONE_AT_MOST]
    counts: dict[str, dict[str, int] | None] = {}

    def count(layout: Layout) -> None:
        try:
            counts[layout.key] = selected_points(layout, per_account, since)
        except Exception:  # then every account runs alone: slower, not wrong
            counts[layout.key] = None

    with ThreadPoolExecutor(max_workers=max(1, len(counted))) as pool:
        list(pool.map(count, counted))
    alone = {lo.key: alone_accounts(lo, counts.get(lo.key)) for lo in layouts}
    groups = tasks_for(quick, alone)
    tasks = [task for group in groups for task in group]
    done = run_groups(groups, lambda t: measure(t, per_account, since, limit), MAX_RUNS)
    elapsed = time.perf_counter() - began
    by_name = {run.task.name: run for run in done}
    results: list[Result] = []
    for faults in FAULTS:
        for layout in layouts:
            several = by_name.get(Task(layout, faults, layout.accounts, True).name)
            lone = [by_name.get(Task(layout, faults, (a,), False).name) for a in alone[layout.key]]
            if several is not None and all(r is not None for r in lone):
                results.append(
                    span_row(
                        layout, faults, several, [r for r in lone if r], counts.get(layout.key)
                    )
                )
    scaling = {
        layout.key: by_name[Task(layout, "none", layout.accounts, True).name]
        for layout in (*layouts, *WIDE)
        if layout.equal
        and layout.routes in ROUTE_COUNTS
        and Task(layout, "none", layout.accounts, True).name in by_name
    }
    if scaling:
        results += scaling_rows(scaling)
    if results:
        results[0].note += (
            f" [this module: {len(tasks)} runs and {len(counted)} filters, at most {MAX_RUNS} "
            f"runs at a time, {elapsed:.0f} s; quota {QUOTA} and --workers {WORKERS} per account"
            f" (per Region), --poll-interval {POLL:g}, copies of 4-12 s, {per_account} points "
            f"seeded in the largest account, those of the last {RECENT_DAYS} days copied]"
        )
    return results
