"""A migration over several source Regions: one directory, a journal per source Region in it
(`DIR/<region>.jsonl`, with that journal's snapshot, plan and lock files beside it)."""

from __future__ import annotations

import os
from pathlib import Path

from ..domain.regions import REGION_NAME
from .journal_store import StateStore

SUFFIX = ".jsonl"


class MigrationDirectory:
    """The MigrationDirectory port: each Region's StateStore, and the Regions with a state."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def store(self, region: str) -> StateStore:
        return StateStore(self.path / f"{region}{SUFFIX}")

    def regions(self) -> list[str]:
        """The source Regions whose state is in the directory (a journal or a snapshot), in
        name order; nothing when the directory is not there."""
        try:
            names = os.listdir(self.path)
        except (FileNotFoundError, NotADirectoryError):
            return []
        found = set()
        for name in names:
            stem = name.removesuffix(".snapshot")
            if stem.endswith(SUFFIX) and not name.startswith("."):
                region = stem[: -len(SUFFIX)]
                if REGION_NAME.fullmatch(region):
                    found.add(region)
        return sorted(found)
