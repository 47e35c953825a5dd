"""The Executor port on a fixed set of threads reading one queue (one route), or on one set of
threads shared by every route of a run, a lane each.

The copy engine never reads a result from a Future: every call it hands out reports back through
the engine's mailbox. concurrent.futures.ThreadPoolExecutor would still build a Future, a work
item and a lock per call, and at a million calls that bookkeeping was a quarter of the engine's
time (bench/engine_overhead.py: 9.9 s against 7.2 s for 200,000 items). This pool keeps only the
queue.
"""

from __future__ import annotations

import collections
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


class SharedWorkers:
    """One bounded set of threads for every route of a run, so their count does not grow with
    the routes. Each route calls through its own lane (the Executor port): at most `limit` of
    its calls at once, and no more than a fair share of the threads while other lanes wait, so
    a route whose calls are slowed (its pacer waiting out throttling) cannot hold every thread.
    Threads are started as calls need them, up to `max_threads`."""

    def __init__(self, max_threads: int = 64, *, name: str = "copy") -> None:
        if max_threads < 1:
            raise ValueError("a pool needs at least one thread")
        self._max = max_threads
        self._name = name
        self._cond = threading.Condition()
        self._lanes: list[Lane] = []
        self._threads: list[threading.Thread] = []
        self._idle = 0
        self._turn = 0

    @property
    def threads(self) -> int:
        with self._cond:
            return len(self._threads)

    def lane(self, limit: int) -> Lane:
        lane = Lane(self, max(1, limit))
        with self._cond:
            self._lanes.append(lane)
        return lane

    def _submit(self, lane: Lane, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        with self._cond:
            if lane.closed:
                raise PoolClosed("the lane is shut down")
            lane.backlog.append((fn, args))
            if self._idle == 0 and len(self._threads) < self._max:
                thread = threading.Thread(
                    target=self._work, name=f"{self._name}_{len(self._threads)}", daemon=True
                )
                self._threads.append(thread)
                thread.start()
            self._cond.notify()

    def _next(self) -> tuple[Lane, Callable[..., Any], tuple[Any, ...]] | None:
        """The next call to run, taking the lanes in turn (under the lock)."""
        busy = [lane for lane in self._lanes if lane.backlog or lane.running]
        if not busy:
            return None
        share = max(2, self._max // len(busy))
        count = len(self._lanes)
        for step in range(count):
            lane = self._lanes[(self._turn + step) % count]
            if lane.backlog and lane.running < min(lane.limit, share):
                self._turn = (self._turn + step + 1) % count
                lane.running += 1
                fn, args = lane.backlog.popleft()
                return lane, fn, args
        return None

    def _work(self) -> None:
        while True:
            with self._cond:
                while (task := self._next()) is None:
                    self._idle += 1
                    self._cond.wait()
                    self._idle -= 1
            lane, fn, args = task
            try:
                fn(*args)
            except Exception:  # the engine's calls report their own errors; this is a backstop
                log.exception("a background call failed")
            finally:
                with self._cond:
                    lane.running -= 1
                    if lane.closed and not lane.running and not lane.backlog:
                        self._forget(lane)
                    self._cond.notify_all()

    def _forget(self, lane: Lane) -> None:
        if lane in self._lanes:
            index = self._lanes.index(lane)
            self._lanes.remove(lane)
            if index < self._turn:
                self._turn -= 1
            self._turn = self._turn % len(self._lanes) if self._lanes else 0

    def _shutdown(self, lane: Lane, wait: bool, cancel: bool) -> None:
        with self._cond:
            lane.closed = True
            if cancel:
                lane.backlog.clear()
            if not lane.running and not lane.backlog:
                self._forget(lane)
            while wait and (lane.running or lane.backlog):
                self._cond.wait()


class Lane:
    """One route's share of the SharedWorkers: the Executor port."""

    def __init__(self, pool: SharedWorkers, limit: int) -> None:
        self._pool = pool
        self.limit = limit
        self.backlog: collections.deque[tuple[Callable[..., Any], tuple[Any, ...]]]
        self.backlog = collections.deque()
        self.running = 0
        self.closed = False

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> None:
        self._pool._submit(self, fn, args)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """No more calls; with `cancel_futures`, calls not yet started are dropped; with `wait`,
        return once the calls under way have finished."""
        self._pool._shutdown(self, wait, cancel_futures)
