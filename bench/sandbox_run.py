"""A served sandbox in a fresh interpreter, and command lines run against it one after another.

`run_host(request)` starts `python -m bench.sandbox_run` (moto's state is process-wide, so one
sandbox per process, and a fresh one per contender), hands it the request as JSON on stdin and
returns what the host printed as JSON on its last stdout line:

- for every step (a command line run in its own subprocess, its environment pointed at the
  sandbox over HTTP on 127.0.0.1 and at nothing else): its wall time, exit status, peak RSS and
  user+sys CPU seconds of that command alone (`os.wait4` in a small wrapper process, see
  WRAPPER), the simulated time it spanned, and the AWS Backup calls the sandbox answered while
  it ran, by operation and by account;
- every copy job the sandbox recorded (simulated creation, start and completion times, its
  source account and its source and destination Region), its stats (`/_sandbox/stats`), the
  Backup calls of the whole host's life by Region (with the faults injected into them:
  "calls_by_region"; by calling account and Region: "calls_by_route"; with "trace" in the
  request, also per wall second: "timeline"), and the text of the files the request names.
  A step also reports the peak thread count of its command ("peak_threads", sampled).

A request is {"config": SandboxConfig keywords (its "faults" as FaultConfig keywords), "spec":
SeedSpec keywords, "steps": [{"name", "argv", "stdout" (a file name in the work directory, or
null for /dev/null), "timeout", "ok_codes"}], "files": [names]}. In argv, "{workdir}" and
"{vaults}" (the seeded vaults, a comma list) are replaced before the step runs. A step its
timeout cut short reports returncode -9 (STEP_TIMED_OUT): list it in ok_codes to get the
sandbox's records of the run so far instead of an error.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
CLI = (sys.executable, "-m", "shuffle_aws_vaults")
SOURCE = "111111111111"
DEST = "222222222222"
ACCOUNT_FLAGS = (
    "--source-account",
    SOURCE,
    "--dest-account",
    DEST,
    "--source-profile",
    "sandbox-source",
    "--dest-profile",
    "sandbox-dest",
)
# What could point a child at a real account, endpoint or configuration: never inherited.
CLEARED = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ENDPOINT_URL",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
)
DAY = 86400.0
MIB = 1024**2
GIB = 1024**3
# Backup operations by what they are for (everything else is "other": preflight, vaults).
LISTING_OPS = frozenset({"ListBackupVaults", "ListRecoveryPointsByBackupVault"})
SUBMIT_OPS = frozenset({"StartCopyJob"})
TRACKING_OPS = frozenset({"ListCopyJobs", "DescribeCopyJob"})
STEP_TIMED_OUT = -9  # the returncode of a step its timeout killed


def run_host(request: dict[str, Any], timeout: float = 3600.0) -> dict[str, Any]:
    """Run `request` in a fresh host process; its JSON answer."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.sandbox_run"],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0 or not done.stdout.strip():
        raise RuntimeError(f"sandbox host failed ({done.returncode}):\n{done.stderr[-4000:]}")
    answer: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    for step in answer["steps"]:
        if step["returncode"] not in step.get("ok_codes", [0]) or "Traceback" in step["stderr"]:
            raise RuntimeError(
                f"step {step['name']} exited {step['returncode']}:\n{step['stderr'][-4000:]}"
            )
    return answer


def copy_config(
    *,
    time_scale: float,
    seed: int,
    copy_quota: int,
    at_quota: str,
    bandwidth: float = 100 * MIB,
) -> dict[str, Any]:
    """SandboxConfig keywords for a copy run (AWS's figures unless `bandwidth` says otherwise).

    As in the e2e tests, the IdempotencyToken window is a day of wall time: the tool repeats a
    call within seconds, never a simulated day later.
    """
    return {
        "time_scale": time_scale,
        "seed": seed,
        "copy_quota": copy_quota,
        "at_quota": at_quota,
        "bandwidth_bytes_per_second": bandwidth,
        "idempotency_window_seconds": DAY * time_scale,
    }


