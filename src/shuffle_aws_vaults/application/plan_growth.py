"""What `--resume` may change in a recorded migration, each change journalled before any copy:

- `--retry-failed`: FAILED items go back to PENDING (one Retried event each); their next
  attempt has a new number, so a new idempotency token.
- `--include-new`: the selection is scanned again and the recovery points the plan lacks are
  appended to it. The new plan file is written first, then a snapshot onto it (journal_store.py),
  so a crash at any byte leaves either the plan before or the plan after.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from ..domain.events import Retried
from ..domain.migration import MigrationState, Status
from ..domain.plan import PlanItem, plan_hash
from ..domain.selection import SelectionTally
from .discovery import Candidate
from .planning import build_plan
from .ports import Journal, StateJournal


def retry_failed(state: MigrationState, journal: Journal, now: datetime) -> int:
    """Every FAILED item back to PENDING; how many."""
    at = now.timestamp()
    failed = state.indexes(Status.FAILED)
    for i in failed:
        event = Retried(i, at)
        state.apply(event)
        journal.append(event)
    journal.flush()
    journal.sync()
    return len(failed)


def include_new(
    state: MigrationState,
    identity: dict[str, Any],
    journal: StateJournal,
    candidates: Iterable[Candidate],
    dest_arn: Callable[[Candidate], str],
    *,
    prepare: Callable[[list[PlanItem]], None],
    adopt: Callable[[MigrationState, range], int] | None,
    now: datetime,
) -> tuple[dict[str, Any], int, int]:
    """Append the candidates the plan lacks; (the new identity, items added, of them already
    in the destination). `prepare` readies their destination vaults first; `adopt` (unless
    --no-adopt) records those whose copy the destination holds."""
    planned = {(item.source_arn, item.dest_vault_arn) for item in state.items}
    fresh = (
        candidate
        for candidate in candidates
        if (candidate.rp.arn, dest_arn(candidate)) not in planned
    )
    new_items, _ = build_plan(fresh, dest_arn, SelectionTally())
    if not new_items:
        return identity, 0, 0
    prepare(new_items)
    before = len(state)
    state.extend(new_items)
    adopted = adopt(state, range(before, len(state))) if adopt is not None else 0
    extension = {"at": now.isoformat(), "added": len(new_items), "already_copied": adopted}
    identity = {
        **identity,
        "plan_hash": plan_hash(state.items),
        "extensions": [*identity.get("extensions", []), extension],
    }
    journal.extend(identity, state)
    return identity, len(new_items), adopted
