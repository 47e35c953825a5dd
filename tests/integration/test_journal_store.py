"""The state files on a real file system: snapshot + journal, repair, refusal, lock, discard."""

from __future__ import annotations

import errno
import json
import os
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shuffle_aws_vaults.domain.events import Event, Intent, JobEnded, Landed, Refused, Submitted
from shuffle_aws_vaults.domain.migration import Failure, Landing, MigrationState, Status
from shuffle_aws_vaults.domain.plan import plan_hash
from shuffle_aws_vaults.infrastructure import journal_store
from shuffle_aws_vaults.infrastructure.journal_store import (
    JsonlJournal,
    StateError,
    StateLocked,
    StateStore,
)

from ..unit.application.copy_fakes import independent_items, plan_item, state_after
from ..unit.domain.test_migration_state import histories

ITEMS = [*independent_items(3), plan_item("other-vault", resource="vol-x", vault="finance")]
IDENTITY: dict[str, Any] = {
    "source_account": "111111111111",
    "dest_account": "222222222222",
    "vaults": ["finance", "production"],
    "plan_hash": plan_hash(ITEMS),
}
DEST = "arn:aws:backup:us-east-1:222222222222:backup-vault:migrated:recovery-point:copy"
DEST_VAULT = "arn:aws:backup:us-east-1:222222222222:backup-vault:migrated"
INTERNAL_ERROR = "An internal error occurred."

FIRST_EVENTS: list[Event] = [
    Intent(0, 1, 1000.0),
    Intent(1, 1, 1000.5),
    Submitted(0, "job-1", 1001.0),
    Submitted(1, "job-2", 1001.25),
]
MORE_EVENTS: list[Event] = [
    JobEnded(0, "job-1", "COMPLETED", 1100.0, dest_arn=DEST),
    JobEnded(1, "job-2", "FAILED", 1100.5, message=INTERNAL_ERROR, retry=True),
    Intent(2, 1, 1101.0),
    Refused(2, "InvalidRequestException", "not copyable", 1102.0),
]


@pytest.fixture
def store(tmp_path: Path) -> StateStore:
    return StateStore(tmp_path / "migration.jsonl")


@pytest.fixture
def journals() -> Iterator[list[JsonlJournal]]:
    """Journals a test opened, closed at its end."""
    opened: list[JsonlJournal] = []
    yield opened
    for journal in opened:
        journal.close()


def create(store: StateStore, journals: list[JsonlJournal], events: list[Event]) -> JsonlJournal:
    journal = store.create(IDENTITY, MigrationState(ITEMS))
    journals.append(journal)
    for event in events:
        journal.append(event)
    journal.flush()
    return journal


def load(path: Path, journals: list[JsonlJournal]) -> tuple[dict[str, Any], MigrationState]:
    identity, state, journal = StateStore(path).load()
    journals.append(journal)
    return identity, state


def same_state(left: MigrationState, right: MigrationState) -> None:
    assert left.items == right.items
    assert left.status == right.status
    assert left.attempts == right.attempts
    assert left.job_ids == right.job_ids
    assert left.dest_arns == right.dest_arns
    assert left.failures == right.failures
    assert left.retries == right.retries
    assert +left.counts == +right.counts


def journal_lines(store: StateStore) -> list[Any]:
    return [json.loads(line) for line in store.journal_path.read_bytes().splitlines()]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# -- round trips ------------------------------------------------------------------------------


def test_a_created_state_loads_back_with_its_plan_identity_and_every_items_state(
    store: StateStore, journals: list[JsonlJournal]
) -> None:
    state = state_after(ITEMS, FIRST_EVENTS + MORE_EVENTS)
    journals.append(store.create(IDENTITY, state))

    identity, loaded = load(store.journal_path, journals)

    assert identity == IDENTITY
    same_state(loaded, state)
    assert loaded.items[3].source_vault == "finance"
    assert loaded.failures[2] == Failure("InvalidRequestException", "not copyable", 1102.0)
    assert store.read_identity() == IDENTITY
    assert store.exists()