def copy_step(
    *,
    workers: int | None,
    poll_interval: float,
    timeout: float,
    extra: Sequence[str] = (),
    ok_codes: Sequence[int] = (0, 1),
) -> dict[str, Any]:
    """`shuffle-aws-vaults copy` of every vault; summary.json and report.csv in the workdir.

    Exit status 1 is accepted: items StartCopyJob refuses (a recovery point that turned cold
    while the run went on) end FAILED, and the run says so. `extra`: more arguments (a
    selection); `ok_codes`: the exit statuses accepted (STEP_TIMED_OUT for a run that may be cut
    short).
    """
    argv = [*CLI, "copy", *ACCOUNT_FLAGS, "--all-vaults", *extra]
    if workers is not None:
        argv += ["--workers", str(workers)]
    argv += [
        "--poll-interval",
        str(poll_interval),
        "--no-progress",
        "--state-file",
        "{workdir}/state/migration.jsonl",
        "--summary-output",
        "{workdir}/summary.json",
        "--report-csv",
        "{workdir}/report.csv",
    ]
    return {"name": "copy", "argv": argv, "timeout": timeout, "ok_codes": list(ok_codes)}


def split_calls(calls: dict[str, int]) -> dict[str, int]:
    """Backup calls by purpose: listing, submit, tracking, other."""
    out = {"listing": 0, "submit": 0, "tracking": 0, "other": 0}
    for op, n in calls.items():
        if op in LISTING_OPS:
            out["listing"] += n
        elif op in SUBMIT_OPS:
            out["submit"] += n
        elif op in TRACKING_OPS:
            out["tracking"] += n
        else:
            out["other"] += n
    return out


# -- what the sandbox recorded ----------------------------------------------------------------


@dataclass(frozen=True)
class JobFigures:
    """Copy jobs as the sandbox recorded them, in simulated seconds."""

    jobs: int
    completed: int
    failed: int
    makespan: float  # first job's creation to the last completed copy's completion
    total: float  # sum of the completed copies' own durations (completion - start)
    longest_chain: float  # the largest such sum over one resource's copies
    longest_chain_jobs: int
    quota: int

    @property
    def quota_bound(self) -> float:
        return self.total / self.quota

    @property
    def lower_bound(self) -> float:
        return max(self.quota_bound, self.longest_chain)

    @property
    def ratio(self) -> float:
        return self.makespan / self.lower_bound if self.lower_bound else float("nan")

    @property
    def per_hour(self) -> float:
        return self.completed * 3600 / self.makespan if self.makespan else 0.0

    @property
    def bound_kind(self) -> str:
        return "chain" if self.longest_chain >= self.quota_bound else "quota"


def job_figures(jobs: list[dict[str, Any]], quota: int) -> JobFigures:
    completed = [job for job in jobs if job["state"] == "COMPLETED"]
    chains: Counter[str] = Counter()
    counts: Counter[str] = Counter()
    for job in completed:
        chains[job["resource_arn"]] += job["completion"] - job["start"]
        counts[job["resource_arn"]] += 1
    longest = max(chains, key=lambda r: chains[r]) if chains else ""
    first = min((job["creation"] for job in jobs), default=0.0)
    last = max((job["completion"] for job in completed), default=first)
    return JobFigures(
        jobs=len(jobs),
        completed=len(completed),
        failed=sum(1 for job in jobs if job["state"] == "FAILED"),
        makespan=last - first,
        total=sum(chains.values()),
        longest_chain=chains[longest] if longest else 0.0,
        longest_chain_jobs=counts[longest] if longest else 0,
        quota=quota,
    )


def slot_use(jobs: list[dict[str, Any]], quota: int) -> float:
    """Running jobs over min(quota, resources with copies still to finish), integrated over the
    run: 1.0 when a slot never idles while some resource has work that could run in it.

    Every resource counts as having work from the first job's creation until its last copy
    completes (its items are all planned at the start; one job per resource at a time).
    """
    completed = [job for job in jobs if job["state"] == "COMPLETED"]
    if not completed:
        return 0.0
    first = min(job["creation"] for job in jobs)
    last_of: dict[str, float] = {}
    events: list[tuple[float, int, int]] = []  # (time, d_running, d_resources)
    for job in completed:
        events.append((job["start"], 1, 0))
        events.append((job["completion"], -1, 0))
        last_of[job["resource_arn"]] = max(
            last_of.get(job["resource_arn"], first), job["completion"]
        )
    events += [(end, 0, -1) for end in last_of.values()]
    events.sort()
    running, resources = 0, len(last_of)
    used = available = 0.0
    at = first
    for when, d_running, d_resources in events:
        span = when - at
        if span > 0:
            used += running * span
            available += min(quota, resources) * span
        at = when
        running += d_running
        resources += d_resources
    return used / available if available else 0.0


