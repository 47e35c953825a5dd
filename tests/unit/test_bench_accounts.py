"""bench/accounts.py's arithmetic on made-up runs: which accounts run alone, the span ratio and
its verdict, the thread goal, the command lines; and bench's --merge of one benchmark's rows."""

from __future__ import annotations

from bench import accounts
from bench.__main__ import merge
from bench.accounts import LAYOUTS, WIDE, Run, Task, alone_accounts, scaling_rows, span_row
from bench.common import Result
from bench.regions import RegionFigures
from bench.sandbox_run import span_bound

ONE, TWO_EQUAL, TWO_UNEQUAL, FOUR_EQUAL = LAYOUTS[0], LAYOUTS[1], LAYOUTS[2], LAYOUTS[3]
A, B, C, D = accounts.ACCOUNTS[:4]
EAST = accounts.REGIONS[0]


def _jobs(account: str, region: str, count: int, length: float) -> list[dict[str, object]]:
    return [
        {
            "resource_arn": f"arn:{account}:{region}:r{i}",
            "source_arn": f"arn:{account}:{region}:rp{i}",
            "state": "COMPLETED",
            "creation": 0.0,
            "start": 0.0,
            "completion": length,
            "region": region,
            "account": account,
        }
        for i in range(count)
    ]


def _run(task: Task, lengths: dict[str, float], cpu: float = 1.0, threads: int = 20) -> Run:
    jobs = [job for a, length in lengths.items() for job in _jobs(a, EAST, 5, length)]
    run = Run(task, cpu=cpu, rss=60.0, threads=threads, summary={"stop_reason": "finished"})
    run.whole = span_bound(jobs, accounts.QUOTA)
    for key in task.routes:
        account, region = key.split("/")
        mine = [j for j in jobs if j["account"] == account and j["region"] == region]
        run.routes[key] = RegionFigures(span_bound(mine, accounts.QUOTA), 5.0, 10, 1.0, 0, 0)
    return run


def test_which_accounts_run_alone() -> None:
    assert alone_accounts(TWO_UNEQUAL, None) == (A, B)
    assert alone_accounts(FOUR_EQUAL, None) == FOUR_EQUAL.accounts  # not counted: all of them
    counts = {A: 40, B: 55, C: 41, D: 55}
    assert alone_accounts(FOUR_EQUAL, counts) == (B, D)  # in account order
    assert LAYOUTS[4].points(250) == 500  # 4:2:1:1, 250 in the largest
    assert WIDE[1].points(250) == 4000 and WIDE[1].routes == 16


def test_command_lines_of_several_accounts_and_one() -> None:
    several = accounts.request(Task(TWO_EQUAL, "none", TWO_EQUAL.accounts, True), 10, "x", 60)
    argv = several["steps"][0]["argv"]
    assert argv[argv.index("--source-accounts") + 1] == f"{A},{B}"
    assert argv[argv.index("--source-profile") + 1] == f"{A}=sandbox-{A},{B}=sandbox-{B}"
    assert "--state-dir" not in argv and "--state-file" not in argv
    assert several["config"]["source_account_count"] == 2
    assert several["spec"]["account_shares"] == [1, 1]
    alone = accounts.request(Task(TWO_EQUAL, "none", (B,), False), 10, "x", 60)
    argv = alone["steps"][0]["argv"]
    assert argv[argv.index("--source-account") + 1] == B
    assert argv[argv.index("--source-profile") + 1] == f"sandbox-{B}"
    wide = accounts.request(Task(WIDE[1], "none", WIDE[1].accounts, True), 10, "x", 60)
    argv = wide["steps"][0]["argv"]
    assert argv[argv.index("--regions") + 1] == ",".join(accounts.REGIONS)
    assert "--state-dir" in argv


def test_span_ratio_is_against_the_slowest_account_alone() -> None:
    layout = TWO_EQUAL
    together = _run(Task(layout, "none", layout.accounts, True), {A: 50, B: 55})
    alone = [
        _run(Task(layout, "none", (A,), False), {A: 40}),
        _run(Task(layout, "none", (B,), False), {B: 52}),
    ]
    row = span_row(layout, "none", together, alone)
    assert row.figure.startswith("1.058x")
    assert f"{B} alone" in row.figure
    assert f"lost most: {A}, 1.250x" in row.figure
    assert row.met
    slow = _run(Task(layout, "none", layout.accounts, True), {A: 70, B: 55})
    assert not span_row(layout, "none", slow, alone).met


def test_threads_over_the_pool_cap_miss_the_goal() -> None:
    runs = {
        layout.key: _run(
            Task(layout, "none", layout.accounts, True),
            dict.fromkeys(layout.accounts, 10.0),
            cpu=float(layout.routes),
            threads=min(65, 1 + 20 * layout.routes),
        )
        for layout in (ONE, FOUR_EQUAL, LAYOUTS[5], WIDE[0])
    }
    threads, cpu, rss = scaling_rows(runs)
    assert rss.figure.startswith("60 MiB at 1")
    assert threads.figure.startswith("21 at 1, 65 at 4, 65 at 8, 65 at 16") and threads.met
    assert "per added route over 1 route: 4: 1.00 s" in cpu.figure
    runs["16eq"].threads = 81
    assert not scaling_rows(runs)[0].met


EXISTING = """# Benchmarks

- Date: then
- Revision: abc

| benchmark | figure | goal | met | note |
|---|---|---|---|---|
| Quota efficiency | 1x | g | yes | a | b |
| Several Regions, 2 | 1x | g | yes | n |
| Listing | 2 s | g | yes | n |
"""


def test_merge_puts_new_rows_after_the_benchmark_before_and_replaces_them_later() -> None:
    rows = [Result("Several accounts, 2", "1.0x", "<= 1.1x", True, "n")]
    once = merge(EXISTING, {"accounts": rows}, False, "cmd")
    lines = once.splitlines()
    assert lines[lines.index("| Several Regions, 2 | 1x | g | yes | n |") + 1].startswith(
        "| Several accounts, 2 | 1.0x"
    )
    assert "- Date: then" in lines and any(
        line.startswith("- Rows of accounts: `cmd`") for line in lines
    )
    again = merge(
        once, {"accounts": [Result("Several accounts, 2", "2.0x", "g", False, "m")]}, False, "cmd"
    )
    assert "| Several accounts, 2 | 2.0x | g | NO | m |" in again
    assert "1.0x" not in again
    assert sum(line.startswith("- Rows of accounts") for line in again.splitlines()) == 1
    assert "| Listing | 2 s | g | yes | n |" in again
