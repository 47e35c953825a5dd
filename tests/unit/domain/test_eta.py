"""The ETA: the rate, the longest remaining chain and the jobs in flight, on a fake clock."""

from __future__ import annotations

import pytest

from shuffle_aws_vaults.domain.eta import RemainingTime, job_seconds
from shuffle_aws_vaults.domain.events import Intent, JobEnded, Submitted
from shuffle_aws_vaults.domain.migration import MigrationState
from shuffle_aws_vaults.domain.progress import Progress

from ..application.copy_fakes import chains, independent_items

T0 = 1_000_000.0


def copied(
    state: MigrationState, remaining: RemainingTime, i: int, start: float, end: float
) -> None:
    for event in (
        Intent(i, 1, start),
        Submitted(i, f"job-{i}", start),
        JobEnded(i, f"job-{i}", "COMPLETED", end, dest_arn=f"arn:{i}"),
    ):
        state.apply(event)
        remaining.apply(event)


def test_nothing_is_known_before_a_copy_of_this_run_completes() -> None:
    state = MigrationState(independent_items(3))
    remaining = RemainingTime(state, T0)
    assert remaining.floor(T0 + 100) is None


def test_a_tail_heavy_plan_is_bound_by_its_longest_chain_not_by_the_rate() -> None:
    # 20 resources of one copy each, and one resource of 10 copies (one job at a time).
    items = independent_items(20) + chains({"vol-tail": 10})
    state = MigrationState(items)
    remaining = RemainingTime(state, T0)
    model = job_seconds(items[0])  # every item is the same size here
    real = 60.0  # what a job really takes
    for i in range(21):  # the 20 singles and the chain's first copy, all in the first minute
        copied(state, remaining, i, T0, T0 + real)
    now = T0 + real

    assert remaining.calibration == pytest.approx(real / model)
    floor = remaining.floor(now)
    assert floor == pytest.approx(9 * real)  # nine more copies of one resource, in a row
    progress = Progress(
        total=30,
        completed=21,
        failed=0,
        in_flight=0,
        queued=9,
        elapsed=real,
        completed_this_run=21,
        eta_floor=floor,
    )
    by_rate = 9 * real / 21  # what the ETA used to say: 26 s
    assert progress.eta_seconds == pytest.approx(9 * real)
    assert 9 * real > 20 * by_rate
    assert progress.percent == 70


def test_a_job_in_flight_counts_to_its_expected_end_with_its_resource_chain() -> None:
    items = independent_items(2) + chains({"vol-big": 2})
    items[2] = items[2]._replace(size_bytes=items[2].size_bytes * 50)  # a large first copy
    state = MigrationState(items)
    remaining = RemainingTime(state, T0)
    copied(state, remaining, 0, T0, T0 + job_seconds(items[0]))  # calibration 1.0
    for event in (Intent(2, 1, T0), Submitted(2, "job-2", T0)):
        state.apply(event)
        remaining.apply(event)
    now = T0 + 100.0
    expected = job_seconds(items[2]) - 100.0 + job_seconds(items[3])
    assert remaining.floor(now) == pytest.approx(expected)


def test_a_retried_job_waits_again_in_its_chain() -> None:
    items = chains({"vol-a": 2})
    state = MigrationState(items)
    remaining = RemainingTime(state, T0)
    copied(state, remaining, 0, T0, T0 + job_seconds(items[0]))
    for event in (
        Intent(1, 1, T0),
        Submitted(1, "job-1", T0),
        JobEnded(1, "job-1", "FAILED", T0 + 10, message="internal", retry=True),
    ):
        state.apply(event)
        remaining.apply(event)
    assert remaining.floor(T0 + 10) == pytest.approx(job_seconds(items[1]))


@pytest.mark.parametrize(("done", "total", "shown"), [(675, 678, 99), (0, 10, 0), (10, 10, 100)])
def test_the_percentage_rounds_down(done: int, total: int, shown: int) -> None:
    progress = Progress(total, done, 0, 0, total - done, 1.0, done)
    assert progress.percent == shown


def test_each_copy_left_in_a_chain_takes_at_least_a_poll_interval() -> None:
    # Small copies behind one another: the engine starts the next only once a poll has seen
    # the last one end, so four of them take four polls, not four times their tiny duration.
    items = independent_items(10) + chains({"vol-tail": 5})
    items = [item._replace(size_bytes=1) for item in items]
    state = MigrationState(items)
    remaining = RemainingTime(state, T0, step=30.0)
    for i in range(10):
        copied(state, remaining, i, T0, T0 + 2.0)  # a copy takes 2 s
    for event in (Intent(10, 1, T0 + 2), Submitted(10, "job-10", T0 + 2)):
        state.apply(event)
        remaining.apply(event)
    floor = remaining.floor(T0 + 3.0)
    assert floor is not None and floor >= 4 * 30.0