# -- span, bound and jobs in flight, with per-type limits ------------------------------------


def type_groups(type_limits: Mapping[str, int] | None) -> dict[str, str]:
    """Each limited resource type's group: the type_limits key naming it ("RDS+Aurora" for both
    RDS and Aurora, which share that one limit)."""
    return {rtype: key for key in (type_limits or {}) for rtype in key.split("+")}


def _ran(job: dict[str, Any]) -> bool:
    return job["start"] is not None and job["completion"] is not None


@dataclass(frozen=True)
class SpanBound:
    """A run's span and AWS's lower bound on it, from the sandbox's job records (simulated s).

    Job time is each job's own running time (completion - start) for every job that ran and
    ended, failed attempts included: they held a quota slot, a type slot and their resource. The
    bound is max(total job time / Q, for each type group its job time / its limit, the largest
    sum of job times over one resource): AWS runs at most Q jobs at once, at most a group's
    limit of that group's jobs, and one job per resource at a time. The span runs from the
    first job's creation to the last job's end.
    """

    jobs: int
    unfinished: int  # jobs not yet ended when the records were taken (a run cut short)
    completed_items: int  # source recovery points with a COMPLETED copy job
    span: float
    total: float
    quota: int
    group_time: dict[str, float]
    group_limit: dict[str, int]
    longest_chain: float
    longest_chain_jobs: int

    @property
    def quota_bound(self) -> float:
        return self.total / self.quota

    @property
    def group_bounds(self) -> dict[str, float]:
        return {key: self.group_time.get(key, 0.0) / n for key, n in self.group_limit.items()}

    @property
    def bound(self) -> float:
        return max(self.quota_bound, self.longest_chain, *self.group_bounds.values())

    @property
    def kind(self) -> str:
        """Which term the bound is: "quota", "chain" or a type group."""
        terms = {"quota": self.quota_bound, "chain": self.longest_chain, **self.group_bounds}
        return max(terms, key=lambda k: terms[k])

    @property
    def ratio(self) -> float:
        return self.span / self.bound if self.bound else float("nan")

    def describe(self) -> str:
        groups = "".join(
            f", {key} {self.group_time.get(key, 0.0):.0f} s / {limit} = "
            f"{self.group_bounds[key]:.1f} s"
            for key, limit in self.group_limit.items()
        )
        return (
            f"span {self.span:.1f} s, bound {self.bound:.1f} s = max(job time {self.total:.0f} s"
            f" / {self.quota} = {self.quota_bound:.1f} s{groups}, longest chain "
            f"{self.longest_chain:.1f} s over {self.longest_chain_jobs} jobs): {self.kind}-bound"
        )


def span_bound(
    jobs: list[dict[str, Any]], quota: int, type_limits: Mapping[str, int] | None = None
) -> SpanBound:
    groups = type_groups(type_limits)
    ran = [job for job in jobs if _ran(job)]
    chains: Counter[str] = Counter()
    counts: Counter[str] = Counter()
    group_time: Counter[str] = Counter()
    for job in ran:
        seconds = job["completion"] - job["start"]
        chains[job["resource_arn"]] += seconds
        counts[job["resource_arn"]] += 1
        group = groups.get(job.get("resource_type", ""))
        if group is not None:
            group_time[group] += seconds
    longest = max(chains, key=lambda r: chains[r]) if chains else ""
    first = min((job["creation"] for job in jobs), default=0.0)
    last = max((job["completion"] for job in jobs if job["completion"] is not None), default=first)
    return SpanBound(
        jobs=len(jobs),
        unfinished=sum(1 for job in jobs if job["completion"] is None),
        completed_items=len({job["source_arn"] for job in jobs if job["state"] == "COMPLETED"}),
        span=last - first,
        total=sum(chains.values()),
        quota=quota,
        group_time=dict(group_time),
        group_limit=dict(type_limits or {}),
        longest_chain=chains[longest] if longest else 0.0,
        longest_chain_jobs=counts[longest] if longest else 0,
    )


