"""The source key policy a cross-account copy needs, and the pre-flight check built on it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shuffle_aws_vaults.domain import preflight as checks
from shuffle_aws_vaults.domain.key_policy import (
    REQUIRED_ACTIONS,
    key_grant,
    key_grant_text,
    missing_actions,
)
from shuffle_aws_vaults.domain.preflight import KeyUse, Outcome

SOURCE, DEST = "111111111111", "222222222222"
KEY = f"arn:aws:kms:us-east-1:{SOURCE}:key/11111111-1111-4111-a111-111111111111"
OTHER_KEY = f"arn:aws:kms:us-east-1:{SOURCE}:key/22222222-2222-4222-a222-222222222222"
OWNER = {
    "Sid": "Enable IAM User Permissions",
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{SOURCE}:root"},
    "Action": "kms:*",
    "Resource": "*",
}


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [OWNER, *statements]}


def test_the_default_key_policy_lets_only_its_own_account_in() -> None:
    assert missing_actions(policy(), DEST) == list(REQUIRED_ACTIONS)
    assert missing_actions(policy(), SOURCE) == []
    assert missing_actions(None, DEST) == list(REQUIRED_ACTIONS)


@pytest.mark.parametrize(
    "principal",
    [{"AWS": f"arn:aws:iam::{DEST}:root"}, {"AWS": [DEST]}, {"AWS": "*"}, "*"],
    ids=["root-arn", "account-id", "any-aws", "anyone"],
)
def test_a_statement_naming_the_destination_with_the_actions_shares_the_key(
    principal: Any,
) -> None:
    statement = {"Effect": "Allow", "Principal": principal, "Action": "kms:*", "Resource": "*"}
    assert missing_actions(policy(statement), DEST) == []


def test_wildcard_actions_count_and_missing_ones_are_named() -> None:
    partial = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{DEST}:root"},
        "Action": ["kms:Decrypt", "kms:Describe*"],
        "Resource": "*",
    }
    assert missing_actions(policy(partial), DEST) == ["kms:CreateGrant", "kms:ReEncryptFrom"]


def test_an_explicit_deny_wins_over_an_allow() -> None:
    allow = key_grant(DEST)
    deny = {
        "Effect": "Deny",
        "Principal": {"AWS": DEST},
        "Action": "kms:CreateGrant",
        "Resource": "*",
    }
    assert missing_actions(policy(allow, deny), DEST) == ["kms:CreateGrant"]


def test_the_grant_text_is_the_grant_as_json_and_shares_the_key() -> None:
    text = key_grant_text(DEST)
    assert json.loads(text) == key_grant(DEST)
    assert missing_actions(policy(json.loads(text)), DEST) == []


def test_the_check_passes_same_account_and_when_no_copy_needs_a_shared_key() -> None:
    refusing = {KEY: KeyUse(3, "arn:rp", policy())}
    same = checks.key_policies(refusing, SOURCE, cross_account=False)
    assert (same.outcome, same.detail) == (Outcome.PASS, "same account: not needed")
    none = checks.key_policies({}, DEST, cross_account=True)
    assert (none.outcome, none.detail) == (Outcome.PASS, "no planned copy needs a shared key")


def test_the_check_passes_when_every_key_lets_the_destination_in() -> None:
    uses = {KEY: KeyUse(3, "arn:rp", policy(key_grant(DEST)))}
    result = checks.key_policies(uses, DEST, cross_account=True)
    assert result == checks.CheckResult(
        "source key policies", Outcome.PASS, f"every source key (1) lets {DEST} use it"
    )


def test_the_check_fails_naming_each_refusing_key_with_the_statement_to_add() -> None:
    uses = {
        KEY: KeyUse(1_234, "arn:rp:1", policy()),
        OTHER_KEY: KeyUse(5, "arn:rp:2", policy(key_grant(DEST))),
    }
    result = checks.key_policies(uses, DEST, cross_account=True)
    assert result.outcome is Outcome.FAIL
    assert result.detail == (
        f"1 of 2 source keys refuse {DEST}: {KEY} (1,234 copies, e.g. arn:rp:1) does not allow "
        "kms:Decrypt, kms:DescribeKey, kms:CreateGrant, kms:ReEncryptFrom"
    )
    assert result.fix == f"add this statement to each key's policy: {key_grant_text(DEST)}"


def test_a_policy_it_may_not_read_warns_naming_the_missing_permission() -> None:
    denied = "AccessDeniedException: not authorized to perform: kms:GetKeyPolicy"
    uses = {KEY: KeyUse(2, "arn:rp", None, denied)}
    result = checks.key_policies(uses, DEST, cross_account=True)
    assert result.outcome is Outcome.WARN
    assert result.detail == f"could not read the key policy of {KEY} (2 copies): {denied}"
    assert (
        result.fix == "allow kms:GetKeyPolicy on the source keys to check them (see `iam-policy`)"
    )


def test_another_read_error_warns_with_a_manual_check_and_a_refusal_still_fails() -> None:
    uses = {KEY: KeyUse(2, "arn:rp", None, "NotFoundException: no such key")}
    result = checks.key_policies(uses, DEST, cross_account=True)
    assert (result.outcome, result.fix) == (
        Outcome.WARN,
        f"make sure each key's policy lets {DEST} use it",
    )
    uses[OTHER_KEY] = KeyUse(1, "arn:rp:2", policy())
    assert checks.key_policies(uses, DEST, cross_account=True).outcome is Outcome.FAIL
