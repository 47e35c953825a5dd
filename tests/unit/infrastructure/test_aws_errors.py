"""AWS's error codes become domain errors with a category; nothing else reads the codes."""

from __future__ import annotations

from collections.abc import Callable

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
from shuffle_aws_vaults.infrastructure.aws_errors import (
    THROTTLED_ROUNDS,
    aws_error,
    call,
    category_of_code,
    domain_error,
)


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


class FakeAccess:
    """What `call` uses of an AccountAccess: its renewal generation and its sleep."""

    generation = 0
    renewable = False

    def __init__(self) -> None:
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


def throttled_times(count: int) -> Callable[[], str]:
    answers = iter([client_error("ThrottlingException")] * count)

    def attempt() -> str:
        error = next(answers, None)
        if error is not None:
            raise error
        return "answered"

    return attempt


def test_a_patient_call_still_throttled_after_botocore_asks_again_after_growing_pauses() -> None:
    access = FakeAccess()
    answer = call(access, "GetBackupVaultAccessPolicy", throttled_times(5), patient=True)  # type: ignore[arg-type]
    assert answer == "answered"
    assert access.slept == [2.0, 4.0, 8.0, 16.0, 20.0]  # doubling, capped at botocore's 20 s


def test_a_patient_call_gives_up_after_its_rounds_and_an_impatient_one_at_once() -> None:
    access = FakeAccess()
    with pytest.raises(Throttled):
        call(access, "ListBackupVaults", throttled_times(THROTTLED_ROUNDS + 1), patient=True)  # type: ignore[arg-type]
    assert len(access.slept) == THROTTLED_ROUNDS
    impatient = FakeAccess()
    with pytest.raises(Throttled):
        call(impatient, "StartCopyJob", throttled_times(1))  # type: ignore[arg-type]
    assert impatient.slept == []


def test_a_patient_call_does_not_repeat_a_refusal() -> None:
    access = FakeAccess()

    def refused() -> str:
        raise client_error("AccessDeniedException")

    with pytest.raises(AccessDenied):
        call(access, "GetBackupVaultAccessPolicy", refused, patient=True)  # type: ignore[arg-type]
    assert access.slept == []
