"""The StateFiles port: a journal's StateStore by path, and the source Regions whose journals a
migration directory holds (`DIR/<region>.jsonl`, with that journal's snapshot, plan and lock
files beside it)."""

from __future__ import annotations

import os
from pathlib import Path

from ..domain.regions import REGION_NAME
from .journal_store import StateStore

SUFFIX = ".jsonl"


class StateFiles:
    def store(self, path: Path) -> StateStore:
        return StateStore(path)

    def regions_in(self, directory: Path) -> list[str]:
        """The source Regions whose state is in `directory` (a journal or a snapshot), in
        name order; nothing when the directory is not there."""
        try:
            names = os.listdir(directory)
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
