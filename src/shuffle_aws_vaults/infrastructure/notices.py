"""The Notices port: a use case's lines for the operator, on standard error (whatever stream
it is when the line is written: in-process runs swap it)."""

from __future__ import annotations

import sys


class StderrNotices:
    def __init__(self, prefix: str = "") -> None:
        self._prefix = prefix

    def say(self, line: str) -> None:
        print(f"{self._prefix}{line}", file=sys.stderr)

    def warn(self, line: str) -> None:
        self.say(f"warning: {line}")

    def prefixed(self, prefix: str) -> StderrNotices:
        return StderrNotices(self._prefix + prefix)
