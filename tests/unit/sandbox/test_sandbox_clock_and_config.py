"""Simulated time and the validation of sandbox settings."""

from __future__ import annotations

from typing import Any

import pytest

from shuffle_aws_vaults.sandbox.clock import ManualClock, SimClock
from shuffle_aws_vaults.sandbox.config import SandboxConfig


class FakeWall:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_sim_clock_starts_at_the_wall_clock_and_runs_scale_times_faster() -> None:
    wall = FakeWall(1000.0)
    clock = SimClock(3600.0, wall=wall)
    assert clock.now() == 1000.0
    wall.now += 2.0
    assert clock.now() == 1000.0 + 2 * 3600.0


def test_a_sim_clock_can_start_at_a_chosen_time() -> None:
    wall = FakeWall(50.0)
    clock = SimClock(10.0, wall=wall, start=1_700_000_000.0)
    wall.now += 1.5
    assert clock.now() == 1_700_000_015.0


def test_a_sim_clock_converts_simulated_seconds_to_wall_seconds() -> None:
    clock = SimClock(3600.0, wall=FakeWall(0.0))
    assert clock.wall_seconds(7200.0) == 2.0
    assert clock.scale == 3600.0


def test_a_manual_clock_moves_only_when_told() -> None:
    clock = ManualClock(start=10.0)
    assert clock.now() == clock.now() == 10.0
    clock.advance(3600.0)
    assert clock.now() == 3610.0
    assert clock.wall_seconds(5.0) == 5.0


def test_the_defaults_are_aws_defaults_where_aws_documents_them() -> None:
    config = SandboxConfig()
    assert config.copy_quota == 100
    assert (config.source_account, config.dest_account) == ("111111111111", "222222222222")
    assert config.at_quota == "queue"
    assert config.dest_refusal == "job"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"time_scale": 0.0},
        {"copy_quota": 0},
        {"at_quota": "drop"},
        {"dest_refusal": "never"},
        {"bandwidth_bytes_per_second": 0.0},
        {"jitter": 1.0},
        {"jitter": -0.1},
    ],
)
def test_impossible_settings_are_refused(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        SandboxConfig(**kwargs)
