from __future__ import annotations

import random

from shuffle_aws_vaults.domain.plan import (
    OVERHEAD_BYTES,
    idempotency_token,
    order_items,
    plan_hash,
)

from ..application.copy_fakes import DEST_VAULT, GIB, plan_item

OTHER_VAULT = "arn:aws:backup:us-east-1:222222222222:backup-vault:elsewhere"
DAY = 86_400.0


def test_an_items_weight_is_its_size_plus_the_per_copy_overhead() -> None:
    item = plan_item("snap-1", size_gib=3)
    assert item.weight == 3 * GIB + OVERHEAD_BYTES
    assert item.dest_vault_name == "migrated"


def test_the_resource_with_the_largest_total_weight_comes_first_not_the_longest_list() -> None:
    many_small = [plan_item(f"small-{n}", resource="vol-many", size_gib=0) for n in range(3)]
    one_big = [plan_item("big", resource="vol-big", size_gib=100)]  # 100 GiB + overhead
    two_medium = [plan_item(f"mid-{n}", resource="vol-two", size_gib=40) for n in range(2)]

    ordered = order_items(many_small + two_medium + one_big)

    resources = [item.resource_arn.rsplit("/", 1)[1] for item in ordered]
    # vol-two: 2 x (40 + 12) = 104 GiB; vol-big: 112 GiB; vol-many: 3 x 12 = 36 GiB
    assert resources == ["vol-big", "vol-two", "vol-two", "vol-many", "vol-many", "vol-many"]


def test_each_resources_recovery_points_come_oldest_first() -> None:
    chain = [
        plan_item("c", resource="vol-a", created=3 * DAY),
        plan_item("a", resource="vol-a", created=1 * DAY),
        plan_item("b", resource="vol-a", created=2 * DAY),
    ]
    assert [item.source_arn[-1] for item in order_items(chain)] == ["a", "b", "c"]


def test_newest_first_reverses_each_resources_chain_and_keeps_the_resources_order() -> None:
    items = [
        plan_item(f"{resource}-{n}", resource=resource, created=n * DAY, size_gib=size)
        for resource, size in (("vol-small", 1), ("vol-big", 50))
        for n in range(3)
    ]
    tool, reverse = order_items(items), order_items(items, newest_first=True)
    assert [item.source_arn.rsplit("/", 1)[1] for item in reverse] == [
        "vol-big-2",
        "vol-big-1",
        "vol-big-0",
        "vol-small-2",
        "vol-small-1",
        "vol-small-0",
    ]
    assert reverse == tool[2::-1] + tool[:2:-1]


def test_the_order_does_not_depend_on_the_order_items_were_found_in() -> None:
    items = [
        plan_item(f"{resource}-{n}", resource=resource, created=n * DAY, size_gib=1)
        for resource in ("vol-x", "vol-y", "vol-z")
        for n in range(3)
    ]
    expected = order_items(items)
    for seed in range(5):
        shuffled = items[:]
        random.Random(seed).shuffle(shuffled)
        assert order_items(shuffled) == expected
    # equal weights: ties go by resource ARN
    assert [item.resource_arn[-5:] for item in expected[::3]] == ["vol-x", "vol-y", "vol-z"]


def test_the_plan_hash_is_the_same_for_the_same_copies_in_the_same_order() -> None:
    items = [plan_item("a"), plan_item("b", resource="vol-2")]
    resized = [plan_item("a", size_gib=500), plan_item("b", resource="vol-2", size_gib=7)]
    assert plan_hash(items) == plan_hash(list(items))
    assert plan_hash(items) == plan_hash(resized)  # what is copied where, not how big
    assert len(plan_hash(items)) == 64


def test_the_plan_hash_changes_with_the_order() -> None:
    a, b = plan_item("a"), plan_item("b")
    assert plan_hash([a, b]) != plan_hash([b, a])


def test_the_plan_hash_changes_with_a_destination() -> None:
    assert plan_hash([plan_item("a")]) != plan_hash([plan_item("a", dest_vault_arn=OTHER_VAULT)])


def test_the_plan_hash_changes_when_an_item_is_added_or_dropped() -> None:
    a, b = plan_item("a"), plan_item("b")
    assert len({plan_hash([a]), plan_hash([a, b]), plan_hash([])}) == 3


def test_an_idempotency_token_is_stable_for_one_attempt_of_one_copy() -> None:
    arn = "arn:aws:ec2:us-east-1::snapshot/snap-1"
    token = idempotency_token(arn, DEST_VAULT, 1)
    assert token == idempotency_token(arn, DEST_VAULT, 1)
    assert token.startswith("sav-")
    assert len(token) == 44
    assert all(c in "0123456789abcdef" for c in token[4:])


def test_an_idempotency_token_differs_across_attempts_destinations_and_sources() -> None:
    arn = "arn:aws:ec2:us-east-1::snapshot/snap-1"
    tokens = {
        idempotency_token(arn, DEST_VAULT, 1),
        idempotency_token(arn, DEST_VAULT, 2),
        idempotency_token(arn, DEST_VAULT, 3),
        idempotency_token(arn, OTHER_VAULT, 1),
        idempotency_token(arn + "0", DEST_VAULT, 1),
    }
    assert len(tokens) == 5
