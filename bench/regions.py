"""Several Regions (issue 16): `shuffle-aws-vaults copy --regions R1,R2,... --all-vaults` (a
migration per source Region in one process, an engine per Region on its own thread, each at its
own quota) against the same copy of the slowest Region run alone (`--region R`), and the tool's
CPU and memory at 1, 2 and 4 Regions.

The sandbox is bench/throttling.py's, per Region: it runs in real time (time_scale 1, so
botocore's back-off, the tool's pacer, the request-rate limit and the copies share one clock),
copies take 8 s x jitter +-50 % = 4 to 12 s, the copy quota is QUOTA per account per source
Region -> destination Region (each Region copies into the destination account's vaults in the
same Region) and the tool runs --workers QUOTA --poll-interval 1. The largest Region is seeded
with PER_REGION recovery points (the others in proportion to their shares, SeedSpec.region_shares)
and the copy selects those of the last 3 days (`--created-after`), about 150 of 350 per Region
(45 of 120 quick): within 3 days a resource has at most 3 points, so one resource's chain (at
most 36 s) stays under the quota bound (about 150 x 8 s / 20 = 60 s) and the quota, not one
resource, bounds each Region. These sizes keep the whole module near 7.5 minutes on a shared
2-core machine (26 runs, MAX_RUNS at a time, each a minute and a half to two: a Region's copy
takes 70-80 s without faults, 90-140 s under throttling); a run is cut off at TIMEOUT (4x the
largest Region's bound), so a crawling one costs at most that.

1. Span. For 2 and 4 Regions, with equal shares and unequal ones (3:1, 4:2:1:1): the span of
   the several-Region copy, from the sandbox's records (simulated seconds, here wall seconds:
   the first copy job's creation in any Region to the last job's end in any Region), over the
   span of the largest Region (the first of the equal ones) copied alone by `--region R` in its
   own fresh sandbox seeded identically (the same Regions, seed and shares, so its recovery
   points are the same ones). Goal: <= 1.1. A Region alone and all of them together run at the
   same moment (a pair per task), so both see the same load on this machine. Each layout runs
   without faults and under throttling: 20 % of calls answered ThrottlingException at random,
   and a token bucket of API_RATE requests a second per account per Region (FaultConfig.api_rate;
   AWS rates an account's Backup calls per Region and publishes no figure). The note gives, per
   Region of the several-Region run, its own span, its span over its bound (sandbox_run.
   span_bound: max(job time / quota, the longest chain)), its jobs in flight while items waited,
   its Backup calls a second and the throttles it was answered; and the same for the Region
   alone. The tool's pacer and its threads are per Region; the sandbox (one process) serves all.

2. Linearity. One sandbox of 4 Regions with equal shares (PER_REGION each), the copy of
   `--regions R1`, `--regions R1,R2` and `--regions R1,R2,R3,R4`, no faults: the same load per
   Region at 1, 2 and 4 Regions. The tool process's user+sys CPU seconds and peak RSS (os.wait4
   in sandbox_run's wrapper). Linear growth is a steady cost per added Region on top of a
   start-up cost the Regions share (interpreter, imports, the first sessions: about as much as
   one Region's copy at these sizes, so CPU(4)/CPU(1) comes out near 3, not 4). Goals: the CPU
   per added Region from 1 to 4 Regions, (CPU(4) - CPU(1)) / 3, within CPU_STEP_TOLERANCE of
   that from 1 to 2, CPU(2) - CPU(1), and CPU(4)/CPU(1) <= 5 (never more than in proportion);
   the same steadiness for peak RSS, within RSS_TOLERANCE (or 2 MiB: a Region adds a few MiB,
   and RSS moves by whole arenas). The 4-Region run is the span part's "4 equal, no faults" run,
   the 1- and 2-Region runs its own.

Under throttling one run is one sample of a noisy process: the tool's pacer judges windows of
30 answers, and whether an early burst (the listing, then a slot-full of StartCopyJob against
a 5-token bucket) cuts its rate deep, and how soon random throttling lets it climb back, varies
from run to run. The same Region's copy alone, the same sandbox, took from 1.4x to 2.3x its
bound in repeated runs while writing this benchmark, so a throttled row's ratio moves by tens
of per cent between runs; the no-fault rows move by a few per cent. Judge the throttled rows
against each other and against repeated runs, not one by one.
CPU seconds here are taken while other runs share the cores; CPU time is the process's own, but
contention costs some (caches, more wake-ups of idle threads per useful one), so compare the
ratios, not the seconds across runs of the benchmark.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TypeVar

from .common import Result
from .sandbox_run import (
    ACCOUNT_FLAGS,
    CLI,
    RATE_LIMITED,
    STEP_TIMED_OUT,
    SpanBound,
    copy_config,
    in_flight_while_waiting,
    run_host,
    span_bound,
)

REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2")
QUOTA = 20  # per account per source Region -> destination Region
WORKERS = 20  # --workers, per Region
POLL = 1.0
SEED = 1
VAULTS = 3
PER_REGION = 350  # recovery points seeded in the largest Region; ~150 of the last 3 days
QUICK_PER_REGION = 120  # ~45
RECENT_DAYS = 3
OVERHEAD = 8.0
JITTER = 0.5
BANDWIDTH = float(1024**6)  # size adds microseconds: a copy is 4-12 s
API_RATE = 5.0  # requests a wall second per account per Region, under throttling
THROTTLED = {"throttle_rate": 0.20, "api_rate": API_RATE}
SPAN_GOAL = 1.1
CPU_MAX_RATIO = 5.0  # CPU(4)/CPU(1): no more than in proportion to the Regions
CPU_STEP_TOLERANCE = 0.35  # of the CPU per added Region from 1 to 2 Regions
RSS_TOLERANCE = 0.5  # of the growth per Region from 1 to 2 Regions
RSS_FLOOR_MIB = 2.0
TIMEOUT = 240.0  # a run's limit, wall seconds: about 4x the bound of the largest Region
QUICK_TIMEOUT = 150.0
MAX_RUNS = 7  # runs at once (a run: a sandbox host and the tool)
TaskT = TypeVar("TaskT")  # run_groups' tasks and runs (bench/accounts.py's too)
RunT = TypeVar("RunT")


@dataclass(frozen=True)
class Layout:
    key: str
    label: str
    shares: tuple[int, ...]

    @property
    def regions(self) -> tuple[str, ...]:
        return REGIONS[: len(self.shares)]

    @property
    def alone(self) -> tuple[str, ...]:
        """The Regions run alone: the one with the largest share, or every Region when the
        shares are equal (which of them is slowest depends on the seed's dates and sizes)."""
        if len(set(self.shares)) == 1:
            return self.regions
        return (self.regions[self.shares.index(max(self.shares))],)

    def points(self, per_region: int) -> int:
        """The total seeded: `per_region` in the largest Region, the rest in proportion."""
        return round(per_region * sum(self.shares) / max(self.shares))


LAYOUTS = (
    Layout("2eq", "2 Regions, equal shares", (1, 1)),
    Layout("2un", "2 Regions, shares 3:1", (3, 1)),
    Layout("4eq", "4 Regions, equal shares", (1, 1, 1, 1)),
    Layout("4un", "4 Regions, shares 4:2:1:1", (4, 2, 1, 1)),
)
FAULTS = {"none": {}, "throttled": THROTTLED}
FAULT_LABELS = {
    "none": "no faults",
    "throttled": f"throttling 20 % + {API_RATE:g} calls/s per account per Region",
}


@dataclass(frozen=True)
class Task:
    layout: Layout
    faults: str
    regions: tuple[str, ...]  # the Regions copied: several (--regions) or one (--region)
    several: bool  # --regions even for one Region

    @property
    def name(self) -> str:
        how = "--regions" if self.several else "--region"
        return f"{self.layout.key}/{self.faults}/{how} {','.join(self.regions)}"


@dataclass
class RegionFigures:
    bound: SpanBound
    in_flight_mean: float
    calls: int
    call_rate: float  # Backup calls a second over the Region's own span
    throttled: int  # answered ThrottlingException at random (FaultConfig.throttle_rate)
    rate_limited: int  # ... by the request-rate limit's token bucket


@dataclass
class Run:
    task: Task
    error: str | None = None
    timed_out: bool = False
    whole: SpanBound | None = None
    regions: dict[str, RegionFigures] = field(default_factory=dict)
    cpu: float = float("nan")
    rss: float = float("nan")
    wall: float = float("nan")
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        return self.error is None and not self.timed_out and self.whole is not None

    @property
    def span(self) -> float:
        return self.whole.span if self.whole is not None else float("nan")


def _since() -> str:
    return (datetime.now(UTC) - timedelta(days=RECENT_DAYS)).isoformat()


def request(task: Task, per_region: int, since: str, limit: float) -> dict[str, Any]:
    layout = task.layout
    config = copy_config(
        time_scale=1.0, seed=SEED, copy_quota=QUOTA, at_quota="queue", bandwidth=BANDWIDTH
    )
    config.update(
        regions=list(layout.regions),
        job_overhead_seconds=OVERHEAD,
        jitter=JITTER,
        faults=dict(FAULTS[task.faults]),
    )
    if task.several:
        where = ["--regions", ",".join(task.regions), "--state-dir", "{workdir}/state"]
    else:
        where = ["--region", task.regions[0], "--state-file", "{workdir}/state/migration.jsonl"]
    argv = [
        *CLI,
        "copy",
        *ACCOUNT_FLAGS,
        "--all-vaults",
        *where,
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
        "config": config,
        "spec": {
            "recovery_points": layout.points(per_region),
            "vaults": VAULTS,
            "region_shares": list(layout.shares),
        },
        "steps": [step],
        "files": ["summary.json"],
    }


def measure(task: Task, per_region: int, since: str, limit: float) -> Run:
    return hosted(Run(task), request(task, per_region, since, limit), limit, read)


class Timed(Protocol):
    """A run as `hosted` fills it: its error, if any, and its wall time."""

    error: str | None
    wall: float


TimedT = TypeVar("TimedT", bound=Timed)


def hosted(
    run: TimedT,
    asked: dict[str, Any],
    limit: float,
    fill: Callable[[TimedT, dict[str, Any]], None],
) -> TimedT:
    """`run` filled (`fill`) from the sandbox host's answer to `asked`; a crashed run keeps its
    error and wall time (a result, not the end of the benchmark)."""
    began = time.perf_counter()
    try:
        fill(run, run_host(asked, timeout=limit + 600.0))
    except Exception as exc:
        run.error = f"{type(exc).__name__}: {exc}"
        run.wall = time.perf_counter() - began
    return run


def route_figures(jobs: list[dict[str, Any]], entry: dict[str, Any]) -> RegionFigures:
    """One route's figures: its jobs' span and bound, in flight while items wait, and its
    calls (`entry`: the host's calls and faults of the route)."""
    bound = span_bound(jobs, QUOTA)
    calls = sum(entry["calls"].values())
    return RegionFigures(
        bound=bound,
        in_flight_mean=in_flight_while_waiting(jobs).mean,
        calls=calls,
        call_rate=calls / bound.span if bound.span else float("nan"),
        throttled=int(entry["faults"].get("ThrottlingException", 0)),
        rate_limited=int(entry["faults"].get(RATE_LIMITED, 0)),
    )


def read(run: Run, answer: dict[str, Any]) -> None:
    """Fill `run` from the host's answer."""
    task = run.task
    step = answer["steps"][0]
    run.timed_out = step["returncode"] == STEP_TIMED_OUT
    run.cpu, run.rss, run.wall = step["cpu_seconds"], step["maxrss_mib"], step["seconds"]
    jobs = answer["jobs"]
    run.whole = span_bound(jobs, QUOTA)
    by_region = answer.get("calls_by_region", {})
    for region in task.regions:
        mine = [job for job in jobs if job["region"] == region]
        entry = by_region.get(region, {"calls": {}, "faults": {}})
        run.regions[region] = route_figures(mine, entry)
    text = answer["files"].get("summary.json")
    run.summary = json.loads(text) if text else {}
    if not run.timed_out and run.summary.get("stop_reason") != "finished":
        run.error = f"the tool stopped: {run.summary.get('stop_reason', 'no summary.json')}"


# -- rows -------------------------------------------------------------------------------------


def _region_text(region: str, figures: RegionFigures) -> str:
    b = figures.bound
    return (
        f"{region}: {b.completed_items} copied, span {b.span:.1f} s ({b.ratio:.2f}x its bound "
        f"{b.bound:.1f} s, {b.kind}), in flight {figures.in_flight_mean:.1f} of {WORKERS}, "
        f"{figures.call_rate:.1f} calls/s ({figures.calls:,}), throttled {figures.throttled} at "
        f"random + {figures.rate_limited} by the rate limit"
    )


def _run_text(run: Run) -> str:
    if run.error is not None and run.whole is None:
        return f"{run.task.name}: failed ({run.error.splitlines()[0][:160]})"
    state = " [cut off at the time limit]" if run.timed_out else ""
    if run.error is not None:
        state += f" [{run.error}]"
    pacing = run.summary.get("request_pacing")
    pacing_text = f"; pacing {json.dumps(pacing, sort_keys=True)}" if pacing else ""
    return (
        f"{run.task.name}{state}: span {run.span:.1f} s, tool {run.wall:.0f} s wall, CPU "
        f"{run.cpu:.1f} s, peak RSS {run.rss:.0f} MiB, throttles seen "
        f"{run.summary.get('throttles', '?')}{pacing_text}; "
        + "; ".join(_region_text(r, f) for r, f in run.regions.items())
    )


def span_row(layout: Layout, faults: str, several: Run, alone: list[Run]) -> Result:
    name = f"Several Regions, {layout.label}, {FAULT_LABELS[faults]}: span / slowest alone"
    note = " | ".join(_run_text(run) for run in [several, *alone])
    if not (several.finished and all(run.finished for run in alone)):
        return Result(name, "did not finish (see note)", f"<= {SPAN_GOAL}x", False, note)
    slowest = max(alone, key=lambda run: run.span)
    region = slowest.task.regions[0]
    ratio = several.span / slowest.span
    mine = several.regions[region].bound
    differ = [
        run.task.regions[0]
        for run in alone
        if run.regions[run.task.regions[0]].bound.completed_items
        != several.regions[run.task.regions[0]].bound.completed_items
    ]
    if differ:
        note = f"NOT THE SAME ITEMS copied alone and together in {', '.join(differ)} | " + note
    figure = (
        f"{ratio:.3f}x (span {several.span:.1f} s vs {slowest.span:.1f} s, {region} alone; its "
        f"own span among the others {mine.span:.1f} s = {mine.span / slowest.span:.3f}x"
    )
    if len(alone) > 1:  # every Region ran alone: which lost most among the others
        own = {
            run.task.regions[0]: several.regions[run.task.regions[0]].bound.span / run.span
            for run in alone
        }
        worst = max(own, key=lambda r: own[r])
        figure += f"; the Region that lost most: {worst}, {own[worst]:.3f}x its span alone"
    figure += ")"
    return Result(name, figure, f"<= {SPAN_GOAL}x", ratio <= SPAN_GOAL and not differ, note)


def _copied(run: Run) -> int:
    return run.whole.completed_items if run.whole is not None else 0


def linearity_rows(runs: dict[int, Run]) -> list[Result]:
    if not all(runs[n].finished or runs[n].timed_out for n in (1, 2, 4)) or any(
        runs[n].cpu != runs[n].cpu for n in (1, 2, 4)
    ):
        note = " | ".join(_run_text(runs[n]) for n in (1, 2, 4))
        return [
            Result("Several Regions: CPU and memory at 1, 2, 4 Regions", "failed", "", False, note)
        ]
    cpu = {n: runs[n].cpu for n in (1, 2, 4)}
    rss = {n: runs[n].rss for n in (1, 2, 4)}
    items = {n: _copied(runs[n]) for n in (1, 2, 4)}
    ratio = cpu[4] / cpu[1]
    cpu_step_12 = cpu[2] - cpu[1]
    cpu_step_14 = (cpu[4] - cpu[1]) / 3
    per_item = ", ".join(f"{n}: {cpu[n] / max(1, items[n]) * 1000:.1f} ms" for n in (1, 2, 4))
    common = (
        f"--regions of the first 1, 2, 4 of {', '.join(REGIONS)} in one 4-Region sandbox, "
        f"{PER_REGION} points per Region seeded, copied (all Regions) {items[1]}, {items[2]}, "
        f"{items[4]}; no faults; " + " | ".join(_run_text(runs[n]) for n in (1, 2, 4))
    )
    steady = abs(cpu_step_14 - cpu_step_12) <= CPU_STEP_TOLERANCE * abs(cpu_step_12)
    shared = cpu[1] - cpu_step_12  # the start-up every Region count pays once
    rows = [
        Result(
            "Several Regions: CPU per added Region, 1 to 4 Regions against 1 to 2, the same load "
            "per Region",
            f"{cpu_step_14:.2f} s vs {cpu_step_12:.2f} s per added Region (CPU {cpu[1]:.1f}, "
            f"{cpu[2]:.1f}, {cpu[4]:.1f} s at 1, 2, 4 Regions; CPU(4)/CPU(1) {ratio:.2f}x, a "
            f"start-up of ~{shared:.1f} s paid once)",
            f"within {CPU_STEP_TOLERANCE:.0%} of each other, and CPU(4)/CPU(1) <= "
            f"{CPU_MAX_RATIO:g}",
            steady and ratio <= CPU_MAX_RATIO,
            f"CPU per copied item {per_item}; {common}",
        )
    ]
    growth_12 = rss[2] - rss[1]
    growth_14 = (rss[4] - rss[1]) / 3
    allowed = max(RSS_FLOOR_MIB, RSS_TOLERANCE * abs(growth_12))
    rows.append(
        Result(
            "Several Regions: peak RSS growth per Region, 1 to 4 Regions against 1 to 2",
            f"{growth_14:.1f} MiB vs {growth_12:.1f} MiB per Region (RSS {rss[1]:.0f}, "
            f"{rss[2]:.0f}, {rss[4]:.0f} MiB at 1, 2, 4 Regions)",
            f"within {RSS_TOLERANCE:.0%} (or {RSS_FLOOR_MIB:g} MiB) of each other",
            abs(growth_14 - growth_12) <= allowed,
            common,
        )
    )
    return rows


def tasks_for(quick: bool) -> list[list[Task]]:
    """Groups of tasks that run at the same moment: a layout's several-Region copy and its
    largest Region alone, under each fault setting; the linearity runs as a group of their own."""
    layouts = [LAYOUTS[1], LAYOUTS[2]] if quick else list(LAYOUTS)
    groups = [
        [
            Task(layout, faults, layout.regions, True),
            *(Task(layout, faults, (region,), False) for region in layout.alone),
        ]
        for faults in FAULTS
        for layout in layouts
    ]
    four = LAYOUTS[2]
    groups.append([Task(four, "none", REGIONS[:1], True), Task(four, "none", REGIONS[:2], True)])
    # The longest runs first (4 Regions under throttling), so the short ones fill in at the end.
    groups.sort(key=lambda g: (-len(g[0].regions), g[0].faults != "throttled"))
    return groups


def run_groups(
    groups: list[list[TaskT]], measure_one: Callable[[TaskT], RunT], max_runs: int
) -> list[RunT]:
    """Every group's runs, a group's all started at the same moment; groups start in order,
    each as soon as the runs in flight leave room for it (at most `max_runs` at once, or the
    group alone)."""
    room = threading.Condition()
    in_flight = [0]
    done: list[RunT] = []

    def together(group: list[TaskT]) -> None:
        try:
            with ThreadPoolExecutor(max_workers=len(group)) as pool:
                runs = list(pool.map(measure_one, group))
        finally:
            with room:
                in_flight[0] -= len(group)
                room.notify_all()
        done.extend(runs)

    threads = []
    for group in groups:

        def fits(size: int = len(group)) -> bool:
            return in_flight[0] == 0 or in_flight[0] + size <= max_runs

        with room:
            room.wait_for(fits)
            in_flight[0] += len(group)
        thread = threading.Thread(target=together, args=(group,))
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join()
    return done


def run(quick: bool) -> list[Result]:
    per_region = QUICK_PER_REGION if quick else PER_REGION
    limit = QUICK_TIMEOUT if quick else TIMEOUT
    since = _since()
    groups = tasks_for(quick)
    began = time.perf_counter()
    tasks = [task for group in groups for task in group]

    done = run_groups(groups, lambda t: measure(t, per_region, since, limit), MAX_RUNS)
    elapsed = time.perf_counter() - began
    by_name = {run.task.name: run for run in done}
    results: list[Result] = []
    for faults in FAULTS:
        for layout in LAYOUTS:
            several = by_name.get(Task(layout, faults, layout.regions, True).name)
            alone = [by_name.get(Task(layout, faults, (r,), False).name) for r in layout.alone]
            if several is not None and all(run is not None for run in alone):
                results.append(span_row(layout, faults, several, [r for r in alone if r]))
    four = LAYOUTS[2]
    linear = {n: by_name.get(Task(four, "none", REGIONS[:n], True).name) for n in (1, 2, 4)}
    if all(r is not None for r in linear.values()):
        results += linearity_rows({n: r for n, r in linear.items() if r is not None})
    if results:
        results[0].note += (
            f" [this module: {len(tasks)} runs, at most {MAX_RUNS} at a time, {elapsed:.0f} s;"
            f" quota {QUOTA} and --workers {WORKERS} per Region, --poll-interval {POLL:g}, copies"
            f" of 4-12 s, {per_region} points seeded in the largest Region, those of the last "
            f"{RECENT_DAYS} days copied]"
        )
    return results
