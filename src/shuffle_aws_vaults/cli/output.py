"""Rows out as a table for people, or streamed JSON or CSV for programs."""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol, TextIO

from ..domain.units import human_size

FORMATS = ("table", "json", "csv")
TABLE_SAMPLE = 200  # rows read before a table fixes its column widths


class RowWriter(Protocol):
    def write(self, row: Mapping[str, Any]) -> None: ...

    def close(self) -> None: ...


def iso(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    return value


class JsonArrayWriter:
    """A JSON array written item by item: memory stays flat however many rows there are."""

    def __init__(self, stream: TextIO, *, key: str | None = None, preamble: str = "") -> None:
        self._stream = stream
        self._count = 0
        self._stream.write(preamble + (f'"{key}": [' if key else "["))

    def write(self, row: Mapping[str, Any]) -> None:
        self._stream.write(("\n" if self._count == 0 else ",\n") + json.dumps(_json_row(row)))
        self._count += 1

    def close(self) -> None:
        self._stream.write("\n]" if self._count else "]")


def _json_row(row: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _plain(value) for key, value in row.items()}


class CsvRowWriter:
    def __init__(self, stream: TextIO, columns: Sequence[str]) -> None:
        self._writer = csv.DictWriter(stream, fieldnames=list(columns), extrasaction="ignore")
        self._writer.writeheader()

    def write(self, row: Mapping[str, Any]) -> None:
        self._writer.writerow({key: _plain(value) for key, value in row.items()})

    def close(self) -> None:
        return


class TableWriter:
    """Aligned columns; widths come from the first rows, later longer values just push right."""

    def __init__(
        self, stream: TextIO, columns: Sequence[str], *, right: Sequence[str] = ()
    ) -> None:
        self._stream = stream
        self._columns = list(columns)
        self._right = set(right)
        self._buffer: list[list[str]] = []
        self._widths: list[int] | None = None

    def write(self, row: Mapping[str, Any]) -> None:
        cells = [self._cell(column, row.get(column)) for column in self._columns]
        if self._widths is None:
            self._buffer.append(cells)
            if len(self._buffer) >= TABLE_SAMPLE:
                self._flush()
        else:
            self._line(cells)

    def _cell(self, column: str, value: Any) -> str:
        if value is None:
            return ""
        if column == "size" and isinstance(value, int):
            return human_size(value)
        return str(_plain(value))

    def _flush(self) -> None:
        header = [column.upper().replace("_", " ") for column in self._columns]
        rows = [header, *self._buffer]
        self._widths = [max(len(r[i]) for r in rows) for i in range(len(self._columns))]
        self._line(header)
        for cells in self._buffer:
            self._line(cells)
        self._buffer = []

    def _line(self, cells: list[str]) -> None:
        assert self._widths is not None
        parts = []
        for column, cell, width in zip(self._columns, cells, self._widths, strict=True):
            parts.append(cell.rjust(width) if column in self._right else cell.ljust(width))
        self._stream.write("  ".join(parts).rstrip() + "\n")

    def close(self) -> None:
        if self._widths is None:
            if self._buffer:
                self._flush()
            else:
                self._stream.write("(none)\n")


def make_writer(fmt: str, stream: TextIO, columns: Sequence[str]) -> RowWriter:
    if fmt == "json":
        return JsonArrayWriter(stream)
    if fmt == "csv":
        return CsvRowWriter(stream, columns)
    return TableWriter(stream, columns, right=("size", "recovery_points"))
