"""`shuffle-aws-vaults --help` wall time (goal 0.3 s: boto3 is imported only when needed)."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

from .common import Result

GOAL_SECONDS = 0.3


def run(quick: bool) -> list[Result]:
    times = []
    for _ in range(5 if quick else 15):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "shuffle_aws_vaults", "--help"],
            check=True,
            capture_output=True,
        )
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    modules = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "shuffle_aws_vaults", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    heavy = [name for name in ("boto3", "botocore", "moto", "tqdm") if f" {name}\n" in modules]
    return [
        Result(
            name="Cold start: --help",
            figure=f"{median:.3f} s median of {len(times)} (min {min(times):.3f} s)",
            goal=f"<= {GOAL_SECONDS} s",
            met=median <= GOAL_SECONDS,
            note="heavy imports at start: " + (", ".join(heavy) or "none"),
        )
    ]
