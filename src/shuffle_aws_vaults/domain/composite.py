"""Composite recovery points (CloudFormation stacks) and the nested ones they group.

AWS documents (DG "CloudFormation stack backups"): a stack's backup is a composite recovery point
grouping nested recovery points, the template's and each supported resource's, and a composite
job "can trigger other backup jobs for individual resources within the stack". So the tool copies
composites only: StartCopyJob on a composite starts the parent job and AWS starts a child job per
nested point. A nested point is never an item of its own: selection counts it under its
composite (neither included nor excluded), the engine tracks the parent job only, and a
composite's copy is verified when it and a copy of each of its nested points are there.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from .recovery_point import COPYABLE_STATUSES, RecoveryPoint
from .verification import Check, Verdict, same_instant

SHOWN = 3  # nested points named in a verdict's detail


class NestedPoints:
    """The nested recovery points a listing found, by their composite's ARN."""

    def __init__(self) -> None:
        self._by_parent: dict[str, list[RecoveryPoint]] = {}

    def add(self, rp: RecoveryPoint) -> None:
        assert rp.parent_arn is not None, rp.arn
        self._by_parent.setdefault(rp.parent_arn, []).append(rp)

    def of(self, parent_arn: str) -> list[RecoveryPoint]:
        return self._by_parent.get(parent_arn, [])

    def __len__(self) -> int:
        return sum(len(points) for points in self._by_parent.values())

    def __iter__(self) -> Iterator[RecoveryPoint]:
        for points in self._by_parent.values():
            yield from points

    @classmethod
    def of_listing(cls, points: Iterable[RecoveryPoint]) -> NestedPoints:
        found = cls()
        for rp in points:
            if rp.is_nested:
                found.add(rp)
        return found


def check_nested(nested: Iterable[RecoveryPoint], copies: Iterable[RecoveryPoint]) -> Check:
    """The verdict on a composite's copy, itself found good, from its nested points': each
    source nested point (`nested`) needs a usable copy among `copies` (the nested points of
    the composite's copy) with its resource ARN and creation date."""
    wanted = list(nested)
    held = list(copies)
    missing = [rp for rp in wanted if not any(_copy_of(rp, copy) for copy in held)]
    if missing:
        named = ", ".join(rp.resource_arn for rp in missing[:SHOWN])
        more = f" and {len(missing) - SHOWN} more" if len(missing) > SHOWN else ""
        return Check(
            Verdict.MISMATCHED,
            f"nested {len(missing)} of {len(wanted)} not copied: {named}{more}",
        )
    return Check(Verdict.VERIFIED, f"with {len(wanted)} nested" if wanted else "")


def _copy_of(source: RecoveryPoint, copy: RecoveryPoint) -> bool:
    return (
        copy.status in COPYABLE_STATUSES
        and copy.resource_arn == source.resource_arn
        and same_instant(copy.creation_date, source.creation_date)
    )
