"""The pre-flight asks the destination for a quota only when the plan has copies that count
toward it, and judges each vault by the applied per-vault quota it reads."""

from __future__ import annotations

from shuffle_aws_vaults.application.discovery import Candidate
from shuffle_aws_vaults.application.preflight import PlanFacts, plan_checks
from shuffle_aws_vaults.domain.destination_limits import (
    AMIS,
    EBS_SNAPSHOTS,
    RDS_SNAPSHOTS,
    VAULT_RECOVERY_POINTS,
    Quota,
    QuotaReading,
)
from shuffle_aws_vaults.domain.lifecycle import LifecyclePolicy
from shuffle_aws_vaults.domain.plan import PlanItem
from shuffle_aws_vaults.domain.preflight import CheckResult, Outcome
from shuffle_aws_vaults.domain.recovery_point import Vault

from ..domain.factories import rp
from .test_preflight_key_facts import DEST, SOURCE, FakeSourceChecks

REGION = "us-east-1"
ORDER = [
    "source key policies",
    "recovery points AWS cannot copy",
    "destination capacity",
    "destination quotas",
    "destination vault locks",
    "copies' lifecycles",
]


class FakeLimits:
    """A destination's quotas, each reading as given (AWS's default and nothing held else)."""

    def __init__(self, readings: dict[Quota, QuotaReading] | None = None) -> None:
        self.readings = readings or {}
        self.asked: list[Quota] = []
        self.account_id, self.region = DEST, REGION

    def read(self, quota: Quota) -> QuotaReading:
        self.asked.append(quota)
        return self.readings.get(quota, QuotaReading(quota.default, 0))


def facts(*types: str) -> PlanFacts:
    found = PlanFacts({"production-backups": "prod"})
    candidates = [
        Candidate(
            rp(arn=f"arn:aws:ec2:{REGION}::snapshot/snap-{n:04d}", resource_type=kind), None, None
        )
        for n, kind in enumerate(types)
    ]
    for _ in found.watch(candidates):
        pass
    return found


def checked(plan: PlanFacts, limits: FakeLimits, held: int = 0) -> dict[str, CheckResult]:
    existing = {"prod": Vault("prod", f"arn:aws:backup:{REGION}:{DEST}:backup-vault:prod", held)}
    results = plan_checks(
        SOURCE,
        FakeSourceChecks({}),
        DEST,
        plan,
        existing,
        lifecycle=LifecyclePolicy(),
        opt_ins=None,
        limits=limits,
    )
    assert [result.name for result in results] == ORDER
    return {result.name: result for result in results}


def test_only_the_quotas_the_planned_types_count_toward_are_read() -> None:
    limits = FakeLimits()
    found = checked(facts("EC2", "S3", "S3"), limits)
    assert limits.asked == [VAULT_RECOVERY_POINTS, AMIS, EBS_SNAPSHOTS]
    assert found["destination quotas"].outcome is Outcome.PASS

    rds = FakeLimits()
    checked(facts("RDS"), rds)
    assert rds.asked == [VAULT_RECOVERY_POINTS, RDS_SNAPSHOTS]


def test_a_plan_of_nothing_reads_no_quota() -> None:
    limits = FakeLimits()
    found = checked(facts(), limits)
    assert limits.asked == []
    assert found["destination capacity"].outcome is Outcome.PASS


def test_the_vault_is_judged_by_the_applied_quota_read_from_the_destination() -> None:
    limits = FakeLimits({VAULT_RECOVERY_POINTS: QuotaReading(10, None)})
    found = checked(facts("S3", "S3", "S3"), limits, held=8)
    capacity = found["destination capacity"]
    assert capacity.outcome is Outcome.FAIL
    assert capacity.detail == "prod: 8 + 3 > 10"


def test_an_unread_vault_quota_and_an_ami_overflow_are_told_each_in_its_check() -> None:
    limits = FakeLimits(
        {
            VAULT_RECOVERY_POINTS: QuotaReading(None, None, error="AccessDeniedException: no"),
            AMIS: QuotaReading(1, 1),
        }
    )
    found = checked(facts("EC2"), limits)
    assert found["destination capacity"].outcome is Outcome.WARN
    quotas = found["destination quotas"]
    assert quotas.outcome is Outcome.FAIL
    assert "AMIs: 1 held + 1 planned = 2 > 1" in quotas.detail


def test_recounting_leaves_out_the_copies_adopted_from_the_destination() -> None:
    plan = facts("EC2", "EC2", "S3")
    arn = f"arn:aws:backup:{REGION}:{DEST}:backup-vault:prod"
    left = [PlanItem("arn:src", "production-backups", "arn:res", "EC2", 1, 0.0, arn)]
    plan.recount(iter(left))
    assert dict(plan.planned) == {"prod": 1}
    assert dict(plan.types) == {"EC2": 1}


def test_copies_into_an_air_gapped_vault_do_not_count_toward_ami_or_snapshot_quotas() -> None:
    # AWS keeps them in an account it owns, with AWS Backup's ARNs: not the destination's AMIs.
    limits = FakeLimits({AMIS: QuotaReading(1, 0), EBS_SNAPSHOTS: QuotaReading(1, 0)})
    plan = facts("EC2", "EC2", "EBS")
    lag = Vault(
        "prod",
        f"arn:aws:backup:{REGION}:{DEST}:backup-vault:prod",
        vault_type="LOGICALLY_AIR_GAPPED_BACKUP_VAULT",
    )
    results = plan_checks(
        SOURCE,
        FakeSourceChecks({}),
        DEST,
        plan,
        {"prod": lag},
        lifecycle=LifecyclePolicy(),
        opt_ins=None,
        limits=limits,
    )
    assert limits.asked == [VAULT_RECOVERY_POINTS]  # nothing counts toward AMIs or snapshots
    assert {r.name: r.outcome for r in results}["destination quotas"] is Outcome.PASS
    assert (
        checked(plan, FakeLimits({AMIS: QuotaReading(1, 0)}))["destination quotas"].outcome
        is Outcome.FAIL
    )  # the same copies into a standard vault overflow
