"""The run summary (JSON) and the per-item report (CSV), written atomically with mode 0600."""

from __future__ import annotations

import contextlib
import csv
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from ..domain.migration import MigrationState, Status

REPORT_COLUMNS = (
    "source_recovery_point_arn",
    "vault",
    "resource_arn",
    "resource_type",
    "final_state",
    "copy_job_id",
    "destination_recovery_point_arn",
    "attempts",
    "error_code",
    "error_message",
)


@contextlib.contextmanager
def private_file(path: Path) -> Iterator[TextIO]:
    """Whole or not at all: written to a temporary file (mode 0600), renamed into place."""
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def write_private(path: Path, text: str) -> None:
    with private_file(path) as handle:
        handle.write(text)


def write_summary(path: Path, summary: Mapping[str, Any]) -> None:
    write_private(path, json.dumps(summary, indent=2) + "\n")


def write_report_csv(
    path: Path,
    state: MigrationState,
    metadata: Any | None,
    metadata_columns: Sequence[str] = (),
) -> None:
    """One row per planned item, in plan order."""
    with private_file(path) as handle:
        _write_rows(csv.writer(handle), state, metadata, metadata_columns)


def _write_rows(
    writer: Any, state: MigrationState, metadata: Any | None, metadata_columns: Sequence[str]
) -> None:
    writer.writerow([*REPORT_COLUMNS[:4], *metadata_columns, *REPORT_COLUMNS[4:]])
    for i, item in enumerate(state.items):
        status = Status(state.status[i])
        failure = state.failures.get(i)
        final = status.name if status is not Status.INTENT else "UNCONFIRMED"
        meta = metadata.get(item.resource_arn) if metadata is not None else None
        writer.writerow(
            [
                item.source_arn,
                item.source_vault,
                item.resource_arn,
                item.resource_type,
                *[(meta or {}).get(column, "") for column in metadata_columns],
                final,
                state.job_ids[i] or "",
                state.dest_arns.get(i, ""),
                state.attempts[i],
                failure.code if failure and status is not Status.COMPLETED else "",
                failure.message if failure and status is not Status.COMPLETED else "",
            ]
        )
