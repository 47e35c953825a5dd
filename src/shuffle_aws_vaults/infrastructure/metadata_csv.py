"""The operator's metadata CSV, loaded once into a dict for O(1) lookups by resource ARN.

Format: a header row that contains `resourceArn`; every other column is a metadata field. UTF-8
with or without a BOM, LF or CRLF line ends. Duplicated ARNs are reported and the first row wins.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ARN_COLUMN = "resourceArn"
MAX_FIELD = 128 * 1024  # csv's default; a larger field is an error, not a memory blow-up
EXAMPLES = 3


class MetadataCsvError(Exception):
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
    """Metadata rows by resource ARN."""

    def __init__(
        self, path: Path, columns: tuple[str, ...], rows: dict[str, tuple[str, ...]]
    ) -> None:
        self.path = path
        self._columns = columns
        self._rows = rows
        self.duplicates = Duplicates()

    @property
    def columns(self) -> tuple[str, ...]:
        return self._columns

    def __len__(self) -> int:
        return len(self._rows)

    def get(self, resource_arn: str) -> Mapping[str, str] | None:
        values = self._rows.get(resource_arn)
        return None if values is None else dict(zip(self._columns, values, strict=True))


def load_metadata_csv(path: Path) -> CsvMetadataIndex:
    """Read and index `path`; raises MetadataCsvError naming the file and line."""
    csv.field_size_limit(MAX_FIELD)
    try:
        handle = path.open("r", encoding="utf-8-sig", newline="")
    except FileNotFoundError:
        raise MetadataCsvError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise MetadataCsvError(f"{path}: is a directory, not a CSV file") from None
    except PermissionError:
        raise MetadataCsvError(f"{path}: permission denied") from None
    with handle:
        reader = csv.reader(handle, strict=True)
        try:
            return _index(path, reader)
        except UnicodeDecodeError as exc:
            raise MetadataCsvError(
                f"{path}:{reader.line_num + 1}: not UTF-8 (byte 0x{exc.object[exc.start]:02x}); "
                "save the file as UTF-8"
            ) from None
        except csv.Error as exc:
            detail = str(exc)
            if "field larger than field limit" in detail:
                detail = f"a field is longer than {MAX_FIELD:,} characters"
            raise MetadataCsvError(f"{path}:{reader.line_num}: {detail}") from None


def _index(path: Path, reader: Any) -> CsvMetadataIndex:  # a csv reader: rows + line_num
    header = next(reader, None)
    if header is None:
        raise MetadataCsvError(f"{path}: the file is empty (a header with {ARN_COLUMN} is needed)")
    names = [name.strip() for name in header]
    if ARN_COLUMN not in names:
        close = [n for n in names if n.lower() == ARN_COLUMN.lower()]
        hint = f" (found {close[0]!r}: the name is case-sensitive)" if close else ""
        raise MetadataCsvError(f"{path}:1: no {ARN_COLUMN} column in the header{hint}")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise MetadataCsvError(f"{path}:1: column {repeated[0]!r} appears more than once")
    arn_at = names.index(ARN_COLUMN)
    columns = tuple(n for i, n in enumerate(names) if i != arn_at)
    width = len(names)
    rows: dict[str, tuple[str, ...]] = {}
    first_line: dict[str, int] = {}
    duplicates = Duplicates()
    for row in reader:
        if len(row) != width:
            if not row:
                continue  # a blank line
            raise MetadataCsvError(
                f"{path}:{reader.line_num}: expected {width} fields, found {len(row)}"
            )
        arn = row[arn_at].strip()
        if not arn:
            raise MetadataCsvError(f"{path}:{reader.line_num}: empty {ARN_COLUMN}")
        del row[arn_at]
        values = tuple(row)
        known = rows.get(arn)
        if known is None:
            rows[arn] = values
            first_line[arn] = reader.line_num
            continue
        _note_duplicate(duplicates, columns, arn, first_line[arn], reader.line_num, known, values)
    index = CsvMetadataIndex(path, columns, rows)
    index.duplicates = duplicates
    return index


def _note_duplicate(
    duplicates: Duplicates,
    columns: tuple[str, ...],
    arn: str,
    first: int,
    again: int,
    known: tuple[str, ...],
    values: tuple[str, ...],
) -> None:
    duplicates.count += 1
    if len(duplicates.examples) < EXAMPLES:
        duplicates.examples.append((arn, first, again))
    if known != values:
        duplicates.conflicting += 1
        if len(duplicates.conflict_examples) < EXAMPLES:
            differ = ", ".join(c for c, a, b in zip(columns, known, values, strict=True) if a != b)
            duplicates.conflict_examples.append((arn, first, again, differ))
