"""The one wiring point: a command's adapters in one call, any of them replaced by keyword, and
the AWS side connected only when first used."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from shuffle_aws_vaults import bootstrap
from shuffle_aws_vaults.application.errors import OperatorError
from shuffle_aws_vaults.domain.errors import CredentialsError


def test_every_adapter_given_by_keyword_is_taken_as_it_is() -> None:
    given: dict[str, Any] = {
        "accounts": object(),
        "states": object(),
        "reports": object(),
        "notices": object(),
        "executor": object(),
        "now": lambda: datetime(2026, 12, 7, tzinfo=UTC),
        "board": object(),
    }
    adapters = bootstrap.build(**given)
    assert all(getattr(adapters, name) is value for name, value in given.items())


def test_without_connections_no_account_is_reached_and_saying_so_is_one_line() -> None:
    adapters = bootstrap.build()
    assert adapters.board is None  # no progress asked for
    with pytest.raises(OperatorError, match="reaches no AWS account"):
        _ = adapters.accounts.home


def test_accounts_connect_on_first_use_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
    source = bootstrap.AccountSettings(
        "source", "--source-account", "111111111111", "no-such-profile", None, "us-east-1"
    )
    accounts = bootstrap.build(bootstrap.Connections(source)).accounts  # nothing reached yet
    with pytest.raises(CredentialsError, match="no-such-profile"):
        _ = accounts.home


def test_each_source_account_is_reached_with_its_own_profile_or_the_named_role() -> None:
    base = bootstrap.AccountSettings("source", "--source-account", None, "ops", None, "eu-west-1")
    connections = bootstrap.Connections(
        base, profiles={"111111111112": "second"}, role_name="Migrator"
    )
    first = connections.source_of("111111111111")
    assert (first.profile, first.role_arn) == ("ops", "arn:aws:iam::111111111111:role/Migrator")
    second = connections.source_of("111111111112")
    assert (second.profile, second.role_arn) == ("second", None)
    assert first.region == second.region == "eu-west-1"
    assert connections.source_of(None) is base
