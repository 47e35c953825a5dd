"""Which accounts a destination vault's access policy lets copy into it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shuffle_aws_vaults.sandbox.access_policy import (
    COPY_ACTION,
    MalformedPolicy,
    allows,
    copy_into_vault_policy,
    parse_policy,
)

SOURCE = "111111111111"
OTHER = "333333333333"
VAULT = "arn:aws:backup:us-east-1:222222222222:backup-vault:dest"


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def statement(effect: str = "Allow", principal: Any = None, action: Any = COPY_ACTION) -> Any:
    return {
        "Effect": effect,
        "Principal": principal if principal is not None else {"AWS": SOURCE},
        "Action": action,
        "Resource": VAULT,
    }


def test_the_least_privilege_policy_allows_exactly_the_source_account() -> None:
    text = copy_into_vault_policy(VAULT, SOURCE)
    assert allows(text, SOURCE)
    assert not allows(text, OTHER)
    assert not allows(text, SOURCE, action="backup:DeleteBackupVault")


def test_no_policy_allows_nobody() -> None:
    assert not allows(None, SOURCE)
    assert not allows("", SOURCE)


@pytest.mark.parametrize(
    "principal",
    [
        {"AWS": SOURCE},
        {"AWS": f"arn:aws:iam::{SOURCE}:root"},
        {"AWS": f"arn:aws:iam::{SOURCE}:role/BackupCopyRole"},
        {"AWS": [OTHER, SOURCE]},
        {"AWS": "*"},
        "*",
    ],
)
def test_a_principal_naming_the_source_account_in_any_form_allows_it(principal: Any) -> None:
    assert allows(policy(statement(principal=principal)), SOURCE)


@pytest.mark.parametrize(
    "principal",
    [{"AWS": OTHER}, {"AWS": f"arn:aws:iam::{OTHER}:root"}, {"Service": "backup.amazonaws.com"}],
)
def test_a_principal_of_another_account_or_a_service_does_not_allow_it(principal: Any) -> None:
    assert not allows(policy(statement(principal=principal)), SOURCE)


@pytest.mark.parametrize(
    "action", ["backup:*", "*", "backup:CopyInto*", ["backup:Get*", "BACKUP:copyintobackupvault"]]
)
def test_wildcards_and_case_in_actions_match_as_iam_matches_them(action: Any) -> None:
    assert allows(policy(statement(action=action)), SOURCE)


def test_an_action_that_does_not_cover_copy_allows_nothing() -> None:
    assert not allows(policy(statement(action="backup:Describe*")), SOURCE)


def test_an_explicit_deny_wins_over_an_allow_in_either_order() -> None:
    allow, deny = statement(), statement(effect="Deny")
    assert not allows(policy(allow, deny), SOURCE)
    assert not allows(policy(deny, allow), SOURCE)


def test_a_single_statement_object_is_accepted_as_well_as_a_list() -> None:
    text = json.dumps({"Version": "2012-10-17", "Statement": statement()})
    assert allows(text, SOURCE)


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        json.dumps({"Version": "2012-10-17"}),
        json.dumps({"Statement": ["x"]}),
        json.dumps({"Statement": [{"Effect": "Maybe"}]}),
    ],
)
def test_a_malformed_policy_is_refused(text: str) -> None:
    with pytest.raises(MalformedPolicy):
        parse_policy(text)
