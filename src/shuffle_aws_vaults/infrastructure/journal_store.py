"""The copy run's state on disk: an append-only JSON Lines journal plus an atomic snapshot.

`PATH` (the --state-file) is the journal: a versioned header line, then one event per line,
flushed before each StartCopyJob and fsynced at least once a second. `PATH.plan` holds the plan,
written once when the migration is planned. `PATH.snapshot` holds every item's state as of a
generation; compaction writes a new snapshot (temp file, fsync, rename) and then starts the
journal afresh with the next generation, so a crash at any point leaves either the old pair or
the new one. `PATH.lock` is held (flock) while a process uses the state. Every file is created
mode 0600.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import socket
import time
from pathlib import Path
from typing import Any

from ..domain.events import Event
from ..domain.migration import InconsistentJournal, MigrationState
from ..domain.plan import PlanItem
from .durable_files import make_private_directories, naming, write_atomically
from .gc_pause import collector_paused
from .plan_file import PlanFile
from .state_codec import (
    JOURNAL_FORMAT,
    VERSION,
    CodecError,
    decode_event,
    decode_snapshot,
    encode_line,
    encode_snapshot,
    snapshot_identity,
)
from .state_errors import StateError

__all__ = ["JsonlJournal", "StateError", "StateLocked", "StateStore"]

READ_ATTEMPTS = 20  # of a consistent snapshot and journal, while a copy compacts them


class StateLocked(StateError):
    """Another process holds the state."""


class JsonlJournal:
    """The Journal port on a file: events buffered, flushed, fsynced in groups."""

    def __init__(self, store: StateStore, identity: dict[str, Any], generation: int) -> None:
        self._store = store
        self._identity = identity
        self.generation = generation
        self._fd = os.open(store.journal_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        self._buffer: list[str] = []
        self._dirty = False
        self._broken: OSError | None = None
        self._count = 0

    @property
    def events_since_snapshot(self) -> int:
        return self._count

    def append(self, event: Event) -> None:
        self._buffer.append(encode_line(event))
        self._count += 1

    def flush(self) -> None:
        if self._broken is not None:
            raise self._broken
        if not self._buffer:
            return
        data = ("\n".join(self._buffer) + "\n").encode()
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self._fd, view) :]
        except OSError as exc:
            self._broken = naming(exc, self._store.journal_path)
            raise self._broken from None
        self._buffer.clear()
        self._dirty = True

    def sync(self) -> None:
        if self._dirty and self._broken is None:
            try:
                os.fsync(self._fd)
            except OSError as exc:
                raise naming(exc, self._store.journal_path) from None
            self._dirty = False

    def compact(self, state: MigrationState) -> None:
        self.flush()
        self.sync()
        generation = self.generation + 1
        self._store.write_snapshot(self._identity, state, generation)
        header = self._store.journal_header(generation)
        write_atomically(self._store.journal_path, header)
        os.close(self._fd)
        self._fd = os.open(self._store.journal_path, os.O_WRONLY | os.O_APPEND, 0o600)
        self.generation = generation
        self._count = 0

    def extend(self, identity: dict[str, Any], state: MigrationState) -> None:
        """Record a plan with items appended (and a new identity): the new plan file first
        (it still serves the current snapshot), then a compaction onto it."""
        self.flush()
        self.sync()
        self._store.write_extended_plan(state.items)
        self._identity = identity
        self.compact(state)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.flush()
            self.sync()
        with contextlib.suppress(OSError):
            os.close(self._fd)


class StateStore:
    """The files of one migration's state, and the lock on them."""

    def __init__(self, journal_path: Path) -> None:
        self.journal_path = journal_path
        self.snapshot_path = journal_path.with_name(journal_path.name + ".snapshot")
        self.plan_path = journal_path.with_name(journal_path.name + ".plan")
        self.lock_path = journal_path.with_name(journal_path.name + ".lock")
        self._lock_fd: int | None = None
        self.plan = PlanFile(self.plan_path, self.snapshot_path)

    def exists(self) -> bool:
        return self.journal_path.exists() or self.snapshot_path.exists()

    # -- the lock -----------------------------------------------------------------------------

    def lock(self, command: str) -> None:
        """Hold the state exclusively; another holder is named in the error."""
        directory = self.journal_path.parent
        try:
            make_private_directories(directory)
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise StateError(f"cannot use state directory {directory}: {exc.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = self._holder(fd)
            os.close(fd)
            raise StateLocked(
                f"state file {self.journal_path} is in use by {holder}; "
                "wait for it to finish or stop it first"
            ) from None
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "command": command,
        }
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps(info).encode())
        self._lock_fd = fd
        self._remove_stale_temporaries()

    def _remove_stale_temporaries(self) -> None:
        """Half-written files a killed process left (only a lock holder writes them)."""
        pattern = re.compile(
            rf"\.{re.escape(self.journal_path.name)}(\.snapshot|\.plan)?\.\d+\.tmp"
        )
        with contextlib.suppress(OSError):
            for entry in os.scandir(self.journal_path.parent):
                if pattern.fullmatch(entry.name):
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)

    @staticmethod
    def _holder(fd: int) -> str:
        try:
            info = json.loads(os.pread(fd, 4096, 0) or b"{}")
            return (
                f"pid {info.get('pid')} on {info.get('host')} since {info.get('since')} "
                f"({info.get('command', 'shuffle-aws-vaults')})"
            )
        except (OSError, ValueError):
            return "another process"

    def unlock(self) -> None:
        if self._lock_fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._lock_fd, 0)
            os.close(self._lock_fd)
            self._lock_fd = None

    # -- create, load, discard ----------------------------------------------------------------

    def journal_header(self, generation: int) -> bytes:
        header = {"format": JOURNAL_FORMAT, "version": VERSION, "generation": generation}
        return (json.dumps(header) + "\n").encode()

    def write_snapshot(
        self, identity: dict[str, Any], state: MigrationState, generation: int
    ) -> None:
        """The state as of `generation`; the plan file first if this store has not written or
        read one (a new migration)."""
        plan_id = self.plan.plan_id or self.plan.write(state.items)
        with collector_paused():
            document = encode_snapshot(identity, state, generation, plan_id)
            data = json.dumps(document, separators=(",", ":")).encode()
            del document  # its joined columns are as large as the text
        write_atomically(self.snapshot_path, data)

    def write_extended_plan(self, items: list[PlanItem]) -> None:
        self.plan.write_extended(items)

    def create(self, identity: dict[str, Any], state: MigrationState) -> JsonlJournal:
        self.plan.plan_id = None
        try:
            self.write_snapshot(identity, state, 1)
            write_atomically(self.journal_path, self.journal_header(1))
        except OSError as exc:
            raise StateError(
                f"cannot write state file {self.journal_path}: {exc.strerror}"
            ) from None
        return JsonlJournal(self, identity, 1)

    def read_identity(self) -> dict[str, Any]:
        """The recorded identity, from the snapshot alone (the plan is not read)."""
        try:
            return snapshot_identity(self._snapshot_document())
        except CodecError as exc:
            raise StateError(f"{self.snapshot_path}: {exc}") from None

    def _snapshot_document(self) -> Any:
        if not self.snapshot_path.exists():
            raise StateError(
                f"{self.snapshot_path} is missing, so {self.journal_path} cannot be replayed; "
                "restore it, or start over with --reset"
            )
        try:
            return json.loads(self.snapshot_path.read_bytes())
        except ValueError as exc:
            raise StateError(f"{self.snapshot_path}: {exc}") from None
        except OSError as exc:
            raise StateError(f"cannot read {self.snapshot_path}: {exc.strerror}") from None

    def _read_snapshot(self) -> tuple[dict[str, Any], MigrationState, int]:
        try:
            with collector_paused():
                return decode_snapshot(self._snapshot_document(), self.plan.read)
        except CodecError as exc:
            raise StateError(f"{self.snapshot_path}: {exc}") from None

    def read(self) -> tuple[dict[str, Any], MigrationState]:
        """The state as recorded, without touching any file: safe while a copy runs.

        The snapshot is read before the journal; compactions that finish in between leave a
        journal generations ahead, and the pair is simply read again.
        """
        for _ in range(READ_ATTEMPTS):
            identity, state, generation = self._read_snapshot()
            try:
                data = self.journal_path.read_bytes() if self.journal_path.exists() else b""
            except OSError as exc:
                raise StateError(f"cannot read {self.journal_path}: {exc.strerror}") from None
            lines = data.split(b"\n")
            lines.pop()  # a torn or empty last piece
            ahead = self._journal_generation(lines) if lines else None
            if isinstance(ahead, int) and ahead > generation:
                continue  # compacted (once or more) while we read: read the new pair
            if lines and self._check_header(lines, generation) == generation:
                self._replay(state, lines[1:])
            return identity, state
        raise StateError(
            f"{self.journal_path} kept changing while it was read (a copy compacting it "
            f"{READ_ATTEMPTS} times in a row); try again"
        )

    @staticmethod
    def _journal_generation(lines: list[bytes]) -> Any:
        try:
            return json.loads(lines[0]).get("generation")
        except (ValueError, AttributeError):
            return None

    def holder(self) -> str | None:
        """Who holds the lock now, or None."""
        if not self.lock_path.exists():
            return None
        fd = os.open(self.lock_path, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return self._holder(fd)
        else:
            fcntl.flock(fd, fcntl.LOCK_UN)
            return None
        finally:
            os.close(fd)

    def load(self) -> tuple[dict[str, Any], MigrationState, JsonlJournal]:
        """The snapshot with the journal's events replayed on top; a torn last line is dropped."""
        identity, state, generation = self._read_snapshot()
        try:
            data = self.journal_path.read_bytes() if self.journal_path.exists() else b""
        except OSError as exc:
            raise StateError(f"cannot read {self.journal_path}: {exc.strerror}") from None
        lines = data.split(b"\n")
        torn = lines.pop() if lines else b""  # text after the last newline: a torn write
        journal_generation = self._check_header(lines, generation)
        if journal_generation == generation:
            self._replay(state, lines[1:])
        if torn or journal_generation != generation or not lines:
            # Drop the torn line, or finish a compaction that stopped before the new journal.
            body = b"".join(line + b"\n" for line in lines[1:]) if lines else b""
            keep = body if journal_generation == generation else b""
            write_atomically(self.journal_path, self.journal_header(generation) + keep)
        journal = JsonlJournal(self, identity, generation)
        return identity, state, journal

    def _check_header(self, lines: list[bytes], generation: int) -> int:
        if not lines:
            return generation
        try:
            header = json.loads(lines[0])
            ok = header.get("format") == JOURNAL_FORMAT
        except (ValueError, AttributeError):
            ok = False
        if not ok:
            raise StateError(f"{self.journal_path}:1: not a shuffle-aws-vaults journal")
        if header.get("version") != VERSION:
            raise StateError(
                f"{self.journal_path}:1: journal version {header.get('version')} is not supported"
            )
        journal_generation = header.get("generation")
        if journal_generation not in (generation, generation - 1):
            raise StateError(
                f"{self.journal_path}: generation {journal_generation} does not follow snapshot "
                f"generation {generation}; the files are from different runs"
            )
        return int(journal_generation)

    def _replay(self, state: MigrationState, lines: list[bytes]) -> None:
        for number, line in enumerate(lines, start=2):
            if not line.strip():
                continue
            try:
                state.apply(decode_event(json.loads(line)))
            except (ValueError, CodecError, InconsistentJournal) as exc:
                raise StateError(
                    f"{self.journal_path}:{number}: corrupt journal line ({exc}); the state "
                    "cannot be trusted past it"
                ) from None

    def discard(self) -> Path | None:
        """Move the state aside (never delete it); returns where it went."""
        if not self.exists():
            return None
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        suffix, n = f"reset-{stamp}", 1
        while any(
            p.with_name(f"{p.name}.{suffix}").exists()
            for p in (self.journal_path, self.snapshot_path, self.plan_path)
        ):
            n += 1
            suffix = f"reset-{stamp}-{n}"
        for path in (self.journal_path, self.snapshot_path, self.plan_path):
            if path.exists():
                path.replace(path.with_name(f"{path.name}.{suffix}"))
        return self.journal_path.with_name(f"{self.journal_path.name}.{suffix}")
