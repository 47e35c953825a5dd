"""Deterministic fault injection: the same seed gives the same faults on the same calls."""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter
from collections.abc import Callable

from .config import FaultConfig
from .rate_limit import AccountBuckets

THROTTLING = "ThrottlingException"
UNAVAILABLE = "ServiceUnavailableException"
DROP = "drop-connection"
EXPIRED = "ExpiredTokenException"

# AWS's copy job retry: "the copy job enters a retry phase that lasts for 2 hours" (developer
# guide, recov-point-create-a-copy.html#backup-copy-retry).
RETRY_WINDOW_SECONDS = 2 * 3600.0

# Credentials from AssumeRole start with ASIA; long-term keys (the base profile) never expire.
TEMPORARY_KEY_PREFIX = "ASIA"


def unit_hash(*parts: object) -> float:
    """A number in [0, 1) that depends only on `parts`."""
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


class FaultInjector:
    """Decides, per call, whether to fail it, and remembers when credentials were first used."""

    def __init__(
        self, config: FaultConfig, seed: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.config = config
        self._seed = seed
        self._calls: Counter[str] = Counter()
        self._first_use: dict[str, float] = {}
        self._lock = threading.Lock()
        self.injected: Counter[str] = Counter()
        # `clock` is the wall clock the request-rate limit runs on (a fake one in tests).
        self._buckets = (
            None
            if config.api_rate is None
            else AccountBuckets(config.api_rate, config.api_bucket_size, clock)
        )

    def credentials_expired(self, access_key: str, now: float) -> bool:
        ttl = self.config.credential_ttl_seconds
        if ttl is None or not access_key.startswith(TEMPORARY_KEY_PREFIX):
            return False
        with self._lock:
            first = self._first_use.setdefault(access_key, now)
        return now - first > ttl

    def request_fault(self, operation: str, account: str = "", region: str = "") -> str | None:
        """THROTTLING, UNAVAILABLE, DROP or None for the next call of `operation` by `account`
        in `region` (AWS rates an account's calls per Region: a bucket per account and Region).

        The request-rate limit comes first, as AWS's front door does: a call it throttles does
        not reach the random faults, so it does not shift their seeded sequence either.
        """
        if self._buckets is not None:
            with self._lock:
                admitted = self._buckets.take(f"{account}/{region}" if region else account)
                if not admitted:
                    self.injected[THROTTLING] += 1
            if not admitted:
                return THROTTLING
        cfg = self.config
        if not (cfg.throttle_rate or cfg.unavailable_rate or cfg.drop_rate):
            return None
        with self._lock:
            self._calls[operation] += 1
            n = self._calls[operation]
        roll = unit_hash(self._seed, "request", operation, n)
        fault = None
        if roll < cfg.throttle_rate:
            fault = THROTTLING
        elif roll < cfg.throttle_rate + cfg.unavailable_rate:
            fault = UNAVAILABLE
        elif roll < cfg.throttle_rate + cfg.unavailable_rate + cfg.drop_rate:
            fault = DROP
        if fault is not None:
            with self._lock:
                self.injected[fault] += 1
        return fault

    def job_fails(self, source_recovery_point_arn: str, attempt: int) -> bool:
        """Whether the `attempt`-th copy job of a recovery point fails transiently."""
        rate = self.config.job_failure_rate
        return rate > 0 and unit_hash(self._seed, "job", source_recovery_point_arn, attempt) < rate

    def system_error(self, source_recovery_point_arn: str, attempt: int) -> tuple[float, bool]:
        """(seconds the job stays in CREATED, whether it then fails) for the `attempt`-th copy
        job of a recovery point; (0.0, False) for a job no system error hits."""
        cfg, seed, arn = self.config, self._seed, source_recovery_point_arn
        if not cfg.system_error_rate:
            return 0.0, False
        if unit_hash(seed, "system-error", arn, attempt) >= cfg.system_error_rate:
            return 0.0, False
        if unit_hash(seed, "retry-fails", arn, attempt) < cfg.system_error_fail_share:
            return RETRY_WINDOW_SECONDS, True
        return RETRY_WINDOW_SECONDS * unit_hash(seed, "retry-hold", arn, attempt), False
