"""Under throttling and the sandbox's other faults: `shuffle-aws-vaults copy --workers 40
--poll-interval 1` against a served sandbox with a copy quota of 40 and copies of 4 to 12 s, and
the original design (bench/baseline.py's client: 40 threads, one per job up to the quota, each
StartCopyJob then DescribeCopyJob every 1 s) under the same faults.

The sandbox runs in real time (time_scale 1: a simulated second is a wall second, so botocore's
back-off, the request-rate limit and the copies share one clock). A copy takes 8 s x jitter
+-50 % = 4 to 12 s (job_overhead_seconds 8, jitter 0.5, a bandwidth at which size adds well under
a millisecond). About 600 copies: the sandbox is seeded with 1,400 recovery points in 3 vaults
(470 quick) and the copy selects those of the last 3 days (`--created-after`), about 600 (200)
of them. Seeding 600 and copying all of them would be bound by one resource's chain (at every
seed tried, 1 to 12: one resource holds 17 to 28 of the 600 points, a chain of 136 to 224 s
against 120 s of quota time), and for the tail of such a run items wait for their resource,
not for a slot. Within 3 days a resource has at most 3 points (a chain of at most 36 s), so the
copy quota bounds the run. Every contender gets a fresh sandbox with the same seed; the
baseline's items are what `shuffle-aws-vaults filter` selects with the same flags, in listing
order.

Figures, all from the sandbox's records of its copy jobs (simulated = wall seconds):

- span / bound. The span runs from the first job's creation to the last job's end. The bound is
  max(total job time / Q, for each type group its job time / its limit, the longest chain of
  one resource's job times), job time being completion - start of every job that ran, failed
  attempts included (sandbox_run.span_bound).
- jobs in flight (created and not ended: CREATED or RUNNING), time-weighted over the window from
  the first job's creation to the last job's creation (until then some item was waiting to be
  submitted): the mean and the 10th percentile (the count the jobs in flight were at or above
  90 % of the time), as counts and as shares of --workers (sandbox_run.in_flight_while_waiting).
- the tool's speed-up over the original design: the baseline's span / the tool's span.
- Backup calls per copied item (every Backup operation the sandbox answered during the run,
  listing included, throttled calls included), the faults the sandbox injected, wall times.

A run is cut off after a time limit (about 3x the bound) and reported as not finished in that
time, with what it had copied by then. Runs go PARALLEL at a time (each in its own
sandbox and port): at time_scale 1 with 1 s polls and 4-12 s copies, the milliseconds they take
from each other do not show.

Scenarios: throttling of 0 %, 2 % and 20 % of calls; ServiceUnavailable 5 % with dropped
connections 2 %; job failures 10 %; credentials that expire 30 s after their first use (several
sessions per run); a request-rate limit of 10 calls per wall second per account (a token
bucket, FaultConfig.api_rate, default burst); all of the reliability faults together (20 %
throttling, 5 % unavailable, 2 % drops, 3 % job failures, 30 s sessions; not the rate limit);
and per-type limits (EBS 8, RDS with Aurora 8 sharing one limit) at at_quota queue and reject,
the tool only. Sandbox features not present yet (FaultConfig.api_rate, SandboxConfig.type_limits)
make their rows say so instead of failing.
"""

from __future__ import annotations

import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from typing import Any

from .common import Result
from .sandbox_run import (
    ACCOUNT_FLAGS,
    CLI,
    STEP_TIMED_OUT,
    SpanBound,
    copy_config,
    copy_step,
    in_flight_while_waiting,
    peak_running_by_group,
    run_host,
    span_bound,
)

