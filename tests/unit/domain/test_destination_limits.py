"""The destination's own limits as pure arithmetic: what the planned copies add to each quota,
and the check's outcome, numbers and fix for a plan that fits, overflows or cannot be judged."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from shuffle_aws_vaults.domain import preflight as checks
from shuffle_aws_vaults.domain.destination_limits import (
    AMIS,
    EBS_SNAPSHOTS,
    RDS_CLUSTER_SNAPSHOTS,
    RDS_SNAPSHOTS,
    Quota,
    QuotaReading,
    destination_quotas,
    increase_command,
    planned_counts,
)
from shuffle_aws_vaults.domain.preflight import Outcome
from shuffle_aws_vaults.domain.recovery_point import Vault

DEST, REGION = "222222222222", "eu-west-1"


def judged(types: dict[str, int], readings: Mapping[Quota, QuotaReading]) -> checks.CheckResult:
    return destination_quotas(Counter(types), readings, account=DEST, region=REGION)


def test_an_ec2_copy_is_an_ami_and_a_snapshot_and_rds_and_aurora_copies_are_db_snapshots() -> None:
    counts = planned_counts(Counter({"EC2": 3, "EBS": 5, "RDS": 2, "Aurora": 1, "S3": 9}))
    assert counts == {AMIS: 3, EBS_SNAPSHOTS: 8, RDS_SNAPSHOTS: 2, RDS_CLUSTER_SNAPSHOTS: 1}


def test_a_plan_of_no_ami_or_snapshot_passes_without_any_reading() -> None:
    result = judged({"S3": 10, "DynamoDB": 4}, {})
    assert result.outcome is Outcome.PASS
    assert result.detail == "no planned copy is an AMI or a snapshot"


def test_a_plan_that_fits_passes_with_what_is_held_planned_and_allowed() -> None:
    result = judged({"EC2": 10}, {AMIS: QuotaReading(50, 40), EBS_SNAPSHOTS: QuotaReading(100, 0)})
    assert result.outcome is Outcome.PASS
    assert result.detail == (
        f"in {DEST} {REGION}: AMIs 40 + 10 of 50; EBS snapshots 0 + 10 of 100 (held + planned "
        "of the quota)"
    )


def test_an_ami_overflow_fails_with_the_numbers_the_quota_and_the_increase_to_ask_for() -> None:
    result = judged({"EC2": 11}, {AMIS: QuotaReading(50, 40), EBS_SNAPSHOTS: QuotaReading(100, 0)})
    assert result.outcome is Outcome.FAIL
    assert result.detail == (
        f'in {DEST} {REGION}: AMIs: 40 held + 11 planned = 51 > 50, the quota "AMIs" '
        "(ec2 L-B665C33B)"
    )
    assert increase_command(AMIS, 51, REGION) in result.fix
    assert "--quota-code L-B665C33B --desired-value 51" in result.fix
    assert f"in account {DEST}" in result.fix


def test_ec2_copies_count_toward_the_snapshot_quota_too() -> None:
    result = judged(
        {"EBS": 5, "EC2": 3},
        {AMIS: QuotaReading(50_000, 0), EBS_SNAPSHOTS: QuotaReading(10, 3)},
    )
    assert result.outcome is Outcome.FAIL
    assert (
        "EBS snapshots: 3 held + at least 8 planned (5 EBS, 3 EC2 AMIs' snapshots) = 11 > 10"
        in result.detail
    )
    assert '"Snapshots per Region" (ebs L-309BACF6)' in result.detail
    assert "--service-code ebs --quota-code L-309BACF6 --desired-value 11" in result.fix


def test_an_rds_overflow_warns_as_aws_does_not_say_whether_backup_snapshots_count() -> None:
    result = judged(
        {"RDS": 30, "Aurora": 1},
        {RDS_SNAPSHOTS: QuotaReading(100, 80), RDS_CLUSTER_SNAPSHOTS: QuotaReading(100, 0)},
    )
    assert result.outcome is Outcome.WARN
    assert "manual DB instance snapshots: 80 held + 30 planned = 110 > 100" in result.detail
    assert '"Manual DB instance snapshots" (rds L-272F1212)' in result.detail
    assert "AWS does not say" in result.detail
    assert "--quota-code L-272F1212 --desired-value 110" in result.fix


def test_an_unreadable_quota_warns_naming_the_quota_and_the_error() -> None:
    denied = QuotaReading(None, None, error="AccessDeniedException: not authorized")
    result = judged({"EC2": 2}, {AMIS: denied, EBS_SNAPSHOTS: QuotaReading(100, 1)})
    assert result.outcome is Outcome.WARN
    assert '"AMIs" (ec2 L-B665C33B): AccessDeniedException: not authorized' in result.detail
    assert "servicequotas:GetServiceQuota" in result.fix


def test_an_unread_count_warns_like_an_unread_quota() -> None:
    uncounted = QuotaReading(50_000, None, error="UnauthorizedOperation: ec2:DescribeImages")
    result = judged({"EC2": 1}, {AMIS: uncounted, EBS_SNAPSHOTS: QuotaReading(100, 0)})
    assert result.outcome is Outcome.WARN
    assert "UnauthorizedOperation: ec2:DescribeImages" in result.detail


def test_an_overflow_fails_even_when_another_quota_could_not_be_read() -> None:
    result = judged(
        {"EC2": 5, "RDS": 1},
        {
            AMIS: QuotaReading(4, 0),
            EBS_SNAPSHOTS: QuotaReading(100, 0),
            RDS_SNAPSHOTS: QuotaReading(None, None, "RDS", "AccessDenied: no"),
        },
    )
    assert result.outcome is Outcome.FAIL
    assert "5 planned = 5 > 4" in result.detail and "AccessDenied: no" in result.detail


def vault(name: str, count: int) -> Vault:
    return Vault(name, f"arn:aws:backup:{REGION}:{DEST}:backup-vault:{name}", count)


def test_the_vault_capacity_check_takes_the_applied_quota() -> None:
    planned, existing = Counter({"a": 3}), {"a": vault("a", 8)}
    over = checks.capacity(planned, existing, 10)
    assert over.outcome is Outcome.FAIL and over.detail == "a: 8 + 3 > 10"
    assert '"Recovery points per backup vault" (backup L-514878B6)' in over.fix
    fits = checks.capacity(planned, existing, 11)
    assert fits == checks.CheckResult("destination capacity", Outcome.PASS, "under 11 per vault")


def test_an_unread_vault_quota_warns_and_judges_by_aws_default() -> None:
    planned, existing = Counter({"a": 3}), {"a": vault("a", 8)}
    unread = checks.capacity(planned, existing, unread="AccessDeniedException: no")
    assert unread.outcome is Outcome.WARN
    assert unread.detail.startswith(f"under {checks.VAULT_CAPACITY:,} per vault, AWS's default")
    assert "AccessDeniedException: no" in unread.detail
    over = checks.capacity(
        planned, {"a": vault("a", checks.VAULT_CAPACITY)}, unread="AccessDeniedException: no"
    )
    assert over.outcome is Outcome.FAIL
