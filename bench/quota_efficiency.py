"""Quota efficiency: `shuffle-aws-vaults copy --workers 100` against a served sandbox whose copy
quota is 100, with StartCopyJob at the quota queueing (`queue`) or refusing (`reject`).

Figure: makespan / lower bound, both from the sandbox's own copy-job records in simulated
seconds. D is each completed copy's own duration (completion - start, as the sandbox ran it);
the lower bound is max(sum(D) / Q, the largest sum(D) over one resource's copies), since AWS
runs at most Q jobs at once and one job per resource at a time; the makespan runs from the first
job's creation to the last completion. Goal: <= 1.05 in each mode.

The sandbox: 5,000 recovery points (500 quick) in 3 vaults, about 4 per resource (the seeder's
own spread, which SeedSpec does not control: 1,141 resources at 5,000, 1,121 of them with
copyable points), lognormal sizes per resource type, copies taking (2 min + size / 100 MiB/s)
x jitter +-20 % (AWS's figures). Items AWS cannot copy are left out of the plan by the tool; a
few recovery points turn cold while the run goes on (simulated days pass) and StartCopyJob
refuses them: they are counted, not timed.

With these sizes the longest chain (one FSx file system: 9 copies, 81 simulated hours) is 4.4x
sum(D)/Q, so the bound is the chain and the figure says how promptly the tool starts the
heaviest resource first and each of its next copies. Time is compressed (time_scale simulated
seconds per wall second) so that a run takes about a minute, and --poll-interval with it
(`Setting.poll_sim` simulated seconds: 500 at full size, 200 quick; the tool's default, 30,
would be 6 ms of wall time). At this compression the tool's own API rate (a few hundred calls
per wall second on a shared 2-core machine) limits the early bulk of the run, so "slot use"
(running jobs over the slots that had runnable work) is this machine's, not AWS's; the makespan
does not depend on it while the chain bounds the run.

A second pair of runs, the quota-bound variant, copies at 8 GiB/s (copies of 2 to 10 minutes,
2.3 on average; sum(D)/Q, 1.8 h, exceeds every chain) with the tool's default poll of 30
simulated seconds at a compression the tool's API rate keeps up with (time_scale 100): it shows
how well the tool keeps the quota full when the quota is what bounds the run. (Quick: 500
points are chain-bound even so.)

A third pair, at AWS's copy speed with incremental copies (the sandbox's --changed-share 0.1: a
copy whose resource already has an earlier copy in the destination vault moves a tenth of its
bytes; AWS publishes no share), runs the tool's order (each resource's recovery points oldest
first, so every copy after a resource's first can be incremental) against the reverse (newest
first: each copy finds no earlier one in the destination, so all are full). Figure: the reverse
order's makespan over the tool's; the note gives both and the total copy time, sum(D), which is
what bounds a quota-bound run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .common import Result
from .sandbox_run import (
    GIB,
    MIB,
    copy_config,
    copy_step,
    job_figures,
    run_host,
    slot_use,
    split_calls,
)

GOAL = 1.05
QUOTA = 100
WORKERS = 100
SEED = 1
MODES = ("queue", "reject")
CHANGED_SHARE = 0.1  # AWS publishes none; a tenth of a copy's bytes changed since the last one
ORDERS = ("oldest-first", "newest-first")  # the tool's order, and the reverse


@dataclass(frozen=True)
class Setting:
    label: str
    points: int
    bandwidth: float
    time_scale: float
    poll_sim: float  # simulated seconds between the tool's ListCopyJobs polls
    caveat: str = ""

    @property
    def poll_wall(self) -> float:
        return self.poll_sim / self.time_scale


def settings(quick: bool) -> list[Setting]:
    points = 500 if quick else 5000
    # Quick: a 500-point sandbox's longest chain is ~12 simulated hours, so a milder
    # compression keeps the run near 20 s, polling every 200 simulated seconds.
    caveat = (
        " (at this compression the tool's API rate, not the quota, limits the early bulk of"
        " the run: slot use is the sandbox's and this machine's, not AWS's)"
    )
    main = (
        Setting("AWS's copy speed", points, 100 * MIB, 2000.0, 200.0, caveat)
        if quick
        else Setting("AWS's copy speed", points, 100 * MIB, 5000.0, 500.0, caveat)
    )
    # The variant polls every 30 simulated seconds, the tool's default; quick compresses more.
    variant = Setting(
        "quota-bound variant (8 GiB/s)", points, 8 * GIB, 300.0 if quick else 100.0, 30.0
    )
    return [main, variant]


def request(setting: Setting, at_quota: str) -> dict[str, Any]:
    return {
        "config": copy_config(
            time_scale=setting.time_scale,
            seed=SEED,
            copy_quota=QUOTA,
            at_quota=at_quota,
            bandwidth=setting.bandwidth,
        ),
        "spec": {"recovery_points": setting.points, "vaults": 3},
        "steps": [copy_step(workers=WORKERS, poll_interval=setting.poll_wall, timeout=1800.0)],
        "files": ["summary.json"],
    }


def order_request(setting: Setting, order: str) -> dict[str, Any]:
    """The main setting with incremental copies, the plan in `order` per resource."""
    config = copy_config(
        time_scale=setting.time_scale,
        seed=SEED,
        copy_quota=QUOTA,
        at_quota="queue",
        bandwidth=setting.bandwidth,
    )
    step = copy_step(
        workers=WORKERS,
        poll_interval=setting.poll_wall,
        timeout=1800.0,
        extra=("--resource-order", order),
    )
    return {
        "config": {**config, "changed_share": CHANGED_SHARE},
        "spec": {"recovery_points": setting.points, "vaults": 3},
        "steps": [step],
    }


def measure_orders(setting: Setting) -> Result:
    """What oldest first per resource is worth when later copies are incremental."""
    hours = 3600.0
    figures, parts = {}, []
    for order in ORDERS:
        answer = run_host(order_request(setting, order))
        jobs = answer["jobs"]
        found = job_figures(jobs, QUOTA)
        figures[order] = found
        incremental = sum(1 for job in jobs if job.get("incremental"))
        parts.append(
            f"{order}: makespan {found.makespan / hours:.2f} h, sum D {found.total / hours:.1f} h"
            f" ({found.bound_kind}-bound: longest chain {found.longest_chain / hours:.2f} h,"
            f" sum D/Q {found.quota_bound / hours:.2f} h), {found.completed:,} copied of which"
            f" {incremental:,} incremental, CLI wall {answer['steps'][0]['seconds']:.1f} s"
        )
    tool, reverse = figures[ORDERS[0]], figures[ORDERS[1]]
    ratio = reverse.makespan / tool.makespan if tool.makespan else float("nan")
    total_ratio = reverse.total / tool.total if tool.total else float("nan")
    note = (
        f"{setting.points:,} points, --changed-share {CHANGED_SHARE:g}, time_scale "
        f"{setting.time_scale:g}, --poll-interval {setting.poll_sim:g} s simulated. "
        + "; ".join(parts)
        + f". Newest first takes {ratio:.2f}x the makespan and {total_ratio:.2f}x the total copy"
        " time of oldest first."
    )
    return Result(
        name=f"Quota efficiency, incremental copies: newest first over oldest first per resource"
        f" ({setting.label})",
        figure=f"{ratio:.2f}x makespan",
        goal="> 1 (the tool's order is the faster)",
        met=ratio > 1.0,
        note=note,
    )


def measure(setting: Setting, at_quota: str) -> Result:
    import json

    answer = run_host(request(setting, at_quota))
    step = answer["steps"][0]
    summary = json.loads(answer["files"]["summary.json"])
    jobs = answer["jobs"]
    figures = job_figures(jobs, QUOTA)
    use = slot_use(jobs, QUOTA)
    calls = step["calls"]
    split = split_calls(calls)
    total_calls = sum(calls.values())
    starts = calls.get("StartCopyJob", 0)
    refused = summary["failed"] - figures.failed
    cold = sum("cold storage" in f.get("error_message", "") for f in summary["failures"])
    rejected = starts - figures.jobs - refused  # LimitExceeded answers (and their repeats)
    hours = 3600.0
    at_30s = (total_calls - split["tracking"] + figures.makespan / 30.0) / max(1, figures.completed)
    resources = len({job["resource_arn"] for job in jobs})
    note = (
        f"{setting.label}: {answer['seeded']['recovery_points']:,} points over "
        f"{answer['seeded']['resources']:,} resources ({resources:,} with planned copies); "
        f"{summary['planned_items']:,} planned, "
        f"{figures.completed:,} copied, {refused} refused by StartCopyJob ({cold} in cold "
        f"storage: turned cold mid-run), {figures.failed} jobs failed. Makespan "
        f"{figures.makespan / hours:.2f} h; "
        f"bound = max(sum D/Q {figures.quota_bound / hours:.2f} h, longest chain "
        f"{figures.longest_chain / hours:.2f} h over {figures.longest_chain_jobs} copies): "
        f"{figures.bound_kind}-bound. Peak running {answer['stats']['peak_running']}; slot use "
        f"where work could run {use:.0%}{setting.caveat}. time_scale {setting.time_scale:g}, "
        f"--poll-interval {setting.poll_wall:g} s wall = {setting.poll_sim:g} s simulated; "
        f"--workers {WORKERS}. "
        f"CLI wall {step['seconds']:.1f} s (sandbox seeded in {answer['seed_seconds']:.1f} s). "
        f"Backup calls (all accounts, /_sandbox/stats) {total_calls:,} = listing "
        f"{split['listing']} + StartCopyJob {split['submit']:,} + ListCopyJobs/DescribeCopyJob "
        f"{split['tracking']:,} + other {split['other']} (preflight); "
        f"{total_calls / max(1, figures.completed):.2f} per copied item (~{at_30s:.1f} had it "
        "polled every 30 simulated s, its default: one ListCopyJobs per poll); LimitExceeded "
        "answers "
        f"{rejected}, tool retries {summary['retries']}, throttles {summary['throttles']}."
    )
    return Result(
        name=f"Quota efficiency, {setting.label}, at_quota={at_quota}",
        figure=f"{figures.ratio:.3f}x bound",
        goal=f"<= {GOAL}x",
        met=figures.ratio <= GOAL,
        note=note,
    )


def run(quick: bool) -> list[Result]:
    main = settings(quick)
    results = [measure(setting, mode) for setting in main for mode in MODES]
    return [*results, measure_orders(main[0])]
