"""The state files' layouts: journal event lines and the snapshot document (version 1).

Events are compact JSON arrays, one per line. The snapshot stores the plan column by column
(repeated vault, type and resource names once), which a single json.load parses quickly.
"""

from __future__ import annotations

import base64
from typing import Any

from ..domain.events import Event, Intent, JobEnded, Refused, Submitted
from ..domain.migration import Failure, MigrationState
from ..domain.plan import PlanItem

SNAPSHOT_FORMAT = "shuffle-aws-vaults-snapshot"
JOURNAL_FORMAT = "shuffle-aws-vaults-journal"
VERSION = 1


class CodecError(ValueError):
    """A line or document that is not what this version writes."""


def encode_event(event: Event) -> list[Any]:
    if isinstance(event, Intent):
        return ["I", event.i, event.attempt, round(event.at, 3)]
    if isinstance(event, Submitted):
        return ["S", event.i, event.job_id, round(event.at, 3)]
    if isinstance(event, JobEnded):
        return [
            "E",
            event.i,
            event.job_id,
            event.state,
            round(event.at, 3),
            event.dest_arn,
            event.message,
            event.retry,
        ]
    return ["R", event.i, event.code, event.message, round(event.at, 3)]


def decode_event(row: Any) -> Event:
    try:
        kind = row[0]
        if kind == "I":
            return Intent(int(row[1]), int(row[2]), float(row[3]))
        if kind == "S":
            return Submitted(int(row[1]), str(row[2]), float(row[3]))
        if kind == "E":
            return JobEnded(
                int(row[1]), str(row[2]), str(row[3]), float(row[4]), row[5], row[6], bool(row[7])
            )
        if kind == "R":
            return Refused(int(row[1]), str(row[2]), str(row[3]), float(row[4]))
    except (IndexError, KeyError, TypeError, ValueError) as exc:
        raise CodecError(f"malformed event {row!r}") from exc
    raise CodecError(f"unknown event {row!r}")


def _table(values: list[str]) -> tuple[list[str], list[int]]:
    names: dict[str, int] = {}
    indexes = [names.setdefault(value, len(names)) for value in values]
    return list(names), indexes


def encode_snapshot(
    identity: dict[str, Any], state: MigrationState, generation: int
) -> dict[str, Any]:
    items = state.items
    vaults, vault_at = _table([item.source_vault for item in items])
    resources, resource_at = _table([item.resource_arn for item in items])
    types, type_at = _table([item.resource_type for item in items])
    dests, dest_at = _table([item.dest_vault_arn for item in items])
    return {
        "format": SNAPSHOT_FORMAT,
        "version": VERSION,
        "generation": generation,
        "identity": identity,
        "tables": {"vaults": vaults, "resources": resources, "types": types, "dests": dests},
        "items": {
            "arn": [item.source_arn for item in items],
            "vault": vault_at,
            "resource": resource_at,
            "type": type_at,
            "dest": dest_at,
            "size": [item.size_bytes for item in items],
            "created": [item.created for item in items],
        },
        "status": base64.b64encode(bytes(state.status)).decode(),
        "attempts": base64.b64encode(bytes(state.attempts)).decode(),
        "job_ids": [[i, job] for i, job in enumerate(state.job_ids) if job is not None],
        "dest_arns": [[i, arn] for i, arn in state.dest_arns.items()],
        "failures": [[i, f.code, f.message, f.at] for i, f in state.failures.items()],
        "retries": state.retries,
        "retired": [[i, jobs] for i, jobs in state.retired.items()],
    }


def decode_snapshot(doc: Any) -> tuple[dict[str, Any], MigrationState, int]:
    """(identity, state, generation) from a snapshot document."""
    if not isinstance(doc, dict) or doc.get("format") != SNAPSHOT_FORMAT:
        raise CodecError("not a shuffle-aws-vaults snapshot")
    version = doc.get("version")
    if version != VERSION:
        newer = isinstance(version, int) and version > VERSION
        raise CodecError(
            f"snapshot version {version} "
            + ("was written by a newer shuffle-aws-vaults" if newer else "is not supported")
        )
    try:
        tables = doc["tables"]
        columns = doc["items"]
        vaults, resources, types, dests = (
            tables["vaults"],
            tables["resources"],
            tables["types"],
            tables["dests"],
        )
        items = [
            PlanItem(arn, vaults[v], resources[r], types[t], size, created, dests[d])
            for arn, v, r, t, d, size, created in zip(
                columns["arn"],
                columns["vault"],
                columns["resource"],
                columns["type"],
                columns["dest"],
                columns["size"],
                columns["created"],
                strict=True,
            )
        ]
        state = MigrationState(items)
        state.status[:] = base64.b64decode(doc["status"])
        state.attempts[:] = base64.b64decode(doc["attempts"])
        if len(state.status) != len(items) or len(state.attempts) != len(items):
            raise CodecError("status arrays do not match the plan")
        for i, job in doc["job_ids"]:
            state.job_ids[i] = job
        state.dest_arns = {int(i): arn for i, arn in doc["dest_arns"]}
        state.failures = {int(i): Failure(code, msg, at) for i, code, msg, at in doc["failures"]}
        state.retries = int(doc.get("retries", 0))
        state.retired = {int(i): list(jobs) for i, jobs in doc.get("retired", [])}
        state.recount()
        return dict(doc["identity"]), state, int(doc["generation"])
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise CodecError(f"damaged snapshot ({type(exc).__name__}: {exc})") from exc