def test_events_appended_and_flushed_survive_a_new_load(
    store: StateStore, journals: list[JsonlJournal]
) -> None:
    create(store, journals, FIRST_EVENTS + MORE_EVENTS)  # no close, no sync: a crash

    _, loaded = load(store.journal_path, journals)

    same_state(loaded, state_after(ITEMS, FIRST_EVENTS + MORE_EVENTS))
    assert loaded.retries == 1
    assert loaded.counts[Status.COMPLETED] == 1
    assert loaded.counts[Status.FAILED] == 1


def test_events_appended_but_not_flushed_are_not_on_file(
    store: StateStore, journals: list[JsonlJournal]
) -> None:
    journal = create(store, journals, FIRST_EVENTS)
    journal.append(MORE_EVENTS[0])  # buffered only
    assert journal.events_since_snapshot == len(FIRST_EVENTS) + 1

    _, loaded = load(store.journal_path, journals)

    same_state(loaded, state_after(ITEMS, FIRST_EVENTS))


def test_the_journal_is_a_versioned_header_then_one_event_per_line(
    store: StateStore, journals: list[JsonlJournal]
) -> None:
    create(store, journals, FIRST_EVENTS[:2])

    assert journal_lines(store) == [
        {"format": "shuffle-aws-vaults-journal", "version": 1, "generation": 1},
        ["I", 0, 1, 1000.0],
        ["I", 1, 1, 1000.5],
    ]


def test_a_snapshot_without_a_journal_loads_and_gets_a_fresh_journal(
    store: StateStore, journals: list[JsonlJournal]
) -> None:
    state = state_after(ITEMS, FIRST_EVENTS)
    store.write_snapshot(IDENTITY, state, 1)  # create() stopped before the journal

    _, loaded = load(store.journal_path, journals)

    same_state(loaded, state)
    assert journal_lines(store) == [
        {"format": "shuffle-aws-vaults-journal", "version": 1, "generation": 1}
    ]


# -- repair and refusal -----------------------------------------------------------------------


def test_a_torn_last_line_is_dropped_and_the_file_repaired(
    store: StateStore, journals: list[JsonlJournal]
) -> None:
    journal = create(store, journals, FIRST_EVENTS)
    journal.close()
    with store.journal_path.open("ab") as file:
        file.write(b'["E",0,"job-1","COMPL')  # the crash cut this write short

    _, loaded = load(store.journal_path, journals)

    same_state(loaded, state_after(ITEMS, FIRST_EVENTS))
    data = store.journal_path.read_bytes()
    assert data.endswith(b"\n")
    assert b"COMPL" not in data
    assert len(data.splitlines()) == 1 + len(FIRST_EVENTS)


def test_events_appended_after_a_repair_load_again(
    store: StateStore, journals: list[JsonlJournal]
) -> None:
    create(store, journals, FIRST_EVENTS).close()
    with store.journal_path.open("ab") as file:
        file.write(b'["S",3,"jo')
    _, _, journal = store.load()
    journal.append(MORE_EVENTS[0])
    journal.flush()
    journal.close()

    _, loaded = load(store.journal_path, journals)

    same_state(loaded, state_after(ITEMS, [*FIRST_EVENTS, MORE_EVENTS[0]]))


@pytest.mark.parametrize(
    ("bad_line", "why"),
    [
        (b"this is not json", "corrupt journal line"),
        (b'["X",0,1,2.0]', "unknown event"),
        (b'["I",0]', "malformed event"),
        (b'["I",9,1,2.0]', "event for item 9, but the plan has 4"),
    ],
)
def test_a_bad_line_in_the_middle_is_refused_naming_the_file_and_line_number(
    store: StateStore, journals: list[JsonlJournal], bad_line: bytes, why: str
) -> None:
    create(store, journals, FIRST_EVENTS[:2]).close()
    with store.journal_path.open("ab") as file:
        file.write(bad_line + b"\n" + b'["S",0,"job-1",1001.0]\n')

    with pytest.raises(StateError) as raised:
        StateStore(store.journal_path).load()

    message = str(raised.value)
    assert message.startswith(f"{store.journal_path}:4: corrupt journal line (")
    assert why in message
    assert "cannot be trusted past it" in message


