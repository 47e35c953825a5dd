"""The one wiring point: a command's adapters in one call, any of them replaced by keyword, and
the AWS side connected only when first used."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from shuffle_aws_vaults import bootstrap
from shuffle_aws_vaults.application.errors import OperatorError


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


def test_accounts_connect_on_first_use_only() -> None:
    connected: list[str] = []

    class Accounts:
        home = "us-east-1"

    def connect() -> Any:
        connected.append("now")
        return Accounts()

    lazy = bootstrap.LazyAccounts(connect)
    assert connected == []
    assert lazy.home == "us-east-1" and lazy.home == "us-east-1"
    assert connected == ["now"]
