"""What the copy engine waits on and is stopped by: a mailbox, a clock, a stop signal."""

from __future__ import annotations

import queue
import random
import threading
import time
from collections.abc import Callable
from typing import Any


class StopSignal:
    """First request: stop gracefully (drain, save). Second: stop now."""

    def __init__(self) -> None:
        self._graceful = threading.Event()
        self._forced = threading.Event()
        self.reason = ""

    def request(self, reason: str = "signal") -> None:
        if self._graceful.is_set():
            self._forced.set()
        else:
            self.reason = reason
            self._graceful.set()

    @property
    def requested(self) -> bool:
        return self._graceful.is_set()

    @property
    def forced(self) -> bool:
        return self._forced.is_set()


class Clock:
    """Wall time for records, monotonic time for intervals."""

    def now(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()


class Mailbox:
    """Results from worker threads to the engine thread; `wake` is set by each one (engines
    that share a thread wait on it together)."""

    def __init__(self, wake: threading.Event | None = None) -> None:
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._wake = wake

    def put(self, item: Any) -> None:
        self._queue.put(item)
        if self._wake is not None:
            self._wake.set()

    def get(self, timeout: float) -> Any | None:
        try:
            return self._queue.get(timeout=max(0.0, timeout))
        except queue.Empty:
            return None

    def get_nowait(self) -> Any | None:
        try:
            return self._queue.get_nowait()
        except queue.Empty:
            return None


class InlineExecutor:
    """Runs each call at once on the caller's thread: deterministic engine tests."""

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> None:
        fn(*args)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        return


def jittered(base: float, rng: random.Random) -> float:
    """`base` seconds, +-20 %, so retries of many items do not line up."""
    return base * rng.uniform(0.8, 1.2)
