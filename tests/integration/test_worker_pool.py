"""The copy engine's thread pool: calls run off the caller's thread, shutdown as the port says."""

from __future__ import annotations

import threading

import pytest

from shuffle_aws_vaults.infrastructure.worker_pool import PoolClosed, WorkerPool


def test_calls_run_on_the_pools_threads_with_their_arguments() -> None:
    pool = WorkerPool(3, name="test")
    seen: list[tuple[int, str]] = []
    lock = threading.Lock()

    def record(n: int) -> None:
        with lock:
            seen.append((n, threading.current_thread().name))

    for n in range(50):
        pool.submit(record, n)
    pool.shutdown(wait=True)

    assert sorted(n for n, _ in seen) == list(range(50))
    assert {name for _, name in seen} <= {"test_0", "test_1", "test_2"}


def test_shutdown_with_wait_returns_after_the_calls_under_way_finish() -> None:
    pool = WorkerPool(1)
    started, release = threading.Event(), threading.Event()
    finished: list[bool] = []

    def slow() -> None:
        started.set()
        release.wait(10)
        finished.append(True)

    pool.submit(slow)
    assert started.wait(10)
    threading.Timer(0.05, release.set).start()
    pool.shutdown(wait=True)

    assert finished == [True]


def test_cancel_drops_the_calls_not_yet_started() -> None:
    pool = WorkerPool(1)
    started, release = threading.Event(), threading.Event()
    ran: list[int] = []
    pool.submit(lambda: (started.set(), release.wait(10)))
    assert started.wait(10)
    for n in range(20):
        pool.submit(ran.append, n)

    release.set()
    pool.shutdown(wait=True, cancel_futures=True)

    assert ran == []


def test_a_call_that_raises_does_not_take_its_thread_down(
    caplog: pytest.LogCaptureFixture,
) -> None:
    pool = WorkerPool(1)
    ran: list[int] = []

    def boom() -> None:
        raise RuntimeError("boom")

    pool.submit(boom)
    pool.submit(ran.append, 1)
    pool.shutdown(wait=True)

    assert ran == [1]
    assert "a background call failed" in caplog.text


def test_a_call_after_shutdown_is_refused() -> None:
    pool = WorkerPool(1)
    pool.shutdown()
    pool.shutdown()  # twice is harmless

    with pytest.raises(PoolClosed):
        pool.submit(print)


def test_a_pool_needs_a_worker() -> None:
    with pytest.raises(ValueError):
        WorkerPool(0)
