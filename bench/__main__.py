"""Run the benchmarks and write BENCHMARKS.md with the machine, the date and every figure."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import cold_start, csv_load
from .common import Result, git_revision, machine

BENCHMARKS = {"csv": csv_load.run, "cold-start": cold_start.run}
OUTPUT = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"


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
    return "\n".join(lines) + "\n"


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
