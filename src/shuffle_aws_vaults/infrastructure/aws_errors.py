"""botocore exceptions in the tool's own terms; nothing from botocore passes this module."""

from __future__ import annotations

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
    EXPIRED_CREDENTIAL_CODES,
    AccessDenied,
    AwsError,
    CredentialsError,
    CredentialsExpired,
    LimitExceeded,
    NotFound,
    Throttled,
)
from .aws_sessions import LIMIT_CODES, THROTTLE_CODES, AccountAccess

T = TypeVar("T")
CONNECTION_ERRORS = (
    ConnectionClosedError,
    EndpointConnectionError,
    ConnectTimeoutError,
    ReadTimeoutError,
)
RENEWALS = 2


def domain_error(exc: ClientError, operation: str) -> AwsError:
    error = exc.response.get("Error", {})
    code = str(error.get("Code", "Unknown"))
    message = str(error.get("Message", ""))
    if code in ("AccessDeniedException", "AccessDenied", "UnauthorizedOperation"):
        return AccessDenied(code, message, operation)
    if code in ("ResourceNotFoundException", "NotFoundException", "NotFound"):
        return NotFound(code, message, operation)
    if code in EXPIRED_CREDENTIAL_CODES:
        return CredentialsExpired(code, message, operation)
    if code in THROTTLE_CODES:
        return Throttled(code, message, operation)
    if code in LIMIT_CODES:
        return LimitExceeded(code, message, operation)
    return AwsError(code, message, operation)


def call(access: AccountAccess, operation: str, fn: Callable[[], T]) -> T:
    """Run one AWS call: map its errors, and renew credentials AWS calls expired."""
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
            raise AwsError("ConnectionError", str(exc), operation) from None
        except BotoCoreError as exc:
            raise AwsError(type(exc).__name__, str(exc), operation) from None
    raise AssertionError("unreachable")
