"""Request-rate throttling: a token bucket per calling account, as AWS throttles its APIs.

AWS publishes no request rate for AWS Backup; what it does publish is the mechanism (a token
bucket: a burst allowance refilled at a steady rate). The bucket runs on the wall clock, since
clients call in real time even when the sandbox's copy clock is compressed.
"""

from __future__ import annotations

import time
from collections.abc import Callable

# Refills add up in floating point (0.1 s at 10 a second can come to 0.999... tokens): a
# shortfall this small is rounding, not a caller that came too early.
ROUNDING = 1e-9


class RateBucket:
    """`burst` tokens, refilled at `rate` a second; each call takes one or is refused."""

    def __init__(
        self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("a rate bucket needs a positive rate and a burst of at least 1")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tokens = float(burst)  # a new caller may burst at once
        self._last = clock()

    @property
    def tokens(self) -> float:
        """Tokens left now (for tests and stats)."""
        self._refill()
        return self._tokens

    def take(self) -> bool:
        """Take a token for one call: False means throttle it (a refused call takes none)."""
        self._refill()
        if self._tokens < 1.0 - ROUNDING:
            return False
        self._tokens = max(0.0, self._tokens - 1.0)
        return True

    def _refill(self) -> None:
        now = self._clock()
        # max(): a clock that steps back (it should not) must neither drain nor refill twice.
        elapsed = max(0.0, now - self._last)
        self._tokens = min(float(self.burst), self._tokens + elapsed * self.rate)
        self._last = max(self._last, now)


class AccountBuckets:
    """One RateBucket per calling account, made on its first call; not thread-safe."""

    def __init__(
        self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._rate = rate
        self._burst = burst
        self._clock = clock
        self._buckets: dict[str, RateBucket] = {}

    def take(self, account: str) -> bool:
        bucket = self._buckets.get(account)
        if bucket is None:
            bucket = self._buckets[account] = RateBucket(self._rate, self._burst, self._clock)
        return bucket.take()
