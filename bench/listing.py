"""Listing: N recovery points listed and filtered through a served sandbox, at 25k, 50k and 100k
(quick: 5k, 10k, 20k), to show that the CLI streams: its time grows with N, its memory does not.

For each N a fresh sandbox (3 vaults, N recovery points, nothing copied) is served over HTTP,
and two command lines run against it, each in its own process:
`shuffle-aws-vaults list --vault V1,V2,V3 --output csv` (source account only) and
`shuffle-aws-vaults filter <source and destination accounts> --vault V1,V2,V3 --output csv`,
stdout to a file (its rows are counted, so the run is known to have listed everything). Wall
time and peak RSS are those of the CLI process alone (os.wait4 on it: its own ru_maxrss).

Goal: peak RSS at the largest N at most 25 % above that at the smallest (the CLI starts at
~60 MiB; one that kept every row would grow by several hundred bytes a row, 30 MiB or more
from 25k to 100k). Time is reported (rows per second, and the CLI's own CPU time: the rest of
the wall time is the sandbox serving the pages on the same cores), with no goal.
"""

from __future__ import annotations

from typing import Any

from .common import Result
from .sandbox_run import ACCOUNT_FLAGS, CLI, SOURCE, run_host

GOAL_GROWTH = 0.25
COMMANDS = ("list", "filter")


def counts(quick: bool) -> tuple[int, ...]:
    return (5_000, 10_000, 20_000) if quick else (25_000, 50_000, 100_000)


def request(points: int) -> dict[str, Any]:
    selection = ["--vault", "{vaults}", "--output", "csv"]
    return {
        "config": {"time_scale": 1.0, "seed": 1},
        "spec": {"recovery_points": points, "vaults": 3},
        "steps": [
            {
                "name": "list",
                "argv": [
                    *CLI,
                    "list",
                    "--source-account",
                    SOURCE,
                    "--source-profile",
                    "sandbox-source",
                    *selection,
                ],
                "stdout": "list.csv",
                "timeout": 1200.0,
            },
            {
                "name": "filter",
                "argv": [*CLI, "filter", *ACCOUNT_FLAGS, *selection],
                "stdout": "filter.csv",
                "timeout": 1200.0,
            },
        ],
    }


def run(quick: bool) -> list[Result]:
    sizes = counts(quick)
    measured: dict[int, dict[str, Any]] = {}
    for points in sizes:
        answer = run_host(request(points), timeout=3000.0)
        measured[points] = answer
    results = []
    small, large = sizes[0], sizes[-1]
    for command in COMMANDS:
        steps = {n: next(s for s in measured[n]["steps"] if s["name"] == command) for n in sizes}
        rows = {n: steps[n]["stdout_lines"] - 1 for n in sizes}  # minus the header
        growth = steps[large]["maxrss_mib"] / steps[small]["maxrss_mib"] - 1
        grown_mib = steps[large]["maxrss_mib"] - steps[small]["maxrss_mib"]
        pages = {n: steps[n]["calls"].get("ListRecoveryPointsByBackupVault", 0) for n in sizes}
        figure = (
            "; ".join(
                f"{n // 1000}k: {steps[n]['seconds']:.1f} s, {steps[n]['maxrss_mib']:.0f} MiB"
                for n in sizes
            )
            + f" (RSS {growth:+.1%}, {grown_mib:+.1f} MiB)"
        )
        note = (
            f"`{command} --vault <3 vaults> --output csv`, stdout to a file; rows written: "
            + ", ".join(f"{rows[n]:,}" for n in sizes)
            + f" of {', '.join(f'{n:,}' for n in sizes)} recovery points; "
            + ", ".join(
                f"{rows[n] / steps[n]['seconds']:,.0f} rows/s at {n // 1000}k" for n in sizes
            )
            + "; CLI CPU time "
            + ", ".join(f"{steps[n]['cpu_seconds']:.1f}" for n in sizes)
            + " s; ListRecoveryPointsByBackupVault pages: "
            + ", ".join(str(pages[n]) for n in sizes)
            + "; sandbox seeded in "
            + ", ".join(f"{measured[n]['seed_seconds']:.1f}" for n in sizes)
            + " s. Peak RSS: the CLI process's own (os.wait4)."
        )
        if command == "filter":
            note += (
                " filter writes the included items only (those AWS cannot copy are counted"
                " on stderr, not written)."
            )
        results.append(
            Result(
                name=f"Listing: {command}, {small:,} to {large:,} recovery points",
                figure=figure,
                goal=f"RSS growth {small // 1000}k -> {large // 1000}k <= {GOAL_GROWTH:.0%}",
                met=growth <= GOAL_GROWTH,
                note=note,
            )
        )
    return results
