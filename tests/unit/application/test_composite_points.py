"""Composite recovery points through selection, adoption and verify, with hand-written fakes:
a nested point is no item (counted under its composite), the destination's nested copies are
no item's copy and no extra, and a composite's copy is verified with its nested copies."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

from shuffle_aws_vaults.application.adoption import adopt_existing_copies
from shuffle_aws_vaults.application.discovery import scan
from shuffle_aws_vaults.application.verify import verify_from_journal, verify_without_journal
from shuffle_aws_vaults.domain.composite import NestedPoints
from shuffle_aws_vaults.domain.copy_job import CopyJobInfo
from shuffle_aws_vaults.domain.events import JobEnded, Submitted
from shuffle_aws_vaults.domain.migration import MigrationState, Status
from shuffle_aws_vaults.domain.plan import PlanItem
from shuffle_aws_vaults.domain.recovery_point import RecoveryPoint, Vault
from shuffle_aws_vaults.domain.selection import Selection, SelectionTally
from shuffle_aws_vaults.domain.verification import Verdict

from ..domain.factories import NOW, rp

SOURCE, DEST, REGION = "111111111111", "222222222222", "us-east-1"
VAULT = "stacks"
SOURCE_VAULT_ARN = f"arn:aws:backup:{REGION}:{SOURCE}:backup-vault:{VAULT}"
DEST_VAULT_ARN = f"arn:aws:backup:{REGION}:{DEST}:backup-vault:{VAULT}"
STACK = f"arn:aws:cloudformation:{REGION}:{SOURCE}:stack/web/1"
PARENT = f"arn:aws:backup:{REGION}:{SOURCE}:recovery-point:parent"
PARENT_COPY = f"arn:aws:backup:{REGION}:{DEST}:recovery-point:parent-copy"


class Gateway:
    """One account's vault and copy jobs."""

    def __init__(
        self, account: str, items: list[RecoveryPoint], jobs: list[CopyJobInfo] | None = None
    ) -> None:
        self._account = account
        self.items = items
        self.jobs = jobs or []

    @property
    def account_id(self) -> str:
        return self._account

    @property
    def region(self) -> str:
        return REGION

    def list_vaults(self) -> list[Vault]:
        arn = f"arn:aws:backup:{REGION}:{self._account}:backup-vault:{VAULT}"
        return [Vault(VAULT, arn, len(self.items))]

    def iter_recovery_points(
        self, vault_name: str, *, resource_arn: str | None = None
    ) -> Iterator[RecoveryPoint]:
        return iter(self.items if vault_name == VAULT else [])

    def list_copy_jobs(self, **filters: Any) -> list[CopyJobInfo]:
        state = filters.get("state")
        return [job for job in self.jobs if state is None or job.state == state]


def source_points() -> tuple[RecoveryPoint, list[RecoveryPoint], RecoveryPoint]:
    """A composite, its two nested points, and an ordinary point."""
    parent = rp(
        arn=PARENT,
        vault_name=VAULT,
        resource_arn=STACK,
        resource_type="CloudFormation",
        size_bytes=300,
        is_parent=True,
        encryption_key_arn=None,
    )
    nested = [
        rp(
            arn=f"arn:aws:ec2:{REGION}::snapshot/snap-n{n}",
            vault_name=VAULT,
            resource_arn=f"arn:aws:ec2:{REGION}:{SOURCE}:volume/vol-n{n}",
            size_bytes=100 * n,
            parent_arn=PARENT,
            encryption_key_arn=None,
        )
        for n in (1, 2)
    ]
    plain = rp(arn=f"arn:aws:ec2:{REGION}::snapshot/snap-plain", vault_name=VAULT)
    return parent, nested, plain


def copy_of(source: RecoveryPoint, arn: str, parent: str | None = None) -> RecoveryPoint:
    return dataclasses.replace(
        source, arn=arn, source_vault_arn=SOURCE_VAULT_ARN, parent_arn=parent
    )


def item_of(point: RecoveryPoint) -> PlanItem:
    return PlanItem(
        point.arn,
        VAULT,
        point.resource_arn,
        point.resource_type,
        point.size_bytes,
        point.creation_date.timestamp(),
        DEST_VAULT_ARN,
    )


# -- selection ---------------------------------------------------------------------------


def test_a_scan_yields_composites_not_their_nested_points_and_counts_those_apart() -> None:
    parent, nested, plain = source_points()
    source = Gateway(SOURCE, [nested[0], parent, plain, nested[1]])
    tally, kept = SelectionTally(), NestedPoints()
    found = list(
        scan(
            source,
            source.list_vaults(),
            Selection(),
            metadata=None,
            keys=None,
            now=NOW,
            cross_account=True,
            tally=tally,
            nested=kept,
        )
    )
    assert [c.rp.arn for c in found] == [parent.arn, plain.arn]
    assert all(c.included for c in found)
    assert (tally.total, tally.included, tally.excluded_total) == (2, 2, 0)
    assert (tally.nested, tally.nested_included, len(tally.included_composites)) == (2, 2, 1)
    assert kept.of(PARENT) == nested


