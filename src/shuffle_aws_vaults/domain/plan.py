"""A migration plan: the fixed, ordered list of copies to make, and its hash.

Order: resources with the longest chains first (a resource takes one copy job at a time, so its
chain bounds the migration's duration), and each resource's recovery points oldest first.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from typing import NamedTuple

from .copy_job import Lifecycle

# A copy costs a fixed overhead on top of its bytes; this converts the overhead into bytes so a
# chain's weight can sum both (about 2 minutes at 100 MiB/s).
OVERHEAD_BYTES = 12 * 1024**3


class PlanItem(NamedTuple):
    """One copy: a source recovery point into a destination vault.

    A named tuple rather than a dataclass: a resumed million-item plan is rebuilt in half the
    time, and it is just as immutable.
    """

    source_arn: str
    source_vault: str
    resource_arn: str
    resource_type: str
    size_bytes: int
    created: float  # epoch seconds
    dest_vault_arn: str
    # The Lifecycle its StartCopyJob is sent with, decided when it was planned (None: none, the
    # copy keeps its source's); repeats of a call send the same, as their token requires.
    lifecycle: Lifecycle | None = None

    @property
    def weight(self) -> int:
        return self.size_bytes + OVERHEAD_BYTES

    @property
    def dest_vault_name(self) -> str:
        return self.dest_vault_arn.split(":", 6)[6]


def order_items(items: Iterable[PlanItem], *, newest_first: bool = False) -> list[PlanItem]:
    """Longest resource chains first; within a resource, oldest recovery point first.

    Oldest first lets each later copy of a resource be incremental (AWS copies a resource's
    first backup into another account in full). `newest_first` reverses each resource's chain:
    only for benchmarks that measure what oldest first is worth.
    """
    chains: dict[str, list[PlanItem]] = defaultdict(list)
    for item in items:
        chains[item.resource_arn].append(item)
    ordered_chains = sorted(
        chains.values(),
        key=lambda chain: (-sum(i.weight for i in chain), chain[0].resource_arn),
    )
    out: list[PlanItem] = []
    for chain in ordered_chains:
        out.extend(sorted(chain, key=lambda i: (i.created, i.source_arn), reverse=newest_first))
    return out


def plan_hash(items: Iterable[PlanItem]) -> str:
    """Identifies a plan by what it copies where, in order."""
    digest = hashlib.sha256()
    for item in items:
        digest.update(f"{item.source_arn}\t{item.dest_vault_arn}\n".encode())
    return digest.hexdigest()


def idempotency_token(source_arn: str, dest_vault_arn: str, attempt: int) -> str:
    """The StartCopyJob token for one attempt of one copy: repeats of an attempt reuse it."""
    digest = hashlib.sha256(f"{source_arn}\t{dest_vault_arn}\t{attempt}".encode()).hexdigest()
    return f"sav-{digest[:40]}"
