"""AWS's error codes become domain errors with a category; nothing else reads the codes."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from shuffle_aws_vaults.domain.errors import (
    AccessDenied,
    AwsError,
    CredentialsExpired,
    ErrorCategory,
    LimitExceeded,
    NotFound,
    Throttled,
)
from shuffle_aws_vaults.domain.failures import TRANSIENT_CATEGORIES, error_is_transient
from shuffle_aws_vaults.infrastructure.aws_errors import aws_error, category_of_code, domain_error


def client_error(code: str, message: str = "the message") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "StartCopyJob")


@pytest.mark.parametrize(
    "code",
    [
        "LimitExceededException",
        "ThrottlingException",
        "ServiceUnavailableException",
        "ConnectionError",
    ],
)
def test_throttling_and_lost_connections_on_start_are_worth_repeating(code: str) -> None:
    assert error_is_transient(domain_error(client_error(code), "StartCopyJob")) is True
    assert category_of_code(code) in TRANSIENT_CATEGORIES


@pytest.mark.parametrize(
    "code",
    [
        "InvalidRequestException",
        "InvalidParameterValueException",
        "AccessDeniedException",
        "ResourceNotFoundException",
        "MissingParameterValueException",
    ],
)
def test_refusals_on_start_are_final(code: str) -> None:
    assert error_is_transient(domain_error(client_error(code), "StartCopyJob")) is False


@pytest.mark.parametrize(
    ("code", "kind", "category"),
    [
        ("AccessDeniedException", AccessDenied, ErrorCategory.ACCESS_DENIED),
        ("UnauthorizedOperation", AccessDenied, ErrorCategory.ACCESS_DENIED),
        ("ResourceNotFoundException", NotFound, ErrorCategory.NOT_FOUND),
        ("ExpiredTokenException", CredentialsExpired, ErrorCategory.EXPIRED_CREDENTIALS),
        ("InvalidClientTokenId", CredentialsExpired, ErrorCategory.EXPIRED_CREDENTIALS),
        ("ThrottlingException", Throttled, ErrorCategory.THROTTLED),
        ("TooManyRequestsException", Throttled, ErrorCategory.THROTTLED),
        ("LimitExceededException", LimitExceeded, ErrorCategory.LIMIT),
        ("InternalFailure", AwsError, ErrorCategory.TRANSIENT),
        ("InvalidResourceStateException", AwsError, ErrorCategory.TRANSIENT),
        ("InvalidRequestException", AwsError, ErrorCategory.REFUSED),
        ("SomethingNew", AwsError, ErrorCategory.REFUSED),
    ],
)
def test_each_code_becomes_its_error_class_and_category(
    code: str, kind: type[AwsError], category: ErrorCategory
) -> None:
    error = domain_error(client_error(code, "what AWS said"), "StartCopyJob")
    assert type(error) is kind
    assert error.category is category
    assert (error.code, error.message, error.operation) == (code, "what AWS said", "StartCopyJob")
    assert str(error) == f"StartCopyJob: {code}: what AWS said"


def test_a_lost_connection_is_a_transient_aws_error() -> None:
    error = aws_error("ConnectionError", "Connection was closed", "ListCopyJobs")
    assert type(error) is AwsError
    assert error.category is ErrorCategory.TRANSIENT
    assert error_is_transient(error) is True


VALIDATION_MESSAGE = (
    "1 validation error detected: Value 'ABORTED' at 'ByState' failed to satisfy constraint: "
    "Member must satisfy enum value set: [CREATED, RUNNING, COMPLETED, FAILED, PARTIAL]"
)


@pytest.mark.parametrize(
    ("code", "category"),
    [
        ("InvalidParameterValueException", ErrorCategory.REFUSED),
        ("MissingParameterValueException", ErrorCategory.REFUSED),
        ("ResourceNotFoundException", ErrorCategory.NOT_FOUND),
    ],
)
@pytest.mark.parametrize(
    "operation",
    ["ListCopyJobs", "ListRecoveryPointsByBackupVault", "DescribeRecoveryPoint", "StartCopyJob"],
)
def test_bad_input_answers_are_final_and_keep_the_parameter_aws_named(
    code: str, category: ErrorCategory, operation: str
) -> None:
    error = domain_error(
        ClientError({"Error": {"Code": code, "Message": VALIDATION_MESSAGE}}, operation),
        operation,
    )
    assert error.category is category
    assert error_is_transient(error) is False
    assert category not in TRANSIENT_CATEGORIES
    assert "'ByState'" in str(error) and str(error).startswith(f"{operation}: {code}: ")
