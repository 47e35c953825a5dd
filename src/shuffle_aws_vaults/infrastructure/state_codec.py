"""The state files' layouts: journal event lines, the plan file and the snapshot document.

Events are compact JSON arrays, one per line, formatted directly (a run writes millions).

The plan never changes once made, so it is written once, to its own file: a header line (format,
version, a random plan id, the item count) and one JSON document holding the plan column by
column (repeated vault, type and resource names once). The snapshot (version 2) holds only what
changes: the identity, the generation, the plan id it belongs to, and every item's state. Its
per-item strings (job IDs, destination ARNs) are stored as one newline-joined string each, which
encodes and decodes at C speed; a value that itself holds a newline falls back to a list.

Runs are recorded too: a `B` line when a copy run begins (its version and command line) and an
`F` line when it ends (its stop reason); the snapshot keeps them (`runs`) and the last hour's
completions (`recent`) that status's rate needs. Both are additions: a journal or snapshot
written before them loads with no runs, and the format versions stay as they were.

A plan whose copies are sent with their own Lifecycle (the lifecycle flags) holds them as one
more column, each distinct Lifecycle once; such a plan is version 2, so that a version that would
send none refuses it. Plans without one stay version 1.

`--include-new` appends items to a plan. The new plan file names the plans it extends (their
ids and item counts) and keeps their items first, so a snapshot of the plan before the extension
still loads from it: a crash between writing the plan and the snapshot loses nothing.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from json.encoder import encode_basestring_ascii as quote
from operator import itemgetter
from typing import Any

from ..domain.copy_job import Lifecycle
from ..domain.events import (
    Event,
    Intent,
    JobEnded,
    Landed,
    Refused,
    Retried,
    RunEnded,
    RunStarted,
    Submitted,
)
from ..domain.migration import Failure, Landing, MigrationState
from ..domain.plan import PlanItem
from ..domain.runs import Run
from .gc_pause import collector_paused

SNAPSHOT_FORMAT = "shuffle-aws-vaults-snapshot"
JOURNAL_FORMAT = "shuffle-aws-vaults-journal"
PLAN_FORMAT = "shuffle-aws-vaults-plan"
VERSION = 1  # of the journal and of the plan file
PLAN_LIFECYCLE_VERSION = 2  # a plan file with its copies' lifecycles
READABLE_PLANS = (VERSION, PLAN_LIFECYCLE_VERSION)
SNAPSHOT_VERSION = 2
READABLE_SNAPSHOTS = (SNAPSHOT_VERSION,)

# (plan id, item count) -> the plan's items; raises CodecError or OSError.
PlanLoader = Callable[[str, int], list[PlanItem]]


class CodecError(ValueError):
    """A line or document that is not what this version writes."""


# -- journal events ---------------------------------------------------------------------------


def _optional(value: str | None) -> str:
    return "null" if value is None else quote(value)


def encode_line(event: Event) -> str:
    """One journal line (without its newline): a compact JSON array, as decode_event reads."""
    if isinstance(event, Intent):
        return f'["I",{event.i:d},{event.attempt:d},{event.at:.3f}]'
    if isinstance(event, Submitted):
        return f'["S",{event.i:d},{quote(event.job_id)},{event.at:.3f}]'
    if isinstance(event, JobEnded):
        return (
            f'["E",{event.i:d},{quote(event.job_id)},{quote(event.state)},{event.at:.3f},'
            f"{_optional(event.dest_arn)},{_optional(event.message)},"
            f'{"true" if event.retry else "false"}]'
        )
    if isinstance(event, Retried):
        return f'["T",{event.i:d},{event.at:.3f}]'
    if isinstance(event, Landed):
        return (
            f'["L",{quote(event.vault_arn)},{quote(event.vault_type)},'
            f"{_optional(event.lock_state)},{_optional(event.key_arn)},{event.at:.3f}]"
        )
    if isinstance(event, RunStarted):
        return f'["B",{event.at:.3f},{quote(event.version)},{quote(event.command)}]'
    if isinstance(event, RunEnded):
        return f'["F",{event.at:.3f},{quote(event.reason)},{event.completed:d}]'
    return f'["R",{event.i:d},{quote(event.code)},{quote(event.message)},{event.at:.3f}]'


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
        if kind == "T":
            return Retried(int(row[1]), float(row[2]))
        if kind == "L":
            return Landed(str(row[1]), str(row[2]), row[3], row[4], float(row[5]))
        if kind == "B":
            return RunStarted(float(row[1]), str(row[2]), str(row[3]))
        if kind == "F":
            return RunEnded(float(row[1]), str(row[2]), int(row[3]))
    except (IndexError, KeyError, TypeError, ValueError) as exc:
        raise CodecError(f"malformed event {row!r}") from exc
    raise CodecError(f"unknown event {row!r}")


# -- the plan file ----------------------------------------------------------------------------


# Both directions work column-wise with map() over the plan's tuples, so the per-item work
# happens in C, and with the garbage collector paused: a million-item plan encodes and decodes
# in about a second each.


def _table(values: list[str]) -> tuple[list[str], list[int]]:
    names = list(dict.fromkeys(values))
    position = {name: n for n, name in enumerate(names)}
    return names, list(map(position.__getitem__, values))


def _lifecycle_row(lifecycle: Lifecycle) -> list[Any]:
    return [
        lifecycle.delete_after_days,
        lifecycle.cold_after_days,
        lifecycle.archive,
        lifecycle.clamped_from,
    ]


def _lifecycle_of(row: Any) -> Lifecycle:
    delete, cold, archive, clamped = row
    days = [None if value is None else int(value) for value in (delete, cold, clamped)]
    return Lifecycle(days[0], days[1], bool(archive), days[2])


def _lifecycle_columns(items: Sequence[PlanItem]) -> tuple[list[list[Any]], list[int]] | None:
    """The distinct lifecycles and each item's (-1: none), or None when no item has one."""
    lifecycles = list(map(itemgetter(7), items))
    if not any(lifecycles):
        return None
    position: dict[Lifecycle, int] = {}
    at = [-1 if one is None else position.setdefault(one, len(position)) for one in lifecycles]
    return [_lifecycle_row(one) for one in position], at


