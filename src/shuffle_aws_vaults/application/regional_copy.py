"""A copy over several source Regions: a CopyMigration per Region, planned side by side and
run side by side (each Region's engine on its own thread, at its own quota), under one stop
signal. A Region that fails, while planning or while running, stops only itself.

What must hold for the whole run is checked for every Region before any is planned: that each
Region's state can be locked (no other process on any of them), and that a state already
there is resumed or reset, never replaced. Those refusals stop the whole run.
"""

from __future__ import annotations

import functools
import gc
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .copy_migration import CopyMigration
from .copy_request import CopyOutcome, CopyPorts, OpenedMigration, PlanPreview, PreflightFailed
from .run_control import StopSignal
from .selection_stage import NothingSelected

# Runs each call at once on a thread of its own, and returns when every call has returned.
SideBySide = Callable[[Sequence[Callable[[], None]]], None]


def on_threads(calls: Sequence[Callable[[], None]]) -> None:
    """Daemon threads: a stop while planning (exit status 2, at once) does not wait for them;
    the state files are written atomically, so what was recorded stays loadable."""
    threads = [threading.Thread(target=call, daemon=True) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def one_after_another(calls: Sequence[Callable[[], None]]) -> None:
    """For unit tests: the same calls, in order, on the caller's thread."""
    for call in calls:
        call()


@dataclass
class RegionPart:
    """One source Region of the run: its migration (its own state, in the migration
    directory) and its ports (the gateways in that Region and in its destination Region)."""

    region: str
    dest_region: str
    migration: CopyMigration
    ports: CopyPorts


@dataclass
class RegionResult:
    """What became of one Region: its plan (or preview), its run's outcome, or what stopped it
    (`error`, with preflight's checklist when that was the refusal)."""

    region: str
    dest_region: str
    opened: OpenedMigration | PlanPreview | None = None
    outcome: CopyOutcome | None = None
    error: Exception | None = None
    checklist: list[Any] | None = None
    nothing: NothingSelected | None = None  # the selection matched nothing in this Region

    @property
    def fatal(self) -> bool:
        """Stopped by an error of its own: the other Regions went on without it."""
        return self.error is not None or (
            self.outcome is not None and self.outcome.run.reason == "fatal"
        )


class RegionalCopy:
    """The Regions of one copy command, each with its own migration."""

    def __init__(self, parts: Sequence[RegionPart], side_by_side: SideBySide = on_threads):
        self.parts = list(parts)
        self.results = [RegionResult(part.region, part.dest_region) for part in self.parts]
        self._side_by_side = side_by_side
        self._entered: list[CopyMigration] = []
        self._lock = threading.Lock()
        self._planning = 0  # Regions being opened on their threads

    def __enter__(self) -> RegionalCopy:
        """Lock every Region's state; one held by another process refuses the whole run."""
        try:
            for part in self.parts:
                part.migration.__enter__()
                self._entered.append(part.migration)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        with self._lock:
            if self._planning:
                # Stopped while Regions were still planning on their threads: their locks go
                # with the process, so no other process starts on a state still being written.
                return
        while self._entered:
            self._entered.pop().__exit__(None, None, None)

    def check_states(self) -> None:
        """Every Region's state that is there is resumed or reset (else the whole run is
        refused, before any Region is planned)."""
        for part in self.parts:
            part.migration.check_state()

    def open(self) -> list[RegionResult]:
        """Plan (or resume) every Region side by side; a Region that cannot be opened keeps
        its error and the others are opened all the same."""

        def open_one(part: RegionPart, result: RegionResult) -> None:
            with self._lock:
                self._planning += 1
            try:
                result.opened = part.migration.open(part.ports)
            except NothingSelected as nothing:
                result.nothing = nothing
            except PreflightFailed as refused:
                result.error, result.checklist = refused, list(refused.results)
            except Exception as exc:  # the Region stops; the others go on
                result.error = exc
            finally:
                with self._lock:
                    self._planning -= 1

        self._side_by_side(
            [
                functools.partial(open_one, part, result)
                for part, result in zip(self.parts, self.results, strict=True)
            ]
        )
        return self.results

    def run(self, stop: StopSignal) -> list[RegionResult]:
        """Run every opened Region's engine side by side until each has finished or stopped;
        `stop` (signals, the runtime limit's drain) reaches them all."""

        def run_one(part: RegionPart, result: RegionResult) -> None:
            assert isinstance(result.opened, OpenedMigration)
            try:
                result.outcome = part.migration.run(result.opened, part.ports, stop, freeze=False)
            except Exception as exc:
                result.error = exc

        runs = [
            functools.partial(run_one, part, result)
            for part, result in zip(self.parts, self.results, strict=True)
            if isinstance(result.opened, OpenedMigration) and result.error is None
        ]
        # Every Region's plan lives until the run ends: the collector need not walk them again
        # (once for all Regions: one Region's end must not thaw the others').
        gc.freeze()
        try:
            self._side_by_side(runs)
        finally:
            gc.unfreeze()
        return self.results