def test_an_event_that_cannot_follow_the_items_state_is_refused_with_its_line(
    store: StateStore, journals: list[JsonlJournal]
) -> None:
    events: list[Event] = [
        Intent(0, 1, 1.0),
        Submitted(0, "job-1", 2.0),
        JobEnded(0, "job-1", "COMPLETED", 3.0),
        Intent(0, 2, 4.0),  # line 5: an intent for a completed item
    ]
    create(store, journals, events).close()

    with pytest.raises(StateError, match=r"migration\.jsonl:5: corrupt journal line \(intent"):
        StateStore(store.journal_path).load()


def test_a_missing_snapshot_is_refused(store: StateStore, journals: list[JsonlJournal]) -> None:
    create(store, journals, FIRST_EVENTS).close()
    store.snapshot_path.unlink()

    with pytest.raises(StateError) as raised:
        StateStore(store.journal_path).load()

    assert str(raised.value) == (
        f"{store.snapshot_path} is missing, so {store.journal_path} cannot be replayed; "
        "restore it, or start over with --reset"
    )


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (b'{"format": "someone-elses-journal", "version": 1, "generation": 1}', "not a"),
        (b"[1, 2, 3]", "not a shuffle-aws-vaults journal"),
        (b"plain text", "not a shuffle-aws-vaults journal"),
        (
            b'{"format": "shuffle-aws-vaults-journal", "version": 2, "generation": 1}',
            "journal version 2 is not supported",
        ),
    ],
    ids=["foreign", "array", "text", "other-version"],
)
def test_a_journal_with_a_foreign_or_other_version_header_is_refused(
    store: StateStore, journals: list[JsonlJournal], header: bytes, message: str
) -> None:
    create(store, journals, []).close()
    store.journal_path.write_bytes(header + b"\n")

    with pytest.raises(StateError) as raised:
        StateStore(store.journal_path).load()

    assert str(raised.value).startswith(f"{store.journal_path}:1: ")
    assert message in str(raised.value)


@pytest.mark.parametrize("journal_generation", [3, 2, 0])
def test_a_journal_of_another_generation_than_the_snapshot_is_refused(
    store: StateStore, journals: list[JsonlJournal], journal_generation: int
) -> None:
    snapshot_generation = 2 if journal_generation == 0 else 1
    store.write_snapshot(IDENTITY, MigrationState(ITEMS), snapshot_generation)
    store.journal_path.write_bytes(store.journal_header(journal_generation))

    with pytest.raises(StateError) as raised:
        StateStore(store.journal_path).load()

    assert str(raised.value) == (
        f"{store.journal_path}: generation {journal_generation} does not follow snapshot "
        f"generation {snapshot_generation}; the files are from different runs"
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"format": "something-else"}, "not a shuffle-aws-vaults snapshot"),
        ({"version": 3}, "snapshot version 3 was written by a newer shuffle-aws-vaults"),
        ({"version": 0}, "snapshot version 0 is not supported"),
        ({"status": "AAAA"}, "status arrays do not match the plan"),
        ({"plan": {}}, "damaged snapshot (KeyError"),
        ({"job_ids": "a\nb"}, "a column of 2 values for 4 items"),
    ],
)
def test_a_foreign_newer_or_damaged_snapshot_is_refused_naming_it(
    store: StateStore, journals: list[JsonlJournal], change: dict[str, Any], message: str
) -> None:
    create(store, journals, []).close()
    document = json.loads(store.snapshot_path.read_bytes())
    document.update(change)
    store.snapshot_path.write_text(json.dumps(document))

    with pytest.raises(StateError) as raised:
        StateStore(store.journal_path).load()

    assert str(raised.value).startswith(f"{store.snapshot_path}: ")
    assert message in str(raised.value)


def test_a_snapshot_that_is_not_json_is_refused_naming_it(
    store: StateStore, journals: list[JsonlJournal]
) -> None:
    create(store, journals, []).close()
    store.snapshot_path.write_bytes(b'{"format": "shuffle-aws')

    with pytest.raises(StateError, match=rf"^{store.snapshot_path}: "):
        StateStore(store.journal_path).load()


