"""Standard output whose reader may leave (`verify ... | head`) without taking the exit status.

Once the reader has gone, what is left to write goes nowhere, and the command runs on to its
own end: its summary on standard error and its exit status (a failed `verify` still exits 1
under `set -o pipefail`) are not lost to a BrokenPipeError.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import Any, TextIO, cast


class LeavingReaderProof:
    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.left = False

    def write(self, text: str) -> int:
        if not self.left:
            try:
                return self._stream.write(text)
            except BrokenPipeError:
                self._leave()
        return len(text)

    def flush(self) -> None:
        if not self.left:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._leave()

    def _leave(self) -> None:
        """Point the descriptor at /dev/null, so the buffered rest (and the flush at exit)
        goes nowhere instead of raising again."""
        self.left = True
        with contextlib.suppress(AttributeError, OSError, ValueError):  # not a file (tests)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextlib.contextmanager
def guarded_stdout() -> Iterator[LeavingReaderProof]:
    original = sys.stdout
    guard = LeavingReaderProof(original)
    sys.stdout = cast(TextIO, guard)  # every TextIO method reaches the stream through it
    try:
        yield guard
    finally:
        sys.stdout = original
