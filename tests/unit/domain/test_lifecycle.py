"""Copies' lifecycles: what each StartCopyJob is sent with, as AWS counts and checks it."""

from __future__ import annotations

from datetime import timedelta

from shuffle_aws_vaults.domain.copy_job import FOREVER, Lifecycle
from shuffle_aws_vaults.domain.lifecycle import (
    LifecyclePolicy,
    RetentionBounds,
    bounds_of,
    clamped_text,
    copy_lifecycle,
    expiry,
    flags_text,
)
from shuffle_aws_vaults.domain.recovery_point import Vault

from .factories import NOW, rp

OLD = rp(creation_date=NOW - timedelta(days=400))  # a 400-day-old point that never expires
YOUNG = rp(creation_date=NOW - timedelta(days=10), delete_after_days=35)


def test_without_lifecycle_flags_no_lifecycle_is_sent_and_the_copy_keeps_its_sources() -> None:
    verdict = copy_lifecycle(YOUNG, LifecyclePolicy(), now=NOW)
    assert verdict.lifecycle is None
    assert verdict.retention == 35  # as AWS judges it against a lock: the source's
    assert not verdict.expired and not verdict.clamped


def test_delete_after_days_counts_from_the_sources_creation_so_an_old_point_arrives_expired() -> (
    None
):
    verdict = copy_lifecycle(OLD, LifecyclePolicy(delete_after_days=365), now=NOW)
    assert verdict.lifecycle == Lifecycle(delete_after_days=365)
    assert verdict.expired
    assert expiry(OLD, verdict.lifecycle) == OLD.creation_date + timedelta(days=365)
    kept = copy_lifecycle(OLD, LifecyclePolicy(delete_after_days=401), now=NOW)
    assert not kept.expired  # 401 days from creation: a day left


def test_an_expiry_exactly_now_is_already_expired() -> None:
    point = rp(creation_date=NOW - timedelta(days=30))
    assert copy_lifecycle(point, LifecyclePolicy(delete_after_days=30), now=NOW).expired


def test_only_cold_given_sends_the_sources_delete_after_days_so_the_copy_still_expires() -> None:
    source = rp(creation_date=NOW - timedelta(days=1), delete_after_days=400)
    verdict = copy_lifecycle(source, LifecyclePolicy(cold_after_days=30), now=NOW)
    assert verdict.lifecycle == Lifecycle(delete_after_days=400, cold_after_days=30)
    forever = copy_lifecycle(rp(), LifecyclePolicy(cold_after_days=30), now=NOW)
    assert forever.lifecycle == Lifecycle(delete_after_days=None, cold_after_days=30)


def test_only_delete_given_keeps_the_sources_cold_transition_when_90_days_remain_after_it() -> None:
    source = rp(creation_date=NOW - timedelta(days=1), delete_after_days=500, cold_after_days=30)
    kept = copy_lifecycle(source, LifecyclePolicy(delete_after_days=120), now=NOW)
    assert kept.lifecycle == Lifecycle(delete_after_days=120, cold_after_days=30)
    assert not kept.cold_dropped
    dropped = copy_lifecycle(source, LifecyclePolicy(delete_after_days=119), now=NOW)
    assert dropped.lifecycle == Lifecycle(delete_after_days=119)
    assert dropped.cold_dropped


def test_a_cold_flag_the_sources_retention_leaves_under_90_days_for_is_left_out() -> None:
    verdict = copy_lifecycle(YOUNG, LifecyclePolicy(cold_after_days=7), now=NOW)
    assert verdict.lifecycle == Lifecycle(delete_after_days=35)
    assert verdict.cold_dropped


def test_archive_is_sent_with_the_lifecycle() -> None:
    verdict = copy_lifecycle(YOUNG, LifecyclePolicy(cold_after_days=1, archive=True), now=NOW)
    assert verdict.lifecycle is not None and verdict.lifecycle.archive
    assert "OptInToArchiveForSupportedResources=true" in verdict.lifecycle.describe()


def test_fit_retention_clamps_a_never_expiring_copy_to_the_vaults_maximum() -> None:
    young = rp(creation_date=NOW - timedelta(days=10))
    policy = LifecyclePolicy(fit_retention=True)
    verdict = copy_lifecycle(young, policy, RetentionBounds(7, 365), now=NOW)
    assert verdict.lifecycle == Lifecycle(delete_after_days=365, clamped_from=FOREVER)
    assert verdict.clamped and verdict.retention == 365
    assert clamped_text(verdict.lifecycle) == "never->365"


def test_fit_retention_raises_a_short_retention_to_the_minimum_and_lowers_a_long_one() -> None:
    policy = LifecyclePolicy(fit_retention=True)
    short = copy_lifecycle(YOUNG, policy, RetentionBounds(100, 365), now=NOW)
    assert short.lifecycle == Lifecycle(delete_after_days=100, clamped_from=35)
    assert clamped_text(short.lifecycle) == "35->100"
    asked = LifecyclePolicy(delete_after_days=1000, fit_retention=True)
    long = copy_lifecycle(YOUNG, asked, RetentionBounds(None, 365), now=NOW)
    assert long.lifecycle == Lifecycle(delete_after_days=365, clamped_from=1000)


def test_fit_retention_leaves_a_copy_within_the_bounds_alone_and_sends_nothing() -> None:
    verdict = copy_lifecycle(
        YOUNG, LifecyclePolicy(fit_retention=True), RetentionBounds(7, 100), now=NOW
    )
    assert verdict.lifecycle is None and not verdict.clamped
    unlocked = copy_lifecycle(OLD, LifecyclePolicy(fit_retention=True), None, now=NOW)
    assert unlocked.lifecycle is None


def test_a_copy_clamped_to_a_maximum_shorter_than_its_age_arrives_expired() -> None:
    verdict = copy_lifecycle(
        OLD, LifecyclePolicy(fit_retention=True), RetentionBounds(None, 365), now=NOW
    )
    assert verdict.clamped and verdict.expired


def test_bounds_admit_and_fit_as_a_lock_judges_retention() -> None:
    bounds = RetentionBounds(7, 365)
    assert bounds.admits(7) and bounds.admits(365)
    assert not bounds.admits(6) and not bounds.admits(366) and not bounds.admits(None)
    assert RetentionBounds(7, None).admits(None)  # no maximum: forever fits
    assert bounds.fit(1) == 7 and bounds.fit(1000) == 365 and bounds.fit(None) == 365
    assert bounds.text() == "7-365" and RetentionBounds(None, None).text() == "1-unlimited"


def test_only_a_locked_vault_with_a_bound_enforces_it() -> None:
    arn = "arn:aws:backup:us-east-1:222222222222:backup-vault:v"
    assert bounds_of(Vault("v", arn, 0, True, 7, 365)) == RetentionBounds(7, 365)
    assert bounds_of(Vault("v", arn, 0, False, 7, 365)) is None
    assert bounds_of(Vault("v", arn, 0, True)) is None
    assert bounds_of(None) is None


def test_a_policy_describes_itself_for_the_identity_and_as_flags() -> None:
    assert LifecyclePolicy().describe() is None
    policy = LifecyclePolicy(delete_after_days=365, fit_retention=True)
    described = policy.describe()
    assert described is not None and described["delete_after_days"] == 365
    assert flags_text(described) == "--delete-after-days 365 --fit-retention"
    assert flags_text(None) == "no lifecycle flags"
    assert not LifecyclePolicy(fit_retention=True).sets_lifecycle
    assert LifecyclePolicy(archive=True).sets_lifecycle
