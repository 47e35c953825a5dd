"""Engine overhead: N items through plan, schedule, submit, track, journal and report against an
in-memory AWS whose copy jobs finish at once (goal: 1M items in 60 s, peak RSS <= 1 GiB).

The measured run is a fresh interpreter (`python -m bench.engine_overhead N DIR`), so wall time
and peak RSS are the engine's alone. The engine runs on the CLI's WorkerPool, sized as the
CLI sizes it (min(32, workers) threads), a real journal (StateStore in a temporary directory,
compaction and fsync included) and writes the summary JSON and the report CSV at the end.
"""

from __future__ import annotations

import cProfile
import gc
import io
import itertools
import json
import pstats
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shuffle_aws_vaults.domain.copy_job import CopyJobInfo, Lifecycle, StartedJob
from shuffle_aws_vaults.domain.plan import PlanItem
from shuffle_aws_vaults.domain.recovery_point import RecoveryPoint, Vault

from .common import Result

GOAL_SECONDS = 60.0
GOAL_RSS_MIB = 1024.0
ITEMS_PER_RESOURCE = 4
WORKERS = 100
POLL_INTERVAL = 0.0
PAGE_SIZE = 1000
SOURCE_ACCOUNT = "111111111111"
DEST_VAULT = "arn:aws:backup:us-east-1:222222222222:backup-vault:migrated"
ROLE = f"arn:aws:iam::{SOURCE_ACCOUNT}:role/copy-role"
BASE_CREATED = 1_735_689_600.0  # 2025-01-01T00:00:00Z
REPO = Path(__file__).resolve().parent.parent