# -- compaction -------------------------------------------------------------------------------


def test_compaction_writes_the_state_as_the_next_generation_and_starts_an_empty_journal(
    store: StateStore, journals: list[JsonlJournal]
) -> None:
    journal = create(store, journals, FIRST_EVENTS)
    state = state_after(ITEMS, FIRST_EVENTS)

    journal.compact(state)
    journal.append(MORE_EVENTS[0])
    journal.flush()

    assert journal.generation == 2
    assert journal.events_since_snapshot == 1
    assert journal_lines(store) == [
        {"format": "shuffle-aws-vaults-journal", "version": 1, "generation": 2},
        ["E", 0, "job-1", "COMPLETED", 1100.0, DEST, None, False],
    ]
    assert json.loads(store.snapshot_path.read_bytes())["generation"] == 2
    _, loaded = load(store.journal_path, journals)
    same_state(loaded, state_after(ITEMS, [*FIRST_EVENTS, MORE_EVENTS[0]]))


def test_a_compaction_cut_short_before_the_new_journal_loads_without_replaying_twice(
    store: StateStore, journals: list[JsonlJournal]
) -> None:
    events = FIRST_EVENTS + MORE_EVENTS  # replaying twice would count the retry twice
    create(store, journals, events)
    state = state_after(ITEMS, events)
    store.write_snapshot(IDENTITY, state, 2)  # the new snapshot; the journal still says 1
    assert journal_lines(store)[0]["generation"] == 1

    _, loaded = load(store.journal_path, journals)

    same_state(loaded, state)
    assert loaded.retries == 1
    assert journal_lines(store) == [
        {"format": "shuffle-aws-vaults-journal", "version": 1, "generation": 2}
    ]
    assert journals[-1].generation == 2
    journals[-1].append(Intent(1, 2, 1200.0))
    journals[-1].flush()
    _, again = load(store.journal_path, journals)
    same_state(again, state_after(ITEMS, [*events, Intent(1, 2, 1200.0)]))


# -- the plan file ----------------------------------------------------------------------------


def test_the_plan_is_written_once_and_compaction_leaves_it_alone(
    store: StateStore, journals: list[JsonlJournal]
) -> None:
    journal = create(store, journals, FIRST_EVENTS)
    plan_bytes = store.plan_path.read_bytes()
    plan_stat = store.plan_path.stat()

    journal.compact(state_after(ITEMS, FIRST_EVENTS))

    assert store.plan_path.read_bytes() == plan_bytes
    assert store.plan_path.stat().st_ino == plan_stat.st_ino
    assert mode(store.plan_path) == 0o600
    header = json.loads(plan_bytes.split(b"\n", 1)[0])
    snapshot = json.loads(store.snapshot_path.read_bytes())
    assert snapshot["plan"] == {"id": header["plan"], "count": len(ITEMS)}
    assert "items" not in snapshot


def test_a_missing_plan_is_refused_naming_it(
    store: StateStore, journals: list[JsonlJournal]
) -> None:
    create(store, journals, FIRST_EVENTS).close()
    store.plan_path.unlink()

    with pytest.raises(StateError) as raised:
        StateStore(store.journal_path).load()

    assert str(raised.value) == (
        f"{store.plan_path} is missing, so {store.snapshot_path} cannot be used; "
        "restore it, or start over with --reset"
    )
    assert StateStore(store.journal_path).read_identity() == IDENTITY  # the snapshot alone


def test_a_plan_of_another_run_is_refused_naming_it(tmp_path: Path) -> None:
    first, second = StateStore(tmp_path / "a.jsonl"), StateStore(tmp_path / "b.jsonl")
    first.create(IDENTITY, MigrationState(ITEMS)).close()
    second.create(IDENTITY, MigrationState(ITEMS)).close()
    second.plan_path.write_bytes(first.plan_path.read_bytes())

    with pytest.raises(StateError) as raised:
        StateStore(second.journal_path).load()

    assert str(raised.value).startswith(f"{second.plan_path}: plan ")
    assert "the files are from different runs" in str(raised.value)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda data: b"garbage\n" + data.split(b"\n", 1)[1], "not a shuffle-aws-vaults plan"),
        (lambda data: data[: len(data) // 2], "damaged plan"),
    ],
)
def test_a_damaged_plan_is_refused_naming_it(
    store: StateStore, journals: list[JsonlJournal], damage: Any, message: str
) -> None:
    create(store, journals, []).close()
    store.plan_path.write_bytes(damage(store.plan_path.read_bytes()))

    with pytest.raises(StateError, match=rf"^{store.plan_path}: {message}"):
        StateStore(store.journal_path).load()


