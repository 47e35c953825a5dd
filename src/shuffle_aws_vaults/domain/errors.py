"""AWS failures in the tool's own terms.

The adapter that talks to AWS (infrastructure/aws_errors.py) reads AWS's error code and gives
each failure a category; the domain and the services decide by the category alone. The code and
message stay on the error for people: messages, the journal's failure records.
"""

from __future__ import annotations

from enum import Enum


class ErrorCategory(Enum):
    """What kind of failure an AWS call met, as far as what to do next is concerned."""

    TRANSIENT = "transient"  # a server-side error or a lost connection: asking again may work
    THROTTLED = "throttled"  # too many requests (after botocore's retries)
    LIMIT = "limit"  # a concurrency limit refused the call (StartCopyJob at a copy-job limit)
    EXPIRED_CREDENTIALS = "expired-credentials"  # expired, and could not be renewed
    ACCESS_DENIED = "access-denied"  # a missing permission, or a resource policy refusing
    NOT_FOUND = "not-found"  # a vault, recovery point or job that does not exist
    REFUSED = "refused"  # any other answer: the request itself is refused, for good


class AwsError(Exception):
    """An AWS call failed; `code` is AWS's error code, `operation` the API call, `category`
    what kind of failure it is (each subclass has its own; REFUSED unless told otherwise)."""

    category: ErrorCategory = ErrorCategory.REFUSED

    def __init__(
        self,
        code: str,
        message: str,
        operation: str = "",
        *,
        category: ErrorCategory | None = None,
    ) -> None:
        super().__init__(f"{operation}: {code}: {message}" if operation else f"{code}: {message}")
        self.code = code
        self.message = message
        self.operation = operation
        if category is not None:
            self.category = category


class AccessDenied(AwsError):
    """The caller lacks a permission (or a resource policy refuses it)."""

    category = ErrorCategory.ACCESS_DENIED


class NotFound(AwsError):
    """A vault, recovery point or job does not exist."""

    category = ErrorCategory.NOT_FOUND


class VaultNotReady(AwsError):
    """A destination vault the tool created is not AVAILABLE (still CREATING past the wait, or
    FAILED): it cannot receive copies."""


class CredentialsExpired(AwsError):
    """The credentials expired and could not be renewed."""

    category = ErrorCategory.EXPIRED_CREDENTIALS


class Throttled(AwsError):
    """AWS throttled the call (too many requests), after botocore's retries."""

    category = ErrorCategory.THROTTLED


class LimitExceeded(AwsError):
    """A concurrency limit refused the call (StartCopyJob at a copy-job limit)."""

    category = ErrorCategory.LIMIT


def category_of(exc: BaseException) -> ErrorCategory | None:
    """An AWS error's category; None for anything else (a bug, or no credentials at all)."""
    return exc.category if isinstance(exc, AwsError) else None


class CredentialsError(Exception):
    """No usable credentials for an account; the message says which and why."""
