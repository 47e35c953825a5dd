"""Routes side by side: their planning on threads of their own (`on_threads`), their engines
stepped together on one thread (`run_engines`), so a run's threads do not grow with its routes
(the engines' AWS calls run on the shared worker threads)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from .copy_engine import CopyEngine, RunOutcome

# Runs each call at once on a thread of its own, and returns when every call has returned.
SideBySide = Callable[[Sequence[Callable[[], None]]], None]


def on_threads(calls: Sequence[Callable[[], None]]) -> None:
    """Daemon threads: a stop while planning (exit status 2, at once) does not wait for them;
    the state files are written atomically, so what was recorded stays loadable. One call
    runs on the caller's thread."""
    if len(calls) == 1:
        calls[0]()
        return
    threads = [threading.Thread(target=call, daemon=True) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def one_after_another(calls: Sequence[Callable[[], None]]) -> None:
    """For unit tests: the same calls, in order, on the caller's thread."""
    for call in calls:
        call()


def run_engines(
    engines: Sequence[CopyEngine],
    wake: threading.Event,
    ended: Callable[[int, RunOutcome | None, Exception | None], None],
) -> None:
    """Every engine on the calling thread: each stepped in turn, then a wait until the soonest
    asks to be stepped again or a worker's answer arrives (`wake`, set by every mailbox).
    `ended(i, outcome, error)` as each engine is over; one that raises stops alone."""
    active: dict[int, CopyEngine] = {}
    for index, engine in enumerate(engines):
        try:
            engine.begin()
            active[index] = engine
        except Exception as exc:
            ended(index, _end(engine), exc)
    while active:
        wake.clear()  # before stepping: an answer posted from here on wakes the wait below
        waits = []
        for index, engine in list(active.items()):
            try:
                wait = engine.step()
            except Exception as exc:
                del active[index]
                ended(index, _end(engine), exc)
                continue
            if wait is None:
                del active[index]
                ended(index, engine.end(), None)
            else:
                waits.append(wait)
        if active:
            wake.wait(min(waits))


def _end(engine: CopyEngine) -> RunOutcome | None:
    try:
        return engine.end()
    except Exception:  # the error already raised is the one to report
        return None