QUOTA = 40
WORKERS = 40
POLL = 1.0  # --poll-interval, and the baseline's DescribeCopyJob interval (wall = simulated)
SEED = 1
VAULTS = 3
SEEDED = 1400  # recovery points seeded; those of the last RECENT_DAYS are about 600 at seed 1
QUICK_SEEDED = 470  # about 200
RECENT_DAYS = 3
OVERHEAD = 8.0  # simulated seconds of a copy, before jitter
JITTER = 0.5  # x (1 +- 0.5): 4 to 12 s
BANDWIDTH = float(1024**6)  # bytes per second: the largest seeded point adds microseconds
ATTEMPTS = 3  # jobs per item: the tool's default --max-job-attempts, and the baseline's
SESSION_TTL = 30.0  # simulated seconds from a session's first use to its expiry
API_RATE = 10.0  # Backup requests per wall second per account
TYPE_LIMITS = {"EBS": 8, "RDS+Aurora": 8}
IN_FLIGHT_GOAL = 0.90  # of --workers, the mean while items wait
TYPE_LIMIT_GOAL = 1.25
TIMEOUT = 360.0  # a run's limit, wall seconds: about 3x the full-size bound
QUICK_TIMEOUT = 120.0
# Runs at once. They are light (the whole quick module takes under a minute of CPU), so they
# overlap: every quick run at once, the full module's 18 in about three waves.
PARALLEL = 6
QUICK_PARALLEL = 7


@dataclass(frozen=True)
class Scenario:
    key: str
    label: str
    faults: dict[str, Any] = field(default_factory=dict)
    at_quota: str = "queue"
    type_limits: dict[str, int] | None = None
    baseline: bool = True
    goal: float | None = None  # the tool's span / bound; None: reported


THROTTLE_0 = Scenario("t0", "throttling 0 %", {})
THROTTLE_2 = Scenario("t2", "throttling 2 %", {"throttle_rate": 0.02}, goal=1.15)
THROTTLE_20 = Scenario("t20", "throttling 20 %", {"throttle_rate": 0.20}, goal=1.25)
THROTTLING = (THROTTLE_0, THROTTLE_2, THROTTLE_20)
UNAVAILABLE = Scenario(
    "unavailable",
    "ServiceUnavailable 5 % + dropped connections 2 %",
    {"unavailable_rate": 0.05, "drop_rate": 0.02},
)
JOB_FAILURES = Scenario("job-failures", "job failures 10 %", {"job_failure_rate": 0.10})
SESSIONS = Scenario(
    "sessions",
    f"sessions expiring {SESSION_TTL:g} s after first use",
    {"credential_ttl_seconds": SESSION_TTL},
)
API_LIMIT = Scenario(
    "api-rate", f"request-rate limit {API_RATE:g}/s per account", {"api_rate": API_RATE}
)
ALL_FAULTS = Scenario(
    "all",
    "all together (throttling 20 %, unavailable 5 %, drops 2 %, job failures 3 %, "
    f"{SESSION_TTL:g} s sessions)",
    {
        "throttle_rate": 0.20,
        "unavailable_rate": 0.05,
        "drop_rate": 0.02,
        "job_failure_rate": 0.03,
        "credential_ttl_seconds": SESSION_TTL,
    },
)
MIXES = (UNAVAILABLE, JOB_FAILURES, SESSIONS, API_LIMIT, ALL_FAULTS)
LIMITS_QUEUE = Scenario(
    "limits-queue",
    "per-type limits, at_quota=queue",
    type_limits=TYPE_LIMITS,
    baseline=False,
    goal=TYPE_LIMIT_GOAL,
)
LIMITS_REJECT = Scenario(
    "limits-reject",
    "per-type limits, at_quota=reject",
    at_quota="reject",
    type_limits=TYPE_LIMITS,
    baseline=False,
    goal=TYPE_LIMIT_GOAL,
)
LIMITS = (LIMITS_QUEUE, LIMITS_REJECT)


def scenarios(quick: bool) -> list[Scenario]:
    if quick:
        return [THROTTLE_0, THROTTLE_20, ALL_FAULTS, LIMITS_QUEUE]  # 7 runs
    return [*THROTTLING, *MIXES, *LIMITS]


def missing_features(scenario: Scenario) -> list[str]:
    """The sandbox settings `scenario` needs that this sandbox does not have yet."""
    from shuffle_aws_vaults.sandbox.config import FaultConfig, SandboxConfig

    have_faults = {f.name for f in fields(FaultConfig)}
    have_config = {f.name for f in fields(SandboxConfig)}
    missing = [f"FaultConfig.{name}" for name in scenario.faults if name not in have_faults]
    if scenario.type_limits and "type_limits" not in have_config:
        missing.append("SandboxConfig.type_limits")
    return missing


# -- one contender's run ----------------------------------------------------------------------


