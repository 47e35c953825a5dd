"""Resume: a journal of N items with a realistic mix of states, to the first StartCopyJob call
(goal: 1M items, 100k-event journal tail, in 5 s).

The state on disk: a compacted snapshot (60 % COMPLETED with job IDs and destination ARNs, 2 %
FAILED, 100 SUBMITTED, 50 INTENT, the rest PENDING) plus a journal tail of uncompacted
Intent/Submitted/JobEnded lines, so loading it is a snapshot parse plus a tail replay. A fresh
interpreter (`python -m bench.resume DIR`) then times StateStore.load, the CopyEngine's
construction (its Scheduler) and its reconciliation (the fake AWS answers ListCopyJobs and
DescribeCopyJob at once) up to the first StartCopyJob call, and stops the engine there.
"""

from __future__ import annotations

import cProfile
import gc
import json
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .common import Result
from .engine_overhead import DEST_VAULT, REPO, ROLE, InstantGateway, raw_items, top_hotspots

GOAL_SECONDS = 5.0
SUBMITTED = 100
INTENT = 50
NOW = 1_767_225_600.0


def build(directory: Path, count: int, tail: int) -> None:
    from shuffle_aws_vaults.domain.events import Event, Intent, JobEnded, Submitted
    from shuffle_aws_vaults.domain.migration import Failure, MigrationState, Status
    from shuffle_aws_vaults.domain.plan import order_items, plan_hash
    from shuffle_aws_vaults.infrastructure.journal_store import StateStore

    items = order_items(raw_items(count))
    state = MigrationState(items)
    completed = count * 60 // 100
    failed = count * 2 // 100
    # Completed and failed items spread over the plan (every resource partly done), the
    # in-flight ones after them, the rest pending.
    for i in range(completed):
        state.status[i] = Status.COMPLETED
        state.attempts[i] = 1
        state.job_ids[i] = f"prev-{i:012x}"
        state.dest_arns[i] = f"arn:aws:ec2:us-east-1::snapshot/snap-p{i:016x}"
    for i in range(completed, completed + failed):
        state.status[i] = Status.FAILED
        state.attempts[i] = 3
        state.job_ids[i] = f"prev-{i:012x}"
        state.failures[i] = Failure("FAILED", "Copy job failed: access denied", NOW - 3600)
    first_flight = completed + failed
    for i in range(first_flight, first_flight + SUBMITTED):
        state.status[i] = Status.SUBMITTED
        state.attempts[i] = 1
        state.job_ids[i] = f"prev-{i:012x}"
    for i in range(first_flight + SUBMITTED, first_flight + SUBMITTED + INTENT):
        state.status[i] = Status.INTENT
        state.attempts[i] = 1
    state.recount()
    store = StateStore(directory / "state.jsonl")
    identity = {"plan_hash": plan_hash(items), "dest_vault": DEST_VAULT}
    journal = store.create(identity, state)
    journal.compact(state)
    # The tail: whole Intent/Submitted/JobEnded chains of pending items, 1 in 50 failing.
    chains = tail // 3
    start = first_flight + SUBMITTED + INTENT
    at = NOW
    for n, i in enumerate(range(start, start + chains)):
        at += 0.01
        job_id = f"tail-{i:012x}"
        events: list[Event] = [Intent(i, 1, at), Submitted(i, job_id, at + 0.5)]
        if n % 50 == 49:
            events.append(JobEnded(i, job_id, "FAILED", at + 60, message="access denied"))
        else:
            dest = f"arn:aws:ec2:us-east-1::snapshot/snap-t{i:016x}"
            events.append(JobEnded(i, job_id, "COMPLETED", at + 60, dest_arn=dest))
        for event in events:
            state.apply(event)
            journal.append(event)
        if n % 1000 == 999:
            journal.flush()
    journal.close()


