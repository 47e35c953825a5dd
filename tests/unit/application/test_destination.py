from __future__ import annotations

from typing import Any

import pytest

from shuffle_aws_vaults.application.destination import DestinationNotReady, prepare_destination
from shuffle_aws_vaults.domain.recovery_point import NewVault, Vault
from shuffle_aws_vaults.domain.vault_policy import grants_copy

SOURCE = "111111111111"


class FakeDestination:
    account_id = "222222222222"
    region = "us-east-1"

    def __init__(self, vaults: list[str], policies: dict[str, dict[str, Any]] | None = None):
        self.vaults = {name: self._vault(name) for name in vaults}
        self.policies = dict(policies or {})
        self.created: list[tuple[str, NewVault]] = []

    def _vault(self, name: str, **lock: Any) -> Vault:
        return Vault(name, f"arn:aws:backup:us-east-1:222222222222:backup-vault:{name}", **lock)

    def list_vaults(self) -> list[Vault]:
        return list(self.vaults.values())

    def create_vault(self, name: str, new: NewVault) -> Vault:
        self.created.append((name, new))
        self.vaults[name] = new.planned(name, self._vault(name).arn)
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
        new=NewVault(kms_key_arn="arn:aws:kms:us-east-1:222222222222:key/k"),
    )
    key = "arn:aws:kms:us-east-1:222222222222:key/k"
    assert dest.created == [("prod", NewVault(False, key, 7, 365))]
    assert report.created == ["prod"] and report.policies_updated == ["prod"]
    assert grants_copy(dest.policies["prod"], SOURCE)


def test_an_existing_grant_is_left_alone() -> None:
    dest = FakeDestination(["prod"])
    prepare_destination(dest, [("prod", None)], SOURCE, create=True)
    first = dest.policies["prod"]
    report = prepare_destination(dest, [("prod", None)], SOURCE, create=True)
    assert report.policies_updated == [] and dest.policies["prod"] is first


def test_an_air_gapped_vault_is_created_with_the_bounds_given_not_the_source_vaults() -> None:
    dest = FakeDestination([])
    new = NewVault(air_gapped=True, min_retention_days=7, max_retention_days=3650)
    report = prepare_destination(
        dest, [("central", source_vault("prod", 1, 30))], SOURCE, create=True, new=new
    )
    assert dest.created == [("central", new)]
    created = dest.vaults["central"]
    assert created.air_gapped and created.locked and created.kind == "logically-air-gapped"
    assert (created.min_retention_days, created.max_retention_days) == (7, 3650)
    assert report.policies_updated == ["central"]  # the copy grant, as for any vault


def test_an_existing_vault_is_never_recreated_whatever_type_was_asked_for() -> None:
    dest = FakeDestination(["central"])
    new = NewVault(air_gapped=True, min_retention_days=7, max_retention_days=3650)
    prepare_destination(dest, [("central", None)], SOURCE, create=True, new=new)
    assert dest.created == []
