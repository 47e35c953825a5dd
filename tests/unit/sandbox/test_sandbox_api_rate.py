"""The request-rate limit: a token bucket per calling account, on a fake wall clock (no sleeps)."""

from __future__ import annotations

from typing import Any

import pytest

from shuffle_aws_vaults.cli.parser import build_parser
from shuffle_aws_vaults.cli.requests import sandbox as sandbox_request
from shuffle_aws_vaults.cli.sandbox_command import config_of
from shuffle_aws_vaults.sandbox.config import FaultConfig
from shuffle_aws_vaults.sandbox.faults import THROTTLING, UNAVAILABLE, FaultInjector
from shuffle_aws_vaults.sandbox.rate_limit import AccountBuckets, RateBucket

SRC, DST = "111111111111", "222222222222"


class FakeWall:
    """A wall clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


def takes(bucket: RateBucket | AccountBuckets, count: int, *account: str) -> list[bool]:
    return [bucket.take(*account) for _ in range(count)]


def test_a_new_bucket_allows_a_burst_then_refuses() -> None:
    bucket = RateBucket(rate=2.0, burst=3, clock=FakeWall())
    assert takes(bucket, 5) == [True, True, True, False, False]


def test_the_bucket_refills_at_its_rate_and_no_further_than_its_burst() -> None:
    wall = FakeWall()
    bucket = RateBucket(rate=2.0, burst=3, clock=wall)
    takes(bucket, 3)
    wall.now += 0.25
    assert not bucket.take()  # half a token
    wall.now += 0.25
    assert takes(bucket, 2) == [True, False]
    wall.now += 3600.0  # a long pause earns no more than the burst
    assert takes(bucket, 4) == [True, True, True, False]


def test_refused_calls_take_no_token_so_a_steady_caller_gets_exactly_the_rate() -> None:
    wall = FakeWall()
    bucket = RateBucket(rate=10.0, burst=1, clock=wall)
    admitted = 0
    for _ in range(1000):  # 100 calls a second for 10 seconds
        wall.now += 0.01
        admitted += bucket.take()
    assert admitted == 100


def test_a_rate_below_one_a_second_admits_one_call_per_period() -> None:
    wall = FakeWall()
    bucket = RateBucket(rate=0.5, burst=1, clock=wall)
    assert takes(bucket, 2) == [True, False]
    wall.now += 1.999
    assert not bucket.take()
    wall.now += 0.001
    assert bucket.take()


def test_a_clock_that_steps_back_neither_drains_nor_refills_the_bucket() -> None:
    wall = FakeWall()
    bucket = RateBucket(rate=1.0, burst=2, clock=wall)
    bucket.take()
    wall.now -= 100.0
    assert bucket.tokens == pytest.approx(1.0)
    wall.now += 100.5
    assert bucket.tokens == pytest.approx(1.5)


def test_each_account_has_its_own_bucket() -> None:
    buckets = AccountBuckets(rate=1.0, burst=2, clock=FakeWall())
    assert takes(buckets, 3, SRC) == [True, True, False]
    assert takes(buckets, 3, DST) == [True, True, False]


# -- the fault injector ------------------------------------------------------------------------


def test_the_injector_throttles_an_account_past_its_rate_and_counts_it() -> None:
    wall = FakeWall()
    injector = FaultInjector(FaultConfig(api_rate=2.0), seed=1, clock=wall)
    # Every AWS Backup operation of an account draws on the one bucket.
    seen = [injector.request_fault(op, SRC) for op in ("ListCopyJobs", "StartCopyJob") * 2]
    assert seen == [None, None, THROTTLING, THROTTLING]
    assert injector.request_fault("ListCopyJobs", DST) is None  # the other account's own
    wall.now += 0.5
    assert injector.request_fault("DescribeCopyJob", SRC) is None
    assert injector.injected == {THROTTLING: 2}


def test_without_api_rate_no_call_is_throttled_for_its_rate() -> None:
    injector = FaultInjector(FaultConfig(), seed=1, clock=FakeWall())
    assert {injector.request_fault("ListCopyJobs", SRC) for _ in range(10_000)} == {None}


def test_calls_the_rate_limit_throttles_do_not_shift_the_seeded_random_faults() -> None:
    random_only = FaultConfig(unavailable_rate=0.3)
    expected_alone = FaultInjector(random_only, 4)
    expected = [expected_alone.request_fault("ListCopyJobs") for _ in range(50)]
    wall = FakeWall()
    both = FaultInjector(FaultConfig(unavailable_rate=0.3, api_rate=1.0), 4, clock=wall)
    admitted = []
    for _ in range(50):
        admitted.append(both.request_fault("ListCopyJobs", SRC))
        assert both.request_fault("ListCopyJobs", SRC) == THROTTLING  # the bucket is empty
        wall.now += 1.0
    assert admitted == expected
    assert UNAVAILABLE in admitted
    assert both.injected[THROTTLING] == 50


@pytest.mark.parametrize(
    ("rate", "burst", "size"), [(0.5, None, 1), (1.0, None, 1), (7.9, None, 7), (2.0, 10, 10)]
)
def test_the_bucket_holds_api_burst_else_the_rate_at_least_one(
    rate: float, burst: int | None, size: int
) -> None:
    assert FaultConfig(api_rate=rate, api_burst=burst).api_bucket_size == size


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"api_rate": 0.0}, "api_rate must be a positive number"),
        ({"api_rate": -1.0}, "api_rate must be a positive number"),
        ({"api_rate": float("nan")}, "api_rate must be a positive number"),
        ({"api_rate": float("inf")}, "api_rate must be a positive number"),
        ({"api_rate": 5.0, "api_burst": 0}, "api_burst must be at least 1"),
        ({"api_burst": 5}, "api_burst needs api_rate"),
    ],
)
def test_bad_rate_limit_settings_are_refused(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        FaultConfig(**kwargs)


# -- the CLI flags -----------------------------------------------------------------------------


def test_api_rate_and_api_burst_reach_the_fault_settings() -> None:
    args = build_parser().parse_args(["sandbox", "--api-rate", "12.5", "--api-burst", "40"])
    config, _ = config_of(sandbox_request(args))
    assert (config.faults.api_rate, config.faults.api_burst) == (12.5, 40)
    default, _ = config_of(sandbox_request(build_parser().parse_args(["sandbox"])))
    assert (default.faults.api_rate, default.faults.api_burst) == (None, None)
