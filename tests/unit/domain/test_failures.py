from __future__ import annotations

import pytest

from shuffle_aws_vaults.domain.errors import TRANSIENT_CODES
from shuffle_aws_vaults.domain.failures import job_failure_is_transient, submit_error_is_transient


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
    "code",
    [
        "LimitExceededException",
        "ThrottlingException",
        "ServiceUnavailableException",
        "ConnectionError",
    ],
)
def test_throttling_and_lost_connections_on_start_are_worth_repeating(code: str) -> None:
    assert submit_error_is_transient(code) is True
    assert code in TRANSIENT_CODES


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
    assert submit_error_is_transient(code) is False
