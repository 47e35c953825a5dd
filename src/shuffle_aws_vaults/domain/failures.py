"""Whether a failed copy, or a failed AWS call, is worth another attempt.

A failed call is judged by the category the AWS adapter gave its error (domain/errors.py).

AWS publishes no list of copy-job failure codes, only status messages; these patterns are the
ones its documentation names as configuration problems (see AWS_BACKUP_NOTES.md). Anything else
(such as "An internal error occurred.") is taken as transient and retried up to
--max-job-attempts times: a wasted retry costs one failed job, a wrongly final failure leaves a
copy for the operator to chase.
"""

from __future__ import annotations

from .errors import ErrorCategory, category_of

PERMANENT_CATEGORIES = frozenset({"ACCESS_DENIED", "ACCESSDENIED", "INVALID_PARAMETERS"})
PERMANENT_PATTERNS = (
    "access denied",
    "not authorized",
    "organization",
    "not enabled",
    "aws managed key",
    "kms key",
    "can't be shared",
    "cannot be shared",
    "retention",
    "not supported",
    "does not exist",
    "cannot be copied",
    "default backup service managed key",
)


def job_failure_is_transient(message: str | None, category: str | None = None) -> bool:
    if category and category.upper().replace(" ", "_") in PERMANENT_CATEGORIES:
        return False
    text = (message or "").lower()
    return not any(pattern in text for pattern in PERMANENT_PATTERNS)


# AWS errors worth asking again (a StartCopyJob with the same token: the job may exist).
TRANSIENT_CATEGORIES = frozenset(
    {
        ErrorCategory.TRANSIENT,
        ErrorCategory.THROTTLED,
        ErrorCategory.LIMIT,
        ErrorCategory.EXPIRED_CREDENTIALS,
    }
)


def error_is_transient(exc: BaseException) -> bool:
    """Throttling, a concurrency limit, an expired session or a server-side error: asking
    again may well work. Anything that is not an AWS error is not."""
    return category_of(exc) in TRANSIENT_CATEGORIES
