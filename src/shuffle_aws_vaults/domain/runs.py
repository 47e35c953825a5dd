"""A migration's runs (each copy run's start, end and stop reason, as the journal records them)
and its recent pace: the completions of the last hour, the rate over them and the ETA."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .events import RunEnded, RunStarted

RATE_WINDOW = 3600.0  # seconds: `status`'s rate is over the last hour


@dataclass(slots=True)
class Run:
    """One copy run: started, and (unless it is running, or was killed outright) ended."""

    started: float
    version: str
    command: str
    ended: float | None = None
    reason: str | None = None
    completed: int | None = None

    def row(self) -> list[Any]:
        """The snapshot's form (see from_row)."""
        return [self.started, self.version, self.command, self.ended, self.reason, self.completed]

    @classmethod
    def from_row(cls, row: Any) -> Run:
        started, version, command, ended, reason, completed = row
        return cls(
            float(started),
            str(version),
            str(command),
            None if ended is None else float(ended),
            None if reason is None else str(reason),
            None if completed is None else int(completed),
        )

    def document(self) -> dict[str, Any]:
        """The run in the summary's and status's `runs`."""
        return {
            "start_time": iso(self.started),
            "end_time": iso(self.ended) if self.ended is not None else None,
            "stop_reason": self.reason,
            "completed": self.completed,
            "version": self.version,
            "command_line": self.command,
        }


def iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat()


class RunLog:
    """The runs in the order they started, and the completions of the last hour of the
    newest one (anything within an hour of now is within an hour of the newest, since the
    newest is not after now): what the state keeps of time, in any journal or snapshot."""

    def __init__(self) -> None:
        self.runs: list[Run] = []
        self.recent: deque[tuple[float, int]] = deque()  # (completed at, item)

    def note(self, event: RunStarted | RunEnded) -> None:
        if isinstance(event, RunStarted):
            self.runs.append(Run(event.at, event.version, event.command))
            return
        last = self.runs[-1] if self.runs else None
        if last is not None and last.ended is None:
            last.ended, last.reason, last.completed = event.at, event.reason, event.completed

    def completed(self, i: int, at: float) -> None:
        recent = self.recent
        recent.append((at, i))
        while recent[0][0] < at - RATE_WINDOW:
            recent.popleft()

    def kept(self) -> list[tuple[float, int]]:
        """The recent completions worth keeping (within the window of the newest)."""
        if not self.recent:
            return []
        newest = max(at for at, _ in self.recent)
        return [(at, i) for at, i in self.recent if at >= newest - RATE_WINDOW]


@dataclass(frozen=True)
class Pace:
    """Completions over the last hour (or since the run that began within it), their rate and
    the ETA of what is left at that rate (None without a rate)."""

    window_seconds: float
    completed: int
    bytes: int
    per_hour: float | None
    bytes_per_hour: float | None
    eta_seconds: float | None


def pace(
    log: RunLog,
    sizes: list[int],
    *,
    now: float,
    remaining: int,
    running: bool,
) -> Pace:
    """The rate over the last hour: completions since an hour ago, over the time copies ran
    in it (from an hour ago, or from the start of the first run that began within it, to now,
    or to the end of the last run if none runs now); no rate when no run was in the last hour
    (a journal from before runs were recorded: the whole hour, if anything completed in it).
    A run with no end that is not running now (killed outright) ended, as far as is known,
    with its last completion."""
    since = now - RATE_WINDOW
    recent = [(at, i) for at, i in log.recent if since <= at <= now]
    newest = max((at for at, _ in log.recent), default=None)
    start, end = since, now
    if log.runs:
        last = log.runs[-1]
        ends = [_end(run, newest, open_=running and run is last) for run in log.runs]
        inside = [run for run, to in zip(log.runs, ends, strict=True) if to is None or to >= since]
        if not inside:
            return Pace(0.0, 0, 0, None, None, None)
        start = max(since, inside[0].started)
        if ends[-1] is not None:
            end = min(now, ends[-1])
    elif not recent:
        return Pace(0.0, 0, 0, None, None, None)
    window = max(0.0, end - start)
    done = len(recent)
    size = sum(sizes[i] for _, i in recent if 0 <= i < len(sizes))
    if window <= 0:
        return Pace(0.0, done, size, None, None, None)
    rate = done * 3600.0 / window
    eta = remaining * 3600.0 / rate if rate > 0 else None
    return Pace(
        round(window, 3),
        done,
        size,
        round(rate, 1),
        round(size * 3600.0 / window, 1),
        None if eta is None else round(eta, 1),
    )


def _end(run: Run, newest: float | None, *, open_: bool) -> float | None:
    """When `run` ended: recorded, None while it runs, else its last completion (or start)."""
    if run.ended is not None:
        return run.ended
    if open_:
        return None
    return max(run.started, newest if newest is not None else run.started)