@dataclass
class Outcome:
    scenario: Scenario
    kind: str  # "tool" or "baseline"
    limit: float
    error: str | None = None
    timed_out: bool = False
    bound: SpanBound | None = None
    in_flight: Any = None  # InFlightProfile over [first creation, last creation]
    in_flight_first: Any = None  # ... ending at the last item's first job instead
    planned: int = 0
    planned_known: bool = True  # False: a cut-off tool run wrote no summary (planned is another
    # contender's figure for the same selection)
    cut_span: float = 0.0  # a cut-off run: first job's creation to the cut, a floor on its span
    calls: int = 0
    faults: dict[str, int] = field(default_factory=dict)
    peak_running: int = 0
    peak_by_group: dict[str, int] = field(default_factory=dict)
    peak_by_group_records: dict[str, int] = field(default_factory=dict)
    wall: float = float("nan")  # the copy command's (or the baseline client's) own wall time
    total_wall: float = float("nan")  # the whole host: seeding, listing, the run
    extra: str = ""

    @property
    def finished(self) -> bool:
        return self.error is None and not self.timed_out and self.bound is not None

    @property
    def copied(self) -> int:
        return self.bound.completed_items if self.bound else 0

    @property
    def calls_per_item(self) -> float:
        return self.calls / max(1, self.copied)

    def ratio_text(self) -> str:
        if self.error is not None:
            return f"failed ({self.error.splitlines()[0][:120]})"
        if self.timed_out or self.bound is None:
            of = f"{self.planned}" if self.planned_known else f"~{self.planned}"
            return f"did not finish in {self.limit:.0f} s ({self.copied} of {of} copied)"
        return f"{self.bound.ratio:.3f}x"

    def in_flight_text(self) -> str:
        if self.in_flight is None:
            return "n/a"
        mean_share, p10_share = self.in_flight.share_of(WORKERS)
        return (
            f"mean {self.in_flight.mean:.1f} ({mean_share:.0%}), p10 {self.in_flight.p10:.0f} "
            f"({p10_share:.0%})"
        )


def _since() -> str:
    return (datetime.now(UTC) - timedelta(days=RECENT_DAYS)).isoformat()


def request(scenario: Scenario, kind: str, quick: bool, limit: float) -> dict[str, Any]:
    config = copy_config(
        time_scale=1.0,
        seed=SEED,
        copy_quota=QUOTA,
        at_quota=scenario.at_quota,
        bandwidth=BANDWIDTH,
    )
    config.update(job_overhead_seconds=OVERHEAD, jitter=JITTER, faults=dict(scenario.faults))
    if scenario.type_limits:
        config["type_limits"] = dict(scenario.type_limits)
    selection = ["--created-after", _since()]
    if kind == "tool":
        steps = [
            copy_step(
                workers=WORKERS,
                poll_interval=POLL,
                timeout=limit,
                extra=selection,
                ok_codes=(0, 1, STEP_TIMED_OUT),
            )
        ]
        files = ["summary.json"]
    else:
        steps = [
            {
                "name": "filter",
                "argv": [
                    *CLI,
                    "filter",
                    *ACCOUNT_FLAGS,
                    "--all-vaults",
                    *selection,
                    "--output",
                    "csv",
                ],
                "stdout": "items.csv",
                "timeout": 300.0,
            },
            {
                "name": "baseline",
                "argv": [
                    sys.executable,
                    "-m",
                    "bench.baseline",
                    "--client",
                    str(WORKERS),
                    str(POLL),
                    "{workdir}/items.csv",
                    "{workdir}/client.json",
                    str(ATTEMPTS),
                ],
                "timeout": limit,
                "ok_codes": [0, STEP_TIMED_OUT],
            },
        ]
        files = ["items.csv", "client.json"]
    return {
        "config": config,
        "spec": {"recovery_points": QUICK_SEEDED if quick else SEEDED, "vaults": VAULTS},
        "steps": steps,
        "files": files,
    }


