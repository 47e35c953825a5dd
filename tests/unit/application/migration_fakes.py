"""Fakes for the copy use case's planning and resuming: two accounts' Backup in memory, and a
state store that keeps the state as its snapshot plus the events journalled since."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from shuffle_aws_vaults.domain.copy_job import CopyJobInfo, Lifecycle, StartedJob
from shuffle_aws_vaults.domain.events import Event
from shuffle_aws_vaults.domain.migration import MigrationState
from shuffle_aws_vaults.domain.recovery_point import NewVault, RecoveryPoint, Vault

SOURCE = "111111111111"
DEST = "222222222222"
REGION = "us-east-1"


def vault_arn(account: str, name: str) -> str:
    return f"arn:aws:backup:{REGION}:{account}:backup-vault:{name}"


class FakeAccount:
    """One account's vaults, recovery points and (in the source) copy jobs."""

    def __init__(self, account_id: str, vaults: list[str]) -> None:
        self._account_id = account_id
        self.points: dict[str, list[RecoveryPoint]] = {name: [] for name in vaults}
        self.jobs: list[CopyJobInfo] = []
        self.policies: dict[str, dict[str, Any]] = {}
        self.job_listings = 0
        self.locks: dict[str, tuple[int | None, int | None]] = {}  # Min/MaxRetentionDays
        self.vault_listings = 0

    @property
    def account_id(self) -> str:
        return self._account_id

    @property
    def region(self) -> str:
        return REGION

    def list_vaults(self) -> list[Vault]:
        self.vault_listings += 1
        return [
            Vault(
                name,
                vault_arn(self._account_id, name),
                len(points),
                name in self.locks,
                *self.locks.get(name, (None, None)),
            )
            for name, points in sorted(self.points.items())
        ]

    def iter_recovery_points(
        self, vault_name: str, *, resource_arn: str | None = None
    ) -> Iterator[RecoveryPoint]:
        for rp in self.points[vault_name]:
            if resource_arn in (None, rp.resource_arn):
                yield rp

    def list_copy_jobs(
        self,
        *,
        completed_after: datetime | None = None,
        created_after: datetime | None = None,
        source_arn: str | None = None,
        dest_vault_arn: str | None = None,
        state: str | None = None,
        quick: bool = False,
    ) -> Iterator[CopyJobInfo]:
        self.job_listings += 1
        for job in self.jobs:
            if dest_vault_arn not in (None, job.dest_vault_arn) or state not in (None, job.state):
                continue
            if source_arn not in (None, job.source_arn):
                continue
            yield job

    def copy_job_pages(self, *, completed_after: datetime) -> Iterator[list[CopyJobInfo]]:
        yield list(self.jobs)

    def describe_copy_job(self, job_id: str) -> CopyJobInfo:
        return next(job for job in self.jobs if job.job_id == job_id)

    def start_copy_job(
        self,
        *,
        source_arn: str,
        source_vault: str,
        dest_vault_arn: str,
        iam_role_arn: str,
        token: str,
        lifecycle: Lifecycle | None = None,
    ) -> StartedJob:
        raise AssertionError("planning starts no copy job")

    @property
    def throttle_events(self) -> int:
        return 0

    @property
    def limit_events(self) -> int:
        return 0

    def create_vault(self, name: str, new: NewVault) -> Vault:
        self.points[name] = []
        return new.planned(name, vault_arn(self._account_id, name))

    def get_access_policy(self, name: str) -> dict[str, Any] | None:
        return self.policies.get(name)

    def put_access_policy(self, name: str, policy: dict[str, Any]) -> None:
        self.policies[name] = policy


def copy_of(state: MigrationState) -> MigrationState:
    twin = MigrationState(list(state.items))
    twin.status[:] = state.status
    twin.attempts[:] = state.attempts
    twin.job_ids = list(state.job_ids)
    twin.dest_arns = dict(state.dest_arns)
    twin.failures = dict(state.failures)
    twin.retired = {i: list(jobs) for i, jobs in state.retired.items()}
    twin.retries, twin.retried_failed = state.retries, state.retried_failed
    twin.log.runs = [dataclasses.replace(run) for run in state.log.runs]
    twin.log.recent.extend(state.log.recent)
    twin.recount()
    return twin


class MemoryJournal:
    def __init__(self, store: MemoryStateStore) -> None:
        self._store = store
        self.closed = False

    def append(self, event: Event) -> None:
        self._store.events.append(event)

    def flush(self) -> None:
        return

    def sync(self) -> None:
        return

    @property
    def events_since_snapshot(self) -> int:
        return len(self._store.events)

    def compact(self, state: MigrationState) -> None:
        self._store.snapshot = copy_of(state)
        self._store.events = []

    def extend(self, identity: dict[str, Any], state: MigrationState) -> None:
        self._store.identity = dict(identity)
        self._store.extensions += 1
        self.compact(state)

    def close(self) -> None:
        self.closed = True


class MemoryStateStore:
    """A state store in memory: a snapshot (the state when created or last compacted) and the
    events journalled since; load() replays them on a copy, as the files' store does."""

    def __init__(self) -> None:
        self.journal_path = Path("/memory/state.jsonl")
        self.identity: dict[str, Any] | None = None
        self.snapshot: MigrationState | None = None
        self.events: list[Event] = []
        self.extensions = 0
        self.locked = False

    def exists(self) -> bool:
        return self.snapshot is not None

    def lock(self, command: str) -> None:
        self.locked = True

    def unlock(self) -> None:
        self.locked = False

    def holder(self) -> str | None:
        return None

    def create(self, identity: dict[str, Any], state: MigrationState) -> MemoryJournal:
        self.identity, self.snapshot, self.events = dict(identity), copy_of(state), []
        return MemoryJournal(self)

    def read(self) -> tuple[dict[str, Any], MigrationState]:
        assert self.identity is not None and self.snapshot is not None
        state = copy_of(self.snapshot)
        for event in self.events:
            state.apply(event)
        return dict(self.identity), state

    def load(self) -> tuple[dict[str, Any], MigrationState, MemoryJournal]:
        identity, state = self.read()
        return identity, state, MemoryJournal(self)

    def discard(self) -> Path | None:
        self.identity, self.snapshot, self.events = None, None, []
        return self.journal_path.with_name("state.jsonl.reset")
