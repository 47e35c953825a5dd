"""Run the benchmarks and write BENCHMARKS.md with the machine, the date and every figure."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import baseline, cold_start, csv_load, engine_overhead, listing, quota_efficiency, resume
from .common import Result, git_revision, machine

BENCHMARKS = {
    # The sandbox runs first: their figures are simulated-time ratios. The wall-clock ones come
    # last, when whatever else this shared machine was doing has more likely finished.
    "quota": quota_efficiency.run,
    "baseline": baseline.run,
    "listing": listing.run,
    "csv": csv_load.run,
    "cold-start": cold_start.run,
    "engine": engine_overhead.run,
    "resume": resume.run,
}
OUTPUT = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"

# Why goals are missed and what would fix them, from the profiles (kept with the code, so a
# regenerated BENCHMARKS.md keeps the analysis). Benchmarks 1, 2 and 6 of the benchmark issue
# (quota efficiency, the original design's baseline, listing 100k) are not written yet.
ANALYSIS = """
## Misses, from the profiles

- **Engine overhead at 1M** (plan -> submit -> track -> journal -> report on an instant fake AWS):
  the run is superlinear because every 200,000 events a compaction re-encodes and fsyncs the
  whole 1M-item snapshot, plan columns included, although the plan never changes
  (`JsonlJournal.compact` -> `state_codec.encode_snapshot`); the same whole-document
  `json.dumps` drives the peak RSS. Fix: write the plan once at planning time and let
  snapshots hold only the per-item state arrays, or stream the encoding. Per event,
  `CopyEngine._record` costs ~20 us (`MigrationState.apply` plus `encode_event`/`json.dumps`);
  1M items need roughly a 4x cut there too (batch the journal encoding, avoid per-event enum
  conversions).
- **Resume at 1M**: was 16.2 s; the reconcile built a set of all job IDs per unconfirmed intent
  (fixed: 7.7 s gone). What remains is loading the snapshot (one `json.loads` plus 1M
  `PlanItem`s) and replaying the tail line by line. Fix: the same plan/state split (the plan
  loaded lazily or from a compact binary form), and batch-decoding the tail.
"""


def render(results: list[Result], quick: bool, command: str) -> str:
    lines = [
        "# Benchmarks",
        "",
        f"- Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        f"- Machine: {machine()}",
        f"- Revision: {git_revision()}",
        f"- Command: `{command}`" + (" (quick sizes)" if quick else ""),
        "",
        "Figures are measured side by side in one run; the machines are shared, so compare",
        "ratios within a run rather than absolute times across runs.",
        "",
        "| benchmark | figure | goal | met | note |",
        "|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.name} | {r.figure} | {r.goal} | {'yes' if r.met else 'NO'} | {r.note} |"
        )
    return "\n".join(lines) + "\n" + ANALYSIS


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--only", choices=sorted(BENCHMARKS), action="append")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    results: list[Result] = []
    for name, bench in BENCHMARKS.items():
        if args.only and name not in args.only:
            continue
        print(f"running {name} ...", file=sys.stderr, flush=True)
        for result in bench(args.quick):
            results.append(result)
            print(
                f"  {result.name}: {result.figure} (goal {result.goal}) "
                f"{'met' if result.met else 'MISSED'}",
                file=sys.stderr,
            )
    command = "make bench" + (" QUICK=1" if args.quick else "")
    text = render(results, args.quick, command)
    if not args.no_write:
        OUTPUT.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
