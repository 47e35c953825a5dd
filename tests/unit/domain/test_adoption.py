"""Recognising a planned item's copy among the destination's recovery points."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shuffle_aws_vaults.domain.adoption import DestinationIndex
from shuffle_aws_vaults.domain.plan import PlanItem

from .factories import rp

SOURCE_VAULT_ARN = "arn:aws:backup:us-east-1:111111111111:backup-vault:production-backups"
OTHER_VAULT_ARN = "arn:aws:backup:us-east-1:111111111111:backup-vault:database-backups"
DEST_VAULT_ARN = "arn:aws:backup:us-east-1:222222222222:backup-vault:production-backups"
CREATED = datetime(2026, 1, 10, 3, 0, 0, 123000, tzinfo=UTC)
VOLUME = "arn:aws:ec2:us-east-1:111111111111:volume/vol-1"


def item(created: datetime = CREATED, size: int = 10 * 1024**3, arn: str = "snap-src") -> PlanItem:
    return PlanItem(
        source_arn=f"arn:aws:ec2:us-east-1::snapshot/{arn}",
        source_vault="production-backups",
        resource_arn=VOLUME,
        resource_type="EBS",
        size_bytes=size,
        created=created.timestamp(),
        dest_vault_arn=DEST_VAULT_ARN,
    )


def copy(name: str, **overrides: object) -> object:
    fields: dict[str, object] = {
        "arn": f"arn:aws:ec2:us-east-1::snapshot/{name}",
        "creation_date": CREATED,
        "source_vault_arn": SOURCE_VAULT_ARN,
        "resource_arn": VOLUME,
    }
    fields.update(overrides)
    return rp(**fields)


def index_of(*points: object) -> DestinationIndex:
    index = DestinationIndex()
    index.add_vault("production-backups", points)  # type: ignore[arg-type]
    return index


def test_a_copy_with_the_same_resource_creation_date_source_vault_and_size_is_found() -> None:
    index = index_of(copy("snap-copy"))
    assert index.take(item(), SOURCE_VAULT_ARN, None) == "arn:aws:ec2:us-east-1::snapshot/snap-copy"


def test_each_copy_is_taken_by_one_item_only() -> None:
    index = index_of(copy("snap-copy"))
    assert index.take(item(), SOURCE_VAULT_ARN, None) is not None
    assert index.take(item(arn="snap-twin"), SOURCE_VAULT_ARN, None) is None


def test_another_creation_date_source_vault_or_size_is_not_the_copy() -> None:
    index = index_of(
        copy("later", creation_date=CREATED + timedelta(milliseconds=1)),
        copy("other-vault", source_vault_arn=OTHER_VAULT_ARN),
        copy("other-size", size_bytes=5),
    )
    assert index.take(item(), SOURCE_VAULT_ARN, None) is None


def test_a_copy_without_a_source_vault_or_size_is_matched_on_resource_and_date() -> None:
    index = index_of(copy("bare", source_vault_arn=None, size_bytes=0))
    assert index.take(item(), SOURCE_VAULT_ARN, None) == "arn:aws:ec2:us-east-1::snapshot/bare"


def test_the_copy_job_picks_among_several_matches() -> None:
    index = index_of(copy("first"), copy("second"))
    chosen = index.take(item(), SOURCE_VAULT_ARN, "arn:aws:ec2:us-east-1::snapshot/second")
    assert chosen == "arn:aws:ec2:us-east-1::snapshot/second"
    assert index.take(item(arn="twin"), SOURCE_VAULT_ARN, None) == (
        "arn:aws:ec2:us-east-1::snapshot/first"
    )


def test_recovery_points_that_are_not_usable_copies_are_left_out() -> None:
    index = index_of(copy("creating", status="CREATING"), copy("partial", status="PARTIAL"))
    assert index.points == 0
    assert index.take(item(), SOURCE_VAULT_ARN, None) is None


def test_another_vault_is_not_searched() -> None:
    index = DestinationIndex()
    index.add_vault("elsewhere", [copy("snap-copy")])  # type: ignore[list-item]
    assert index.take(item(), SOURCE_VAULT_ARN, None) is None


def test_a_recovery_point_is_never_its_own_copy() -> None:
    source = item(arn="snap-src")
    index = index_of(copy("snap-src", source_vault_arn=None))  # the same point, listed
    assert index.take(source, SOURCE_VAULT_ARN, None) is None