def _plan_columns(items: Sequence[PlanItem]) -> dict[str, Any]:
    arns, vaults, resources, types, sizes, created, dests = (
        list(map(itemgetter(field), items)) for field in range(7)
    )
    vault_names, vault_at = _table(vaults)
    resource_names, resource_at = _table(resources)
    type_names, type_at = _table(types)
    dest_names, dest_at = _table(dests)
    return {
        "tables": {
            "vaults": vault_names,
            "resources": resource_names,
            "types": type_names,
            "dests": dest_names,
        },
        "items": {
            "arn": arns,
            "vault": vault_at,
            "resource": resource_at,
            "type": type_at,
            "dest": dest_at,
            "size": sizes,
            "created": created,
        },
    }


def _items_from_columns(doc: dict[str, Any]) -> list[PlanItem]:
    tables = doc["tables"]
    columns = doc["items"]
    count = len(columns["arn"])
    named = {
        key: list(map(tables[table].__getitem__, columns[key]))
        for key, table in (
            ("vault", "vaults"),
            ("resource", "resources"),
            ("type", "types"),
            ("dest", "dests"),
        )
    }
    lifecycles: list[Lifecycle | None] = [None] * count
    if "lifecycle" in columns:  # a version 2 plan
        table = [_lifecycle_of(row) for row in tables["lifecycles"]]
        lifecycles = [None if n < 0 else table[n] for n in columns["lifecycle"]]
    sized = (*named.values(), columns["size"], columns["created"], lifecycles)
    lengths = {len(column) for column in sized}
    if lengths != {count}:
        raise CodecError(f"plan columns of {sorted(lengths)} values for {count} items")
    return list(
        map(
            PlanItem,
            columns["arn"],
            named["vault"],
            named["resource"],
            named["type"],
            columns["size"],
            columns["created"],
            named["dest"],
            lifecycles,
        )
    )


def encode_plan(
    items: Sequence[PlanItem], plan_id: str, extends: dict[str, int] | None = None
) -> list[bytes]:
    """The plan file's bytes, in pieces (a million-item body is not copied once more).
    `extends` names the earlier plans (id: item count) whose items this one starts with."""
    with collector_paused():
        columns = _plan_columns(items)
        lifecycles = _lifecycle_columns(items)
        if lifecycles is not None:
            columns["tables"]["lifecycles"], columns["items"]["lifecycle"] = lifecycles
        body = json.dumps(columns, separators=(",", ":")).encode()
    header: dict[str, Any] = {
        "format": PLAN_FORMAT,
        "version": VERSION if lifecycles is None else PLAN_LIFECYCLE_VERSION,
        "plan": plan_id,
        "count": len(items),
    }
    if extends:
        header["extends"] = extends
    return [json.dumps(header).encode(), b"\n", body, b"\n"]


def decode_plan_header(line: bytes) -> dict[str, Any]:
    try:
        header = json.loads(line)
    except ValueError:
        header = None
    if not isinstance(header, dict) or header.get("format") != PLAN_FORMAT:
        raise CodecError("not a shuffle-aws-vaults plan")
    if header.get("version") not in READABLE_PLANS:
        raise CodecError(f"plan version {header.get('version')} is not supported")
    return header


def plan_lineage(header: dict[str, Any]) -> dict[str, int]:
    """Every plan id this plan file can serve, with its item count (itself and those it extends)."""
    extends = header.get("extends") or {}
    if not isinstance(extends, dict):
        raise CodecError("damaged plan header")
    lineage = {str(k): int(v) for k, v in extends.items()}
    lineage[str(header.get("plan"))] = int(header.get("count", -1))
    return lineage


