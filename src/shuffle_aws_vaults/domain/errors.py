"""AWS failures in the tool's own terms; the boto3 gateway maps AWS error codes to these."""

from __future__ import annotations

# Codes a later retry may get past (AWS_BACKUP_NOTES.md, "Errors").
TRANSIENT_CODES = frozenset(
    {
        "LimitExceededException",
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
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
EXPIRED_CREDENTIAL_CODES = frozenset(
    {"ExpiredToken", "ExpiredTokenException", "RequestExpired", "InvalidClientTokenId"}
)


class AwsError(Exception):
    """An AWS call failed; `code` is AWS's error code, `operation` the API call."""

    def __init__(self, code: str, message: str, operation: str = "") -> None:
        super().__init__(f"{operation}: {code}: {message}" if operation else f"{code}: {message}")
        self.code = code
        self.message = message
        self.operation = operation

    @property
    def transient(self) -> bool:
        return self.code in TRANSIENT_CODES


class AccessDenied(AwsError):
    """The caller lacks a permission (or a resource policy refuses it)."""


class NotFound(AwsError):
    """A vault, recovery point or job does not exist."""


class CredentialsExpired(AwsError):
    """The credentials expired and could not be renewed."""


class Throttled(AwsError):
    """AWS throttled the call (too many requests), after botocore's retries."""


class LimitExceeded(AwsError):
    """A concurrency limit refused the call (StartCopyJob at a copy-job limit)."""


class CredentialsError(Exception):
    """No usable credentials for an account; the message says which and why."""
