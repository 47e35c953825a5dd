"""Progress for people: a tqdm bar on a terminal, a summary line every N seconds elsewhere."""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

from ..domain.progress import Progress, format_duration


def describe(progress: Progress) -> str:
    return (
        f"Progress: {progress.percent}% ({progress.done:,}/{progress.total:,}) | "
        f"Completed: {progress.completed:,} | Failed: {progress.failed:,} | "
        f"In Progress: {progress.in_flight:,} | Queued: {progress.queued:,} | "
        f"Rate: {progress.per_hour:,.0f} items/hour | ETA: {format_duration(progress.eta_seconds)}"
    )


class LineProgress:
    """One line on stderr every `interval` seconds, and a last one at the end."""

    def __init__(self, interval: float, stream: TextIO = sys.stderr) -> None:
        self._interval = interval
        self._stream = stream
        self._next = time.monotonic() + interval

    def update(self, progress: Progress) -> None:
        now = time.monotonic()
        if now >= self._next:
            self._next = now + self._interval
            self._stream.write(describe(progress) + "\n")
            self._stream.flush()

    def close(self, progress: Progress) -> None:
        self._stream.write(describe(progress) + "\n")
        self._stream.flush()


class TqdmProgress:
    """A live bar: done of total, with completed / failed / in flight / queued, rate and ETA."""

    def __init__(self, total: int, done: int, stream: TextIO = sys.stderr) -> None:
        from tqdm import tqdm

        self._bar: Any = tqdm(
            total=total,
            initial=done,
            unit="rp",
            file=stream,
            dynamic_ncols=True,
            smoothing=0.05,
            # The percentage is ours (rounded down: 100% only when done); tqdm puts ", "
            # before the postfix itself: "| 10/952, ok 10 failed 0 ...".
            bar_format="{desc}|{bar}| {n_fmt}/{total_fmt}{postfix}",
        )
        self._done = done

    def update(self, progress: Progress) -> None:
        self._bar.set_description_str(f"{progress.percent:3d}%", refresh=False)
        if progress.done != self._done:
            self._bar.update(progress.done - self._done)
            self._done = progress.done
        self._bar.set_postfix_str(
            f"ok {progress.completed:,} failed {progress.failed:,} "
            f"in flight {progress.in_flight:,} queued {progress.queued:,} "
            f"{progress.per_hour:,.0f}/h ETA {format_duration(progress.eta_seconds)}",
            refresh=False,
        )
        self._bar.refresh()

    def close(self, progress: Progress) -> None:
        self.update(progress)
        self._bar.close()


class NullProgress:
    def update(self, progress: Progress) -> None:
        return

    def close(self, progress: Progress) -> None:
        return
