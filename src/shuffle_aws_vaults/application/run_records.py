"""Each copy run's start and end, in its migration's state and journal (what the summary's and
status's `runs` read back)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from ..domain.events import RunEnded, RunStarted
from ..domain.migration import MigrationState
from .engine_context import RunOutcome
from .ports import StateJournal


def record_start(
    state: MigrationState, journal: StateJournal, now: datetime, version: str, command_line: str
) -> None:
    """Recorded and flushed before the run's first copy is started."""
    began = RunStarted(now.timestamp(), version, command_line)
    state.apply(began)
    journal.append(began)
    journal.flush()


def record_end(
    state: MigrationState,
    journal: StateJournal,
    now: datetime,
    outcome: RunOutcome,
    say: Callable[[str], None],
) -> None:
    """The run's end (a journal that can no longer be written leaves the run without an end,
    and status says so)."""
    ended = RunEnded(now.timestamp(), outcome.reason, outcome.completed_this_run)
    state.apply(ended)
    journal.append(ended)
    try:
        journal.flush()
    except OSError as exc:
        say(f"warning: could not record the run's end ({exc})")