def test_a_nested_point_goes_with_its_composite_whatever_the_filter_says_of_it() -> None:
    parent, nested, _ = source_points()
    source = Gateway(SOURCE, [parent, *nested])
    tally = SelectionTally()
    found = list(
        scan(
            source,
            source.list_vaults(),
            Selection(resource_types=frozenset({"EBS"})),  # the nested points' type
            metadata=None,
            keys=None,
            now=NOW,
            cross_account=True,
            tally=tally,
        )
    )
    assert [(c.rp.arn, c.included) for c in found] == [(PARENT, False)]
    assert (tally.nested, tally.nested_included) == (2, 0)


# -- adoption ----------------------------------------------------------------------------


def test_adoption_takes_a_composites_copy_and_no_nested_copy() -> None:
    parent, nested, _ = source_points()
    held = [
        copy_of(parent, PARENT_COPY),
        *(copy_of(n, f"{n.arn}-copy", PARENT_COPY) for n in nested),
    ]
    child_job = CopyJobInfo(
        "child-1",
        "COMPLETED",
        nested[0].arn,
        DEST_VAULT_ARN,
        dest_arn=held[1].arn,
        parent_job_id="parent-1",
    )
    state = MigrationState([item_of(parent)])
    result = adopt_existing_copies(state, Gateway(SOURCE, [], [child_job]), Gateway(DEST, held))
    assert result.adopted == 1
    assert result.destination_points == 1  # the nested copies come with the composite's
    assert state.status_of(0) is Status.ALREADY_COPIED and state.dest_arns[0] == PARENT_COPY


# -- verify ------------------------------------------------------------------------------


def journal_with(parent: RecoveryPoint, dest_arn: str) -> MigrationState:
    state = MigrationState([item_of(parent)])
    state.apply(Submitted(0, "parent-job", 1.0))
    state.apply(JobEnded(0, "parent-job", "COMPLETED", 2.0, dest_arn=dest_arn))
    return state


def test_a_composites_copy_with_every_nested_copy_is_verified_and_they_are_no_extras() -> None:
    parent, nested, _ = source_points()
    held = [
        copy_of(parent, PARENT_COPY),
        *(copy_of(n, f"{n.arn}-copy", PARENT_COPY) for n in nested),
    ]
    checks = list(
        verify_from_journal(
            journal_with(parent, PARENT_COPY),
            {parent.arn: parent},
            Gateway(DEST, held),
            (REGION, SOURCE),
            NestedPoints.of_listing(nested),
        )
    )
    assert [(c.check.verdict, c.check.detail) for c in checks] == [
        (Verdict.VERIFIED, "with 2 nested")
    ]


def test_a_composites_copy_missing_a_nested_copy_is_not_verified() -> None:
    parent, nested, _ = source_points()
    held = [copy_of(parent, PARENT_COPY), copy_of(nested[0], "only-one", PARENT_COPY)]
    [check] = verify_from_journal(
        journal_with(parent, PARENT_COPY),
        {parent.arn: parent},
        Gateway(DEST, held),
        (REGION, SOURCE),
        NestedPoints.of_listing(nested),
    )
    assert check.check.verdict is Verdict.MISMATCHED
    assert check.check.detail == f"nested 1 of 2 not copied: {nested[1].resource_arn}"


def test_without_a_journal_a_composites_copy_is_found_by_its_job_and_checked_with_its_nested() -> (
    None
):
    parent, nested, plain = source_points()
    held = [
        copy_of(parent, PARENT_COPY),
        *(copy_of(n, f"{n.arn}-copy", PARENT_COPY) for n in nested),
        copy_of(plain, "plain-copy"),
    ]
    jobs = [
        CopyJobInfo("parent-1", "COMPLETED", PARENT, DEST_VAULT_ARN, dest_arn=PARENT_COPY),
        *(
            CopyJobInfo(
                f"child-{n}",
                "COMPLETED",
                p.arn,
                DEST_VAULT_ARN,
                dest_arn=f"{p.arn}-copy",
                parent_job_id="parent-1",
            )
            for n, p in enumerate(nested)
        ),
    ]
    checks = list(
        verify_without_journal(
            [parent, plain],
            lambda point: VAULT,
            {VAULT: SOURCE_VAULT_ARN},
            Gateway(SOURCE, [], jobs),
            Gateway(DEST, held),
            nested=NestedPoints.of_listing(nested),
        )
    )
    assert [(c.source_arn, c.dest_arn, c.check.verdict) for c in checks] == [
        (PARENT, PARENT_COPY, Verdict.VERIFIED),
        (plain.arn, "plain-copy", Verdict.VERIFIED),
    ]
