"""What a command runs in: its streams, its environment variables and its clock (after httpie's
`Environment`). The console script runs in the process's own; tests hand in their own, so the
CLI runs in-process, as a user runs it, without a subprocess."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import TextIO


@dataclass
class Environment:
    stdin: TextIO = field(default_factory=lambda: sys.stdin)
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    environ: MutableMapping[str, str] = field(default_factory=lambda: os.environ)
    # A C function, not one of this module's: the use cases call the clock often.
    now: Callable[[], datetime] = field(default=partial(datetime.now, UTC))

    @contextlib.contextmanager
    def applied(self) -> Iterator[None]:
        """The process's streams and variables are this environment's while a command runs
        (boto3 and botocore read os.environ themselves); restored afterwards."""
        with contextlib.ExitStack() as stack:
            if self.stdin is not sys.stdin:
                stack.enter_context(_swapped_stdin(self.stdin))
            stack.enter_context(contextlib.redirect_stdout(self.stdout))
            stack.enter_context(contextlib.redirect_stderr(self.stderr))
            if self.environ is not os.environ:
                stack.enter_context(_swapped_environ(self.environ))
            yield


@contextlib.contextmanager
def _swapped_stdin(stream: TextIO) -> Iterator[None]:
    saved, sys.stdin = sys.stdin, stream
    try:
        yield
    finally:
        sys.stdin = saved


@contextlib.contextmanager
def _swapped_environ(environ: MutableMapping[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(environ)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
