"""Rows out as a table for people, or streamed JSON, CSV or text for programs; documents (and
anything under --query) as JSON or text, as the AWS CLI prints them."""

from __future__ import annotations

import csv
import json
import tempfile
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol, TextIO

from ..domain.units import human_size

TABLE_IN_MEMORY = 8 * 1024**2  # bytes of rows a table holds before it spools them to a file


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


class CollectingWriter:
    """The rows kept as they would be printed in JSON, for --query (which needs them all)."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def write(self, row: Mapping[str, Any]) -> None:
        self.rows.append(_json_row(row))

    def close(self) -> None:
        return


class TextRowWriter:
    """Tab-separated values without a header, one row a line, as `aws --output text` prints."""

    def __init__(self, stream: TextIO, columns: Sequence[str]) -> None:
        self._stream = stream
        self._columns = list(columns)

    def write(self, row: Mapping[str, Any]) -> None:
        self._stream.write("\t".join(_text(row.get(column)) for column in self._columns) + "\n")

    def close(self) -> None:
        return


class TableWriter:
    """Aligned columns, their widths from every row: the rows wait (in memory, then in a
    private temporary file) until the last one is known."""

    def __init__(
        self, stream: TextIO, columns: Sequence[str], *, right: Sequence[str] = ()
    ) -> None:
        self._stream = stream
        self._columns = list(columns)
        self._right = set(right)
        # Closed in close(), as a writer's own file (not a with block's).
        spool = tempfile.SpooledTemporaryFile
        self._rows: Any = spool(TABLE_IN_MEMORY, mode="w+")
        self._widths = [len(self._title(column)) for column in self._columns]
        self._count = 0

    @staticmethod
    def _title(column: str) -> str:
        return column.upper().replace("_", " ")

    def write(self, row: Mapping[str, Any]) -> None:
        cells = [self._cell(column, row.get(column)) for column in self._columns]
        self._widths = [max(w, len(cell)) for w, cell in zip(self._widths, cells, strict=True)]
        self._rows.write(json.dumps(cells) + "\n")
        self._count += 1

    def _cell(self, column: str, value: Any) -> str:
        if value is None:
            return ""
        if column == "size" and isinstance(value, int):
            return human_size(value)
        return str(_plain(value))

    def _line(self, cells: list[str]) -> None:
        parts = []
        for column, cell, width in zip(self._columns, cells, self._widths, strict=True):
            parts.append(cell.rjust(width) if column in self._right else cell.ljust(width))
        self._stream.write("  ".join(parts).rstrip() + "\n")

    def close(self) -> None:
        if not self._count:
            self._stream.write("(none)\n")
            self._rows.close()
            return
        self._line([self._title(column) for column in self._columns])
        self._rows.seek(0)
        for line in self._rows:
            self._line(json.loads(line))
        self._rows.close()


def _text(value: Any) -> str:
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), default=str)
    return str(value)


def compile_query(expression: str) -> Any:
    """A --query (JMESPath, as the AWS CLI's); a bad one is a usage error before any AWS call."""
    import jmespath
    from jmespath.exceptions import JMESPathError

    try:
        return jmespath.compile(expression)
    except JMESPathError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ValueError(f"--query {expression!r}: {first}") from None


def print_document(document: Any, fmt: str, query: str | None, stream: TextIO) -> None:
    """`document` (what --output json prints), after --query, as JSON or as text."""
    if query:
        document = compile_query(query).search(document)
    if fmt == "text":
        _write_text(document, stream)
    else:
        stream.write(json.dumps(document, indent=2, default=str) + "\n")


def _write_text(value: Any, stream: TextIO) -> None:
    """The AWS CLI's text form, flattened: a list of objects is a line per object (its values
    tab-separated), a list of scalars one line, an object its scalar values on one line and
    each list or object it holds after it."""
    if isinstance(value, list):
        if value and all(isinstance(item, dict) for item in value):
            for item in value:
                _write_text(item, stream)
        elif value:
            stream.write("\t".join(_text(item) for item in value) + "\n")
        return
    if isinstance(value, dict):
        scalars = [_text(v) for v in value.values() if not isinstance(v, dict | list)]
        if scalars:
            stream.write("\t".join(scalars) + "\n")
        for nested in value.values():
            if isinstance(nested, dict | list):
                _write_text(nested, stream)
        return
    if value is not None:
        stream.write(_text(value) + "\n")


def make_writer(fmt: str, stream: TextIO, columns: Sequence[str]) -> RowWriter:
    if fmt == "json":
        return JsonArrayWriter(stream)
    if fmt == "csv":
        return CsvRowWriter(stream, columns)
    if fmt == "text":
        return TextRowWriter(stream, columns)
    return TableWriter(stream, columns, right=("size", "recovery_points"))