def in_flight_while_waiting(jobs: list[dict[str, Any]], *, first_attempts: bool = False) -> Any:
    """Jobs in flight (created, not yet ended: CREATED or RUNNING), time-weighted, over the
    window from the first job's creation to the last job's creation: until the last job was
    created some item was waiting to be submitted. With `first_attempts`, the window ends at the
    last creation of an item's first job instead (a later job is a failed copy's next attempt,
    which the tool holds back on purpose). An InFlightProfile (mean, p10, peak)."""
    from shuffle_aws_vaults.sandbox.job_stats import in_flight_profile

    if not jobs:
        return in_flight_profile([], 0.0, 0.0)
    start = min(job["creation"] for job in jobs)
    if first_attempts:
        first_of: dict[str, float] = {}
        for job in jobs:
            arn = job["source_arn"]
            first_of[arn] = min(first_of.get(arn, job["creation"]), job["creation"])
        end = max(first_of.values())
    else:
        end = max(job["creation"] for job in jobs)
    return in_flight_profile(((job["creation"], job["completion"]) for job in jobs), start, end)


def peak_running_by_group(
    jobs: list[dict[str, Any]], type_limits: Mapping[str, int] | None
) -> dict[str, int]:
    """The most jobs of each type group RUNNING at once, from the jobs' start and end times."""
    groups = type_groups(type_limits)
    events: dict[str, list[tuple[float, int]]] = {key: [] for key in type_limits or {}}
    for job in jobs:
        group = groups.get(job.get("resource_type", ""))
        if group is None or job["start"] is None:
            continue
        events[group].append((job["start"], 1))
        if job["completion"] is not None:
            events[group].append((job["completion"], -1))
    peaks: dict[str, int] = {}
    for group, marks in events.items():
        level = peak = 0
        for _, delta in sorted(marks):  # an end sorts before a start at the same moment
            level += delta
            peak = max(peak, level)
        peaks[group] = peak
    return peaks


# -- the host ---------------------------------------------------------------------------------


def _child_env(sandbox: Any, workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env.update(sandbox.env())
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    env["XDG_STATE_HOME"] = str(workdir / "xdg-state")
    endpoint = env.get("AWS_ENDPOINT_URL", "")
    assert endpoint.startswith("http://127.0.0.1:"), endpoint
    return env


# The step's command runs under this small wrapper, which reports the command's own wall time
# and rusage (os.wait4). Linux keeps a process's peak RSS across exec and starts a child's at
# its parent's resident size, so the host (a sandbox of up to 100k recovery points) must not be
# the command's direct parent: the wrapper's few MiB are.
#
# It also samples the command's thread count (/proc/PID/status, `Threads:`) every
# THREAD_SAMPLE_SECONDS while it runs, and reports the peak: a thread that lives less than that
# may be missed.
THREAD_SAMPLE_SECONDS = 0.02
WRAPPER = f"""
import json, os, subprocess, sys, threading, time
start = time.perf_counter()
child = subprocess.Popen(sys.argv[2:])
peak = [0]
over = threading.Event()
def sample():
    path = "/proc/%d/status" % child.pid
    while not over.is_set():
        try:
            with open(path, encoding="ascii") as handle:
                for line in handle:
                    if line.startswith("Threads:"):
                        peak[0] = max(peak[0], int(line.split()[1]))
                        break
        except (OSError, ValueError):
            pass
        over.wait({THREAD_SAMPLE_SECONDS})
sampler = threading.Thread(target=sample, daemon=True)
sampler.start()
_, status, usage = os.wait4(child.pid, 0)
seconds = time.perf_counter() - start
over.set()
sampler.join()
with open(sys.argv[1], "w", encoding="utf-8") as handle:
    cpu = usage.ru_utime + usage.ru_stime
    json.dump(
        {{"seconds": seconds, "cpu": cpu, "maxrss_kib": usage.ru_maxrss, "threads": peak[0]}},
        handle,
    )
sys.exit(os.waitstatus_to_exitcode(status) % 256)
"""


def _run_step(
    step: dict[str, Any], env: dict[str, str], workdir: Path, world: Any
) -> dict[str, Any]:
    vaults = env["SHUFFLE_SANDBOX_VAULTS"]
    argv = [
        arg.replace("{workdir}", str(workdir)).replace("{vaults}", vaults) for arg in step["argv"]
    ]
    out_name = step.get("stdout")
    out_path = workdir / out_name if out_name else Path(os.devnull)
    err_path = workdir / f"{step['name']}.stderr"
    usage_path = workdir / f"{step['name']}.rusage.json"
    with world.lock:
        calls_before = Counter(world.calls)
        by_account_before = Counter(world.calls_by_account)
        sim_start = world.now()
    timed_out = threading.Event()
    with out_path.open("wb") as out, err_path.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-c", WRAPPER, str(usage_path), *argv],
            stdout=out,
            stderr=err,
            env=env,
            cwd=REPO,
            start_new_session=True,  # a timeout kills the wrapper and the command together
        )

        def kill() -> None:
            timed_out.set()
            os.killpg(proc.pid, signal.SIGKILL)

        timer = threading.Timer(float(step.get("timeout", 1800.0)), kill)
        timer.start()
        try:
            proc.wait()
        finally:
            timer.cancel()
    with world.lock:
        sim_end = world.now()
        calls = Counter(world.calls)
        calls.subtract(calls_before)
        by_account = Counter(world.calls_by_account)
        by_account.subtract(by_account_before)
    usage = json.loads(usage_path.read_text()) if usage_path.exists() else {}
    stderr = err_path.read_text(encoding="utf-8", errors="replace")
    return {
        "name": step["name"],
        "argv": argv,
        "returncode": STEP_TIMED_OUT if timed_out.is_set() else proc.returncode,
        "ok_codes": step.get("ok_codes", [0]),
        "seconds": usage.get("seconds", float("nan")),
        "cpu_seconds": usage.get("cpu", float("nan")),
        "maxrss_mib": usage.get("maxrss_kib", 0) / 1024,
        "peak_threads": usage.get("threads", 0),
        "sim_start": sim_start,
        "sim_end": sim_end,
        "calls": {op: n for op, n in calls.items() if n},
        "calls_by_account": {f"{a}/{op}": n for (a, op), n in by_account.items() if n},
        "stdout_bytes": out_path.stat().st_size if out_name else 0,
        "stdout_lines": _count_lines(out_path) if out_name else 0,
        "stderr": stderr[-6000:],
    }


