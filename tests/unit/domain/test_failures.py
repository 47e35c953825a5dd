from __future__ import annotations

import pytest

from shuffle_aws_vaults.domain.errors import (
    AccessDenied,
    AwsError,
    CredentialsError,
    CredentialsExpired,
    ErrorCategory,
    LimitExceeded,
    NotFound,
    Throttled,
    category_of,
)
from shuffle_aws_vaults.domain.failures import error_is_transient, job_failure_is_transient


@pytest.mark.parametrize(
    "message",
    [
        "An internal error occurred.",
        "Copy job failed because of a service error. Please try again.",
        "The request timed out",
        "",
        None,
    ],
)
def test_failures_aws_does_not_name_as_configuration_problems_are_transient(
    message: str | None,
) -> None:
    assert job_failure_is_transient(message) is True


@pytest.mark.parametrize(
    "message",
    [
        "Access Denied: the vault's access policy does not allow backup:CopyIntoBackupVault",
        "User is not authorized to perform kms:CreateGrant",
        "Cross-account copy requires the accounts to be in the same AWS Organization",
        "Cross-account backup is not enabled for the organization",
        "Backups encrypted with an AWS managed key cannot be copied across accounts",
        "The KMS key is disabled",
        "Snapshots encrypted with the default key can't be shared",
        "This snapshot cannot be shared",
        "Lifecycle retention does not meet the vault lock's minimum retention",
        "Copying this resource type is not supported in the destination Region",
        "Backup vault target-vault does not exist",
        "Continuous backups cannot be copied",
        "Encrypted with the default backup service managed key",
    ],
)
def test_configuration_problems_aws_documents_are_permanent(message: str) -> None:
    assert job_failure_is_transient(message) is False


@pytest.mark.parametrize(
    "category", ["ACCESS_DENIED", "AccessDenied", "access denied", "INVALID_PARAMETERS"]
)
def test_a_permanent_category_makes_any_message_permanent(category: str) -> None:
    assert job_failure_is_transient("An internal error occurred.", category) is False


def test_an_unknown_category_leaves_the_decision_to_the_message() -> None:
    assert job_failure_is_transient("An internal error occurred.", "INTERNAL_ERROR") is True
    assert job_failure_is_transient("Access denied", "INTERNAL_ERROR") is False


@pytest.mark.parametrize(
    "category",
    [
        ErrorCategory.TRANSIENT,
        ErrorCategory.THROTTLED,
        ErrorCategory.LIMIT,
        ErrorCategory.EXPIRED_CREDENTIALS,
    ],
)
def test_throttling_limits_expiry_and_server_side_errors_are_worth_repeating(
    category: ErrorCategory,
) -> None:
    assert error_is_transient(AwsError("SomeCode", "message", category=category)) is True


@pytest.mark.parametrize(
    "category", [ErrorCategory.REFUSED, ErrorCategory.ACCESS_DENIED, ErrorCategory.NOT_FOUND]
)
def test_refusals_are_final(category: ErrorCategory) -> None:
    assert error_is_transient(AwsError("SomeCode", "message", category=category)) is False


def test_the_decision_is_the_categorys_not_the_codes() -> None:
    throttled_by_name = AwsError("ThrottlingException", "Rate exceeded")
    assert throttled_by_name.category is ErrorCategory.REFUSED
    assert error_is_transient(throttled_by_name) is False
    assert error_is_transient(AwsError("Odd", "x", category=ErrorCategory.TRANSIENT)) is True


@pytest.mark.parametrize(
    ("error", "category"),
    [
        (AccessDenied("AccessDeniedException", "no"), ErrorCategory.ACCESS_DENIED),
        (NotFound("ResourceNotFoundException", "no"), ErrorCategory.NOT_FOUND),
        (CredentialsExpired("ExpiredToken", "old"), ErrorCategory.EXPIRED_CREDENTIALS),
        (Throttled("ThrottlingException", "slow down"), ErrorCategory.THROTTLED),
        (LimitExceeded("LimitExceededException", "too many"), ErrorCategory.LIMIT),
    ],
)
def test_each_error_class_carries_its_category(error: AwsError, category: ErrorCategory) -> None:
    assert error.category is category
    assert category_of(error) is category


def test_what_is_not_an_aws_error_has_no_category_and_is_not_repeated() -> None:
    assert category_of(ValueError("bug")) is None
    assert category_of(CredentialsError("no credentials")) is None
    assert error_is_transient(ValueError("bug")) is False
    assert error_is_transient(CredentialsError("no credentials")) is False


def test_a_failure_signature_leaves_out_arns_and_ids() -> None:
    from shuffle_aws_vaults.domain.failures import failure_signature

    one = failure_signature(
        "FAILED",
        "Access Denied trying to call AWS Backup service for "
        "arn:aws:backup:us-east-1:222222222222:backup-vault:a (job 3f2a1c9e-1b2c-4d5e-8f90-"
        "0123456789ab)",
    )
    two = failure_signature(
        "FAILED",
        "Access Denied trying to call AWS Backup service for "
        "arn:aws:backup:us-east-1:222222222222:backup-vault:b (job 00000000-1111-4222-8333-"
        "444444444444)",
    )
    assert (
        one
        == two
        == ("FAILED: Access Denied trying to call AWS Backup service for <arn> (job <id>)")
    )
    assert failure_signature("AccessDeniedException", "") == "AccessDeniedException"


def test_the_failure_streak_counts_one_cause_in_a_row_and_a_success_ends_it() -> None:
    from shuffle_aws_vaults.domain.failures import FailureStreak

    streak = FailureStreak(3)
    streak.failed("A", "x")
    streak.failed("A", "x")
    streak.failed("B", "x")  # another cause starts a new streak
    streak.failed("B", "x")
    assert not streak.tripped
    streak.succeeded()
    for _ in range(3):
        streak.failed("B", "x")
    assert streak.tripped and streak.count == 3
    never = FailureStreak(0)
    for _ in range(100):
        never.failed("A", "x")
    assert not never.tripped
