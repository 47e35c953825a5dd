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


# -- the threads every route of a run shares -------------------------------------------------


def test_a_lane_runs_every_call_and_never_more_than_its_limit_at_once() -> None:
    from shuffle_aws_vaults.infrastructure.worker_pool import SharedWorkers

    pool = SharedWorkers(8, name="shared")
    lane = pool.lane(3)
    lock = threading.Lock()
    running, most, done = [0], [0], []

    def call(n: int) -> None:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        threading.Event().wait(0.005)
        with lock:
            running[0] -= 1
            done.append(n)

    for n in range(40):
        lane.submit(call, n)
    lane.shutdown(wait=True)
    assert sorted(done) == list(range(40)) and most[0] <= 3
    assert pool.threads <= 8


def test_a_lane_whose_calls_hang_leaves_threads_for_the_others() -> None:
    from shuffle_aws_vaults.infrastructure.worker_pool import SharedWorkers

    # As bootstrap sizes them: a lane at most half the pool (LANE_THREADS of POOL_THREADS), so a
    # lane alone cannot hold every thread when another's first call comes.
    pool = SharedWorkers(4, name="shared")
    slow, quick = pool.lane(2), pool.lane(2)
    release = threading.Event()
    finished = threading.Event()
    for _ in range(10):
        slow.submit(release.wait, 10.0)  # a route whose calls wait out throttling
    quick.submit(finished.set)
    assert finished.wait(5.0), "the quick lane's call waited for the slow lane's"
    assert pool.threads <= 4  # never more threads than the pool's (started as calls need them)
    release.set()
    slow.shutdown(wait=True)
    quick.shutdown(wait=True)


def test_a_lane_shut_down_with_cancel_drops_what_has_not_started() -> None:
    from shuffle_aws_vaults.infrastructure.worker_pool import SharedWorkers

    pool = SharedWorkers(1, name="shared")
    lane = pool.lane(1)
    gate, ran = threading.Event(), []
    lane.submit(gate.wait, 5.0)
    for n in range(5):
        lane.submit(ran.append, n)
    threading.Timer(0.05, gate.set).start()
    lane.shutdown(wait=True, cancel_futures=True)
    assert ran == []
    with pytest.raises(PoolClosed):
        lane.submit(ran.append, 9)
    other = pool.lane(1)  # the pool lives on for the other routes
    other.submit(ran.append, 1)
    other.shutdown(wait=True)
    assert ran == [1]
