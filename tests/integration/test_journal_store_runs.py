"""Runs in the state files: run starts and ends journalled as lines of their own, kept by the
snapshot through compaction (with the last hour's completions), and state files written before
runs were recorded still loading (with no runs)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from shuffle_aws_vaults.domain.events import Event, Intent, JobEnded, RunEnded, RunStarted
from shuffle_aws_vaults.domain.migration import MigrationState, Status
from shuffle_aws_vaults.domain.runs import RATE_WINDOW, Run
from shuffle_aws_vaults.infrastructure.journal_store import JsonlJournal, StateStore

from ..unit.application.copy_fakes import independent_items

ITEMS = independent_items(4)
IDENTITY = {"source_account": "111111111111", "dest_account": "222222222222", "vaults": ["a"]}
DEST = "arn:aws:backup:us-east-1:222222222222:backup-vault:migrated:recovery-point:copy"
T0 = 1_700_000_000.0
COMMAND = "shuffle-aws-vaults copy --vault 'my vault' --state-file s.jsonl"

EVENTS: list[Event] = [
    RunStarted(T0, "0.1.0", COMMAND),
    Intent(0, 1, T0 + 1),
    JobEnded(0, "job-0", "COMPLETED", T0 + 10, dest_arn=DEST),
    Intent(1, 1, T0 + 11),
    JobEnded(1, "job-1", "COMPLETED", T0 + RATE_WINDOW + 100, dest_arn=DEST),
    RunEnded(T0 + RATE_WINDOW + 200, "runtime-limit", 2),
]


@pytest.fixture
def journals() -> Iterator[list[JsonlJournal]]:
    opened: list[JsonlJournal] = []
    yield opened
    for journal in opened:
        journal.close()


def written(path: Path, journals: list[JsonlJournal], events: list[Event]) -> JsonlJournal:
    journal = StateStore(path).create(IDENTITY, MigrationState(ITEMS))
    journals.append(journal)
    for event in events:
        journal.append(event)
    journal.flush()
    return journal


def test_run_lines_are_journalled_and_replayed(
    tmp_path: Path, journals: list[JsonlJournal]
) -> None:
    path = tmp_path / "state.jsonl"
    written(path, journals, EVENTS)
    lines = [json.loads(line) for line in path.read_bytes().splitlines()[1:]]
    assert lines[0] == ["B", T0, "0.1.0", COMMAND]
    assert lines[-1] == ["F", T0 + RATE_WINDOW + 200, "runtime-limit", 2]
    _, state = StateStore(path).read()
    assert state.log.runs == [Run(T0, "0.1.0", COMMAND, T0 + RATE_WINDOW + 200, "runtime-limit", 2)]
    assert state.counts[Status.COMPLETED] == 2


def test_compaction_keeps_the_runs_and_the_last_hours_completions(
    tmp_path: Path, journals: list[JsonlJournal]
) -> None:
    path = tmp_path / "state.jsonl"
    journal = written(path, journals, EVENTS)
    _, state = StateStore(path).read()
    journal.compact(state)
    assert (
        len(path.read_bytes().splitlines()) == 1
    )  # the header alone: the runs are in the snapshot
    _, again = StateStore(path).read()
    assert again.log.runs == state.log.runs
    # the completion more than an hour before the newest is not kept
    assert list(again.log.recent) == [(T0 + RATE_WINDOW + 100, 1)]
    *_, more = StateStore(path).load()
    journals.append(more)
    more.append(RunStarted(T0 + 9000, "0.2.0", "shuffle-aws-vaults copy --resume"))
    more.flush()
    _, resumed = StateStore(path).read()
    assert [run.version for run in resumed.log.runs] == ["0.1.0", "0.2.0"]
    assert resumed.log.runs[-1].ended is None


def test_a_state_from_before_runs_were_recorded_loads_with_no_runs(
    tmp_path: Path, journals: list[JsonlJournal]
) -> None:
    path = tmp_path / "state.jsonl"
    journal = written(
        path, journals, [e for e in EVENTS if not isinstance(e, RunStarted | RunEnded)]
    )
    _, state = StateStore(path).read()
    journal.compact(state)
    snapshot = path.with_name("state.jsonl.snapshot")
    document = json.loads(snapshot.read_bytes())
    del document["runs"], document["recent"]  # as a snapshot of the earlier layout has them
    snapshot.write_text(json.dumps(document))
    with path.open("a") as old_journal:  # and a journal line of the earlier kinds
        old_journal.write(json.dumps(["I", 2, 1, T0 + 20]) + "\n")
    identity, loaded, more = StateStore(path).load()
    journals.append(more)
    assert identity == IDENTITY
    assert loaded.log.runs == [] and list(loaded.log.recent) == []
    assert loaded.counts[Status.COMPLETED] == 2 and loaded.counts[Status.INTENT] == 1
