"""Adoption: planning consults the destination, so what it already holds is never copied again.

1. Planning through a served sandbox at 100,000 source recovery points whose copies are all in
   the destination vaults already (quick: 10,000): `copy --dry-run --all-vaults` with adoption,
   next to the same plan with `--no-adopt`. Wall time and peak RSS are the CLI process's own
   (os.wait4, as in bench/listing.py); the sandbox serves both accounts on the same cores.
2. The adoption index at 1,000,000 destination points (quick: 100,000), in a fresh interpreter
   (`python -m bench.adoption N`): the plan's items in memory, as the engine benchmark makes
   them; a destination listing streamed into the index (a copy of every item); then one lookup
   per item. Time and the index's resident size (peak RSS after minus before).

Goals: adoption makes planning at most 3x the time of the plan without it (it lists the
destination as well as the source, and the destination is as large), and the index at 1M takes
at most 512 MiB.
"""

from __future__ import annotations

import json
import re
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from .common import Result
from .sandbox_run import ACCOUNT_FLAGS, CLI, REPO, run_host

GOAL_RATIO = 3.0
GOAL_INDEX_MIB = 512.0
SOURCE_ACCOUNT = "111111111111"


THROTTLED = {"throttle_rate": 0.2}  # a fifth of every Backup call answered ThrottlingException


def request(points: int, faults: dict[str, Any] | None = None) -> dict[str, Any]:
    dry_run = [*CLI, "copy", *ACCOUNT_FLAGS, "--all-vaults", "--dry-run", "--no-progress"]
    return {
        "config": {"time_scale": 1.0, "seed": 1, "faults": faults or {}},
        "spec": {"recovery_points": points, "vaults": 3, "copied_share": 1.0},
        "steps": [
            {"name": "adopt", "argv": dry_run, "stdout": "adopt.txt", "timeout": 1800.0},
            {
                "name": "no-adopt",
                "argv": [*dry_run, "--no-adopt"],
                "stdout": "no-adopt.txt",
                "timeout": 1800.0,
            },
        ],
        "files": ["adopt.txt", "no-adopt.txt"],
    }


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def index_child(count: int) -> dict[str, Any]:
    """In a fresh interpreter: the index over `count` copies of `count` plan items."""
    from shuffle_aws_vaults.domain.adoption import DestinationIndex
    from shuffle_aws_vaults.domain.recovery_point import RecoveryPoint

    from .engine_overhead import raw_items

    items = raw_items(count)
    prefix = f"arn:aws:backup:us-east-1:{SOURCE_ACCOUNT}:backup-vault:"
    before = _rss_mib()

    def listing() -> Iterator[RecoveryPoint]:
        for n, item in enumerate(items):
            yield RecoveryPoint(
                arn=f"arn:aws:ec2:us-east-1::snapshot/snap-copy-{n:017x}",
                vault_name="migrated",
                resource_arn=item.resource_arn,
                resource_type=item.resource_type,
                creation_date=datetime.fromtimestamp(item.created, UTC),
                size_bytes=item.size_bytes,
                status="COMPLETED",
                source_vault_arn=prefix + item.source_vault,
            )

    start = time.perf_counter()
    index = DestinationIndex()
    index.add_vault("migrated", listing())
    built = time.perf_counter() - start
    after_build = _rss_mib()
    start = time.perf_counter()
    found = sum(
        1 for item in items if index.take(item, prefix + item.source_vault, None) is not None
    )
    looked_up = time.perf_counter() - start
    return {
        "count": count,
        "found": found,
        "build_seconds": built,
        "lookup_seconds": looked_up,
        "index_mib": after_build - before,
        "plan_mib": before,
    }


def _adopted(text: str | None) -> int:
    match = re.search(r"Already in the destination: ([\d,]+)", text or "")
    return int(match.group(1).replace(",", "")) if match else 0


def run(quick: bool) -> list[Result]:
    points = 10_000 if quick else 100_000
    answer = run_host(request(points), timeout=3600.0)
    steps = {step["name"]: step for step in answer["steps"]}
    adopt, plain = steps["adopt"], steps["no-adopt"]
    ratio = adopt["seconds"] / plain["seconds"]
    throttled_answer = run_host(request(points, THROTTLED), timeout=3600.0)
    throttled = {step["name"]: step for step in throttled_answer["steps"]}
    slowed = throttled["adopt"]["seconds"] / adopt["seconds"]
    throttled_calls = throttled_answer["stats"].get("faults_injected", {})
    adopted = _adopted(answer["files"]["adopt.txt"])
    results = [
        Result(
            name=f"Adoption: planning {points:,} source points against {points // 1000}k "
            "copies already in the destination",
            figure=(
                f"{adopt['seconds']:.1f} s, {adopt['maxrss_mib']:.0f} MiB with adoption; "
                f"{plain['seconds']:.1f} s, {plain['maxrss_mib']:.0f} MiB without "
                f"({ratio:.2f}x the time); 20 % throttled: {throttled['adopt']['seconds']:.1f} s "
                f"with adoption ({slowed:.2f}x unthrottled), {throttled['no-adopt']['seconds']:.1f}"
                " s without"
            ),
            goal=f"<= {GOAL_RATIO:.0f}x the time without",
            met=ratio <= GOAL_RATIO and adopted > 0,
            note=(
                f"`copy --dry-run --all-vaults` (with and without --no-adopt) through a served "
                f"sandbox seeded with {answer['seeded']['recovery_points']:,} recovery points "
                f"and a copy of every copyable one in the destination (no copy jobs on record: "
                f"matched on the listing alone); {adopted:,} items found already copied. CLI CPU "
                f"time {adopt['cpu_seconds']:.1f} s vs {plain['cpu_seconds']:.1f} s; Backup "
                f"calls {sum(adopt['calls'].values()):,} vs {sum(plain['calls'].values()):,}; "
                f"sandbox seeded in {answer['seed_seconds']:.1f} s. Throttled run: a fresh "
                f"sandbox answering 20 % of Backup calls ThrottlingException (injected: "
                f"{throttled_calls}); botocore retries them."
            ),
        )
    ]
    count = 100_000 if quick else 1_000_000
    done = subprocess.run(
        [sys.executable, "-m", "bench.adoption", str(count)],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
    )
    index = json.loads(done.stdout.splitlines()[-1])
    goal_mib = GOAL_INDEX_MIB * count / 1_000_000
    results.append(
        Result(
            name=f"Adoption index, {count:,} destination points",
            figure=(
                f"{index['index_mib']:.0f} MiB; built in {index['build_seconds']:.1f} s, "
                f"{count:,} lookups in {index['lookup_seconds']:.1f} s"
            ),
            goal=f"<= {goal_mib:.0f} MiB",
            met=index["index_mib"] <= goal_mib and index["found"] == count,
            note=(
                f"a destination listing of {count:,} copies streamed into DestinationIndex, then "
                f"one lookup per plan item ({index['found']:,} found); the plan's items held "
                f"{index['plan_mib']:.0f} MiB before. Fresh interpreter; RSS is its peak."
            ),
        )
    )
    return results


if __name__ == "__main__":
    print(json.dumps(index_child(int(sys.argv[1]))))
