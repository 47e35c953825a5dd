"""Destinations chosen by metadata (--route-csv): rows of `column,value,dest_account,dest_vault
[,dest_region]` that send the recovery points whose metadata column has that value to that
destination; a row whose value is `*` is the default. A recovery point that no row routes is
left out (`no-route`)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .regions import REGION_NAME

ACCOUNT_ID = re.compile(r"[0-9]{12}")
VAULT_NAME = re.compile(r"[A-Za-z0-9_-]{2,50}")  # CreateBackupVault's pattern
DEFAULT = "*"
HEADER = ("column", "value", "dest_account", "dest_vault", "dest_region")


class RouteFileError(ValueError):
    """A route row that cannot be used; the message starts with its line ("N: ...")."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"{line}: {message}")
        self.line = line


@dataclass(frozen=True)
class Destination:
    """Where a routed recovery point's copy goes (`region`: None for the route's own)."""

    account: str
    vault: str
    region: str | None = None

    def vault_arn(self, default_region: str) -> str:
        region = self.region or default_region
        return f"arn:aws:backup:{region}:{self.account}:backup-vault:{self.vault}"

    def place(self, default_region: str) -> tuple[str, str]:
        """(account, Region): the destination account it is asked of."""
        return self.account, self.region or default_region


@dataclass(frozen=True)
class RouteRule:
    column: str
    value: str
    destination: Destination
    line: int


@dataclass(frozen=True)
class RouteTable:
    """The rows in file order: the first row whose column has the item's value routes it,
    else the first default row."""

    rules: tuple[RouteRule, ...]
    source: str = ""  # the file's name, for messages
    # Built from `rules`: each column's values to their (row order, rule), and the default
    # row, so that a recovery point is routed in a lookup per column, not a pass over the rows
    # (a scan asks once per recovery point).
    _by_column: dict[str, dict[str, tuple[int, RouteRule]]] = field(
        init=False, repr=False, compare=False
    )
    _default: RouteRule | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_column: dict[str, dict[str, tuple[int, RouteRule]]] = {}
        for order, rule in enumerate(self.rules):
            if rule.value != DEFAULT:
                by_column.setdefault(rule.column, {}).setdefault(rule.value, (order, rule))
        defaults = [rule for rule in self.rules if rule.value == DEFAULT]
        object.__setattr__(self, "_by_column", by_column)
        object.__setattr__(self, "_default", defaults[0] if defaults else None)

    def destination_of(self, metadata: Mapping[str, str] | None) -> Destination | None:
        """The first row (in file order) whose column has the item's value, else the default."""
        found = metadata or {}
        matched = [
            hit
            for column, values in self._by_column.items()
            if (hit := values.get(found.get(column, ""))) is not None
        ]
        if matched:
            return min(matched, key=lambda hit: hit[0])[1].destination
        return self._default.destination if self._default is not None else None

    def vaults_at(self, place: tuple[str, str], default_region: str) -> list[str]:
        """The vaults the rows send copies to in the destination (account, Region) `place`."""
        return [
            rule.destination.vault
            for rule in self.rules
            if rule.destination.place(default_region) == place
        ]

    @property
    def accounts(self) -> tuple[str, ...]:
        """The destination accounts, in the order the rows first name them."""
        return tuple(dict.fromkeys(rule.destination.account for rule in self.rules))

    @property
    def columns(self) -> frozenset[str]:
        return frozenset(rule.column for rule in self.rules)

    def describe(self) -> list[list[str]]:
        """The rows as values, for the migration's identity (a changed table is another
        migration)."""
        return [
            [rule.column, rule.value, d.account, d.vault, d.region or ""]
            for rule in self.rules
            for d in (rule.destination,)
        ]


def route_table(rows: Iterable[tuple[int, list[str]]], source: str = "") -> RouteTable:
    """The table from (line, fields) rows; a first row naming the columns is a header."""
    rules: list[RouteRule] = []
    seen: dict[tuple[str, str], int] = {}
    for line, fields in rows:
        cells = [cell.strip() for cell in fields]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if not rules and not seen and tuple(c.lower() for c in cells[:4]) == HEADER[:4]:
            seen[("", "")] = line  # the header
            continue
        if len(cells) not in (4, 5):
            raise RouteFileError(
                line,
                "expected column,value,dest_account,dest_vault[,dest_region], "
                f"got {len(cells)} fields",
            )
        column, value, account, vault = cells[:4]
        region = cells[4] if len(cells) == 5 and cells[4] else None
        if not column:
            raise RouteFileError(line, "the metadata column is empty")
        if not value:
            raise RouteFileError(line, f"the value for {column} is empty (use * for the default)")
        if not ACCOUNT_ID.fullmatch(account):
            raise RouteFileError(line, f"dest_account {account!r} is not a 12-digit account ID")
        if not VAULT_NAME.fullmatch(vault):
            raise RouteFileError(
                line, f"dest_vault {vault!r}: a vault name is 2 to 50 letters, digits, - and _"
            )
        if vault == "Default":
            raise RouteFileError(
                line, "dest_vault Default: AWS Backup cannot copy into another account's Default"
            )
        if region is not None and not REGION_NAME.fullmatch(region):
            raise RouteFileError(line, f"dest_region {region!r} is not a Region name")
        key = (column, value) if value != DEFAULT else ("", DEFAULT)
        if key in seen:
            raise RouteFileError(
                line,
                (
                    f"{column}={value} is routed already at line {seen[key]}"
                    if value != DEFAULT
                    else f"a second default row (the first at line {seen[key]})"
                ),
            )
        seen[key] = line
        rules.append(RouteRule(column, value, Destination(account, vault, region), line))
    if not rules:
        raise RouteFileError(0, "no route rows")
    return RouteTable(tuple(rules), source)