def _count_lines(path: Path) -> int:
    lines = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            lines += chunk.count(b"\n")
    return lines


def _count_expired_answers(world: Any) -> list[int]:
    """Count the calls the sandbox answers ExpiredTokenException (its stats do not): a one-item
    list the count goes into, kept up to date by a wrapper of the fault injector's check."""
    count = [0]
    check = world.faults.credentials_expired

    def credentials_expired(access_key: str, now: float) -> bool:
        expired = bool(check(access_key, now))
        if expired:
            count[0] += 1
        return expired

    world.faults.credentials_expired = credentials_expired
    return count


RATE_LIMITED = "ThrottlingException (rate limit)"  # the token bucket's, not the random ones


def _count_region_calls(
    world: Any,
    timeline: Counter[tuple[str, int, str]] | None = None,
    routes: Counter[tuple[str, str, str, str]] | None = None,
) -> Counter[tuple[str, str, str]]:
    """Count the Backup calls the sandbox answers by (Region, operation, fault or ""), kept up
    to date by a wrapper of the fault injector's per-call decision (made once per call, after
    the credential check: an ExpiredTokenException answer is not counted here). A throttle of
    the request-rate limit (FaultConfig.api_rate's token bucket) counts as RATE_LIMITED. With
    `timeline`, also (Region, wall second since now, "call" or the fault) for every call; with
    `routes`, also (calling account, Region, operation, fault or "")."""
    counts: Counter[tuple[str, str, str]] = Counter()
    decide = world.faults.request_fault
    buckets = getattr(world.faults, "_buckets", None)
    refused = threading.local()
    lock = threading.Lock()
    began = time.monotonic()
    if buckets is not None:
        take = buckets.take

        def counted_take(key: str) -> bool:
            admitted: bool = take(key)
            refused.last = not admitted
            return admitted

        buckets.take = counted_take

    def request_fault(operation: str, account: str = "", region: str = "") -> str | None:
        refused.last = False
        fault: str | None = decide(operation, account, region)
        kind = RATE_LIMITED if refused.last else fault or ""
        with lock:
            counts[(region, operation, kind)] += 1
            if routes is not None:
                routes[(account, region, operation, kind)] += 1
            if timeline is not None:
                timeline[(region, int(time.monotonic() - began), kind or "call")] += 1
        return fault

    world.faults.request_fault = request_fault
    return counts


