"""bench/regions.py's arithmetic on made-up runs: which Region runs alone, the span ratio and its
verdict, the linearity goals, and the host's calls by Region."""

from __future__ import annotations

from collections import Counter

from bench import regions
from bench.regions import LAYOUTS, RegionFigures, Run, Task, linearity_rows, span_row
from bench.sandbox_run import _by_region, span_bound

TWO_UNEQUAL, FOUR_EQUAL = LAYOUTS[1], LAYOUTS[2]


def _jobs(region: str, count: int, start: float, length: float) -> list[dict[str, object]]:
    return [
        {
            "resource_arn": f"arn:{region}:r{i}",
            "source_arn": f"arn:{region}:rp{i}",
            "state": "COMPLETED",
            "creation": start,
            "start": start,
            "completion": start + length,
            "region": region,
        }
        for i in range(count)
    ]


def _run(task: Task, lengths: dict[str, float], cpu: float = 1.0, rss: float = 60.0) -> Run:
    jobs = [job for region, length in lengths.items() for job in _jobs(region, 5, 0.0, length)]
    run = Run(task, cpu=cpu, rss=rss, summary={"stop_reason": "finished"})
    run.whole = span_bound(jobs, regions.QUOTA)
    for region in lengths:
        bound = span_bound([job for job in jobs if job["region"] == region], regions.QUOTA)
        run.regions[region] = RegionFigures(bound, 5.0, 10, 1.0, 0, 0)
    return run


def test_the_largest_share_runs_alone_and_equal_shares_run_every_region_alone() -> None:
    assert TWO_UNEQUAL.alone == ("us-east-1",)
    assert FOUR_EQUAL.alone == FOUR_EQUAL.regions
    assert LAYOUTS[3].points(350) == 700  # 4:2:1:1, 350 in the largest


def test_span_ratio_is_against_the_slowest_region_alone() -> None:
    layout = LAYOUTS[0]
    together = _run(Task(layout, "none", layout.regions, True), {"us-east-1": 50, "us-west-2": 55})
    alone = [
        _run(Task(layout, "none", ("us-east-1",), False), {"us-east-1": 40}),
        _run(Task(layout, "none", ("us-west-2",), False), {"us-west-2": 52}),
    ]
    row = span_row(layout, "none", together, alone)
    assert row.figure.startswith("1.058x")
    assert "us-west-2 alone" in row.figure
    assert "lost most: us-east-1, 1.250x" in row.figure
    assert row.met


def test_span_ratio_above_goal_is_a_miss() -> None:
    layout = TWO_UNEQUAL
    together = _run(Task(layout, "none", layout.regions, True), {"us-east-1": 60, "us-west-2": 20})
    alone = [_run(Task(layout, "none", ("us-east-1",), False), {"us-east-1": 50})]
    assert not span_row(layout, "none", together, alone).met


def test_linearity_judges_the_ratio_and_the_steady_cost_per_region() -> None:
    task = Task(FOUR_EQUAL, "none", ("us-east-1",), True)
    linear = {
        1: _run(task, {"us-east-1": 10}, cpu=2.0, rss=60.0),
        2: _run(task, {"us-east-1": 10}, cpu=3.6, rss=63.0),
        4: _run(task, {"us-east-1": 10}, cpu=6.8, rss=69.0),
    }
    cpu_row, rss_row = linearity_rows(linear)
    assert cpu_row.figure.startswith("1.60 s vs 1.60 s per added Region") and cpu_row.met
    assert rss_row.met
    worse = {**linear, 4: _run(task, {"us-east-1": 10}, cpu=12.0, rss=90.0)}
    cpu_row, rss_row = linearity_rows(worse)
    assert not cpu_row.met and not rss_row.met


def test_calls_by_region_add_up_with_their_faults() -> None:
    counts = Counter(
        {
            ("us-east-1", "StartCopyJob", ""): 3,
            ("us-east-1", "StartCopyJob", "ThrottlingException"): 1,
            ("us-west-2", "ListCopyJobs", ""): 2,
        }
    )
    assert _by_region(counts) == {
        "us-east-1": {"calls": {"StartCopyJob": 4}, "faults": {"ThrottlingException": 1}},
        "us-west-2": {"calls": {"ListCopyJobs": 2}, "faults": {}},
    }
