"""The pre-flight's retention checks: locked vaults' bounds and the copies' lifecycles."""

from __future__ import annotations

from collections import Counter

from shuffle_aws_vaults.domain.copy_job import Lifecycle
from shuffle_aws_vaults.domain.lifecycle import CopyLifecycle, LifecyclePolicy
from shuffle_aws_vaults.domain.preflight import Outcome
from shuffle_aws_vaults.domain.reasons import Reason
from shuffle_aws_vaults.domain.retention_checks import LifecycleFacts, copy_lifecycles, vault_locks

from .test_preflight import vault


def test_never_expiring_copies_into_a_vault_with_a_maximum_fail_with_the_count_and_the_fix() -> (
    None
):
    existing = {"a": vault("a", low=7, high=365)}
    retentions = Counter({("a", 35): 4, ("a", None): 2})
    examples = {("a", 35): "arn:ok", ("a", None): "arn:forever"}
    result = vault_locks(retentions, examples, existing, Counter())
    assert result.outcome is Outcome.FAIL
    assert result.detail == (
        "a: 2 of 6 copies outside the lock (arn:forever never expires, lock allows 7-365)"
    )
    assert "--fit-retention" in result.fix and "--delete-after-days" in result.fix


def test_copies_below_a_minimum_are_outside_too_and_unlocked_vaults_take_anything() -> None:
    existing = {"a": vault("a", low=100), "b": vault("b")}
    retentions = Counter({("a", 35): 3, ("b", None): 5})
    result = vault_locks(
        retentions, {("a", 35): "arn:short", ("b", None): "x"}, existing, Counter()
    )
    assert (
        result.detail
        == "a: 3 of 3 copies outside the lock (arn:short keeps 35 days, lock allows 100-unlimited)"
    )


def test_clamped_copies_pass_and_are_counted_by_vault() -> None:
    existing = {"a": vault("a", high=365)}
    result = vault_locks(Counter({("a", 365): 6}), {("a", 365): "arn"}, existing, Counter({"a": 4}))
    assert result.outcome is Outcome.PASS
    assert result.detail.endswith(
        "4 copies' DeleteAfterDays clamped into it (--fit-retention): a (1-365) 4"
    )


def test_without_lifecycle_flags_the_lifecycle_check_passes() -> None:
    result = copy_lifecycles(LifecyclePolicy(), LifecycleFacts(), Counter(), {})
    assert (result.outcome, result.detail) == (Outcome.PASS, "copies keep their source's lifecycle")


def test_copies_left_out_as_would_expire_are_named_with_the_way_to_copy_them() -> None:
    policy = LifecyclePolicy(delete_after_days=365)
    counts = Counter({Reason.WOULD_EXPIRE: 3})
    example = "arn:old: created 2024-01-01, DeleteAfterDays 365 ended 2024-12-31"
    result = copy_lifecycles(policy, LifecycleFacts(), counts, {Reason.WOULD_EXPIRE: [example]})
    assert result.outcome is Outcome.WARN
    assert result.detail == (
        f"3 copies would arrive already expired (e.g. {example}): left out of the plan as "
        "would-expire"
    )
    assert "--allow-expired" in result.fix


def test_allowed_expired_copies_and_dropped_cold_transitions_are_warned_about() -> None:
    facts = LifecycleFacts()
    expired = CopyLifecycle(Lifecycle(30), 30, expired=True)
    dropped = CopyLifecycle(Lifecycle(35), 35, cold_dropped=True)
    facts.add("a", expired, "arn:1")
    facts.add("a", dropped, "arn:2")
    policy = LifecyclePolicy(delete_after_days=30, allow_expired=True)
    result = copy_lifecycles(policy, facts, Counter(), {})
    assert result.outcome is Outcome.WARN
    assert "1 copies arrive already expired (--allow-expired; e.g. arn:1)" in result.detail
    assert "1 copies sent without their cold-storage transition" in result.detail
    assert facts.sent == 2


def test_copies_sent_with_their_own_lifecycle_pass_with_an_example() -> None:
    facts = LifecycleFacts()
    facts.add("a", CopyLifecycle(Lifecycle(365, 30), 365), "arn")
    facts.add("a", CopyLifecycle(None, 35), "arn")  # keeps its source's: not counted
    result = copy_lifecycles(LifecyclePolicy(delete_after_days=365), facts, Counter(), {})
    assert result.outcome is Outcome.PASS
    assert result.detail == (
        "1 copies sent with their own Lifecycle (e.g. DeleteAfterDays=365 "
        "MoveToColdStorageAfterDays=30)"
    )
