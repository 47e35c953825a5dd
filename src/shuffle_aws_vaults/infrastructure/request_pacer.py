"""One account session's request rate: unpaced until AWS throttles, then paced, and recovering.

Why not botocore's `adaptive` retry mode, which paces too (botocore/retries/adaptive.py):
- its limiter belongs to one client, so the Backup, KMS and IAM clients of an account would each
  keep their own, and every credential renewal (a new session, new clients) would forget it;
- it answers every throttled answer with a cut to 0.7x the measured rate and recovers along a
  cubic curve over seconds, so a steady share of throttled calls that does not depend on the
  rate (AWS throttling on behalf of other callers in the account) drives it to its floor of
  0.5 calls per second: at 20 % throttled calls it settles near 3 calls per second;
- it knows no priority, so a poll for finished jobs waits behind queued submissions.

This pacer is shared by every client of an account session and survives renewals. It judges
the share of throttled answers over windows (at least WINDOW seconds and MIN_ANSWERS answers),
not single answers, since no single answer says whether the tool's own rate drew it:
- a window with more than TOLERATED of its answers throttled cuts the rate, from the rate calls
  were lately sent at (with HEADROOM) or the current one if lower, by DECREASE or deeper the
  further past TOLERATED it went (to what AWS let through, plus TOLERATED);
- any other window raises it, by INCREASE back to NEAR the rate that drew the last cut, then by
  PROBE per window; after FORGET_AFTER such windows that rate no longer counts.
Throttling caused by the tool's own rate falls as the rate falls, so the pacer settles where
about TOLERATED of calls are throttled; throttling that does not depend on the rate (a steady
20 %) rarely fills a window past TOLERATED, so the tool keeps its pace. Judged by single
answers instead, a pacer is pushed down by every throttled one and, at a low rate, gets too few
answers to climb back: tried, it crawled at one call a second under 20 % random throttling.
After QUIET seconds without throttling the pacer stands aside. A window's span leaves out its
lulls (longer than LULL with no call in flight or waiting): a window that opened when a route's
first client was made at planning and closed in its copy, after the other routes' planning,
measured a sending rate of a fraction of a call a second, and pacing started there.

Tracking calls (ListCopyJobs, DescribeCopyJob) never wait: they take their place in the
bucket, so the rate holds, but a poll is never queued behind submissions. They are a small,
bounded share of calls (one listing per poll).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

TOLERATED = 0.3  # share of a window's answers throttled before the rate is lowered
DECREASE = 0.8  # at least...
DEEPEST = 0.5  # ... and at most
INCREASE = 0.3  # back towards the rate that last drew throttling (NEAR it)...
PROBE = 0.05  # ... and from there on, per window
NEAR = 0.9
FORGET_AFTER = 5  # windows within what is tolerated, after which that rate no longer counts
MIN_ANSWERS = 30  # a window judges at least this many answers...
WINDOW = 2.0  # ... over at least these seconds
MIN_RATE = 1.0  # calls per second
MAX_RATE = 1000.0
QUIET = 60.0  # seconds without throttling before pacing stops
BURST = 2.0  # seconds of calls that may go at once after a pause (a poll's worth of submissions)
# A window over TOLERATED lowers the rate from at most this much above the rate calls were
# really sent at, so one such window does not hold steady demand back.
HEADROOM = 1.5
RATE_WINDOWS = 10  # windows whose sending rates count as "lately"
RECHECK = 0.5  # a waiting call looks again at least this often (the rate may have risen)
# Longer than this with no call in flight or waiting is a lull (a route's engine waiting for the
# other routes' planning, a pause between polls): it does not count in a window's span.
LULL = WINDOW
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
        self._last_throttle = float("-inf")
        self._window_start = clock()
        self._window_idle = 0.0  # the window's lulls, in seconds
        self._idle_since: float | None = self._window_start  # None: calls in flight or waiting
        self._in_flight = 0
        self._window_answers = 0
        self._window_throttled = 0
        self._window_sends = 0
        self._throttled_at: float | None = None  # the rate that last drew too much throttling
        self._good_windows = 0
        self._window_rates: deque[float] = deque(maxlen=RATE_WINDOWS)
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
                if started is None:
                    started = self._clock()
                    self._end_idle(started)
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
        self._window_sends += 1
        self._in_flight += 1
        self._end_idle(now)
        return 0.0

    def _end_idle(self, now: float) -> None:
        if self._idle_since is not None:
            if now - self._idle_since > LULL:
                self._window_idle += now - self._idle_since
            self._idle_since = None

    def on_lost(self) -> None:
        """A call ended with no answer that tells anything of the rate (a connection error, a
        concurrency limit): it is no longer in flight."""
        with self._changed:
            self._landed(self._clock())

    def _landed(self, now: float) -> None:
        self._in_flight = max(0, self._in_flight - 1)
        if self._in_flight == 0 and self._idle_since is None:
            self._idle_since = now

    def on_answer(self, *, throttled: bool) -> None:
        """An answer arrived; each full window of answers lowers or raises the rate."""
        with self._changed:
            now = self._clock()
            self._landed(now)
            self._answered += 1
            if throttled:
                self._throttled += 1
                self._last_throttle = now
            if self._rate is not None and now - self._last_throttle >= QUIET:
                self._rate = None  # AWS has stopped throttling: stand aside
                self._changed.notify_all()
            self._window_answers += 1
            self._window_throttled += throttled
            span = now - self._window_start - self._window_idle
            if span < WINDOW or self._window_answers < MIN_ANSWERS:
                return
            self._window_rates.append(self._window_sends / span)
            answers = self._window_answers
            share = self._window_throttled / answers
            # Over TOLERATED by more than a window's chance: one standard error of a share
            # drawn from `answers` answers (0.384 at 30). Without the margin, throttling that
            # sits near TOLERATED on its own (random throttling plus a tight bucket) tipped
            # window after window over it, and each cut lowered the rate it recovered towards:
            # a pacer stuck near 2 calls a second (bench/regions.py).
            if share > TOLERATED + math.sqrt(TOLERATED * (1.0 - TOLERATED) / answers):
                # From the rate calls were sent at lately (at their busiest: a window that was
                # a lull says little about the rate that drew the throttling), or from the
                # current rate if that is lower.
                sent = max(MIN_RATE, max(self._window_rates))
                if self._rate is None:  # pacing starts (with a full bucket, set below)
                    self._tokens, self._filled_at = float("inf"), now
                    base = sent * HEADROOM
                else:
                    base = min(self._rate, sent * HEADROOM)
                # The further past TOLERATED, the deeper: what AWS let through, with TOLERATED
                # of calls on top, is about what it will take.
                cut = min(DECREASE, max(DEEPEST, (1.0 - share) / (1.0 - TOLERATED)))
                self._set_rate(base * cut)
                self._throttled_at, self._good_windows = base, 0
            elif self._rate is not None:
                self._good_windows += 1
                if self._good_windows >= FORGET_AFTER:
                    self._throttled_at = None
                if self._throttled_at is not None and self._rate >= NEAR * self._throttled_at:
                    step = 1.0 + PROBE  # near the rate that drew throttling: slowly
                else:
                    # By the window's length (up to two windows' worth): a long window, of few
                    # answers at a low rate, climbs further, so a low rate is not slow to
                    # recover for want of answers.
                    step = (1.0 + INCREASE) ** min(span / WINDOW, 2.0)
                rate = self._rate * step
                if self._throttled_at is not None and self._rate < NEAR * self._throttled_at:
                    rate = min(rate, NEAR * self._throttled_at)
                self._set_rate(rate)
            self._start_window(now)
            self._changed.notify_all()

    def _start_window(self, now: float) -> None:
        self._window_start = now
        self._window_idle = 0.0
        if self._idle_since is not None:
            self._idle_since = now  # a lull counts in the window it falls in
        self._window_answers = self._window_throttled = self._window_sends = 0

    def _set_rate(self, rate: float) -> None:
        log.debug(
            "request rate %.2f/s (was %s; %d of %d answers throttled, %d sent)",
            rate,
            self._rate,
            self._window_throttled,
            self._window_answers,
            self._window_sends,
        )
        self._rate = min(MAX_RATE, max(MIN_RATE, rate))
        if self._lowest is None or self._rate < self._lowest:
            self._lowest = self._rate