def test_a_version_1_snapshot_is_refused_by_name(
    store: StateStore, journals: list[JsonlJournal]
) -> None:
    # Version 1 (the plan inside the snapshot) was never released; its upgrade path is gone.
    create(store, journals, FIRST_EVENTS).close()
    store.snapshot_path.write_text(
        json.dumps({"format": "shuffle-aws-vaults-snapshot", "version": 1, "generation": 1})
    )
    with pytest.raises(StateError, match="snapshot version 1 is not supported"):
        StateStore(store.journal_path).load()


def test_job_ids_holding_a_newline_are_kept_as_a_list(
    store: StateStore, journals: list[JsonlJournal]
) -> None:
    events: list[Event] = [Intent(0, 1, 1.0), Submitted(0, "odd\nid", 2.0)]
    journal = create(store, journals, events)
    journal.compact(state_after(ITEMS, events))

    _, loaded = load(store.journal_path, journals)

    assert loaded.job_ids[0] == "odd\nid"
    assert isinstance(json.loads(store.snapshot_path.read_bytes())["job_ids"], list)


# -- files, lock, discard ---------------------------------------------------------------------


def test_every_state_file_is_created_readable_by_its_owner_only(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "private" / "state" / "migration.jsonl")
    previous = os.umask(0)  # the modes must not rely on a restrictive umask
    try:
        store.lock("copy")
        journal = store.create(IDENTITY, MigrationState(ITEMS))
        journal.append(FIRST_EVENTS[0])
        journal.flush()
        files = {
            "state": mode(store.journal_path),
            "snapshot": mode(store.snapshot_path),
            "lock": mode(store.lock_path),
        }
        journal.compact(state_after(ITEMS, FIRST_EVENTS[:1]))
        after_compaction = (mode(store.journal_path), mode(store.snapshot_path))
        journal.close()
        store.unlock()
    finally:
        os.umask(previous)

    assert files == {"state": 0o600, "snapshot": 0o600, "lock": 0o600}
    assert after_compaction == (0o600, 0o600)
    assert mode(store.journal_path.parent) == 0o700
    assert mode(store.journal_path.parent.parent) == 0o700  # a missing parent, too


def test_a_second_lock_in_the_same_process_is_refused_naming_this_pid(tmp_path: Path) -> None:
    path = tmp_path / "migration.jsonl"
    holder = StateStore(path)
    holder.lock("shuffle-aws-vaults copy")
    try:
        with pytest.raises(StateLocked) as raised:
            StateStore(path).lock("shuffle-aws-vaults copy")
    finally:
        holder.unlock()

    message = str(raised.value)
    assert message.startswith(f"state file {path} is in use by pid {os.getpid()} on ")
    assert "(shuffle-aws-vaults copy)" in message
    assert message.endswith("wait for it to finish or stop it first")
    second = StateStore(path)
    second.lock("again")  # released: free to take
    second.unlock()


HOLD_LOCK = """
import sys
from pathlib import Path
from shuffle_aws_vaults.infrastructure.journal_store import StateStore

StateStore(Path(sys.argv[1])).lock("shuffle-aws-vaults copy --resume")
print("locked", flush=True)
sys.stdin.readline()
"""


def test_a_lock_held_by_another_process_is_refused_naming_its_pid(tmp_path: Path) -> None:
    path = tmp_path / "migration.jsonl"
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "locked"
        with pytest.raises(StateLocked) as raised:
            StateStore(path).lock("shuffle-aws-vaults copy")
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(timeout=30)

    assert f"is in use by pid {child.pid} on " in str(raised.value)
    assert "(shuffle-aws-vaults copy --resume)" in str(raised.value)
    store = StateStore(path)
    store.lock("after")  # the holder exited, and the lock went with it
    store.unlock()


