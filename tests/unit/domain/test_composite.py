"""Composite recovery points in the domain: nested points counted under their composite, never
items or an item's copy, and a composite's copy verified with its nested copies."""

from __future__ import annotations

from datetime import timedelta

from shuffle_aws_vaults.domain.adoption import DestinationIndex
from shuffle_aws_vaults.domain.composite import NestedPoints, check_nested
from shuffle_aws_vaults.domain.plan import PlanItem
from shuffle_aws_vaults.domain.reasons import Reason
from shuffle_aws_vaults.domain.recovery_point import RecoveryPoint
from shuffle_aws_vaults.domain.selection import SelectionTally
from shuffle_aws_vaults.domain.verification import Verdict

from .factories import rp

STACK = "arn:aws:cloudformation:us-east-1:111111111111:stack/web/1"
PARENT = "arn:aws:backup:us-east-1:111111111111:recovery-point:parent-1"
COPY = "arn:aws:backup:us-east-1:222222222222:recovery-point:parent-copy"


def composite(arn: str = PARENT, **fields: object) -> RecoveryPoint:
    return rp(arn=arn, resource_arn=STACK, resource_type="CloudFormation", is_parent=True, **fields)


def nested(n: int, parent: str = PARENT, **fields: object) -> RecoveryPoint:
    values: dict[str, object] = {
        "arn": f"arn:aws:ec2:us-east-1::snapshot/snap-n{n}",
        "resource_arn": f"arn:aws:ec2:us-east-1:111111111111:volume/vol-n{n}",
        "parent_arn": parent,
    }
    values.update(fields)
    return rp(**values)


def test_a_nested_point_is_one_by_its_parent() -> None:
    assert nested(1).is_nested and not composite().is_nested
    assert not rp().is_nested


def test_nested_points_are_kept_by_their_composite() -> None:
    found = NestedPoints.of_listing([composite(), nested(1), nested(2), nested(3, parent="other")])
    assert [p.arn for p in found.of(PARENT)] == [nested(1).arn, nested(2).arn]
    assert len(found) == 3 and found.of("unknown") == []


def test_a_tally_counts_nested_points_apart_and_those_of_included_composites() -> None:
    tally = SelectionTally()
    tally.add(composite(), None)
    tally.add(composite("excluded"), Reason.NOT_COMPLETED)
    for n in (1, 2):
        tally.add_nested(nested(n))
    tally.add_nested(nested(3, parent="excluded"))
    assert (tally.total, tally.included, tally.excluded_total) == (2, 1, 1)
    assert (tally.nested, tally.nested_included) == (3, 2)
    other = SelectionTally()
    other.add_nested(nested(4, parent="elsewhere"))
    tally.merge(other)
    assert (tally.nested, tally.nested_included, tally.included) == (4, 2, 1)


def test_a_composites_copy_is_verified_when_each_nested_point_has_a_copy() -> None:
    sources = [nested(1), nested(2)]
    copies = [nested(1, COPY, arn="c1"), nested(2, COPY, arn="c2")]
    check = check_nested(sources, copies)
    assert (check.verdict, check.detail) == (Verdict.VERIFIED, "with 2 nested")


def test_a_missing_unfinished_or_other_dated_nested_copy_is_named() -> None:
    sources = [nested(1), nested(2), nested(3)]
    copies = [
        nested(1, COPY, arn="c1"),
        nested(2, COPY, arn="c2", status="CREATING"),
        nested(3, COPY, arn="c3", creation_date=nested(3).creation_date + timedelta(seconds=1)),
    ]
    check = check_nested(sources, copies)
    assert check.verdict is Verdict.MISMATCHED
    assert check.detail.startswith("nested 2 of 3 not copied: ")
    assert nested(2).resource_arn in check.detail and nested(3).resource_arn in check.detail


def test_a_nested_copy_is_never_a_planned_items_copy() -> None:
    point = nested(1, COPY, arn="arn:aws:ec2:us-east-1::snapshot/snap-copy")
    index = DestinationIndex()
    index.add_vault("production-backups", [point])
    item = PlanItem(
        source_arn="arn:aws:ec2:us-east-1::snapshot/snap-other",
        source_vault="production-backups",
        resource_arn=point.resource_arn,
        resource_type="EBS",
        size_bytes=point.size_bytes,
        created=point.creation_date.timestamp(),
        dest_vault_arn="arn:aws:backup:us-east-1:222222222222:backup-vault:production-backups",
    )
    assert index.points == 0
    assert index.take(item, "any", None) is None
