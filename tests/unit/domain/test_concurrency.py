from __future__ import annotations

import pytest

from shuffle_aws_vaults.domain.concurrency import AdaptiveCap


def test_the_cap_starts_at_the_ceiling() -> None:
    cap = AdaptiveCap(80)
    assert cap.limit == 80
    assert cap.decreases == 0


def test_a_throttle_halves_the_cap() -> None:
    cap = AdaptiveCap(80)
    cap.on_throttle(now=100.0)
    assert cap.limit == 40
    assert cap.decreases == 1


def test_a_burst_of_throttles_within_the_cooldown_halves_it_once() -> None:
    cap = AdaptiveCap(80, cooldown=10.0)
    for moment in (100.0, 101.0, 105.0, 109.9):
        cap.on_throttle(moment)
    assert cap.limit == 40
    assert cap.decreases == 1


def test_a_throttle_after_the_cooldown_halves_it_again() -> None:
    cap = AdaptiveCap(80, cooldown=10.0)
    cap.on_throttle(100.0)
    cap.on_throttle(110.0)
    cap.on_throttle(120.0)
    assert cap.limit == 10
    assert cap.decreases == 3


def test_the_cap_never_drops_below_the_floor() -> None:
    cap = AdaptiveCap(8, floor=3, cooldown=1.0)
    for n in range(10):
        cap.on_throttle(float(n * 2))
    assert cap.limit == 3


def test_successes_grow_the_cap_by_about_one_per_cap_successes() -> None:
    cap = AdaptiveCap(80)
    cap.on_throttle(0.0)  # 40
    for _ in range(40):
        cap.on_success()
    assert cap.limit == 40  # each success adds 1/cap: just short of 41
    cap.on_success()
    assert cap.limit == 41


def test_successes_grow_the_cap_back_to_the_ceiling_one_step_per_cap_successes() -> None:
    cap = AdaptiveCap(16)
    cap.on_throttle(0.0)
    assert cap.limit == 8
    steps: list[tuple[int, int]] = []
    successes, level = 0, cap.limit
    while cap.limit < 16:
        cap.on_success()
        successes += 1
        if cap.limit != level:
            steps.append((level, successes))
            successes, level = 0, cap.limit
    assert [level for level, _ in steps] == list(range(8, 16))  # +1 at a time
    assert all(level <= n <= level + 1 for level, n in steps)
    for _ in range(100):
        cap.on_success()
    assert cap.limit == 16


def test_successes_at_the_ceiling_change_nothing() -> None:
    cap = AdaptiveCap(5)
    for _ in range(10):
        cap.on_success()
    assert cap.limit == 5


def test_a_ceiling_below_the_floor_is_refused() -> None:
    with pytest.raises(ValueError, match="ceiling must be at least floor"):
        AdaptiveCap(2, floor=3)
