from __future__ import annotations

from typing import Any

import pytest

from shuffle_aws_vaults.application.destination import DestinationNotReady, prepare_destination
from shuffle_aws_vaults.domain.recovery_point import Vault
from shuffle_aws_vaults.domain.vault_policy import grants_copy

SOURCE = "111111111111"


class FakeDestination:
    account_id = "222222222222"
    region = "us-east-1"

    def __init__(self, vaults: list[str], policies: dict[str, dict[str, Any]] | None = None):
        self.vaults = {name: self._vault(name) for name in vaults}
        self.policies = dict(policies or {})
        self.created: list[tuple[str, str | None, int | None, int | None]] = []

    def _vault(self, name: str, **lock: Any) -> Vault:
        return Vault(name, f"arn:aws:backup:us-east-1:222222222222:backup-vault:{name}", **lock)

    def list_vaults(self) -> list[Vault]:
        return list(self.vaults.values())

    def create_vault(
        self,
        name: str,
        *,
        kms_key_arn: str | None,
        min_retention_days: int | None,
        max_retention_days: int | None,
    ) -> Vault:
        self.created.append((name, kms_key_arn, min_retention_days, max_retention_days))
        self.vaults[name] = self._vault(name)
        return self.vaults[name]

    def get_access_policy(self, name: str) -> dict[str, Any] | None:
        return self.policies.get(name)

    def put_access_policy(self, name: str, policy: dict[str, Any]) -> None:
        self.policies[name] = policy


def source_vault(name: str, low: int | None = None, high: int | None = None) -> Vault:
    return Vault(name, f"arn:aws:backup:us-east-1:{SOURCE}:backup-vault:{name}", 5, True, low, high)


def test_a_missing_vault_is_an_error_that_names_it_and_the_flag() -> None:
    dest = FakeDestination(["other"])
    with pytest.raises(DestinationNotReady, match=r"prod does not exist.*--create-dest-vault"):
        prepare_destination(dest, [("prod", source_vault("prod"))], SOURCE, create=False)
    assert dest.created == []


def test_missing_vaults_are_created_with_the_source_lock_bounds_and_a_copy_grant() -> None:
    dest = FakeDestination([])
    report = prepare_destination(
        dest,
        [("prod", source_vault("prod", 7, 365))],
        SOURCE,
        create=True,
        kms_key_arn="arn:aws:kms:us-east-1:222222222222:key/k",
    )
    assert dest.created == [("prod", "arn:aws:kms:us-east-1:222222222222:key/k", 7, 365)]
    assert report.created == ["prod"] and report.policies_updated == ["prod"]
    assert grants_copy(dest.policies["prod"], SOURCE)


def test_an_existing_grant_is_left_alone() -> None:
    dest = FakeDestination(["prod"])
    prepare_destination(dest, [("prod", None)], SOURCE, create=True)
    first = dest.policies["prod"]
    report = prepare_destination(dest, [("prod", None)], SOURCE, create=True)
    assert report.policies_updated == [] and dest.policies["prod"] is first
