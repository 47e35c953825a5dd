"""The progress line's figures for the run's tail: the percentage never 100 with failures, a
rate over a recent window, and several Regions in their tail together."""

from __future__ import annotations

from dataclasses import replace

import pytest

from shuffle_aws_vaults.domain.eta import RemainingTime
from shuffle_aws_vaults.domain.events import Intent, JobEnded, Submitted
from shuffle_aws_vaults.domain.migration import MigrationState
from shuffle_aws_vaults.domain.progress import Progress, RecentRate, combined

from ..application.copy_fakes import chains, independent_items

T0 = 1_000_000.0


def test_a_run_with_failures_stops_at_99_percent() -> None:
    assert Progress(2000, 1885, 115, 0, 0, 60.0, 1885).percent == 99
    assert Progress(2000, 2000, 0, 0, 0, 60.0, 2000).percent == 100
    assert Progress(0, 0, 0, 0, 0, 0.0, 0).percent == 100
    assert Progress(1000, 400, 100, 0, 500, 60.0, 400).percent == 50


def test_the_recent_rate_is_the_windows_not_the_runs() -> None:
    rate = RecentRate(window=600.0)
    assert rate.per_hour() is None
    rate.add(0.0, 0)
    rate.add(600.0, 1000)  # a fast first ten minutes
    assert rate.per_hour() == pytest.approx(6000.0)
    for minute in range(11, 21):  # then one copy a minute
        rate.add(minute * 60.0, 1000 + minute - 10)
    assert rate.per_hour() == pytest.approx(60.0)
    assert rate.span == 600.0


def test_the_recent_rate_needs_time_between_samples() -> None:
    rate = RecentRate()
    rate.add(5.0, 3)
    rate.add(5.0, 4)
    assert rate.per_hour() is None and rate.span == 0.0


def test_the_shown_rate_is_the_recent_one_once_known() -> None:
    average = Progress(100, 50, 0, 1, 49, 3600.0, 50)
    assert average.rate_per_hour == pytest.approx(50.0)
    assert replace(average, recent_per_hour=5.0).rate_per_hour == 5.0


def test_several_regions_are_in_their_tail_when_every_one_with_items_left_is() -> None:
    done = Progress(10, 10, 0, 0, 0, 60.0, 10)
    tail = Progress(10, 7, 0, 1, 2, 60.0, 7, chains_left=1, next_done_in=30.0)
    busy = Progress(100, 10, 0, 10, 80, 60.0, 10)
    together = combined([done, replace(tail, recent_per_hour=6.0, recent_window=600.0)])
    assert together.draining and together.chains_left == 1 and together.next_done_in == 30.0
    assert together.recent_per_hour == 6.0 and together.recent_window == 600.0
    assert not combined([tail, busy]).draining


def copied(state: MigrationState, remaining: RemainingTime, i: int, end: float) -> None:
    for event in (
        Intent(i, 1, T0),
        Submitted(i, f"job-{i}", T0),
        JobEnded(i, f"job-{i}", "COMPLETED", end, dest_arn=f"arn:{i}"),
    ):
        state.apply(event)
        remaining.apply(event)


def test_the_chains_left_count_resources_not_items_and_the_next_end_is_the_first() -> None:
    items = independent_items(3) + chains({"vol-tail": 4})
    state = MigrationState(items)
    remaining = RemainingTime(state, T0)
    assert remaining.chains_left() == 4  # three singles and one chain
    assert remaining.next_end(T0) is None  # nothing calibrated, nothing in flight
    for i in range(3):
        copied(state, remaining, i, T0 + 60.0)
    assert remaining.chains_left() == 1
    remaining.submitted(3, T0 + 60.0)  # the chain's first copy, in flight
    assert remaining.chains_left() == 1
    # Every item is modelled alike and took 60 s: the one in flight ends 60 s after it began.
    assert remaining.next_end(T0 + 80.0) == pytest.approx(40.0)
