"""--include-new on the state files: the plan grows in one journalled step, and a crash at any
step leaves the migration as it was before the extension or as it is after it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shuffle_aws_vaults.domain.events import Event, Intent, Refused, Retried, Submitted
from shuffle_aws_vaults.domain.migration import MigrationState, Status
from shuffle_aws_vaults.infrastructure import journal_store, plan_file
from shuffle_aws_vaults.infrastructure.journal_store import JsonlJournal, StateStore

from ..unit.application.copy_fakes import independent_items, state_after

ITEMS = independent_items(5)
FIRST, NEW = ITEMS[:3], ITEMS[3:]
IDENTITY: dict[str, Any] = {"source_account": "111111111111", "dest_account": "222222222222"}
EXTENDED = {**IDENTITY, "extensions": [{"at": "2026-11-26T00:00:00+00:00", "added": 2}]}
EVENTS: list[Event] = [
    Intent(0, 1, 1000.0),
    Submitted(0, "job-1", 1001.0),
    Refused(1, "AccessDeniedException", "no grant", 1002.0),
]


class Crash(Exception):
    """The process died here."""


@pytest.fixture
def journals() -> Iterator[list[JsonlJournal]]:
    opened: list[JsonlJournal] = []
    yield opened
    for journal in opened:
        journal.close()


def planned(path: Path, journals: list[JsonlJournal]) -> tuple[JsonlJournal, MigrationState]:
    journal = StateStore(path).create(IDENTITY, MigrationState(FIRST))
    journals.append(journal)
    state = MigrationState(FIRST)
    for event in EVENTS:
        state.apply(event)
        journal.append(event)
    journal.flush()
    return journal, state


def loaded(path: Path, journals: list[JsonlJournal]) -> tuple[dict[str, Any], MigrationState]:
    identity, state, journal = StateStore(path).load()
    journals.append(journal)
    return identity, state


def test_an_extended_plan_loads_with_every_earlier_items_state_and_the_new_identity(
    tmp_path: Path, journals: list[JsonlJournal]
) -> None:
    path = tmp_path / "migration.jsonl"
    journal, state = planned(path, journals)
    state.extend(NEW)
    journal.extend(EXTENDED, state)
    journal.append(Intent(3, 1, 1100.0))  # the new items take events at once
    journal.flush()

    identity, again = loaded(path, journals)

    assert identity == EXTENDED
    assert again.items == ITEMS
    assert [again.status_of(i) for i in range(5)] == [
        Status.SUBMITTED,
        Status.FAILED,
        Status.PENDING,
        Status.INTENT,
        Status.PENDING,
    ]
    assert again.job_ids[0] == "job-1"


def test_a_plan_extended_twice_still_loads_and_keeps_growing(
    tmp_path: Path, journals: list[JsonlJournal]
) -> None:
    path = tmp_path / "migration.jsonl"
    journal, state = planned(path, journals)
    state.extend(NEW[:1])
    journal.extend(EXTENDED, state)
    _, reopened = loaded(path, journals)
    reopened.extend(NEW[1:])
    journals[-1].extend(EXTENDED, reopened)
    _, final = loaded(path, journals)
    assert final.items == ITEMS


@pytest.mark.parametrize("survived", [0, 1, 2, 3])
def test_a_crash_at_any_step_of_an_extension_leaves_the_plan_before_or_after_it(
    tmp_path: Path,
    journals: list[JsonlJournal],
    monkeypatch: pytest.MonkeyPatch,
    survived: int,
) -> None:
    """`survived`: the atomic file writes (plan, snapshot, journal) done before the crash."""
    path = tmp_path / "migration.jsonl"
    journal, state = planned(path, journals)
    before = state_after(FIRST, EVENTS)
    real = journal_store.write_atomically
    writes = [0]

    def dies_after_some(target: Path, data: Any) -> None:
        if writes[0] >= survived:
            raise Crash(target)
        writes[0] += 1
        real(target, data)

    monkeypatch.setattr(journal_store, "write_atomically", dies_after_some)
    monkeypatch.setattr(plan_file, "write_atomically", dies_after_some)
    state.extend(NEW)
    with contextlib.suppress(Crash):
        journal.extend(EXTENDED, state)
    monkeypatch.undo()

    identity, recovered = loaded(path, journals)

    if survived >= 2:  # the snapshot of the extended plan is in place
        assert (identity, recovered.items) == (EXTENDED, ITEMS)
        assert [recovered.status_of(i) for i in (3, 4)] == [Status.PENDING, Status.PENDING]
    else:
        assert (identity, recovered.items) == (IDENTITY, FIRST)
    assert recovered.status[:3] == before.status  # nothing recorded before is lost
    # ... and the state goes on: events after the crash load again.
    journals[-1].append(Retried(1, 1200.0))
    journals[-1].flush()
    _, after = loaded(path, journals)
    assert after.status_of(1) is Status.PENDING and after.retried_failed == 1
