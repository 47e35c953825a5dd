"""AWS Backup errors as the sandbox returns them (code, HTTP status, message)."""

from __future__ import annotations

from moto.core.exceptions import JsonRESTError


class SandboxError(JsonRESTError):
    """An AWS error response: `code` is the HTTP status, `error_type` AWS's error code."""

    def __init__(self, error_type: str, message: str, status: int = 400) -> None:
        super().__init__(error_type, message)
        self.code = status


def not_found(message: str) -> SandboxError:
    return SandboxError("ResourceNotFoundException", message)


def invalid_parameter(message: str) -> SandboxError:
    return SandboxError("InvalidParameterValueException", message)


def missing_parameter(message: str) -> SandboxError:
    return SandboxError("MissingParameterValueException", message)


def invalid_request(message: str) -> SandboxError:
    return SandboxError("InvalidRequestException", message)


def access_denied(message: str) -> SandboxError:
    return SandboxError("AccessDeniedException", message, 403)


def limit_exceeded(message: str) -> SandboxError:
    return SandboxError("LimitExceededException", message)


def throttling() -> SandboxError:
    return SandboxError("ThrottlingException", "Rate exceeded")


def service_unavailable() -> SandboxError:
    return SandboxError(
        "ServiceUnavailableException", "The request failed due to a temporary failure.", 500
    )


def expired_token() -> SandboxError:
    return SandboxError(
        "ExpiredTokenException", "The security token included in the request is expired"
    )