def test_discard_moves_the_state_aside_instead_of_deleting_it(
    store: StateStore, journals: list[JsonlJournal]
) -> None:
    create(store, journals, FIRST_EVENTS).close()
    journal_bytes = store.journal_path.read_bytes()
    snapshot_bytes = store.snapshot_path.read_bytes()

    moved = store.discard()

    assert moved is not None
    assert not store.exists()
    assert moved.name.startswith("migration.jsonl.reset-")
    assert moved.read_bytes() == journal_bytes
    stamp = moved.name.rsplit("-", 1)[1]
    aside = store.snapshot_path.with_name(f"{store.snapshot_path.name}.reset-{stamp}")
    assert aside.read_bytes() == snapshot_bytes
    assert store.plan_path.with_name(f"{store.plan_path.name}.reset-{stamp}").exists()
    assert not store.plan_path.exists()


def test_discard_without_a_state_does_nothing(store: StateStore) -> None:
    assert store.discard() is None
    assert list(store.journal_path.parent.iterdir()) == []


def test_two_discards_in_the_same_second_keep_both_previous_states(
    store: StateStore, journals: list[JsonlJournal], monkeypatch: pytest.MonkeyPatch
) -> None:
    frozen = SimpleNamespace(strftime=lambda fmt, t=None: "20260101T000000Z", gmtime=time.gmtime)
    monkeypatch.setattr(journal_store, "time", frozen)
    create(store, journals, FIRST_EVENTS).close()
    first = store.journal_path.read_bytes()
    store.discard()
    create(store, journals, MORE_EVENTS[:1]).close()
    store.discard()

    kept = [p.read_bytes() for p in store.journal_path.parent.glob("migration.jsonl.reset-*")]

    assert first in kept
    assert len(kept) == 2


# -- a full disk ------------------------------------------------------------------------------


def fill_disk(monkeypatch: pytest.MonkeyPatch, room: int) -> None:
    """The journal's os.write writes `room` more bytes, then fails with ENOSPC."""
    left = [room]
    real_write = os.write

    def write(fd: int, data: Any) -> int:
        if left[0] <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        written = real_write(fd, bytes(data)[: left[0]])
        left[0] -= written
        return written

    monkeypatch.setattr(journal_store, "os", SimpleNamespace(**{**vars(os), "write": write}))


def test_a_full_disk_breaks_the_journal_for_good_and_the_file_still_loads(
    store: StateStore, journals: list[JsonlJournal], monkeypatch: pytest.MonkeyPatch
) -> None:
    journal = create(store, journals, FIRST_EVENTS)
    fill_disk(monkeypatch, room=7)  # part of the next line fits

    journal.append(MORE_EVENTS[0])
    with pytest.raises(OSError) as first:
        journal.flush()
    with pytest.raises(OSError) as again:
        journal.flush()
    journal.append(MORE_EVENTS[1])
    with pytest.raises(OSError) as later:
        journal.flush()
    monkeypatch.undo()  # space is freed: the journal stays broken all the same
    with pytest.raises(OSError) as after_freeing:
        journal.flush()
    with pytest.raises(OSError):
        journal.compact(state_after(ITEMS, FIRST_EVENTS))
    journal.sync()  # nothing to make durable: no error
    journal.close()

    errors = {first.value.errno, again.value.errno, later.value.errno, after_freeing.value.errno}
    assert errors == {errno.ENOSPC}
    assert not store.journal_path.read_bytes().endswith(b"\n")  # the torn line is on disk
    _, loaded = load(store.journal_path, journals)
    same_state(loaded, state_after(ITEMS, FIRST_EVENTS))
    assert store.journal_path.read_bytes().endswith(b"\n")


# -- a journal cut at any byte ----------------------------------------------------------------


