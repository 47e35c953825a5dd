"""Errors the operator can fix: their message names the problem, in one line (exit status 1)."""

from __future__ import annotations


class OperatorError(Exception):
    """Bad input or a refused request: a file, a flag, a state or an account to fix.

    Adapters' own errors (a damaged state file, an unreadable CSV, an output that cannot be
    written) derive from it too, so the command line recognises them without importing them.
    """


class RequestRefused(OperatorError):
    """A use case refuses the request as given (nothing was recorded or changed)."""


def operator_errors() -> tuple[type[BaseException], ...]:
    """Errors that mean "fix your input or environment": one line, never a traceback."""
    from ..domain.errors import AwsError, CredentialsError
    from ..domain.regions import RegionError, RegionsUnknown

    return (OperatorError, CredentialsError, AwsError, RegionError, RegionsUnknown)


def describe(exc: BaseException) -> str:
    """An error as its one line says it (after "error: ")."""
    if isinstance(exc, operator_errors()):
        return str(exc)
    return f"unexpected {type(exc).__name__}: {exc} (run with -v for details)"
