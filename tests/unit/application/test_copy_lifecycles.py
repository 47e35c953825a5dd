"""Copies' lifecycles in the copy use case, on fakes: each planned item holds the Lifecycle it
will be sent with, copies that would arrive expired are left out as would-expire (unless
--allow-expired), --fit-retention clamps into the destination vault's lock (read once), and the
lifecycle flags are part of the migration's identity (a plan made before them is resumed as it
was)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from shuffle_aws_vaults.application.copy_migration import CopyMigration
from shuffle_aws_vaults.application.copy_request import CopyRequest, PlanPreview
from shuffle_aws_vaults.application.destinations import Destinations
from shuffle_aws_vaults.application.discovery import Candidate
from shuffle_aws_vaults.application.errors import RequestRefused
from shuffle_aws_vaults.application.lifecycles import VaultLocks, copy_vault_arn
from shuffle_aws_vaults.application.preflight import PlanFacts, plan_checks
from shuffle_aws_vaults.application.selection_stage import SelectionRequest
from shuffle_aws_vaults.domain.copy_job import FOREVER, Lifecycle
from shuffle_aws_vaults.domain.lifecycle import CopyLifecycle, LifecyclePolicy, RetentionBounds
from shuffle_aws_vaults.domain.preflight import Outcome
from shuffle_aws_vaults.domain.reasons import Reason
from shuffle_aws_vaults.domain.recovery_point import Vault
from shuffle_aws_vaults.domain.selection import Selection

from .migration_fakes import DEST, SOURCE, FakeAccount, vault_arn
from .test_copy_migration_planning import NOW, VAULT, Rig, opened, source_point
from .test_preflight_key_facts import FakeSourceChecks


def lifecycle_rig() -> Rig:
    """Two young points (kept 35 days), one 400 days old that never expires."""
    rig = Rig(points=2)
    rig.source.points[VAULT] = [
        source_point(0, delete_after_days=35),
        source_point(1, delete_after_days=35),
        source_point(2, creation_date=NOW - timedelta(days=400)),
    ]
    return rig


def open_with(rig: Rig, policy: LifecyclePolicy, **flags: Any) -> Any:
    request = CopyRequest(
        selection=SelectionRequest((VAULT,), False, Selection(), lifecycle=policy),
        skip_preflight=True,
        **flags,
    )
    with CopyMigration(request, rig.store, rig.notices, lambda: NOW) as migration:
        migration.check_state()
        return migration.open(rig.ports())


def lifecycles(result: Any) -> dict[str, Lifecycle | None]:
    items = result.items if isinstance(result, PlanPreview) else result.state.items
    return {item.source_arn[-9:]: item.lifecycle for item in items}


def test_each_item_is_planned_with_its_lifecycle_and_an_expired_copy_is_left_out() -> None:
    rig = lifecycle_rig()
    migration = opened(open_with(rig, LifecyclePolicy(delete_after_days=365)))
    assert lifecycles(migration) == {
        "snap-0000": Lifecycle(delete_after_days=365),
        "snap-0001": Lifecycle(delete_after_days=365),
    }
    assert migration.identity["skipped_by_reason"] == {Reason.WOULD_EXPIRE.value: 1}
    assert migration.identity["lifecycle"]["delete_after_days"] == 365
    # What was planned is what the state recorded.
    assert [item.lifecycle for item in rig.store.read()[1].items] == [Lifecycle(365)] * 2


def test_allow_expired_plans_the_copy_that_arrives_expired() -> None:
    rig = lifecycle_rig()
    policy = LifecyclePolicy(delete_after_days=365, allow_expired=True)
    preview = open_with(rig, policy, dry_run=True)
    assert isinstance(preview, PlanPreview)
    assert len(preview.items) == 3 and not preview.summary.tally.excluded


def test_without_lifecycle_flags_nothing_is_sent_and_the_identity_says_so() -> None:
    migration = opened(open_with(lifecycle_rig(), LifecyclePolicy()))
    assert set(lifecycles(migration).values()) == {None}
    assert migration.identity["lifecycle"] is None


def test_fit_retention_clamps_each_copy_into_the_locked_vault_reading_its_lock_once() -> None:
    rig = lifecycle_rig()
    rig.dest.locks[VAULT] = (100, 365)
    open_with(rig, LifecyclePolicy(), dry_run=True)
    without = rig.dest.vault_listings
    preview = open_with(rig, LifecyclePolicy(fit_retention=True), dry_run=True)
    assert isinstance(preview, PlanPreview)
    planned = lifecycles(preview)
    assert planned["snap-0000"] == Lifecycle(delete_after_days=100, clamped_from=35)
    assert preview.summary.lifecycle_clamped == 2
    # The 400-day-old point clamped to 365 days would arrive expired.
    assert "snap-0002" not in planned
    assert preview.summary.tally.excluded == {Reason.WOULD_EXPIRE: 1}
    assert rig.dest.vault_listings - without == without + 1  # the lock, read once more


def test_fit_retention_gives_a_never_expiring_copy_the_maximum() -> None:
    rig = lifecycle_rig()
    rig.source.points[VAULT][0] = source_point(0)  # never expires, two days old
    rig.dest.locks[VAULT] = (None, 365)
    preview = open_with(rig, LifecyclePolicy(fit_retention=True), dry_run=True)
    planned = lifecycles(preview)
    assert planned["snap-0000"] == Lifecycle(delete_after_days=365, clamped_from=FOREVER)
    assert planned["snap-0001"] is None  # 35 days fits: sent without a Lifecycle


def test_a_resume_with_other_lifecycle_flags_is_refused_naming_both() -> None:
    rig = lifecycle_rig()
    opened(open_with(rig, LifecyclePolicy(delete_after_days=365)))
    with pytest.raises(RequestRefused) as refused:
        open_with(rig, LifecyclePolicy(delete_after_days=400), resume=True)
    assert "lifecycle --delete-after-days 365 vs --delete-after-days 400" in str(refused.value)
    with pytest.raises(RequestRefused):
        open_with(rig, LifecyclePolicy(), resume=True)
    assert opened(open_with(rig, LifecyclePolicy(delete_after_days=365), resume=True))


def test_a_state_planned_before_lifecycles_resumes_and_sends_the_flags_lifecycle() -> None:
    rig = lifecycle_rig()
    first = opened(open_with(rig, LifecyclePolicy()))
    assert rig.store.identity is not None
    del rig.store.identity["lifecycle"]  # as an earlier version recorded it
    policy = LifecyclePolicy(delete_after_days=400, cold_after_days=30)
    request = CopyRequest(
        selection=SelectionRequest((VAULT,), False, Selection(), lifecycle=policy),
        skip_preflight=True,
        resume=True,
    )
    with CopyMigration(request, rig.store, rig.notices, lambda: NOW) as migration:
        resumed = opened(migration.open(rig.ports()))
        settings = migration.settings("111111111111", identity=resumed.identity)
    assert settings.lifecycle == Lifecycle(400, 30)
    fresh = CopyMigration(request, rig.store, rig.notices, lambda: NOW)
    assert (
        fresh.settings("111111111111", identity=first.identity | {"lifecycle": None}).lifecycle
        is None
    )


def test_preflight_judges_each_copy_by_the_retention_it_is_sent_with() -> None:
    facts = PlanFacts({VAULT: VAULT})
    forever = source_point(0)
    clamped = CopyLifecycle(Lifecycle(365, clamped_from=FOREVER), 365)
    expired_point = source_point(2, creation_date=NOW - timedelta(days=400))
    expired = CopyLifecycle(Lifecycle(365), 365, expired=True)
    candidates = [
        Candidate(forever, None, None),  # keeps its source's: never expires
        Candidate(source_point(1), None, None, lifecycle=clamped),
        Candidate(expired_point, None, Reason.WOULD_EXPIRE, lifecycle=expired),
    ]
    for _ in facts.watch(candidates):
        pass
    locked = Vault(VAULT, vault_arn(DEST, VAULT), 0, True, None, 365)
    policy = LifecyclePolicy(fit_retention=True)
    results = plan_checks(
        SOURCE, FakeSourceChecks({}), DEST, facts, {VAULT: locked}, lifecycle=policy, opt_ins=None
    )
    found = {result.name: result for result in results}
    locks = found["destination vault locks"]
    assert locks.outcome is Outcome.FAIL
    assert locks.detail.startswith(f"{VAULT}: 1 of 2 copies outside the lock ({forever.arn} ")
    lifecycle_check = found["copies' lifecycles"]
    assert lifecycle_check.outcome is Outcome.WARN
    created = expired_point.creation_date.date()
    assert (
        f"1 copies would arrive already expired (e.g. {expired_point.arn}: created "
        f"{created.isoformat()}, DeleteAfterDays 365 ended "
        f"{(created + timedelta(days=365)).isoformat()})"
    ) in lifecycle_check.detail


def test_vault_locks_list_a_destination_once_and_a_vault_to_be_made_has_its_sources_bounds() -> (
    None
):
    dest = FakeAccount(DEST, [VAULT])
    dest.locks[VAULT] = (7, 365)
    arn_of = copy_vault_arn(None, DEST, "us-east-1")
    locks = VaultLocks(Destinations(dest), arn_of, create=True)
    kept = Vault(VAULT, vault_arn(SOURCE, VAULT))
    new = Vault("new-vault", vault_arn(SOURCE, "new-vault"), 0, True, 30, 100)
    assert locks(source_point(0), kept, None) == RetentionBounds(7, 365)
    assert locks(source_point(1, vault_name="new-vault"), new, None) == RetentionBounds(30, 100)
    assert dest.vault_listings == 1
    as_is = VaultLocks(Destinations(dest), arn_of, create=False)
    assert as_is(source_point(1, vault_name="new-vault"), new, None) is None
