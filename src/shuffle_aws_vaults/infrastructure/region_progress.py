"""Progress of a copy over several Regions: a line (or bar) per Region and one for the total.

Each Region's engine reports from its own thread through its own sink; the board draws them
all, under one lock, at most every `interval` seconds off a terminal.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any, TextIO

from ..domain.progress import Progress, combined, format_duration
from .progress_display import describe


def region_line(region: str, progress: Progress) -> str:
    return f"  {region}: " + describe(progress).removeprefix("Progress: ")


class _Sink:
    """One Region's ProgressSink: hands its figures to the board."""

    def __init__(self, board: RegionBoard, region: str) -> None:
        self._board, self._region = board, region

    def update(self, progress: Progress) -> None:
        self._board.update(self._region, progress)

    def close(self, progress: Progress) -> None:
        self._board.update(self._region, progress, final=True)


class RegionBoard:
    """Lines on a stream: every `interval` seconds, a line per Region then the total (in the
    one-Region line's words), and the same at the end; `quiet`: nothing."""

    def __init__(
        self, regions: list[str], interval: float, stream: TextIO = sys.stderr, quiet: bool = False
    ) -> None:
        self._order = list(regions)
        self._latest: dict[str, Progress] = {}
        self._interval = interval
        self._stream = stream
        self._quiet = quiet
        self._lock = threading.Lock()
        self._next = time.monotonic() + interval
        self._closed = False

    def sink(self, region: str, total: int, done: int) -> _Sink:
        with self._lock:
            self._latest[region] = Progress(total, done, 0, 0, total - done, 0.0, 0)
        return _Sink(self, region)

    def total(self) -> Progress:
        with self._lock:
            return combined(list(self._latest.values()))

    def update(self, region: str, progress: Progress, final: bool = False) -> None:
        with self._lock:
            self._latest[region] = progress
            if self._quiet or self._closed:
                return
            now = time.monotonic()
            if now >= self._next:
                self._next = now + self._interval
                self._draw()

    def _lines(self) -> list[str]:
        regions = [region for region in self._order if region in self._latest]
        parts = [self._latest[region] for region in regions]
        return [
            *(region_line(region, part) for region, part in zip(regions, parts, strict=True)),
            describe(combined(parts)),
        ]

    def _draw(self) -> None:
        self._stream.write("".join(line + "\n" for line in self._lines()))
        self._stream.flush()

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if not self._quiet and self._latest:
                self._draw()


class RegionBars(RegionBoard):
    """On a terminal: a tqdm bar per Region and a total bar below them."""

    def __init__(self, regions: list[str], stream: TextIO = sys.stderr) -> None:
        super().__init__(regions, 0.0, stream)
        from tqdm import tqdm

        self._tqdm = tqdm
        self._bars: dict[str, Any] = {}

    def _bar(self, key: str, position: int, progress: Progress) -> Any:
        bar = self._bars.get(key)
        if bar is None:
            bar = self._bars[key] = self._tqdm(
                total=progress.total,
                initial=progress.done,
                unit="rp",
                file=self._stream,
                position=position,
                dynamic_ncols=True,
                bar_format="{desc}|{bar}| {n_fmt}/{total_fmt}{postfix}",
            )
        return bar

    def _draw(self) -> None:
        regions = [region for region in self._order if region in self._latest]
        shown = [(region, self._latest[region]) for region in regions]
        shown.append(("total", combined([progress for _, progress in shown])))
        width = max(len(key) for key, _ in shown)
        for position, (key, progress) in enumerate(shown):
            bar = self._bar(key, position, progress)
            bar.total = progress.total
            bar.n = progress.done
            bar.set_description_str(f"{key:<{width}} {progress.percent:3d}%", refresh=False)
            bar.set_postfix_str(
                f"ok {progress.completed:,} failed {progress.failed:,} "
                f"in flight {progress.in_flight:,} queued {progress.queued:,} "
                f"{progress.per_hour:,.0f}/h ETA {format_duration(progress.eta_seconds)}",
                refresh=False,
            )
            bar.refresh()

    def close(self) -> None:
        super().close()
        for bar in self._bars.values():
            bar.close()
