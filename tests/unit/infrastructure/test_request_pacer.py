"""The account's request pacer on a fake clock: no sleeps, no threads."""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable

from shuffle_aws_vaults.infrastructure.request_pacer import (
    DECREASE,
    MIN_RATE,
    QUIET,
    RECHECK,
    RequestPacer,
)


class FakeTime:
    """A clock that only `sleep` (or the test) moves."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def wait(self, condition: object, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def pacer_on(time: FakeTime) -> RequestPacer:
    return RequestPacer(clock=time.clock, wait=time.wait)


def test_calls_go_unpaced_until_aws_throttles() -> None:
    time = FakeTime()
    pacer = pacer_on(time)
    for _ in range(500):
        pacer.before_send("StartCopyJob")
        pacer.on_answer(throttled=False)
    assert time.slept == []
    assert pacer.rate is None


def test_a_throttle_paces_calls_below_the_rate_they_were_sent_at() -> None:
    time = FakeTime()
    pacer = pacer_on(time)
    for _ in range(20):  # 20 calls in the last second: 10 a second over the 2-second window
        pacer.before_send("StartCopyJob")
        time.now += 0.05
    pacer.on_answer(throttled=True)

    assert pacer.rate == 10 * DECREASE
    start = time.now
    for _ in range(30):
        pacer.before_send("StartCopyJob")
    # the bucket starts empty: 30 calls at the new rate
    assert 30 / (10 * DECREASE) - 0.5 < time.now - start < 30 / (10 * DECREASE) + 0.5


def test_the_rate_recovers_with_successes_and_pacing_stops_after_a_quiet_spell() -> None:
    time = FakeTime()
    pacer = pacer_on(time)
    pacer.before_send("StartCopyJob")
    pacer.on_answer(throttled=True)
    low = pacer.rate
    assert low == MIN_RATE
    for _ in range(10):
        time.now += 1.0
        pacer.on_answer(throttled=False)
    assert pacer.rate is not None and pacer.rate > low * 1.5
    time.now += QUIET
    pacer.on_answer(throttled=False)
    assert pacer.rate is None


def test_tracking_calls_never_wait_behind_submissions() -> None:
    time = FakeTime()
    pacer = pacer_on(time)
    pacer.before_send("StartCopyJob")
    pacer.on_answer(throttled=True)  # paced at the minimum rate: one call a second
    assert pacer.try_send() > 0  # a submission has to wait
    pacer.before_send("ListCopyJobs")
    pacer.before_send("DescribeCopyJob")
    assert time.slept == []  # the poll went at once
    assert pacer.try_send() > 2.0  # and took its turns: the submission waits longer


def simulate(
    pacer: RequestPacer,
    time: FakeTime,
    *,
    demand: float,
    calls: int,
    throttled: Callable[[float], bool],
) -> tuple[float, int]:
    """Calls arriving `demand` a second (many threads: none waits for another's answer), each
    sent when the pacer lets it and answered 50 ms later, `throttled(sent_at)` deciding how.
    Returns how long the last call finished after the first arrived, and the throttled count."""
    events: list[tuple[float, int, str]] = []
    for n in range(calls):
        heapq.heappush(events, (time.now + n / demand, n, "arrive"))
    start, last, count = time.now, time.now, 0
    while events:
        at, n, kind = heapq.heappop(events)
        time.now = at
        if kind == "arrive":
            wait = pacer.try_send()
            if wait > 0:  # look again when it may go (or sooner: the rate may rise)
                heapq.heappush(events, (at + min(wait, RECHECK), n, "arrive"))
            else:
                heapq.heappush(events, (at + 0.05, n, "answer"))
        else:
            refused = throttled(at - 0.05)
            count += refused
            pacer.on_answer(throttled=refused)
            if refused:  # botocore retries after a back-off
                heapq.heappush(events, (at + 0.5, n, "arrive"))
            last = at
    return last - start, count


def test_a_steady_share_of_throttling_that_does_not_depend_on_the_rate_is_not_a_crawl() -> None:
    # AWS throttles 20 % of calls whatever the rate (on behalf of others in the account): the
    # pacer must keep up with a demand of 10 calls a second.
    time = FakeTime()
    pacer = pacer_on(time)
    rng = random.Random(7)
    elapsed, throttled = simulate(
        pacer, time, demand=10.0, calls=3000, throttled=lambda _: rng.random() < 0.20
    )
    assert elapsed < 300 * 1.05  # within 5 % of the unpaced 300 s
    assert throttled > 500


def test_throttling_caused_by_the_rate_itself_settles_the_pacer_near_what_aws_allows() -> None:
    # AWS allows 5 calls a second (a token bucket); the tool would send 20.
    time = FakeTime()
    pacer = pacer_on(time)
    bucket = {"tokens": 5.0, "at": time.now}

    def throttled(at: float) -> bool:
        bucket["tokens"] = min(5.0, bucket["tokens"] + (at - bucket["at"]) * 5.0)
        bucket["at"] = max(bucket["at"], at)
        if bucket["tokens"] >= 1.0:
            bucket["tokens"] -= 1.0
            return False
        return True

    elapsed, refused = simulate(pacer, time, demand=20.0, calls=600, throttled=throttled)
    assert elapsed < 600 / 5.0 * 1.1  # about as fast as AWS allows
    assert refused / (600 + refused) < 0.35  # unpaced, three calls in four would be refused
