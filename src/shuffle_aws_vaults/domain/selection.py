"""The operator's selection: which recovery points a command works on.

Filters are applied first (the operator's choice), then eligibility (what AWS can copy); the first
rule that excludes an item gives its one reason, so counts by reason add up to the excluded total.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from .eligibility import ineligibility
from .reasons import Reason
from .recovery_point import RecoveryPoint

APMID_COLUMN = "APMID"


@dataclass(frozen=True)
class Selection:
    """What to include; None or empty means "no restriction"."""

    allowed_apmids: frozenset[str] | None = None
    excluded_apmids: frozenset[str] = frozenset()
    resource_types: frozenset[str] | None = None
    created_after: datetime | None = None  # inclusive
    created_before: datetime | None = None  # exclusive
    # Column -> accepted values: every column must match one of its values.
    where: tuple[tuple[str, frozenset[str]], ...] = ()

    @property
    def needs_metadata(self) -> bool:
        return self.allowed_apmids is not None or bool(self.excluded_apmids) or bool(self.where)

    def describe(self) -> dict[str, object]:
        """A canonical, plain form: two selections are the same when these are equal."""
        return {
            "allowed_apmids": (
                sorted(self.allowed_apmids) if self.allowed_apmids is not None else None
            ),
            "excluded_apmids": sorted(self.excluded_apmids),
            "resource_types": (
                sorted(self.resource_types) if self.resource_types is not None else None
            ),
            "created_after": self.created_after.isoformat() if self.created_after else None,
            "created_before": self.created_before.isoformat() if self.created_before else None,
            "where": [[column, sorted(values)] for column, values in self.where],
        }

    def metadata_columns(self) -> set[str]:
        columns = {column for column, _ in self.where}
        if self.allowed_apmids is not None or self.excluded_apmids:
            columns.add(APMID_COLUMN)
        return columns


def filter_reason(
    selection: Selection, rp: RecoveryPoint, metadata: Mapping[str, str] | None
) -> Reason | None:
    """Why the operator's selection leaves `rp` out, or None."""
    if selection.resource_types is not None and rp.resource_type not in selection.resource_types:
        return Reason.RESOURCE_TYPE
    if selection.created_after is not None and rp.creation_date < selection.created_after:
        return Reason.CREATED_BEFORE_WINDOW
    if selection.created_before is not None and rp.creation_date >= selection.created_before:
        return Reason.CREATED_AFTER_WINDOW
    if not selection.needs_metadata:
        return None
    if metadata is None:
        return Reason.NO_METADATA
    apmid = metadata.get(APMID_COLUMN, "")
    if selection.allowed_apmids is not None and apmid not in selection.allowed_apmids:
        return Reason.APMID_NOT_ALLOWED
    if apmid in selection.excluded_apmids:
        return Reason.APMID_EXCLUDED
    for column, values in selection.where:
        if metadata.get(column) not in values:
            return Reason.WHERE_MISMATCH
    return None


def decide(
    selection: Selection,
    rp: RecoveryPoint,
    metadata: Mapping[str, str] | None,
    *,
    now: datetime,
    cross_account: bool,
    key_is_aws_managed: bool | None = None,
    cross_region: bool = False,
) -> Reason | None:
    """None when `rp` is selected and copyable; else the first reason it is not."""
    return filter_reason(selection, rp, metadata) or ineligibility(
        rp,
        now=now,
        cross_account=cross_account,
        key_is_aws_managed=key_is_aws_managed,
        cross_region=cross_region,
    )


@dataclass
class SelectionTally:
    """Counts of a selection pass: included, and excluded by reason. Nested recovery points
    (domain/composite.py) are neither: they are counted under their composite."""

    included: int = 0
    included_bytes: int = 0
    excluded: Counter[Reason] = field(default_factory=Counter)
    nested_by_parent: Counter[str] = field(default_factory=Counter)
    included_composites: set[str] = field(default_factory=set)

    def add(self, rp: RecoveryPoint, reason: Reason | None) -> None:
        if reason is None:
            self.included += 1
            self.included_bytes += rp.size_bytes
            if rp.is_parent:
                self.included_composites.add(rp.arn)
        else:
            self.excluded[reason] += 1

    def add_nested(self, rp: RecoveryPoint) -> None:
        """A nested point: AWS copies it with its composite, never alone."""
        self.nested_by_parent[rp.parent_arn or ""] += 1

    def merge(self, other: SelectionTally) -> None:
        """Add `other`'s counts (another route's) to these."""
        self.included += other.included
        self.included_bytes += other.included_bytes
        self.excluded.update(other.excluded)
        self.nested_by_parent.update(other.nested_by_parent)
        self.included_composites |= other.included_composites

    @property
    def nested(self) -> int:
        """Nested recovery points listed (not items: each goes with its composite)."""
        return sum(self.nested_by_parent.values())

    @property
    def nested_included(self) -> int:
        """Nested recovery points of the included composites: copied with them."""
        return sum(self.nested_by_parent[arn] for arn in self.included_composites)

    @property
    def total(self) -> int:
        return self.included + self.excluded_total

    @property
    def excluded_total(self) -> int:
        return sum(self.excluded.values())

    @property
    def ineligible(self) -> int:
        return sum(n for reason, n in self.excluded.items() if reason.is_ineligible)

    @property
    def not_selected(self) -> int:
        return self.excluded_total - self.ineligible
