"""The lifecycle each copy is sent with, on the state files: planned once, in the plan file
(each distinct Lifecycle once), read back on resume and after --include-new; a plan without
any keeps the earlier layout (version 1), which this version still reads."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shuffle_aws_vaults.domain.copy_job import FOREVER, Lifecycle
from shuffle_aws_vaults.domain.migration import MigrationState
from shuffle_aws_vaults.infrastructure.journal_store import JsonlJournal, StateStore
from shuffle_aws_vaults.infrastructure.state_errors import StateError

from ..unit.application.copy_fakes import independent_items

IDENTITY: dict[str, Any] = {"source_account": "111111111111", "lifecycle": {"archive": True}}
SENT = [
    Lifecycle(365, 30, archive=True),
    None,
    Lifecycle(365, 30, archive=True),
    Lifecycle(100, clamped_from=FOREVER),
]
ITEMS = [
    item._replace(lifecycle=lifecycle)
    for item, lifecycle in zip(independent_items(4), SENT, strict=True)
]


@pytest.fixture
def journals() -> Iterator[list[JsonlJournal]]:
    opened: list[JsonlJournal] = []
    yield opened
    for journal in opened:
        journal.close()


def plan_document(store: StateStore) -> tuple[dict[str, Any], dict[str, Any]]:
    header, body = store.plan_path.read_bytes().split(b"\n", 2)[:2]
    return json.loads(header), json.loads(body)


def test_each_items_lifecycle_loads_back_from_the_plan_file(
    tmp_path: Path, journals: list[JsonlJournal]
) -> None:
    store = StateStore(tmp_path / "m.jsonl")
    journals.append(store.create(IDENTITY, MigrationState(ITEMS)))

    identity, state, journal = StateStore(store.journal_path).load()
    journals.append(journal)

    assert [item.lifecycle for item in state.items] == SENT
    assert identity == IDENTITY
    header, body = plan_document(store)
    assert header["version"] == 2  # an earlier version, which would send none, refuses it
    assert body["tables"]["lifecycles"] == [[365, 30, True, None], [100, None, False, FOREVER]]
    assert body["items"]["lifecycle"] == [0, -1, 0, 1]


def test_a_plan_without_lifecycles_keeps_the_earlier_layout_and_loads(
    tmp_path: Path, journals: list[JsonlJournal]
) -> None:
    items = independent_items(3)
    store = StateStore(tmp_path / "m.jsonl")
    journals.append(store.create({"source_account": "111111111111"}, MigrationState(items)))

    header, body = plan_document(store)
    assert header["version"] == 1
    assert "lifecycle" not in body["items"] and "lifecycles" not in body["tables"]
    identity, state, journal = StateStore(store.journal_path).load()
    journals.append(journal)
    assert state.items == items and {item.lifecycle for item in state.items} == {None}
    assert "lifecycle" not in identity  # as an earlier version recorded it


def test_include_new_keeps_the_planned_lifecycles_and_adds_the_new_ones(
    tmp_path: Path, journals: list[JsonlJournal]
) -> None:
    store = StateStore(tmp_path / "m.jsonl")
    journal = store.create(IDENTITY, MigrationState(ITEMS[:2]))
    journals.append(journal)
    grown = MigrationState(ITEMS[:2])
    grown.extend(ITEMS[2:])
    journal.extend({**IDENTITY, "extensions": [{"added": 2}]}, grown)

    _, state, again = StateStore(store.journal_path).load()
    journals.append(again)

    assert [item.lifecycle for item in state.items] == SENT


def test_a_plan_of_a_newer_layout_is_refused_naming_it(
    tmp_path: Path, journals: list[JsonlJournal]
) -> None:
    store = StateStore(tmp_path / "m.jsonl")
    store.create(IDENTITY, MigrationState(ITEMS)).close()
    header, rest = store.plan_path.read_bytes().split(b"\n", 1)
    newer = {**json.loads(header), "version": 3}
    store.plan_path.write_bytes(json.dumps(newer).encode() + b"\n" + rest)

    with pytest.raises(StateError, match=rf"^{store.plan_path}: plan version 3 is not supported"):
        StateStore(store.journal_path).load()