def _by_region(counts: Counter[tuple[str, str, str]]) -> dict[str, dict[str, Any]]:
    """{region: {"calls": {operation: n}, "faults": {fault: n}}} from _count_region_calls."""
    out: dict[str, dict[str, Any]] = {}
    for (region, operation, fault), n in sorted(counts.items()):
        entry = out.setdefault(region, {"calls": {}, "faults": {}})
        entry["calls"][operation] = entry["calls"].get(operation, 0) + n
        if fault:
            entry["faults"][fault] = entry["faults"].get(fault, 0) + n
    return out


def _by_route(counts: Counter[tuple[str, str, str, str]]) -> dict[str, dict[str, Any]]:
    """{"ACCOUNT/REGION": {"calls": ..., "faults": ...}}, as _by_region has it per Region."""
    by_key: Counter[tuple[str, str, str]] = Counter()
    for (account, region, operation, fault), n in counts.items():
        by_key[(f"{account}/{region}", operation, fault)] += n
    return _by_region(by_key)


def host(request: dict[str, Any]) -> dict[str, Any]:
    from shuffle_aws_vaults.sandbox import FaultConfig, Sandbox, SandboxConfig, SeedSpec, stats
    from shuffle_aws_vaults.sandbox.arns import parse_vault_arn
    from shuffle_aws_vaults.sandbox.regions import region_of_arn

    config = dict(request["config"])
    if isinstance(config.get("faults"), dict):  # JSON carries FaultConfig as its keywords
        config["faults"] = FaultConfig(**config["faults"])
    if isinstance(config.get("regions"), list):  # and a tuple as a list
        config["regions"] = tuple(config["regions"])
    spec = dict(request["spec"])
    for shares in ("region_shares", "account_shares"):
        if isinstance(spec.get(shares), list):
            spec[shares] = tuple(spec[shares])
    with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as tmp:
        workdir = Path(tmp)
        start = time.perf_counter()
        sandbox = Sandbox(
            SandboxConfig(**config),
            SeedSpec(**spec),
            workdir=workdir / "sandbox",
        ).start()
        seed_seconds = time.perf_counter() - start
        try:
            world = sandbox.world
            seeded = sandbox.seeded
            assert world is not None and seeded is not None
            env = _child_env(sandbox, workdir)
            expired = _count_expired_answers(world)
            timeline: Counter[tuple[str, int, str]] | None = (
                Counter() if request.get("trace") else None
            )
            route_calls: Counter[tuple[str, str, str, str]] = Counter()
            region_calls = _count_region_calls(world, timeline, route_calls)
            steps = [_run_step(step, env, workdir, world) for step in request["steps"]]
            jobs = [
                {
                    "seq": job.seq,
                    "resource_arn": job.resource_arn,
                    "resource_type": job.resource_type,
                    "source_arn": job.source_recovery_point_arn,
                    "region": region_of_arn(job.source_vault_arn),
                    "account": (parse_vault_arn(job.source_vault_arn) or ("", "", ""))[1],
                    "dest_region": region_of_arn(job.dest_vault_arn),
                    "state": job.state,
                    "creation": job.creation_date,
                    "start": job.start_date,
                    "completion": job.completion_date,
                    "incremental": job.incremental,
                }
                for job in world.copy_jobs()
            ]
            final = stats(world)
            files = {}
            for name in request.get("files", []):
                path = workdir / name
                files[name] = path.read_text(encoding="utf-8") if path.exists() else None
        finally:
            sandbox.stop()
    return {
        "seeded": {
            "recovery_points": seeded.recovery_points,
            "resources": len(seeded.resources),
            "vaults": seeded.vaults,
        },
        "seed_seconds": seed_seconds,
        "steps": steps,
        "jobs": jobs,
        "stats": {
            **{k: v for k, v in final.items() if k != "recovery_points"},
            "expired_token_answers": expired[0],
        },
        "calls_by_region": _by_region(region_calls),
        "calls_by_route": _by_route(route_calls),
        "timeline": [[*key, n] for key, n in sorted((timeline or {}).items())],
        "files": files,
    }


if __name__ == "__main__":
    print(json.dumps(host(json.loads(sys.stdin.read()))))
