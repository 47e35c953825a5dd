"""Fakes of the ports a use case over routes needs: the accounts (a Wiring per route), the
state files, and the operator's notices."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

from shuffle_aws_vaults.application.ports import Wiring
from shuffle_aws_vaults.domain.migration import MigrationState
from shuffle_aws_vaults.domain.regions import RegionsUnknown


class RecordingNotices:
    """Notices kept: `said` every line as it would print, `warnings` the warnings alone."""

    def __init__(self, prefix: str = "", said: list[str] | None = None) -> None:
        self.prefix = prefix
        self.said: list[str] = said if said is not None else []
        self.warnings: list[str] = []

    def say(self, line: str) -> None:
        self.said.append(self.prefix + line)

    def warn(self, line: str) -> None:
        self.warnings.append(line)
        self.say(f"warning: {line}")

    def prefixed(self, prefix: str) -> RecordingNotices:
        return RecordingNotices(self.prefix + prefix, self.said)


class Catalog:
    def __init__(self, regions: list[str] | None) -> None:
        self.regions = regions

    def enabled_regions(self) -> list[str]:
        if self.regions is None:
            raise RegionsUnknown("cannot tell; give --regions")
        return list(self.regions)


class FakeAccounts:
    """The Accounts port over gateway fakes by Region; `asked` the routes wired, in order."""

    def __init__(
        self,
        sources: Mapping[str, Any],
        dests: Mapping[str, Any] | None = None,
        *,
        account: str = "111111111111",
        home: str | None = None,
        enabled: list[str] | None = None,
        wiring: Mapping[str, Any] | None = None,
    ) -> None:
        self.sources, self.dests = dict(sources), dict(dests or {})
        self.source_account = account
        self._home = home or next(iter(self.sources))
        self.dest_home = self.home if self.dests else None
        self.catalog = Catalog(enabled if enabled is not None else sorted(self.sources))
        self.asked: list[tuple[str, str | None]] = []  # the routes wired with a destination
        self.extra = dict(wiring or {})  # keys, metadata, source_checks, statistics
        self.others: dict[str, FakeAccounts] = {}  # other source accounts, by ID
        self.organization: list[str] = []  # the organization's ACTIVE members
        self.destinations: dict[tuple[str, str], Any] = {}  # --route-csv's, by (account, Region)

    @property
    def home(self) -> str:
        return self._home

    @property
    def metadata(self) -> Any:
        return self.extra.get("metadata")

    def of(self, account: str) -> FakeAccounts:
        if account == self.source_account:
            return self
        if account not in self.others:
            raise KeyError(f"no fake account {account}")
        return self.others[account]

    def members(self) -> list[str]:
        return list(self.organization)

    def destination(self, account: str, region: str) -> Any:
        return self.destinations[(account, region)]

    def wiring(self, region: str, dest_region: str | None = None) -> Wiring:
        if dest_region is not None:
            self.asked.append((region, dest_region))
        return Wiring(
            source=self.sources[region],
            keys=self.extra.get("keys"),
            metadata=self.extra.get("metadata"),
            source_checks=cast(Any, self.extra.get("source_checks")),
            statistics=cast(Any, self.extra.get("statistics")),
            dest=self.dests.get(dest_region or region) if self.dests else None,
        )


class Store:
    def __init__(self, path: Path, journal: tuple[dict[str, Any], MigrationState] | None) -> None:
        self.journal_path = path
        self.journal = journal

    def exists(self) -> bool:
        return self.journal is not None

    def read(self) -> tuple[dict[str, Any], MigrationState]:
        assert self.journal is not None
        return self.journal

    def holder(self) -> str | None:
        return None


class FakeStates:
    """The StateFiles port over journals by path."""

    def __init__(self, journals: Mapping[Path, tuple[dict[str, Any], MigrationState]]) -> None:
        self.journals = dict(journals)

    def store(self, path: Path) -> Any:
        return Store(path, self.journals.get(path))

    def routes_in(self, directory: Path) -> list[str]:
        return sorted(
            str(path.relative_to(directory)).removesuffix(".jsonl")
            for path in self.journals
            if path.is_relative_to(directory)
        )