def measure(scenario: Scenario, kind: str, quick: bool) -> Outcome:
    limit = QUICK_TIMEOUT if quick else TIMEOUT
    outcome = Outcome(scenario=scenario, kind=kind, limit=limit)
    began = time.perf_counter()
    try:
        answer = run_host(request(scenario, kind, quick, limit), timeout=limit + 900.0)
    except Exception as exc:  # a crashed run is a result, not the end of the benchmark
        outcome.error = f"{type(exc).__name__}: {exc}"
        outcome.total_wall = time.perf_counter() - began
        return outcome
    outcome.total_wall = time.perf_counter() - began
    jobs = answer["jobs"]
    main = answer["steps"][-1]
    outcome.timed_out = main["returncode"] == STEP_TIMED_OUT
    outcome.bound = span_bound(jobs, QUOTA, scenario.type_limits)
    outcome.in_flight = in_flight_while_waiting(jobs)
    outcome.in_flight_first = in_flight_while_waiting(jobs, first_attempts=True)
    outcome.calls = sum(sum(step["calls"].values()) for step in answer["steps"])
    outcome.faults = dict(answer["stats"].get("faults_injected", {}))
    if answer["stats"].get("expired_token_answers"):
        outcome.faults["ExpiredTokenException answers"] = answer["stats"]["expired_token_answers"]
    outcome.peak_running = int(answer["stats"].get("peak_running", 0))
    outcome.peak_by_group = dict(answer["stats"].get("peak_running_by_type", {}))
    outcome.peak_by_group_records = peak_running_by_group(jobs, scenario.type_limits)
    outcome.wall = main["seconds"] if main["seconds"] == main["seconds"] else limit
    if jobs:
        outcome.cut_span = main["sim_end"] - min(job["creation"] for job in jobs)
    files = answer["files"]
    if kind == "tool":
        summary = json.loads(files["summary.json"]) if files.get("summary.json") else {}
        outcome.planned = int(summary.get("planned_items", 0))
        if summary:
            outcome.extra = (
                f"stop reason {summary.get('stop_reason')}, {summary.get('failed', 0)} items "
                f"failed, {summary.get('job_retries', 0)} job retries, tool retries "
                f"{summary.get('retries', 0)}, throttles seen {summary.get('throttles', 0)}"
            )
            if summary.get("stop_reason") != "finished" and not outcome.timed_out:
                outcome.error = f"the tool stopped: {summary.get('stop_reason')}"
        elif not outcome.timed_out:
            outcome.error = "no summary.json"
    else:
        outcome.planned = max(0, len((files.get("items.csv") or "").splitlines()) - 1)
        client = json.loads(files["client.json"]) if files.get("client.json") else {}
        if client:
            outcome.extra = (
                f"{client.get('refused', 0)} refused by StartCopyJob, "
                f"{client.get('ended_otherwise', 0)} items ended without a copy, "
                f"{client.get('restarted', 0)} failed jobs started again, "
                f"{client.get('errors', 0)} DescribeCopyJob errors, "
                f"{client.get('renewals', 0)} session renewals"
            )
    return outcome


def describe(o: Outcome) -> str:
    who = "tool" if o.kind == "tool" else f"original design ({WORKERS} threads)"
    if o.error is not None and o.bound is None:
        return f"{who}: {o.ratio_text()}, {o.total_wall:.0f} s"
    assert o.bound is not None
    faults = ", ".join(f"{k} {v:,}" for k, v in sorted(o.faults.items())) or "none"
    text = f"{who}: {o.ratio_text()}"
    if o.error is not None:
        text += f" [{o.error}]"
    text += (
        f"; {o.bound.describe()}; copied {o.copied} of {o.planned} planned "
        f"({o.bound.jobs} jobs, {o.bound.unfinished} not ended); in flight while items wait "
        f"{o.in_flight_text()} of {WORKERS}, peak {o.in_flight.peak}"
    )
    if o.in_flight_first is not None and o.in_flight_first.seconds < o.in_flight.seconds - 1:
        share = o.in_flight_first.mean / WORKERS
        text += (
            f" (to the last item's first job, {o.in_flight_first.seconds:.0f} s of "
            f"{o.in_flight.seconds:.0f}: mean {o.in_flight_first.mean:.1f} ({share:.0%}), p10 "
            f"{o.in_flight_first.p10:.0f})"
        )
    text += (
        f"; peak running {o.peak_running}; {o.calls_per_item:.2f} Backup calls per copied item "
        f"({o.calls:,}); faults injected (all steps, listing included): {faults}"
    )
    if o.extra:
        text += f"; {o.extra}"
    text += f"; run {o.wall:.0f} s wall ({o.total_wall:.0f} s with seeding and listing)"
    return text


# -- rows -------------------------------------------------------------------------------------


