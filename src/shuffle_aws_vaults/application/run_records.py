"""Each copy run's start and end, in its migration's state and journal (what the summary's and
status's `runs` read back)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from ..domain.events import RunEnded, RunStarted
from ..domain.migration import MigrationState
from .copy_request import CopyRequest
from .engine_context import RunOutcome
from .ports import StateJournal


def record_start(
    state: MigrationState, journal: StateJournal, now: datetime, request: CopyRequest
) -> bool:
    """The run's start, with the request's version and command line; whether it was recorded:
    a run with nothing left to do (every item final) changes nothing, so records nothing.

    Appended to reach the file with the run's first flush (its first intents, flushed before
    their StartCopyJob calls), so a journal that cannot be written fails where the engine
    handles it."""
    if state.done:
        return False
    began = RunStarted(now.timestamp(), request.tool_version, request.command_line)
    state.apply(began)
    journal.append(began)
    return True


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
