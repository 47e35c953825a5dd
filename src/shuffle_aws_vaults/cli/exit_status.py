"""Exit codes, and the one place exceptions become them."""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    SUCCESS = 0
    ERROR = 1  # bad input, a failed item, or a fatal error
    INCOMPLETE = 2  # stopped early (signal, runtime limit): run again with --resume
    INTERRUPTED = 130  # Ctrl-C outside a copy run


class UsageError(Exception):
    """The command line is wrong; the message names the flag."""


class UserError(Exception):
    """Input or environment the user must fix; the message says what and where."""
