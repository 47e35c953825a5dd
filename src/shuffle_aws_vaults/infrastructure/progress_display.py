"""A copy's progress for people: a sink per route, drawn as one board. Off a terminal, a line
every `interval` seconds (a line per route when the run has a section per route, then the
total, in the same words); on a terminal, a tqdm bar (per route, and the total); or nothing.

Each route's engine reports from its own thread through its own sink; the board draws them
all under one lock.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import Any, TextIO

from ..domain.progress import Progress, combined, format_duration


def rate(progress: Progress, unit: str) -> str:
    """ "1,200 items/hour (last 10m)": the recent window's rate, named by its span (this run's
    average until the window has two samples)."""
    if progress.recent_per_hour is None:
        return f"{progress.per_hour:,.0f}{unit}"
    window = format_duration(progress.recent_window)
    return f"{progress.recent_per_hour:,.0f}{unit} (last {window})"


def waiting_for(progress: Progress, eta: str) -> str:
    """What the run waits for: "ETA 5m 3s", or in its tail (where an ETA by rate means
    nothing) "last copies: 1 resource's chain, 3 left, next done in ~40s"."""
    if not progress.draining:
        return f"{eta}{format_duration(progress.eta_seconds)}"
    chains = progress.chains_left or 0
    noun = "resource's chain" if chains == 1 else "resources' chains"
    text = f"last copies: {chains:,} {noun}, {progress.remaining:,} left"
    if progress.next_done_in is not None:
        text += f", next done in ~{format_duration(progress.next_done_in)}"
    return text


def describe(progress: Progress) -> str:
    return (
        f"Progress: {progress.percent}% ({progress.done:,}/{progress.total:,}) | "
        f"Completed: {progress.completed:,} | Failed: {progress.failed:,} | "
        f"In Progress: {progress.in_flight:,} | Queued: {progress.queued:,} | "
        f"Rate: {rate(progress, ' items/hour')} | {waiting_for(progress, 'ETA: ')}"
    )


def route_line(route: str, progress: Progress) -> str:
    return f"  {route}: " + describe(progress).removeprefix("Progress: ")


def figures(progress: Progress) -> str:
    """A bar's postfix: tqdm puts ", " before it ("| 10/952, ok 10 failed 0 ...")."""
    return (
        f"ok {progress.completed:,} failed {progress.failed:,} "
        f"in flight {progress.in_flight:,} queued {progress.queued:,} "
        f"{rate(progress, '/h')} {waiting_for(progress, 'ETA ')}"
    )


class _Sink:
    """One route's ProgressSink: hands its figures to the board."""

    def __init__(self, board: ProgressBoard, route: str) -> None:
        self._board, self._route = board, route

    def update(self, progress: Progress) -> None:
        self._board.update(self._route, progress)

    def close(self, progress: Progress) -> None:
        self._board.update(self._route, progress, final=True)


class ProgressBoard:
    """The board of one copy command. `sectioned`: a line (or bar) per route besides the
    total; else the total alone, drawn for the last time as soon as its route ends. The
    first line waits `interval` from the first sink (the engine's start, not planning's)."""

    def __init__(
        self,
        routes: list[str],
        interval: float,
        *,
        sectioned: bool,
        quiet: bool = False,
        bars: bool = False,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._order = list(routes)
        self._latest: dict[str, Progress] = {}
        self._interval = 0.0 if bars else interval
        self._sectioned = sectioned
        self._quiet = quiet
        # Standard error as it is now (not when this module was imported: in-process runs
        # swap it per command).
        self._stream = stream or sys.stderr
        self._clock = clock  # when the next line is due
        self._lock = threading.Lock()
        self._next: float | None = None
        self._closed = False
        self._bars: dict[str, Any] = {}
        self._tqdm: Any = None
        if bars and not quiet:
            from tqdm import tqdm

            self._tqdm = tqdm

    def sink(self, route: str, total: int, done: int) -> _Sink:
        """A route's sink; routes not named when the board was made are drawn in the order
        their sinks were made."""
        with self._lock:
            if route not in self._order:
                self._order.append(route)
            self._latest[route] = Progress(total, done, 0, 0, total - done, 0.0, 0)
            if self._next is None:
                self._next = self._clock() + self._interval
        return _Sink(self, route)

    def total(self) -> Progress:
        with self._lock:
            return combined(list(self._latest.values()))

    def update(self, route: str, progress: Progress, final: bool = False) -> None:
        with self._lock:
            self._latest[route] = progress
            if self._quiet or self._closed:
                return
            if final and not self._sectioned:
                self._finish()
                return
            now = self._clock()
            if self._next is None or now >= self._next:
                self._next = now + self._interval
                self._draw()

    def close(self) -> None:
        """Draw the last figures and let go of the display (once)."""
        with self._lock:
            if not self._closed:
                self._finish()

    def _finish(self) -> None:
        self._closed = True
        if not self._quiet and self._latest:
            self._draw()
        for bar in self._bars.values():
            bar.close()

    def _shown(self) -> list[tuple[str, Progress]]:
        routes = [route for route in self._order if route in self._latest]
        parts = [(route, self._latest[route]) for route in routes]
        total = ("total", combined([progress for _, progress in parts]))
        return [*parts, total] if self._sectioned else [total]

    def _draw(self) -> None:
        shown = self._shown()
        if self._tqdm is not None:
            self._draw_bars(shown)
            return
        lines = [route_line(route, progress) for route, progress in shown[:-1]]
        lines.append(describe(shown[-1][1]))
        self._stream.write("".join(line + "\n" for line in lines))
        self._stream.flush()

    def _draw_bars(self, shown: list[tuple[str, Progress]]) -> None:
        width = max(len(key) for key, _ in shown)
        for position, (key, progress) in enumerate(shown):
            bar = self._bars.get(key)
            if bar is None:
                bar = self._bars[key] = self._tqdm(
                    total=progress.total,
                    initial=progress.done,
                    unit="rp",
                    file=self._stream,
                    position=position,
                    dynamic_ncols=True,
                    # The percentage is ours (rounded down: 100% only when done).
                    bar_format="{desc}|{bar}| {n_fmt}/{total_fmt}{postfix}",
                )
            bar.total = progress.total
            bar.n = progress.done
            label = f"{key:<{width}} " if self._sectioned else ""
            bar.set_description_str(f"{label}{progress.percent:3d}%", refresh=False)
            bar.set_postfix_str(figures(progress), refresh=False)
            bar.refresh()
