"""Exit codes, and the one place exceptions become them."""

from __future__ import annotations

from enum import IntEnum

from ..application.copy_run import Completion
from ..application.errors import OperatorError, operator_errors
from ..application.errors import describe as describe_error


class ExitStatus(IntEnum):
    SUCCESS = 0
    ERROR = 1  # bad input, a failed item, or a fatal error
    INCOMPLETE = 2  # stopped early (signal, runtime limit): run again with --resume
    INTERRUPTED = 130  # Ctrl-C outside a copy run


class UsageError(Exception):
    """The command line is wrong; the message names the flag."""


class UserError(OperatorError):
    """Input or environment the user must fix; the message says what and where."""


# Errors that mean "fix your input or environment": one line, exit 1, never a traceback.
# Adapters' own such errors (a damaged state, an unreadable CSV) derive from OperatorError.
USER_ERRORS: tuple[type[BaseException], ...] = (UsageError, *operator_errors())

# How a copy ended, as its exit status.
COMPLETION = {
    Completion.DONE: ExitStatus.SUCCESS,
    Completion.FAILED: ExitStatus.ERROR,
    Completion.INCOMPLETE: ExitStatus.INCOMPLETE,
}


def describe(exc: BaseException) -> str:
    """An error as its one line says it (after "error: ")."""
    return str(exc) if isinstance(exc, UsageError) else describe_error(exc)
