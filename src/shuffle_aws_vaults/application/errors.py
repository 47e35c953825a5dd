"""Errors the operator can fix: their message names the problem, in one line (exit status 1)."""

from __future__ import annotations


class OperatorError(Exception):
    """Bad input or a refused request: a file, a flag, a state or an account to fix.

    Adapters' own errors (a damaged state file, an unreadable CSV, an output that cannot be
    written) derive from it too, so the command line recognises them without importing them.
    """


class RequestRefused(OperatorError):
    """A use case refuses the request as given (nothing was recorded or changed)."""