def _tool_ratio_row(o: Outcome, points: str) -> Result:
    goal = o.scenario.goal
    met = o.finished and (goal is None or (o.bound is not None and o.bound.ratio <= goal))
    figure = o.ratio_text()
    if o.finished and o.bound is not None:
        figure += f" (span {o.bound.span:.1f} s, bound {o.bound.bound:.1f} s)"
    return Result(
        name=f"{o.scenario.label[:1].upper()}{o.scenario.label[1:]}: tool span / bound ({points})",
        figure=figure,
        goal=f"<= {goal}x" if goal is not None else "(reported)",
        met=met,
        note=describe(o),
    )


def _in_flight_ok(o: Outcome) -> bool:
    return o.finished and o.in_flight is not None and o.in_flight.mean >= IN_FLIGHT_GOAL * WORKERS


def _in_flight_row(name: str, outcomes: list[Outcome], goal: str, judged: bool) -> Result:
    figure = "; ".join(
        f"{o.scenario.label}: "
        + (o.in_flight_text() if o.in_flight is not None else o.ratio_text())
        + ("" if o.finished else " (did not finish)")
        for o in outcomes
    )
    return Result(
        name=name,
        figure=figure,
        goal=goal,
        met=all(_in_flight_ok(o) for o in outcomes) if judged else True,
        note=(
            f"--workers {WORKERS}; jobs in flight (the sandbox's CREATED or RUNNING) from the first"
            " job's creation to the last job's creation, time-weighted: the mean and the 10th "
            "percentile (the count they were at or above 90 % of the time), as counts and as "
            "shares of --workers; the rows above give each run's details"
        ),
    )


def _speedup(tool: Outcome, base: Outcome) -> tuple[str, bool]:
    if not tool.finished:
        text = f"tool {tool.ratio_text()}"
        if base.finished and base.bound is not None and tool.cut_span:
            text = (
                f"< {base.bound.span / tool.cut_span:.2f}x: {text}, original design "
                f"{base.bound.span:.0f} s ({base.bound.ratio:.2f}x bound)"
            )
        return text, False
    assert tool.bound is not None
    if not base.finished or base.bound is None:
        floor = f"> {base.cut_span / tool.bound.span:.2f}x: " if base.cut_span else ""
        return (
            f"{floor}original design {base.ratio_text()}; tool {tool.bound.span:.0f} s "
            f"({tool.bound.ratio:.2f}x bound)",
            base.error is None,
        )
    if base.copied != tool.copied:  # not the same work: spans do not compare
        who, fewer = ("original design", base) if base.copied < tool.copied else ("tool", tool)
        text = (
            f"not the same work: the {who} copied {fewer.copied} of {fewer.planned} items "
            f"(the other {max(base.copied, tool.copied)}); spans: original design "
            f"{base.bound.span:.0f} s, tool {tool.bound.span:.0f} s ({tool.bound.ratio:.2f}x bound)"
        )
        return text, base.copied < tool.copied
    speedup = base.bound.span / tool.bound.span if tool.bound.span else float("inf")
    return (
        f"{speedup:.2f}x (spans {base.bound.span:.0f} s vs {tool.bound.span:.0f} s; "
        f"{base.bound.ratio:.2f}x vs {tool.bound.ratio:.2f}x bound)",
        speedup > 1.0,
    )


def _skipped(scenario: Scenario, missing: list[str]) -> Result:
    return Result(
        name=f"{scenario.label[:1].upper()}{scenario.label[1:]}",
        figure=f"not measured: this sandbox has no {', '.join(missing)}",
        goal="(see the issue)",
        met=False,
        note="the sandbox setting the scenario needs is not there yet; rerun once it is",
    )


