"""What happens to a plan item; the journal records these, and replaying them rebuilds state."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Intent:
    """About to call StartCopyJob for item `i` (recorded and flushed before the call)."""

    i: int
    attempt: int
    at: float


@dataclass(frozen=True, slots=True)
class Submitted:
    """AWS accepted the copy (or a reconciliation found the job); `job_id` is AWS's CopyJobId."""

    i: int
    job_id: str
    at: float


@dataclass(frozen=True, slots=True)
class JobEnded:
    """The copy job reached a terminal state; `retry` when a transient failure is tried again."""

    i: int
    job_id: str
    state: str
    at: float
    dest_arn: str | None = None
    message: str | None = None
    retry: bool = False


@dataclass(frozen=True, slots=True)
class Refused:
    """StartCopyJob refused the item for good (not transient): the item is FAILED."""

    i: int
    code: str
    message: str
    at: float


@dataclass(frozen=True, slots=True)
class Retried:
    """The operator asked (--retry-failed) for a FAILED item to be copied again: it is PENDING
    once more, and its next attempt has a new number (so a new idempotency token)."""

    i: int
    at: float


@dataclass(frozen=True, slots=True)
class Landed:
    """What AWS reported of a destination vault in a completed copy job: its type, lock state
    and key (DestinationVaultType, DestinationVaultLockState, DestinationEncryptionKeyArn).
    Recorded when first seen for the vault, and again when it changes."""

    vault_arn: str
    vault_type: str
    lock_state: str | None
    key_arn: str | None
    at: float


@dataclass(frozen=True, slots=True)
class RunStarted:
    """A copy run began on this migration: the tool's version and its command line (secrets
    removed). Not an item's event: it names no item."""

    at: float
    version: str
    command: str


@dataclass(frozen=True, slots=True)
class RunEnded:
    """The run that began last ended: why (the summary's stop_reason) and how many items it
    copied. A run killed outright records none."""

    at: float
    reason: str
    completed: int


RunEvent = RunStarted | RunEnded

Event = Intent | Submitted | JobEnded | Refused | Retried | Landed | RunStarted | RunEnded
