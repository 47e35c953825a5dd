"""The Notices port: a use case's lines for the operator, on standard error (whatever stream
it is when the line is written: in-process runs swap it)."""

from __future__ import annotations

import sys
import threading

# Routes plan on threads of their own: one line is one write, under one lock, or two routes'
# lines can come out as one ("...0 to go[111111111113/us-east-1] Resuming from ...").
_WRITING = threading.Lock()


class StderrNotices:
    def __init__(self, prefix: str = "") -> None:
        self._prefix = prefix

    def say(self, line: str) -> None:
        with _WRITING:
            stream = sys.stderr
            stream.write(f"{self._prefix}{line}\n")
            stream.flush()

    def warn(self, line: str) -> None:
        self.say(f"warning: {line}")

    def prefixed(self, prefix: str) -> StderrNotices:
        return StderrNotices(self._prefix + prefix)