@settings(max_examples=60, deadline=None, database=None)
@given(history=histories(), cut=st.floats(min_value=0.0, max_value=1.0))
def test_a_journal_cut_at_any_byte_loads_as_the_events_wholly_written_before_the_cut(
    tmp_path_factory: pytest.TempPathFactory,
    history: tuple[int, list[Event], list[list[Status]]],
    cut: float,
) -> None:
    count, events, _ = history
    items = independent_items(count)
    store = StateStore(tmp_path_factory.mktemp("cut") / "migration.jsonl")
    journal = store.create(IDENTITY, MigrationState(items))
    for event in events:
        journal.append(event)
    journal.close()
    data = store.journal_path.read_bytes()
    header = data.index(b"\n") + 1
    end = header + round(cut * (len(data) - header))
    store.journal_path.write_bytes(data[:end])

    _, loaded, reopened = StateStore(store.journal_path).load()
    reopened.close()

    whole = data[header:end].count(b"\n")
    same_state(loaded, state_after(items, events[:whole]))


def test_taking_the_lock_removes_the_temporary_files_a_killed_process_left(
    tmp_path: Path,
) -> None:
    store = StateStore(tmp_path / "migration.jsonl")
    left = [
        tmp_path / ".migration.jsonl.4242.tmp",
        tmp_path / ".migration.jsonl.snapshot.4242.tmp",
        tmp_path / ".migration.jsonl.plan.17.tmp",
    ]
    others = [
        tmp_path / ".migration.jsonl.old.4242.tmp",  # another state's
        tmp_path / ".other.jsonl.snapshot.1.tmp",
        tmp_path / "migration.jsonl.snapshot.reset-20260101T000000Z",
    ]
    for path in [*left, *others]:
        path.write_bytes(b"half")

    store.lock("copy")
    store.unlock()

    assert [path for path in left if path.exists()] == []
    assert all(path.exists() for path in others)


def test_read_while_a_copy_compacts_between_its_two_reads_reads_the_new_pair(
    store: StateStore, journals: list[JsonlJournal], monkeypatch: pytest.MonkeyPatch
) -> None:
    events = FIRST_EVENTS + MORE_EVENTS
    writer = create(store, journals, FIRST_EVENTS)
    reader = StateStore(store.journal_path)
    real = reader._read_snapshot
    compactions = [1]

    def snapshot_then_a_compaction() -> Any:
        read = real()
        if compactions:  # the copy compacts after the reader took the old snapshot
            compactions.pop()
            for event in MORE_EVENTS:
                writer.append(event)
            writer.compact(state_after(ITEMS, events))
        return read

    monkeypatch.setattr(reader, "_read_snapshot", snapshot_then_a_compaction)

    _, state = reader.read()

    same_state(state, state_after(ITEMS, events))
    assert compactions == []


def test_read_gives_up_naming_the_file_when_every_read_meets_a_new_compaction(
    store: StateStore, journals: list[JsonlJournal], monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = create(store, journals, FIRST_EVENTS)
    reader = StateStore(store.journal_path)
    real = reader._read_snapshot

    def always_a_compaction() -> Any:
        read = real()
        writer.compact(state_after(ITEMS, FIRST_EVENTS))
        return read

    monkeypatch.setattr(reader, "_read_snapshot", always_a_compaction)

    with pytest.raises(StateError, match=rf"^{store.journal_path} kept changing while it was read"):
        reader.read()


def test_landings_survive_the_journal_and_a_compaction_and_old_snapshots_have_none(
    store: StateStore, journals: list[JsonlJournal]
) -> None:
    lag = "LOGICALLY_AIR_GAPPED_BACKUP_VAULT"
    landed = Landed(DEST_VAULT, lag, "LOCKED", None, 1200.0)
    journal = create(store, journals, [*FIRST_EVENTS, landed])
    _, replayed = load(store.journal_path, journals)
    assert replayed.landings == {DEST_VAULT: Landing(lag, "LOCKED", None)}

    journal.compact(replayed)  # the snapshot keeps them; the new journal is empty
    _, compacted = load(store.journal_path, journals)
    assert compacted.landings == replayed.landings

    document = json.loads(store.snapshot_path.read_bytes())
    del document["landings"]  # as a snapshot written before landings were kept
    store.snapshot_path.write_text(json.dumps(document))
    _, old = load(store.journal_path, journals)
    assert old.landings == {}
