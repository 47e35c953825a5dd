"""Exit codes, and the one place exceptions become them."""

from __future__ import annotations

from enum import IntEnum

from ..application.errors import OperatorError
from ..domain.errors import AwsError, CredentialsError
from ..domain.regions import RegionError, RegionsUnknown


class ExitStatus(IntEnum):
    SUCCESS = 0
    ERROR = 1  # bad input, a failed item, or a fatal error
    INCOMPLETE = 2  # stopped early (signal, runtime limit): run again with --resume
    INTERRUPTED = 130  # Ctrl-C outside a copy run


class UsageError(Exception):
    """The command line is wrong; the message names the flag."""


class UserError(Exception):
    """Input or environment the user must fix; the message says what and where."""


# Errors that mean "fix your input or environment": one line, exit 1, never a traceback.
# Adapters' own such errors (a damaged state, an unreadable CSV) derive from OperatorError.
USER_ERRORS: tuple[type[BaseException], ...] = (
    UsageError,
    UserError,
    OperatorError,
    CredentialsError,
    AwsError,
    RegionError,
    RegionsUnknown,
)


def describe(exc: BaseException) -> str:
    """An error as its one line says it (after "error: ")."""
    if isinstance(exc, USER_ERRORS):
        return str(exc)
    return f"unexpected {type(exc).__name__}: {exc} (run with -v for details)"