def raw_items(count: int) -> list[PlanItem]:
    """`count` recovery points, ITEMS_PER_RESOURCE per resource, in no particular order.

    Repeated names are one string each, as planning (build_plan) makes them.
    """
    types = ("EBS", "RDS", "EFS", "EC2")
    vaults = ("production", "staging", "shared")
    resources = max(1, count // ITEMS_PER_RESOURCE)
    resource_arns = [
        f"arn:aws:ec2:us-east-1:{SOURCE_ACCOUNT}:volume/vol-{r:017x}" for r in range(resources)
    ]
    out: list[PlanItem] = []
    for n in range(count):
        r = n % resources
        out.append(
            PlanItem(
                source_arn=f"arn:aws:ec2:us-east-1::snapshot/snap-{n:017x}",
                source_vault=vaults[r % len(vaults)],
                resource_arn=resource_arns[r],
                resource_type=types[r % len(types)],
                size_bytes=(1 + (n * 7919) % 500) * 1024**3,
                created=BASE_CREATED + (n * 104_729) % 31_536_000,
                dest_vault_arn=DEST_VAULT,
            )
        )
    return out


class InstantGateway:
    """The BackupGateway port in memory: every copy job is COMPLETED as soon as it is started.

    `copy_job_pages` answers with the jobs completed since its previous call (whatever
    `completed_after` says), PAGE_SIZE a page, so a listing costs what its news costs.
    `list_copy_jobs` and `describe_copy_job` answer for jobs a previous run left behind:
    `found` maps a source ARN to its jobs, `described` a job ID to its info.
    """

    def __init__(self, *, on_first_start: Any = None) -> None:
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._ended: list[CopyJobInfo] = []
        self.starts = 0
        self.first_start: float | None = None
        self.on_first_start = on_first_start
        self.found: dict[str, list[CopyJobInfo]] = {}
        self.described: dict[str, CopyJobInfo] = {}
        self.listings = 0
        self.describes = 0
        self.pages = 0

    @property
    def account_id(self) -> str:
        return SOURCE_ACCOUNT

    @property
    def region(self) -> str:
        return "us-east-1"

    @property
    def throttle_events(self) -> int:
        return 0

    @property
    def limit_events(self) -> int:
        return 0

    def list_vaults(self) -> list[Vault]:
        return []

    def iter_recovery_points(
        self, vault_name: str, *, resource_arn: str | None = None
    ) -> Iterator[RecoveryPoint]:
        return iter(())

    def start_copy_job(
        self,
        *,
        source_arn: str,
        source_vault: str,
        dest_vault_arn: str,
        iam_role_arn: str,
        token: str,
        lifecycle: Lifecycle | None = None,
    ) -> StartedJob:
        if self.first_start is None:
            self.first_start = time.perf_counter()
            if self.on_first_start is not None:
                self.on_first_start()
        n = next(self._ids)
        job_id = f"cj-{n:012x}"
        now = datetime.now(UTC)
        info = CopyJobInfo(
            job_id=job_id,
            state="COMPLETED",
            source_arn=source_arn,
            dest_vault_arn=dest_vault_arn,
            created=now,
            completed=now,
            dest_arn=f"arn:aws:ec2:us-east-1::snapshot/snap-d{n:016x}",
        )
        with self._lock:
            self.starts += 1
            self._ended.append(info)
        return StartedJob(job_id, now)

    def describe_copy_job(self, job_id: str) -> CopyJobInfo:
        self.describes += 1
        return self.described[job_id]

    def list_copy_jobs(
        self,
        *,
        completed_after: datetime | None = None,
        created_after: datetime | None = None,
        source_arn: str | None = None,
        dest_vault_arn: str | None = None,
        state: str | None = None,
        quick: bool = False,
    ) -> Iterator[CopyJobInfo]:
        self.listings += 1
        return iter(self.found.get(source_arn or "", []))

    def copy_job_pages(self, *, completed_after: datetime) -> Iterator[list[CopyJobInfo]]:
        with self._lock:
            ended, self._ended = self._ended, []
        self.pages += 1
        ended.reverse()  # newest first, as AWS lists them
        if not ended:
            yield []
            return
        for start in range(0, len(ended), PAGE_SIZE):
            yield ended[start : start + PAGE_SIZE]


def top_hotspots(profile: cProfile.Profile, count: int, skip: tuple[str, ...]) -> list[str]:
    """The `count` functions of the product with the highest cumulative time, minus `skip`."""
    stats = pstats.Stats(profile, stream=io.StringIO())
    rows: list[tuple[float, str]] = []
    for (filename, _line, name), entry in stats.stats.items():  # type: ignore[attr-defined]
        if "shuffle_aws_vaults" not in filename or name in skip:
            continue
        module = filename.split("shuffle_aws_vaults/", 1)[1]
        rows.append((float(entry[3]), f"{module}:{name} {entry[3]:.2f}s/{entry[1]:,} calls"))
    rows.sort(reverse=True)
    return [text for _, text in rows[:count]]


class NoStatistics:
    """The ApiStatistics port of an AWS that counts nothing."""

    def calls(self) -> dict[str, int]:
        return {}

    def retries(self) -> int:
        return 0

    def pacing(self) -> dict[str, Any]:
        return {}


def child(count: int, directory: Path, profile: bool) -> dict[str, Any]:
    from shuffle_aws_vaults.application.copy_engine import CopyEngine, EngineSettings
    from shuffle_aws_vaults.application.copy_report import run_summary
    from shuffle_aws_vaults.domain.migration import MigrationState, Status
    from shuffle_aws_vaults.domain.plan import order_items, plan_hash
    from shuffle_aws_vaults.infrastructure.journal_store import StateStore
    from shuffle_aws_vaults.infrastructure.reports import write_report_csv, write_summary
    from shuffle_aws_vaults.infrastructure.worker_pool import WorkerPool

    profiler = cProfile.Profile() if profile else None
    phases: dict[str, float] = {}
    peaks: dict[str, int] = {}  # peak RSS (MiB) as each phase ends
    start = mark = time.perf_counter()

    def phase(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        phases[name] = round(now - mark, 2)
        peaks[name] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        mark = now

    if profiler is not None:
        profiler.enable()
    items = order_items(raw_items(count))
    phase("plan")
    state = MigrationState(items)
    store = StateStore(directory / "state.jsonl")
    identity = {"plan_hash": plan_hash(items), "dest_vault": DEST_VAULT}
    journal = store.create(identity, state)
    gc.freeze()  # as the copy command does before its run
    phase("create")
    gateway = InstantGateway()
    settings = EngineSettings(workers=WORKERS, iam_role_arn=ROLE, poll_interval=POLL_INTERVAL)
    executor = WorkerPool(min(32, WORKERS), name="copy")
    engine = CopyEngine(
        state=state, gateway=gateway, journal=journal, settings=settings, executor=executor
    )
    started = datetime.now(UTC)
    outcome = engine.run()
    phase("run")
    journal.compact(state)
    journal.close()
    summary = run_summary(state, outcome, identity, started, datetime.now(UTC), NoStatistics())
    write_summary(directory / "summary.json", summary)
    write_report_csv(directory / "report.csv", [("us-east-1", state)], None)
    phase("report")
    if profiler is not None:
        profiler.disable()
    seconds = time.perf_counter() - start
    assert state.counts[Status.COMPLETED] == count, state.counts
    assert gateway.starts == count
    hotspots = top_hotspots(profiler, 5, ("child", "run", "_loop")) if profiler is not None else []
    return {
        "seconds": seconds,
        "mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "phases": phases,
        "peaks": peaks,
        "polls": gateway.pages,
        "compactions": count * 3 // settings.compact_every,
        "hotspots": hotspots,
    }


def measure(count: int, profile: bool = False) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, "-m", "bench.engine_overhead", str(count), tmp]
        if profile:
            command.append("--profile")
        done = subprocess.run(command, capture_output=True, text=True, cwd=REPO, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"engine overhead run failed:\n{done.stderr[-3000:]}")
        result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
        return result


def run(quick: bool) -> list[Result]:
    count = 100_000 if quick else 1_000_000
    goal = GOAL_SECONDS * count / 1_000_000
    goal_mib = GOAL_RSS_MIB * count / 1_000_000 if quick else GOAL_RSS_MIB
    timed = measure(count)
    profiled = measure(100_000, profile=True)
    phases = ", ".join(
        f"{name} {s:.1f} s (peak {timed['peaks'][name]} MiB)" for name, s in timed["phases"].items()
    )
    note = (
        f"WorkerPool({min(32, WORKERS)}), workers={WORKERS}, poll_interval="
        f"{POLL_INTERVAL}; phases: {phases}; {timed['polls']:,} listings. "
        "cProfile of 100k, engine thread, top cumulative: " + "; ".join(profiled["hotspots"])
    )
    return [
        Result(
            name=f"Engine overhead, {count:,} items",
            figure=f"{timed['seconds']:.1f} s, {timed['mib']:.0f} MiB peak RSS",
            goal=f"<= {goal:.0f} s, <= {goal_mib:.0f} MiB",
            met=timed["seconds"] <= goal and timed["mib"] <= goal_mib,
            note=note,
        )
    ]


if __name__ == "__main__":
    print(json.dumps(child(int(sys.argv[1]), Path(sys.argv[2]), "--profile" in sys.argv[3:])))