def child(directory: Path, profile: bool) -> dict[str, Any]:
    from shuffle_aws_vaults.application.copy_engine import CopyEngine, EngineSettings
    from shuffle_aws_vaults.application.run_control import StopSignal
    from shuffle_aws_vaults.domain.copy_job import CopyJobInfo
    from shuffle_aws_vaults.domain.migration import Status
    from shuffle_aws_vaults.infrastructure.journal_store import StateStore
    from shuffle_aws_vaults.infrastructure.worker_pool import WorkerPool

    stop = StopSignal()

    def stop_now() -> None:  # the measurement ends at the first StartCopyJob call
        stop.request("bench")
        stop.request("bench")

    gateway = InstantGateway(on_first_start=stop_now)
    profiler = cProfile.Profile() if profile else None
    if profiler is not None:
        profiler.enable()
    start = time.perf_counter()
    store = StateStore(directory / "state.jsonl")
    _, state, journal = store.load()
    loaded = time.perf_counter()
    # What the previous run left in AWS: every SUBMITTED job ended; half the unconfirmed
    # intents reached AWS (their jobs completed), the other half never did.
    when = datetime.fromtimestamp(NOW, UTC)
    for i in state.indexes(Status.SUBMITTED):
        job_id = state.job_ids[i] or ""
        item = state.items[i]
        gateway.described[job_id] = CopyJobInfo(
            job_id, "COMPLETED", item.source_arn, item.dest_vault_arn, when, when, f"dest-{i}"
        )
    for n, i in enumerate(state.indexes(Status.INTENT)):
        item = state.items[i]
        if n % 2 == 0:
            gateway.found[item.source_arn] = [
                CopyJobInfo(
                    f"found-{i}", "COMPLETED", item.source_arn, item.dest_vault_arn, when, when
                )
            ]
    prepared = time.perf_counter()  # the fake's answers are not the product's work
    gc.freeze()  # as the copy command does before its run
    settings = EngineSettings(workers=80, iam_role_arn=ROLE, poll_interval=30.0)
    executor = WorkerPool(32, name="copy")
    engine = CopyEngine(
        state=state,
        gateway=gateway,
        journal=journal,
        settings=settings,
        executor=executor,
        stop=stop,
    )
    constructed = time.perf_counter()
    outcome = engine.run()
    if profiler is not None:
        profiler.disable()
    journal.close()
    assert gateway.first_start is not None, outcome
    setup = prepared - loaded
    return {
        "seconds": gateway.first_start - start - setup,
        "load": loaded - start,
        "construct": constructed - prepared,
        "reconcile": gateway.first_start - constructed,
        "listings": gateway.listings,
        "describes": gateway.describes,
        "hotspots": (top_hotspots(profiler, 5, ("child", "run")) if profiler is not None else []),
    }


def measure(source: Path, profile: bool = False) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        for path in source.iterdir():  # a fresh copy: a run appends to the journal
            if path.is_file() and not path.name.endswith(".lock"):
                shutil.copy2(path, Path(tmp) / path.name)
        command = [sys.executable, "-m", "bench.resume", tmp]
        if profile:
            command.append("--profile")
        done = subprocess.run(command, capture_output=True, text=True, cwd=REPO, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"resume run failed:\n{done.stderr[-3000:]}")
        result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
        return result


def run(quick: bool) -> list[Result]:
    count, tail = (100_000, 10_000) if quick else (1_000_000, 100_000)
    goal = GOAL_SECONDS * count / 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        build(directory, count, tail)
        runs = [measure(directory) for _ in range(3)]
        profiled = measure(directory, profile=True)
    best = min(runs, key=lambda r: r["seconds"])
    times = ", ".join(f"{r['seconds']:.2f}" for r in runs)
    note = (
        f"best of 3 (runs: {times}); load "
        f"{best['load']:.2f} s, engine construction {best['construct']:.2f} s, reconcile "
        f"({best['listings']} listings, {best['describes']} describes) to first call "
        f"{best['reconcile']:.2f} s. cProfile, top cumulative: " + "; ".join(profiled["hotspots"])
    )
    return [
        Result(
            name=f"Resume to first StartCopyJob, {count:,} items + {tail:,}-event tail",
            figure=f"{best['seconds']:.2f} s",
            goal=f"<= {goal:.1f} s",
            met=best["seconds"] <= goal,
            note=note,
        )
    ]


if __name__ == "__main__":
    print(json.dumps(child(Path(sys.argv[1]), "--profile" in sys.argv[2:])))