def run(quick: bool) -> list[Result]:
    chosen = scenarios(quick)
    skipped = {s.key: missing for s in chosen if (missing := missing_features(s))}
    tasks = [(s, "tool") for s in chosen if s.key not in skipped]
    tasks += [(s, "baseline") for s in chosen if s.baseline and s.key not in skipped]
    # The runs most likely to be cut off at their limit start first, so they overlap the rest.
    slow_first = {"job-failures": 0, "all": 1, "api-rate": 2, "t20": 3}
    tasks.sort(key=lambda t: (slow_first.get(t[0].key, 9), t[1] != "tool"))
    began = time.perf_counter()
    parallel = QUICK_PARALLEL if quick else PARALLEL
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        done = list(pool.map(lambda t: measure(t[0], t[1], quick), tasks))
    elapsed = time.perf_counter() - began
    typical = max((o.planned for o in done), default=0)
    for o in done:
        if o.planned == 0 and o.error is None:  # a cut-off tool run: no summary.json
            o.planned, o.planned_known = typical, False
    tools = {o.scenario.key: o for o in done if o.kind == "tool"}
    bases = {o.scenario.key: o for o in done if o.kind == "baseline"}
    points = (
        f"~{typical} copies of 4-12 s, quota {QUOTA}, --workers {WORKERS}, --poll-interval "
        f"{POLL:g}"
    )
    results: list[Result] = []
    for scenario in chosen:
        if scenario.key in skipped:
            results.append(_skipped(scenario, skipped[scenario.key]))
    throttled = [tools[s.key] for s in THROTTLING if s.key in tools]
    results += [_tool_ratio_row(o, points) for o in throttled]
    if throttled:
        results.append(
            _in_flight_row(
                "Throttling: tool's jobs in flight while items wait, mean and p10 of --workers",
                throttled,
                f"mean >= {IN_FLIGHT_GOAL:.0%} of --workers at each rate",
                judged=True,
            )
        )
    paired = [
        (tools[s.key], bases[s.key])
        for s in [*THROTTLING, *MIXES]
        if s.key in tools and s.key in bases
    ]
    throttled_pairs = [(t, b) for t, b in paired if t.scenario in THROTTLING]
    if throttled_pairs:
        results.append(
            Result(
                name="Throttling: original design (40 threads, DescribeCopyJob every 1 s), "
                "span / bound",
                figure="; ".join(
                    f"{b.scenario.label}: {b.ratio_text()}" for _, b in throttled_pairs
                ),
                goal="(reported)",
                met=True,
                note=" | ".join(describe(b) for _, b in throttled_pairs),
            )
        )
        texts = [(t.scenario.label, *_speedup(t, b)) for t, b in throttled_pairs]
        results.append(
            Result(
                name="Throttling: tool faster than the original design (its span / the tool's)",
                figure="; ".join(f"{label}: {text}" for label, text, _ in texts),
                goal="> 1.0x at each rate",
                met=all(ok for _, _, ok in texts),
                note="the same sandbox configuration and seed, a fresh sandbox per contender; "
                "the rows above give each run's details",
            )
        )
    mixes = [(t, b) for t, b in paired if t.scenario in MIXES]
    for tool, base in mixes:
        text, ok = _speedup(tool, base)
        results.append(
            Result(
                name=f"Fault mix: {tool.scenario.label}, tool faster than the original design",
                figure=text,
                goal="> 1.0x",
                met=ok,
                note=f"{describe(tool)} | {describe(base)}",
            )
        )
    if mixes:
        results.append(
            _in_flight_row(
                "Fault mixes: tool's jobs in flight while items wait, mean and p10 of --workers",
                [t for t, _ in mixes],
                f"mean >= {IN_FLIGHT_GOAL:.0%} of --workers in each mix",
                judged=True,
            )
        )
    limited = [tools[s.key] for s in LIMITS if s.key in tools]
    for o in limited:
        row = _tool_ratio_row(o, points)
        limits = ", ".join(f"{k} {v}" for k, v in TYPE_LIMITS.items())
        row.name = (
            f"Per-type limits ({limits}; {points}), at_quota={o.scenario.at_quota}: "
            "tool span / bound"
        )
        peaks = ", ".join(
            f"{group} {o.peak_by_group.get(group, '?')} (records: "
            f"{o.peak_by_group_records.get(group, '?')}) of {TYPE_LIMITS[group]}"
            for group in TYPE_LIMITS
        )
        row.note = f"peak running per type group, the sandbox's {peaks}; {row.note}"
        results.append(row)
    if limited:
        results.append(
            _in_flight_row(
                "Per-type limits: tool's jobs in flight while items wait, mean and p10 of "
                "--workers",
                limited,
                "(reported: items of a type at its limit wait for that type's slots)",
                judged=False,
            )
        )
    if results:
        timing = f" [this module: {len(tasks)} runs, {parallel} at a time, {elapsed:.0f} s]"
        results[0].note += timing
    return results
