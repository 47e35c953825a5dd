"""Whether a failed copy, or a failed AWS call, is worth another attempt.

A failed call is judged by the category the AWS adapter gave its error (domain/errors.py).

AWS publishes no list of copy-job failure codes, only status messages; these patterns are the
ones its documentation names as configuration problems (see AWS_BACKUP_NOTES.md). Anything else
(such as "An internal error occurred.") is taken as transient and retried up to
--max-job-attempts times: a wasted retry costs one failed job, a wrongly final failure leaves a
copy for the operator to chase.
"""

from __future__ import annotations

import re

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


_ARN = re.compile(r"arn:aws[\w-]*:[^\s\"',;()]+")
_ID = re.compile(
    r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"  # uuids (job ids)
    r"|\b(?:snap|vol|i|ami|rp)-[0-9a-f]{8,}\b"  # EC2-style ids
    r"|\b\d{12}\b",  # account ids
    re.IGNORECASE,
)


def failure_signature(code: str, message: str) -> str:
    """A failure's code and message with ARNs and IDs taken out: the same cause, whichever
    item it hit, gives the same signature."""
    text = _ID.sub("<id>", _ARN.sub("<arn>", message or "")).strip()
    return f"{code}: {text}" if text else code


class FailureStreak:
    """Items that ended FAILED in a row with the same signature; a copy that completes ends
    the streak. At `threshold` (0: never) the run stops submitting, as S3 Batch Operations
    stops a job whose failures pass its threshold: one cause is not repeated for every item."""

    def __init__(self, threshold: int) -> None:
        self.threshold = threshold
        self.signature: str | None = None
        self.count = 0

    def failed(self, code: str, message: str) -> None:
        signature = failure_signature(code, message)
        if signature == self.signature:
            self.count += 1
        else:
            self.signature, self.count = signature, 1

    def succeeded(self) -> None:
        self.signature, self.count = None, 0

    @property
    def tripped(self) -> bool:
        return self.threshold > 0 and self.count >= self.threshold
