"""The operator's metadata CSV, loaded once into a dict for O(1) lookups by resource ARN.

Format: a header row that contains `resourceArn`; every other column is a metadata field. UTF-8
with or without a BOM, LF or CRLF line ends. Duplicated ARNs are reported and the first row wins.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TextIO, TypeVar

from ..application.errors import OperatorError
from .gc_pause import collector_paused

ARN_COLUMN = "resourceArn"
MAX_FIELD = 128 * 1024  # csv's default; a larger field is an error, not a memory blow-up
HEADER_LIMIT = 1024 * 1024
EXAMPLES = 3
T = TypeVar("T")


class MetadataCsvError(OperatorError):
    """The CSV cannot be used; the message names the file and, where it applies, the line."""


@dataclass
class Duplicates:
    """Rows whose resourceArn appeared earlier in the file."""

    count: int = 0
    examples: list[tuple[str, int, int]] = field(default_factory=list)  # (arn, first, again)
    conflicting: int = 0
    conflict_examples: list[tuple[str, int, int, str]] = field(default_factory=list)

    def describe(self, path: Path) -> str:
        lines = ", ".join(f"{first} and {again}" for _, first, again in self.examples)
        text = f"{path}: {self.count:,} duplicate {ARN_COLUMN} rows (lines {lines}"
        text += ", ...)" if self.count > len(self.examples) else ")"
        if self.conflicting:
            what = "; ".join(
                f"{arn} at lines {first} and {again} differ in {columns}"
                for arn, first, again, columns in self.conflict_examples
            )
            text += f"; {self.conflicting:,} with conflicting values ({what})"
        return text + "; the first row of each wins"


class CsvMetadataIndex:
    """Metadata rows by resource ARN; each row is kept as read, resourceArn included."""

    def __init__(
        self, path: Path, names: tuple[str, ...], arn_at: int, rows: dict[str, list[str]]
    ) -> None:
        self.path = path
        self._names = names
        self._arn_at = arn_at
        self._rows = rows
        self.duplicates = Duplicates()

    @property
    def columns(self) -> tuple[str, ...]:
        return self._names[: self._arn_at] + self._names[self._arn_at + 1 :]

    def __len__(self) -> int:
        return len(self._rows)

    def warning(self) -> str | None:
        if not self._rows:
            return f"{self.path} has a header but no rows: no recovery point gets metadata"
        return self.duplicates.describe(self.path) if self.duplicates.count else None

    def get(self, resource_arn: str) -> Mapping[str, str] | None:
        row = self._rows.get(resource_arn)
        if row is None:
            return None
        out = dict(zip(self._names, row, strict=True))
        del out[ARN_COLUMN]
        return out


def load_metadata_csv(path: Path) -> CsvMetadataIndex:
    """Read and index `path`; raises MetadataCsvError naming the file and line.

    The common case (no blank lines, duplicates or stray spaces) is indexed in bulk with the
    garbage collector paused, which is what brings a million rows under the 3 s goal. Anything
    unusual sends the file through a second, row-by-row pass that reports exact line numbers.
    """
    csv.field_size_limit(MAX_FIELD)
    with collector_paused():
        with _open(path) as handle:
            width = _header_width(path, handle)
            reader = _reader(handle, width)
            header = _read(path, reader, lambda: next(reader, None))
            names, arn_at = _header(path, header)
            data = _read(path, reader, lambda: list(reader))
        index = _bulk_index(path, names, arn_at, data)
        if index is not None:
            return index
        with _open(path) as handle:
            reader = _reader(handle, width)
            next(reader)
            return _read(path, reader, lambda: _exact_index(path, names, arn_at, reader))


def _header_width(path: Path, handle: TextIO) -> int:
    """How many columns the header names (read on its own, then the file is rewound)."""
    first = _read(path, None, lambda: handle.readline(HEADER_LIMIT))
    if len(first) == HEADER_LIMIT and not first.endswith("\n"):
        raise MetadataCsvError(f"{path}:1: a header line longer than {HEADER_LIMIT:,} characters")
    handle.seek(0)
    try:
        return len(next(csv.reader([first]), []))
    except csv.Error:
        return 1


def _reader(handle: TextIO, width: int) -> Any:
    """csv rows, reading no line beyond what `width` fields of MAX_FIELD characters can take
    (doubled quotes included): a 200 MB line is refused after reading a few MiB of it, not
    all of it. A line cut there cannot be valid, and the field limit or the field count says
    so. The reads are C-level (readline through partial): no Python code per line."""
    limit = (width + 1) * (2 * MAX_FIELD + 3)
    return csv.reader(iter(partial(handle.readline, limit), ""), strict=True)


def _open(path: Path) -> TextIO:
    try:
        return path.open("r", encoding="utf-8-sig", newline="")
    except FileNotFoundError:
        raise MetadataCsvError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise MetadataCsvError(f"{path}: is a directory, not a CSV file") from None
    except PermissionError:
        raise MetadataCsvError(f"{path}: permission denied") from None


def _read(path: Path, reader: Any, step: Callable[[], T]) -> T:
    """Run `step`, turning decoding and CSV syntax errors into errors that name the line."""
    try:
        return step()
    except UnicodeDecodeError as exc:
        line, byte = _first_bad_utf8(path, exc)
        raise MetadataCsvError(
            f"{path}:{line}: not UTF-8 (byte 0x{byte:02x}); save the file as UTF-8"
        ) from None
    except csv.Error as exc:
        detail = str(exc)
        if "field larger than field limit" in detail:
            detail = f"a field is longer than {MAX_FIELD:,} characters"
        line = reader.line_num if reader is not None else 1
        raise MetadataCsvError(f"{path}:{line}: {detail}") from None


def _first_bad_utf8(path: Path, exc: UnicodeDecodeError) -> tuple[int, int]:
    """Line and byte of the first invalid UTF-8 (the decoder reads ahead in large chunks)."""
    try:
        with path.open("rb") as handle:
            for number, raw in enumerate(handle, start=1):
                try:
                    raw.decode("utf-8")
                except UnicodeDecodeError as bad:
                    return number, raw[bad.start]
    except OSError:
        pass
    return 1, exc.object[exc.start]


def _header(path: Path, header: list[str] | None) -> tuple[tuple[str, ...], int]:
    if header is None:
        raise MetadataCsvError(f"{path}: the file is empty (a header with {ARN_COLUMN} is needed)")
    names = tuple(name.strip() for name in header)
    if ARN_COLUMN not in names:
        close = [n for n in names if n.lower() == ARN_COLUMN.lower()]
        hint = f" (found {close[0]!r}: the name is case-sensitive)" if close else ""
        joined = ",".join(header)
        for other in (";", "\t", "|"):
            if not close and ARN_COLUMN in joined and other in joined:
                shown = "tab" if other == "\t" else other
                hint = f" (the file looks {shown}-delimited; it must be comma-separated)"
        raise MetadataCsvError(f"{path}:1: no {ARN_COLUMN} column in the header{hint}")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise MetadataCsvError(f"{path}:1: column {repeated[0]!r} appears more than once")
    return names, names.index(ARN_COLUMN)


def _bulk_index(
    path: Path, names: tuple[str, ...], arn_at: int, data: list[list[str]]
) -> CsvMetadataIndex | None:
    """The index of a clean file, or None when the exact pass must look closer."""
    width = len(names)
    if any(len(row) != width for row in data):
        return None  # a blank line or a wrong field count
    rows = {row[arn_at]: row for row in reversed(data)}  # reversed: the first row wins
    if len(rows) != len(data) or "" in rows:
        return None  # duplicates, or an empty ARN
    if any(arn[0].isspace() or arn[-1].isspace() for arn in rows):
        return None
    return CsvMetadataIndex(path, names, arn_at, rows)


def _exact_index(path: Path, names: tuple[str, ...], arn_at: int, reader: Any) -> CsvMetadataIndex:
    width = len(names)
    rows: dict[str, list[str]] = {}
    first_line: dict[str, int] = {}
    duplicates = Duplicates()
    for row in reader:
        if len(row) != width:
            if not row:
                continue  # a blank line
            raise MetadataCsvError(
                f"{path}:{reader.line_num}: expected {width} fields, found {len(row)}"
            )
        arn = row[arn_at] = row[arn_at].strip()
        if not arn:
            raise MetadataCsvError(f"{path}:{reader.line_num}: empty {ARN_COLUMN}")
        known = rows.get(arn)
        if known is None:
            rows[arn] = row
            first_line[arn] = reader.line_num
            continue
        _note_duplicate(duplicates, names, arn, first_line[arn], reader.line_num, known, row)
    index = CsvMetadataIndex(path, names, arn_at, rows)
    index.duplicates = duplicates
    return index


def _note_duplicate(
    duplicates: Duplicates,
    names: tuple[str, ...],
    arn: str,
    first: int,
    again: int,
    known: list[str],
    values: list[str],
) -> None:
    duplicates.count += 1
    if len(duplicates.examples) < EXAMPLES:
        duplicates.examples.append((arn, first, again))
    if known != values:
        duplicates.conflicting += 1
        if len(duplicates.conflict_examples) < EXAMPLES:
            differ = ", ".join(n for n, a, b in zip(names, known, values, strict=True) if a != b)
            duplicates.conflict_examples.append((arn, first, again, differ))
