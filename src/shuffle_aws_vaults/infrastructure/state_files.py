"""The StateFiles port: a journal's StateStore by path, and the routes whose journals a
migration directory holds: `DIR/<region>.jsonl`, or with several source accounts
`DIR/<account>/<region>.jsonl` (each with its snapshot, plan and lock files beside it)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from ..domain.regions import REGION_NAME
from .journal_store import StateStore

SUFFIX = ".jsonl"
ACCOUNT = re.compile(r"[0-9]{12}")


class StateFiles:
    def store(self, path: Path) -> StateStore:
        return StateStore(path)

    def routes_in(self, directory: Path) -> list[str]:
        """The routes whose state is in `directory` (a journal or a snapshot): REGION, or
        ACCOUNT/REGION in an account's directory; in name order, none when it is not there."""
        found = [*self._regions(directory)]
        for account in self._names(directory):
            if ACCOUNT.fullmatch(account) and (directory / account).is_dir():
                found += [f"{account}/{region}" for region in self._regions(directory / account)]
        return sorted(found)

    @staticmethod
    def _names(directory: Path) -> list[str]:
        try:
            return os.listdir(directory)
        except (FileNotFoundError, NotADirectoryError):
            return []

    def _regions(self, directory: Path) -> set[str]:
        found = set()
        for name in self._names(directory):
            stem = name.removesuffix(".snapshot")
            if stem.endswith(SUFFIX) and not name.startswith("."):
                region = stem[: -len(SUFFIX)]
                if REGION_NAME.fullmatch(region):
                    found.add(region)
        return found
