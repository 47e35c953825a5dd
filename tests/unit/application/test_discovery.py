from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from shuffle_aws_vaults.application.discovery import (
    LifecycleRule,
    UnknownVault,
    resolve_vaults,
    scan,
)
from shuffle_aws_vaults.domain.lifecycle import LifecyclePolicy, RetentionBounds
from shuffle_aws_vaults.domain.reasons import Reason
from shuffle_aws_vaults.domain.recovery_point import RecoveryPoint, Vault
from shuffle_aws_vaults.domain.selection import Selection, SelectionTally

from ..domain.factories import NOW, rp
from .fakes import FakeGateway, FakeKeys, FakeMetadata

AWS_KEY = "arn:aws:kms:us-east-1:111111111111:key/aws-ebs"


def items() -> list[RecoveryPoint]:
    return [
        rp(arn="a1", vault_name="v1", resource_arn="r1"),
        rp(arn="a2", vault_name="v1", resource_arn="r2", encryption_key_arn=AWS_KEY),
        rp(arn="a3", vault_name="v2", resource_arn="r3", status="PARTIAL"),
        rp(arn="a4", vault_name="v2", resource_arn="r4", encryption_key_arn=AWS_KEY),
    ]


def test_named_vaults_resolve_in_the_order_given_without_repeats() -> None:
    gateway = FakeGateway(items())
    assert [v.name for v in resolve_vaults(gateway, ["v2", "v1", "v2"], all_vaults=False)] == [
        "v2",
        "v1",
    ]


def test_an_unknown_vault_is_named_with_the_ones_that_exist() -> None:
    with pytest.raises(UnknownVault, match=r"no vault named nope .*\(vaults: Default, v1, v2\)"):
        resolve_vaults(FakeGateway(items()), ["v1", "nope"], all_vaults=False)


def test_a_scan_gives_every_item_one_verdict_and_tallies_them() -> None:
    gateway = FakeGateway(items())
    keys = FakeKeys({AWS_KEY})
    tally = SelectionTally()
    found = list(
        scan(
            gateway,
            gateway.list_vaults(),
            Selection(),
            metadata=None,
            keys=keys,
            now=NOW,
            cross_account=True,
            tally=tally,
        )
    )
    verdicts = {c.rp.arn: c.reason for c in found}
    assert verdicts == {
        "a1": None,
        "a2": Reason.AWS_MANAGED_KEY,
        "a3": Reason.NOT_COMPLETED,
        "a4": Reason.AWS_MANAGED_KEY,
    }
    assert tally.included == 1 and tally.ineligible == 3
    # Each distinct key is described once, however many items use it.
    assert sorted(keys.asked) == sorted({AWS_KEY, items()[0].encryption_key_arn})


def test_metadata_is_joined_by_resource_arn() -> None:
    gateway = FakeGateway(items())
    metadata = FakeMetadata({"r1": {"APMID": "APM1", "Environment": "Prod"}})
    selection = Selection(allowed_apmids=frozenset({"APM1"}))
    found = list(
        scan(
            gateway,
            gateway.list_vaults(),
            selection,
            metadata=metadata,
            keys=None,
            now=NOW,
            cross_account=True,
        )
    )
    included = [c for c in found if c.included]
    assert [(c.rp.arn, c.metadata) for c in included] == [
        ("a1", {"APMID": "APM1", "Environment": "Prod"})
    ]
    assert {c.rp.arn: c.reason for c in found if not c.included}["a2"] is Reason.NO_METADATA


def test_a_scan_is_lazy_so_listings_stream() -> None:
    gateway = FakeGateway(items())
    candidates = scan(
        gateway,
        gateway.list_vaults(),
        Selection(),
        metadata=None,
        keys=None,
        now=NOW,
        cross_account=False,
    )
    assert gateway.listed == []
    next(candidates)
    assert gateway.listed == ["Default", "v1"]


def test_a_cross_region_scan_excludes_what_aws_cannot_copy_across_regions() -> None:
    native = "arn:aws:dynamodb:us-east-1:111111111111:table/t/backup/01547087347000-c8b6kdk3"
    gateway = FakeGateway([rp(arn=native, vault_name="v1", resource_type="DynamoDB"), *items()])

    def verdicts(**flags: bool) -> dict[str, Reason | None]:
        found = scan(
            gateway,
            gateway.list_vaults(),
            Selection(),
            metadata=None,
            keys=None,
            now=NOW,
            cross_account=False,
            **flags,
        )
        return {c.rp.arn: c.reason for c in found}

    assert verdicts()[native] is None  # same account, same Region: AWS copies it
    across = verdicts(cross_region=True)
    assert across[native] is Reason.CROSS_REGION_UNSUPPORTED
    assert {arn: r for arn, r in across.items() if arn != native} == {
        "a1": None,
        "a2": None,
        "a3": Reason.NOT_COMPLETED,
        "a4": None,
    }


def test_a_copy_that_would_arrive_expired_is_would_expire_after_what_aws_cannot_copy() -> None:
    old = NOW - timedelta(days=400)
    points = [
        rp(arn="young", vault_name="v1", resource_arn="r1", creation_date=NOW - timedelta(days=1)),
        rp(arn="old", vault_name="v1", resource_arn="r2", creation_date=old),
        rp(
            arn="old-partial",
            vault_name="v1",
            resource_arn="r3",
            creation_date=old,
            status="PARTIAL",
        ),
    ]
    gateway = FakeGateway(points)
    tally = SelectionTally()
    policy = LifecyclePolicy(delete_after_days=365)
    found = {
        c.rp.arn: c
        for c in scan(
            gateway,
            gateway.list_vaults(),
            Selection(),
            metadata=None,
            keys=None,
            now=NOW,
            cross_account=True,
            tally=tally,
            lifecycle=LifecycleRule(policy),
        )
    }
    assert {arn: c.reason for arn, c in found.items()} == {
        "young": None,
        "old": Reason.WOULD_EXPIRE,
        "old-partial": Reason.NOT_COMPLETED,  # the first reason that applies
    }
    assert found["young"].lifecycle is not None and found["young"].lifecycle.retention == 365
    assert tally.excluded == {Reason.WOULD_EXPIRE: 1, Reason.NOT_COMPLETED: 1}
    assert tally.not_selected == 1  # the operator's lifecycle, not AWS's limits


def test_fit_retention_asks_the_locks_about_each_copys_own_destination() -> None:
    points = [rp(arn="a1", vault_name="v1", resource_arn="r1")]  # never expires
    gateway = FakeGateway(points)
    asked: list[tuple[str, str]] = []

    def locks(point: RecoveryPoint, vault: Vault, destination: Any) -> RetentionBounds:
        asked.append((point.arn, vault.name))
        return RetentionBounds(None, 30)

    [candidate] = scan(
        gateway,
        [v for v in gateway.list_vaults() if v.name == "v1"],
        Selection(),
        metadata=None,
        keys=None,
        now=NOW,
        cross_account=True,
        lifecycle=LifecycleRule(LifecyclePolicy(fit_retention=True), locks),
    )
    assert asked == [("a1", "v1")]
    assert candidate.lifecycle is not None and candidate.lifecycle.retention == 30
    assert candidate.included  # five days old: 30 days leave it 25
