"""botocore exceptions in the tool's own terms; nothing from botocore passes this module.

The only code that knows AWS's error codes: each becomes a domain error with its category
(domain/errors.py), by which the domain and the services decide what to do next.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    ReadTimeoutError,
)

from ..domain.errors import (
    AccessDenied,
    AwsError,
    CredentialsError,
    CredentialsExpired,
    ErrorCategory,
    LimitExceeded,
    NotFound,
    Throttled,
)
from .aws_sessions import LIMIT_CODES, THROTTLE_CODES, AccountAccess

T = TypeVar("T")
log = logging.getLogger(__name__)
# A patient call still throttled after botocore's attempts is made again, after a pause, this
# many more times. A throttled call was refused before AWS acted, so asking again is safe; and
# one throttled read must not end a route's planning: 8 routes planning at once into one
# destination account under a 5 calls/s bucket lost a route to one GetBackupVaultAccessPolicy.
THROTTLED_ROUNDS = 5
THROTTLED_PAUSE = 2.0  # seconds before the first round, doubled each round...
THROTTLED_PAUSE_MAX = 20.0  # ... up to this (botocore's own cap)
CONNECTION_ERRORS = (
    ConnectionClosedError,
    EndpointConnectionError,
    ConnectTimeoutError,
    ReadTimeoutError,
)
RENEWALS = 2


ACCESS_DENIED_CODES = frozenset({"AccessDeniedException", "AccessDenied", "UnauthorizedOperation"})
NOT_FOUND_CODES = frozenset({"ResourceNotFoundException", "NotFoundException", "NotFound"})
EXPIRED_CREDENTIAL_CODES = frozenset(
    {"ExpiredToken", "ExpiredTokenException", "RequestExpired", "InvalidClientTokenId"}
)
# Server-side errors and lost connections: a later retry may get past them
# (AWS_BACKUP_NOTES.md, "Errors"). Throttling and LimitExceeded are their own categories.
TRANSIENT_CODES = frozenset(
    {
        "ServiceUnavailableException",
        "ServiceUnavailable",
        "InternalFailure",
        "InternalServerError",
        "RequestTimeout",
        "RequestTimeoutException",
        "ConflictException",
        "InvalidResourceStateException",
        "DependencyFailureException",
        "ConnectionError",
    }
)
# Every code with a category of its own; any other is REFUSED.
CATEGORIES: dict[str, ErrorCategory] = {
    **dict.fromkeys(ACCESS_DENIED_CODES, ErrorCategory.ACCESS_DENIED),
    **dict.fromkeys(NOT_FOUND_CODES, ErrorCategory.NOT_FOUND),
    **dict.fromkeys(EXPIRED_CREDENTIAL_CODES, ErrorCategory.EXPIRED_CREDENTIALS),
    **dict.fromkeys(THROTTLE_CODES, ErrorCategory.THROTTLED),
    **dict.fromkeys(LIMIT_CODES, ErrorCategory.LIMIT),
    **dict.fromkeys(TRANSIENT_CODES, ErrorCategory.TRANSIENT),
}
# The categories with an exception class of their own.
ERROR_CLASSES: dict[ErrorCategory, type[AwsError]] = {
    ErrorCategory.ACCESS_DENIED: AccessDenied,
    ErrorCategory.NOT_FOUND: NotFound,
    ErrorCategory.EXPIRED_CREDENTIALS: CredentialsExpired,
    ErrorCategory.THROTTLED: Throttled,
    ErrorCategory.LIMIT: LimitExceeded,
}


def category_of_code(code: str) -> ErrorCategory:
    """What kind of failure AWS's error `code` (or a botocore exception's name) reports."""
    return CATEGORIES.get(code, ErrorCategory.REFUSED)


def aws_error(code: str, message: str, operation: str) -> AwsError:
    """The domain's error for AWS's `code`, with its category."""
    category = category_of_code(code)
    kind = ERROR_CLASSES.get(category)
    if kind is not None:
        return kind(code, message, operation)
    return AwsError(code, message, operation, category=category)


def domain_error(exc: ClientError, operation: str) -> AwsError:
    error = exc.response.get("Error", {})
    return aws_error(str(error.get("Code", "Unknown")), str(error.get("Message", "")), operation)


def call(access: AccountAccess, operation: str, fn: Callable[[], T], *, patient: bool = False) -> T:
    """Run one AWS call: map its errors, and renew credentials AWS calls expired.

    `patient`: a call still throttled after botocore's attempts is made again after a pause
    (2 s, doubling to 20 s, up to THROTTLED_ROUNDS more times), on the access's `sleep`. For
    the reads and set-up calls of planning and pre-flight; never for StartCopyJob or the copy
    engine's polls, which the engine asks again itself without holding a thread."""
    for round_ in range(THROTTLED_ROUNDS + 1):
        try:
            return _renewing(access, operation, fn)
        except Throttled:
            if not patient or round_ == THROTTLED_ROUNDS:
                raise
            pause = min(THROTTLED_PAUSE * 2**round_, THROTTLED_PAUSE_MAX)
            log.info(
                "%s: still throttled after botocore's attempts; asking again in %.0f s "
                "(%d of %d)",
                operation,
                pause,
                round_ + 1,
                THROTTLED_ROUNDS,
            )
            access.sleep(pause)
    raise AssertionError("unreachable")


def _renewing(access: AccountAccess, operation: str, fn: Callable[[], T]) -> T:
    for attempt in range(RENEWALS + 1):
        generation = access.generation
        try:
            return fn()
        except ClientError as exc:
            mapped = domain_error(exc, operation)
            if isinstance(mapped, CredentialsExpired) and attempt < RENEWALS and access.renewable:
                try:
                    access.renew(generation)
                except CredentialsError as renewal:
                    raise CredentialsExpired(mapped.code, str(renewal), operation) from None
                continue
            raise mapped from None
        except NoCredentialsError:
            raise CredentialsError(
                f"{access.spec.label}: no AWS credentials found (set a profile, a role or "
                "the AWS environment variables)"
            ) from None
        except CONNECTION_ERRORS as exc:
            raise aws_error("ConnectionError", str(exc), operation) from None
        except BotoCoreError as exc:
            raise aws_error(type(exc).__name__, str(exc), operation) from None
    raise AssertionError("unreachable")
