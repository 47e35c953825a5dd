"""Where a migration's state lives: each route's journal, named by the flags (--state-file for
one Region, --state-dir for several) or found where the same command line always finds it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..domain.identity import state_file_name
from ..domain.selection import Selection
from .errors import RequestRefused

APP = "shuffle-aws-vaults"
JOURNAL_SUFFIX = ".jsonl"


@dataclass(frozen=True)
class MigrationName:
    """What names a migration's default state: its accounts, vaults and selection (and, for
    one Region, the Region the flags or the environment give)."""

    source_account: str | None
    dest_account: str | None
    region: str | None
    vaults: tuple[str, ...]
    all_vaults: bool
    dest_vault: str | None
    selection: Selection

    @property
    def complete(self) -> bool:
        """Enough to find the default state: both accounts and the vaults."""
        return bool(self.source_account and self.dest_account and (self.vaults or self.all_vaults))


@dataclass(frozen=True)
class StateLocation:
    """--state-file or --state-dir as given, and the default state's home ($XDG_STATE_HOME or
    ~/.local/state) with the migration's name."""

    state_file: Path | None
    state_dir: Path | None
    home: Path
    name: MigrationName

    def _named(self, region: str | None) -> str:
        name = self.name
        return state_file_name(
            source_account=name.source_account,
            dest_account=name.dest_account,
            region=region,
            vaults=list(name.vaults),
            all_vaults=name.all_vaults,
            dest_vault=name.dest_vault,
            selection=name.selection.describe(),
        )

    def journal(self) -> Path:
        """One Region's journal: --state-file, else the default (the same command line finds
        the same state)."""
        if self.state_file is not None:
            return self.state_file
        return self.home / APP / self._named(self.name.region)

    def directory(self) -> Path:
        """A migration over several Regions: --state-dir, else the default directory, named
        without the Regions (any Region set of one migration finds it)."""
        if self.state_dir is not None:
            return self.state_dir
        return self.home / APP / self._named("regions").removesuffix(JOURNAL_SUFFIX)

    def route_journal(self, region: str, sectioned: bool) -> Path:
        """The journal of the route from `region`: the one journal, or the directory's."""
        if not sectioned:
            return self.journal()
        return self.directory() / f"{region}{JOURNAL_SUFFIX}"

    def require_name(self, flag: str, what: str) -> None:
        """Without `flag` the default is found by the copy's flags: refused when they are
        not all there."""
        if not self.name.complete:
            raise RequestRefused(
                f"give {flag}, or the copy's --source-account, --dest-account and "
                f"--vault/--all-vaults (with its filters) to find the default {what}"
            )
