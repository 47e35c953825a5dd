from __future__ import annotations

from collections import Counter

from shuffle_aws_vaults.domain import preflight as checks
from shuffle_aws_vaults.domain.preflight import Outcome
from shuffle_aws_vaults.domain.reasons import Reason
from shuffle_aws_vaults.domain.recovery_point import Vault
from shuffle_aws_vaults.domain.vault_policy import with_copy_grant

SOURCE = "111111111111"


def vault(name: str, count: int = 0, low: int | None = None, high: int | None = None) -> Vault:
    arn = f"arn:aws:backup:us-east-1:222222222222:backup-vault:{name}"
    return Vault(name, arn, count, low is not None or high is not None, low, high)


def test_cross_account_backup_disabled_fails_with_the_fix() -> None:
    result = checks.cross_account_enabled("false", cross_account=True)
    assert result.outcome is Outcome.FAIL and "management account" in result.fix
    assert checks.cross_account_enabled("true", cross_account=True).outcome is Outcome.PASS
    assert checks.cross_account_enabled(None, cross_account=True).outcome is Outcome.WARN
    assert checks.cross_account_enabled("false", cross_account=False).outcome is Outcome.PASS


def test_missing_destination_vaults_fail_unless_they_will_be_created() -> None:
    existing = {"a": vault("a")}
    failing = checks.destination_vaults(["a", "b"], existing, create=False, cross_account=True)
    assert [r.outcome for r in failing] == [Outcome.PASS, Outcome.FAIL]
    assert "missing: b" in failing[1].detail
    creating = checks.destination_vaults(["a", "b"], existing, create=True, cross_account=True)
    assert creating[1].outcome is Outcome.WARN


def test_the_default_vault_as_destination_fails_cross_account() -> None:
    default, _ = checks.destination_vaults(
        ["Default"], {"Default": vault("Default")}, create=False, cross_account=True
    )
    assert default.outcome is Outcome.FAIL


def test_access_policies_must_grant_copy_into_to_the_source() -> None:
    good = with_copy_grant(None, vault("a").arn, SOURCE)
    result = checks.access_policies(
        {"a": good, "b": None}, SOURCE, create=False, cross_account=True
    )
    assert result.outcome is Outcome.FAIL and result.detail.startswith("b do not allow")
    assert (
        checks.access_policies({"a": good}, SOURCE, create=False, cross_account=True).outcome
        is Outcome.PASS
    )


def test_the_copy_role_must_trust_aws_backup() -> None:
    trust = {
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "backup.amazonaws.com"}, "Action": "x"}
        ]
    }
    assert checks.copy_role("r", trust, None).outcome is Outcome.PASS
    other = {"Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}}]}
    assert checks.copy_role("r", other, None).outcome is Outcome.FAIL
    assert checks.copy_role("r", None, "NoSuchEntity: no role").outcome is Outcome.FAIL
    assert checks.copy_role("r", None, "AccessDenied: no").outcome is Outcome.WARN


def test_uncopyable_items_are_counted_with_an_example() -> None:
    counts = Counter({Reason.COLD_STORAGE: 3, Reason.APMID_EXCLUDED: 9})
    result = checks.uncopyable({Reason.COLD_STORAGE: ["arn:cold"]}, counts)
    assert result.outcome is Outcome.WARN
    assert result.detail == "excluded from the plan: 3 cold-storage (e.g. arn:cold)"


def test_a_vault_that_would_pass_a_million_recovery_points_fails() -> None:
    result = checks.capacity(Counter({"a": 2}), {"a": vault("a", checks.VAULT_CAPACITY - 1)})
    assert result.outcome is Outcome.FAIL
    assert checks.capacity(Counter({"a": 1}), {"a": vault("a", 10)}).outcome is Outcome.PASS


def test_items_aws_cannot_copy_across_regions_are_a_warn_with_their_count_and_the_way_out() -> None:
    reason = Reason.CROSS_REGION_UNSUPPORTED
    counts = Counter({reason: 4, Reason.COLD_STORAGE: 1})
    result = checks.uncopyable({reason: ["arn:ddb"], Reason.COLD_STORAGE: ["arn:cold"]}, counts)
    assert result.outcome is Outcome.WARN
    assert result.detail == (
        "excluded from the plan: 4 cross-region-unsupported (e.g. arn:ddb); "
        "1 cold-storage (e.g. arn:cold)"
    )
    assert "advanced DynamoDB features" in result.fix and "--dest-region" in result.fix
    plain = checks.uncopyable(
        {Reason.COLD_STORAGE: ["arn:cold"]}, Counter({Reason.COLD_STORAGE: 1})
    )
    assert plain.fix == (
        "see `filter` for the full list; AWS-managed keys need a re-encrypted copy first"
    )
