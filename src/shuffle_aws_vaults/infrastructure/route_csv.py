"""The --route-csv file: rows of column,value,dest_account,dest_vault[,dest_region] read into
the domain's RouteTable; every refusal names the file and the line."""

from __future__ import annotations

import csv
from pathlib import Path

from ..application.errors import OperatorError
from ..domain.routing import RouteFileError, RouteTable, route_table

MAX_BYTES = 16 * 1024 * 1024  # a route table is a few rows per application, not a data file


class RouteCsvError(OperatorError):
    """A route file that cannot be read or used."""


def load_route_csv(path: Path) -> RouteTable:
    try:
        if path.is_dir():
            raise RouteCsvError(f"--route-csv {path}: is a directory, not a file")
        if path.stat().st_size > MAX_BYTES:
            raise RouteCsvError(f"--route-csv {path}: over {MAX_BYTES // 2**20} MiB")
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise RouteCsvError(f"--route-csv {path}: no such file") from None
    except PermissionError:
        raise RouteCsvError(f"--route-csv {path}: permission denied") from None
    except UnicodeDecodeError as exc:
        line = text_line(path, exc.start)
        raise RouteCsvError(f"{path}:{line}: not UTF-8 text") from None
    except OSError as exc:
        raise RouteCsvError(f"--route-csv {path}: {exc.strerror or exc}") from None
    if "\x00" in text:
        raise RouteCsvError(f"{path}:{text[: text.index(chr(0))].count(chr(10)) + 1}: a NUL byte")
    reader = csv.reader(text.splitlines())
    try:
        return route_table(((reader.line_num, row) for row in reader), str(path))
    except RouteFileError as exc:
        if exc.line == 0:
            raise RouteCsvError(f"--route-csv {path}: {str(exc).partition(': ')[2]}") from None
        raise RouteCsvError(f"{path}:{exc}") from None
    except csv.Error as exc:
        raise RouteCsvError(f"{path}:{reader.line_num}: {exc}") from None


def text_line(path: Path, offset: int) -> int:
    """The line of byte `offset` in `path`."""
    with open(path, "rb") as handle:
        return handle.read(offset).count(b"\n") + 1
