from __future__ import annotations

from typing import Any

from shuffle_aws_vaults.domain.vault_policy import COPY_ACTION, grants_copy, with_copy_grant

VAULT = "arn:aws:backup:us-east-1:222222222222:backup-vault:prod"
SOURCE = "111111111111"


def test_the_grant_is_only_copy_into_the_vault_for_the_source_account() -> None:
    (statement,) = with_copy_grant(None, VAULT, SOURCE)["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Action"] == COPY_ACTION
    assert statement["Principal"] == {"AWS": "arn:aws:iam::111111111111:root"}
    assert statement["Resource"] == VAULT


def test_merging_keeps_every_other_statement_and_does_not_repeat_itself() -> None:
    other: dict[str, Any] = {
        "Sid": "DenyDelete",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "backup:DeleteRecoveryPoint",
        "Resource": "*",
    }
    merged = with_copy_grant({"Version": "2012-10-17", "Statement": [other]}, VAULT, SOURCE)
    again = with_copy_grant(merged, VAULT, SOURCE)
    assert merged["Statement"][0] == other
    assert len(again["Statement"]) == 2
    assert grants_copy(again, SOURCE)


def test_a_policy_for_another_account_does_not_grant_the_source() -> None:
    assert not grants_copy(with_copy_grant(None, VAULT, "333333333333"), SOURCE)
    assert not grants_copy(None, SOURCE)


def test_an_explicit_deny_wins() -> None:
    policy = with_copy_grant(None, VAULT, SOURCE)
    policy["Statement"].append(
        {"Effect": "Deny", "Principal": {"AWS": SOURCE}, "Action": "backup:*", "Resource": "*"}
    )
    assert not grants_copy(policy, SOURCE)


def test_wildcards_count_as_grants() -> None:
    policy = {"Statement": {"Effect": "Allow", "Principal": "*", "Action": "backup:*"}}
    assert grants_copy(policy, SOURCE)
