"""What `copy` says of a recorded migration: its counts when resumed, and what --reset
discards."""

from __future__ import annotations

from ..domain.migration import MigrationState
from ..domain.summary import MigrationCounts
from .ports import StateStore


def resume_line(state: MigrationState) -> str:
    counts = MigrationCounts.of(state)
    return (
        f"{counts.completed:,} completed, {counts.failed:,} failed, "
        f"{counts.in_flight:,} in flight, {counts.pending:,} to go"
    )


def describe_discard(store: StateStore) -> str:
    try:
        _, state, journal = store.load()
        journal.close()
        what = resume_line(state)
    except Exception as exc:  # a damaged state can still be discarded
        what = f"unreadable: {exc}"
    return (
        f"--reset: discarding the state at {store.journal_path} ({what}). Copy jobs still in "
        "flight continue in AWS; the new plan records the copies the destination holds as "
        "already copied (with --no-adopt, AWS recognises earlier jobs only while it honours "
        "their idempotency tokens)."
    )