def decode_plan(data: bytes, plan_id: str, count: int) -> list[PlanItem]:
    """The first `count` items: the whole plan, or an earlier plan this one extends."""
    first, _, body = data.partition(b"\n")
    header = decode_plan_header(first)
    if plan_lineage(header).get(plan_id) != count:
        raise CodecError(
            f"plan {header.get('plan')} of {header.get('count')} items is not the snapshot's "
            f"(plan {plan_id} of {count} items); the files are from different runs"
        )
    try:
        with collector_paused():
            items = _items_from_columns(json.loads(body))
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise CodecError(f"damaged plan ({type(exc).__name__}: {exc})") from exc
    if len(items) != header.get("count"):
        raise CodecError(
            f"damaged plan: {len(items)} items where the header says {header.get('count')}"
        )
    return items if len(items) == count else items[:count]


# -- the snapshot -----------------------------------------------------------------------------


def _join(values: list[str]) -> str | list[str]:
    joined = "\n".join(values)
    return joined if joined.count("\n") == max(0, len(values) - 1) else values


def _split(column: str | list[str], count: int) -> list[str]:
    values = column.split("\n") if isinstance(column, str) else list(column)
    if count == 0 and values == [""]:
        values = []
    if len(values) != count:
        raise CodecError(f"a column of {len(values)} values for {count} items")
    return values


def encode_snapshot(
    identity: dict[str, Any], state: MigrationState, generation: int, plan_id: str
) -> dict[str, Any]:
    count = len(state)
    dest_arns = state.dest_arns
    return {
        "format": SNAPSHOT_FORMAT,
        "version": SNAPSHOT_VERSION,
        "generation": generation,
        "identity": identity,
        "plan": {"id": plan_id, "count": count},
        "status": base64.b64encode(bytes(state.status)).decode(),
        "attempts": base64.b64encode(bytes(state.attempts)).decode(),
        "job_ids": _join([job or "" for job in state.job_ids]),
        "dest_arns": _join([dest_arns.get(i, "") for i in range(count)] if dest_arns else []),
        "failures": [[i, f.code, f.message, f.at] for i, f in state.failures.items()],
        "retries": state.retries,
        "retried_failed": state.retried_failed,
        "retired": [[i, jobs] for i, jobs in state.retired.items()],
        "landings": [
            [arn, landing.vault_type, landing.lock_state, landing.key_arn]
            for arn, landing in state.landings.items()
        ],
        # Since runs were recorded (older snapshots have neither: no runs, no recent pace).
        "runs": [run.row() for run in state.log.runs],
        "recent": [[round(at, 3), i] for at, i in state.log.kept()],
    }


def snapshot_version(doc: Any) -> int:
    if not isinstance(doc, dict) or doc.get("format") != SNAPSHOT_FORMAT:
        raise CodecError("not a shuffle-aws-vaults snapshot")
    version = doc.get("version")
    if version not in READABLE_SNAPSHOTS:
        newer = isinstance(version, int) and version > SNAPSHOT_VERSION
        raise CodecError(
            f"snapshot version {version} "
            + ("was written by a newer shuffle-aws-vaults" if newer else "is not supported")
        )
    return int(version)


def snapshot_identity(doc: Any) -> dict[str, Any]:
    snapshot_version(doc)
    try:
        return dict(doc["identity"])
    except (KeyError, TypeError, ValueError) as exc:
        raise CodecError(f"damaged snapshot ({type(exc).__name__}: {exc})") from exc


def decode_snapshot(doc: Any, load_plan: PlanLoader) -> tuple[dict[str, Any], MigrationState, int]:
    """(identity, state, generation) from a snapshot document; `load_plan` reads its plan."""
    snapshot_version(doc)
    try:
        plan = doc["plan"]
        items = load_plan(str(plan["id"]), int(plan["count"]))
        count = len(items)
        state = MigrationState(items)
        state.status[:] = base64.b64decode(doc["status"])
        state.attempts[:] = base64.b64decode(doc["attempts"])
        if len(state.status) != count or len(state.attempts) != count:
            raise CodecError("status arrays do not match the plan")
        state.job_ids = [job or None for job in _split(doc["job_ids"], count)]
        dests = doc["dest_arns"]
        if dests:
            state.dest_arns = {i: arn for i, arn in enumerate(_split(dests, count)) if arn}
        state.failures = {int(i): Failure(code, msg, at) for i, code, msg, at in doc["failures"]}
        state.retries = int(doc.get("retries", 0))
        state.retried_failed = int(doc.get("retried_failed", 0))
        state.retired = {int(i): list(jobs) for i, jobs in doc.get("retired", [])}
        state.landings = {  # none in a snapshot written before landings were kept
            str(arn): Landing(str(kind), lock, key)
            for arn, kind, lock, key in doc.get("landings", [])
        }
        state.log.runs = [Run.from_row(row) for row in doc.get("runs", [])]
        state.log.recent.extend((float(at), int(i)) for at, i in doc.get("recent", []))
        state.recount()
        return dict(doc["identity"]), state, int(doc["generation"])
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        if isinstance(exc, CodecError):
            raise
        raise CodecError(f"damaged snapshot ({type(exc).__name__}: {exc})") from exc
