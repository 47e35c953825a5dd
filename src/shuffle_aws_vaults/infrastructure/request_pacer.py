"""One account session's request rate: unpaced until AWS throttles, then paced, and recovering.

Why not botocore's `adaptive` retry mode, which paces too (botocore/retries/adaptive.py):
- its limiter belongs to one client, so the Backup, KMS and IAM clients of an account would each
  keep their own, and every credential renewal (a new session, new clients) would forget it;
- it answers every throttled answer with a cut to 0.7x the measured rate and recovers along a
  cubic curve over seconds, so a steady share of throttled calls that does not depend on the
  rate (AWS throttling on behalf of other callers in the account) drives it to its floor of
  0.5 calls per second: at 20 % throttled calls it settles near 3 calls per second;
- it knows no priority, so a poll for finished jobs waits behind queued submissions.

This pacer is shared by every client of an account session and survives renewals. Each
throttled answer multiplies the rate by DECREASE (of the rate actually measured, if that is
lower), each other answer by 1 + INCREASE. The two are balanced so that the rate only falls
while more than about 30 % of answers are throttled (the break-even share is
ln(1 + INCREASE) / (ln(1 + INCREASE) - ln DECREASE)): when throttling comes from the tool's own
rate, a lower rate lowers that share, and the pacer settles where AWS throttles a few calls;
when it does not, the rate hovers at the demand and the tool keeps its pace. After QUIET
seconds without throttling the pacer stands aside again.

Tracking calls (ListCopyJobs, DescribeCopyJob) never wait: they take their place in the
schedule, so the rate holds, but a poll is never queued behind submissions. They are a small,
bounded share of calls (one listing per poll).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

DECREASE = 0.9
INCREASE = 0.05
MIN_RATE = 1.0  # calls per second
MAX_RATE = 1000.0
QUIET = 60.0  # seconds without throttling before pacing stops
WINDOW = 2.0  # seconds over which the sending rate is measured
BURST = 1.0  # seconds of calls that may go at once after a pause
# A throttled answer lowers the rate from at most this much above the rate calls were really
# sent at: far enough above it that steady demand is not held back by its own throttling.
HEADROOM = 1.25
RECHECK = 0.5  # a waiting call looks again at least this often (the rate may have risen)
UNPACED_OPERATIONS = frozenset({"ListCopyJobs", "DescribeCopyJob"})


@dataclass(frozen=True)
class PacerStats:
    throttled: int
    answered: int
    paced_calls: int  # calls that had to wait for their turn
    waited_seconds: float
    lowest_rate: float | None  # calls per second; None: never paced
    rate: float | None  # now; None: unpaced


class RequestPacer:
    """A token bucket whose rate follows AWS's answers; thread-safe; clock and wait injectable.

    `try_send` is the decision (no waiting), `before_send` waits on it. A waiting call looks
    again when the rate changes or every RECHECK seconds, so a rate that recovers is used at
    once: no schedule is fixed in advance at a rate that no longer holds.
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        wait: Callable[[threading.Condition, float], object] | None = None,
    ) -> None:
        self._clock = clock
        self._wait = wait or (lambda condition, seconds: condition.wait(seconds))
        self._changed = threading.Condition(threading.Lock())
        self._rate: float | None = None
        self._tokens = 0.0
        self._filled_at = 0.0
        self._sent: deque[float] = deque()
        self._last_throttle = float("-inf")
        self._throttled = 0
        self._answered = 0
        self._paced = 0
        self._waited = 0.0
        self._lowest: float | None = None

    @property
    def rate(self) -> float | None:
        """Calls per second allowed now; None while unpaced."""
        return self._rate

    def stats(self) -> PacerStats:
        with self._changed:
            return PacerStats(
                throttled=self._throttled,
                answered=self._answered,
                paced_calls=self._paced,
                waited_seconds=round(self._waited, 3),
                lowest_rate=None if self._lowest is None else round(self._lowest, 2),
                rate=None if self._rate is None else round(self._rate, 2),
            )

    def before_send(self, operation: str) -> None:
        """Wait for this call's turn (tracking calls go at once); returns when it may go."""
        urgent = operation in UNPACED_OPERATIONS
        with self._changed:
            started: float | None = None
            while True:
                wait = self._try_send(urgent)
                if wait <= 0:
                    if started is not None:
                        self._paced += 1
                        self._waited += self._clock() - started
                    return
                started = self._clock() if started is None else started
                self._wait(self._changed, min(wait, RECHECK))

    def try_send(self, *, urgent: bool = False) -> float:
        """0 when a call may go now (it is counted as sent), else seconds until it may."""
        with self._changed:
            return self._try_send(urgent)

    def _try_send(self, urgent: bool) -> float:
        now = self._clock()
        rate = self._rate
        if rate is not None:
            self._tokens = min(
                max(1.0, rate * BURST), self._tokens + (now - self._filled_at) * rate
            )
            self._filled_at = now
            if self._tokens < 1.0 - 1e-9 and not urgent:  # (float sums fall just short)
                return max(0.001, (1.0 - self._tokens) / rate)
            self._tokens -= 1.0  # an urgent call may leave a debt the next calls wait out
        self._sent.append(now)
        self._trim(now)
        return 0.0

    def on_answer(self, *, throttled: bool) -> None:
        """An answer arrived: throttled lowers the rate, anything else raises it."""
        with self._changed:
            now = self._clock()
            self._answered += 1
            self._trim(now)
            if throttled:
                self._throttled += 1
                self._last_throttle = now
                measured = max(MIN_RATE, len(self._sent) / WINDOW)
                if self._rate is None:  # pacing starts with an empty bucket
                    self._tokens, self._filled_at = 0.0, now
                    base = measured
                else:
                    base = min(self._rate, measured * HEADROOM)
                self._set_rate(base * DECREASE)
            elif self._rate is None:
                return
            elif now - self._last_throttle >= QUIET:
                self._rate = None  # AWS has stopped throttling: stand aside
            else:
                self._set_rate(self._rate * (1.0 + INCREASE))
            self._changed.notify_all()

    def _set_rate(self, rate: float) -> None:
        self._rate = min(MAX_RATE, max(MIN_RATE, rate))
        if self._lowest is None or self._rate < self._lowest:
            self._lowest = self._rate

    def _trim(self, now: float) -> None:
        sent = self._sent
        while sent and sent[0] <= now - WINDOW:
            sent.popleft()
