"""The run summary (JSON) and the per-item report (CSV), written atomically with mode 0600."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import stat
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from ..application.errors import OperatorError
from ..domain.copy_job import Lifecycle
from ..domain.lifecycle import clamped_text
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
    "lifecycle",  # the Lifecycle its StartCopyJob is sent with ('': none, the source's kept)
    "lifecycle_clamped",  # --fit-retention: DeleteAfterDays before->sent ('never->365')
)


class OutputError(OperatorError):
    """A report, summary or other output file that cannot be written (the message names it)."""


@contextlib.contextmanager
def private_file(path: Path) -> Iterator[TextIO]:
    """Whole or not at all: written to a temporary file (mode 0600), renamed into place.

    A target that exists and is not a regular file (/dev/stdout, a named pipe) is written
    straight through instead: renaming over it would replace the device or pipe itself.
    """
    try:
        special = path.exists() and not stat.S_ISREG(path.stat().st_mode) and not path.is_dir()
        if special:
            with path.open("w", encoding="utf-8", newline="") as handle:
                yield handle
            return
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
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None


def write_private(path: Path, text: str) -> None:
    with private_file(path) as handle:
        handle.write(text)


def write_summary(path: Path, summary: Mapping[str, Any]) -> None:
    write_private(path, json.dumps(summary, indent=2) + "\n")


def write_report_csv(
    path: Path,
    parts: Sequence[tuple[str, MigrationState]],
    metadata: Any | None,
    metadata_columns: Sequence[str] = (),
    *,
    region_column: bool = False,
    account_columns: bool = False,
    dest_columns: bool = False,
) -> None:
    """One row per planned item of every route (its key, state), each route's in plan order;
    `region_column`: the Region first (a copy over several Regions); `account_columns`: the
    source account and Region first and the destination account last (several accounts: the
    keys are ACCOUNT/REGION); `dest_columns` (--route-csv): the destination account, vault and
    Region last."""
    first = ["account", "region"] if account_columns else ["region"] if region_column else []
    last = ["dest_account"] if account_columns or dest_columns else []
    last += ["dest_vault", "dest_region"] if dest_columns else []
    with private_file(path) as handle:
        writer = csv.writer(handle)
        writer.writerow([*first, *header_of(metadata_columns), *last])
        for key, state in parts:
            shown = key.split("/", 1) if account_columns else [key] if region_column else []
            _write_rows(writer, state, metadata, metadata_columns, shown, len(last))


class FileReports:
    """The Reports port: the summary JSON and the per-item report CSV, each 0600; and any
    CSV a command writes (verify's --report-csv)."""

    def write_summary(self, path: Path, summary: Mapping[str, Any]) -> None:
        write_summary(path, summary)

    def write_report_csv(
        self,
        path: Path,
        parts: Sequence[tuple[str, MigrationState]],
        metadata: Any | None,
        *,
        region_column: bool,
        account_columns: bool = False,
        dest_columns: bool = False,
    ) -> None:
        columns = metadata.columns if metadata else ()
        write_report_csv(
            path,
            parts,
            metadata,
            columns,
            region_column=region_column,
            account_columns=account_columns,
            dest_columns=dest_columns,
        )

    def write_csv(
        self, path: Path, columns: Sequence[str], rows: Iterable[Mapping[str, Any]]
    ) -> None:
        with private_file(path) as handle:
            writer = csv.DictWriter(handle, fieldnames=list(columns))
            writer.writeheader()
            writer.writerows(rows)


def where(vault_arn: str) -> tuple[str, str, str]:
    """arn:aws:backup:REGION:ACCOUNT:backup-vault:NAME -> (ACCOUNT, NAME, REGION)."""
    parts = vault_arn.split(":", 6)
    return parts[4], parts[6], parts[3]


def header_of(metadata_columns: Sequence[str]) -> list[str]:
    return [*REPORT_COLUMNS[:4], *metadata_columns, *REPORT_COLUMNS[4:]]


def _write_rows(
    writer: Any,
    state: MigrationState,
    metadata: Any | None,
    metadata_columns: Sequence[str],
    first: list[str],
    dest_fields: int,
) -> None:
    names = [status.name for status in Status]
    names[Status.INTENT] = "UNCONFIRMED"
    no_failure = ("", "")
    failures, dest_arns, job_ids = state.failures, state.dest_arns, state.job_ids
    status, attempts = state.status, state.attempts
    completed = Status.COMPLETED
    columns = list(metadata_columns)
    shown_lifecycles: dict[Lifecycle | None, tuple[str, str]] = {None: ("", "")}

    def lifecycle_of(lifecycle: Lifecycle | None) -> tuple[str, str]:
        found = shown_lifecycles.get(lifecycle)
        if found is None:
            assert lifecycle is not None
            found = shown_lifecycles[lifecycle] = (lifecycle.describe(), clamped_text(lifecycle))
        return found

    def meta_of(item: Any) -> list[str]:
        if metadata is None or not columns:
            return []
        meta = metadata.get(item.resource_arn) or {}
        return [meta.get(column, "") for column in columns]

    def row(i: int, item: Any) -> list[Any]:
        failure = failures.get(i) if failures else None
        shown = (failure.code, failure.message) if failure and status[i] != completed else None
        return [
            *first,
            item.source_arn,
            item.source_vault,
            item.resource_arn,
            item.resource_type,
            *meta_of(item),
            names[status[i]],
            job_ids[i] or "",
            dest_arns.get(i, ""),
            attempts[i],
            *(shown or no_failure),
            *lifecycle_of(item.lifecycle),
            *where(item.dest_vault_arn)[:dest_fields],
        ]

    writer.writerows(row(i, item) for i, item in enumerate(state.items))
