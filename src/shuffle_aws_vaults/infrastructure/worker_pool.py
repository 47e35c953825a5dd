"""The Executor port on a fixed set of threads reading one queue.

The copy engine never reads a result from a Future: every call it hands out reports back through
the engine's mailbox. concurrent.futures.ThreadPoolExecutor would still build a Future, a work
item and a lock per call, and at a million calls that bookkeeping was a quarter of the engine's
time (bench/engine_overhead.py: 9.9 s against 7.2 s for 200,000 items). This pool keeps only the
queue.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

_STOP = object()


class PoolClosed(RuntimeError):
    """A call handed to a pool that was shut down."""


class WorkerPool:
    def __init__(self, workers: int, *, name: str = "worker") -> None:
        if workers < 1:
            raise ValueError("a pool needs at least one worker")
        self._tasks: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._closed = False
        # Daemon threads: a forced stop (a second Ctrl-C) must not wait for calls under way.
        self._threads = [
            threading.Thread(target=self._work, name=f"{name}_{n}", daemon=True)
            for n in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> None:
        if self._closed:
            raise PoolClosed("the worker pool is shut down")
        self._tasks.put((fn, args))

    def _work(self) -> None:
        while True:
            task = self._tasks.get()
            if task is _STOP:
                return
            fn, args = task
            try:
                fn(*args)
            except Exception:  # the engine's calls report their own errors; this is a backstop
                log.exception("a background call failed")

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """No more calls; with `cancel_futures`, calls not yet started are dropped; with `wait`,
        return once the calls under way have finished."""
        if self._closed:
            return
        self._closed = True
        if cancel_futures:
            while True:
                try:
                    self._tasks.get_nowait()
                except queue.Empty:
                    break
        for _ in self._threads:
            self._tasks.put(_STOP)
        if wait:
            for thread in self._threads:
                thread.join()
