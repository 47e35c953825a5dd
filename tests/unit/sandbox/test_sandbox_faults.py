"""Fault decisions repeat under a seed and follow their configured rates."""

from __future__ import annotations

import pytest

from shuffle_aws_vaults.sandbox.config import FaultConfig
from shuffle_aws_vaults.sandbox.faults import (
    DROP,
    THROTTLING,
    UNAVAILABLE,
    FaultInjector,
    unit_hash,
)

RATES = FaultConfig(throttle_rate=0.1, unavailable_rate=0.05, drop_rate=0.05)


def outcomes(config: FaultConfig, seed: int, operation: str, count: int) -> list[str | None]:
    injector = FaultInjector(config, seed)
    return [injector.request_fault(operation) for _ in range(count)]


def test_unit_hash_is_a_pure_function_in_the_unit_interval() -> None:
    values = [unit_hash(7, "x", n) for n in range(1000)]
    assert values == [unit_hash(7, "x", n) for n in range(1000)]
    assert all(0.0 <= v < 1.0 for v in values)
    assert len(set(values)) == 1000


def test_the_same_seed_gives_the_same_faults_in_the_same_order() -> None:
    assert outcomes(RATES, 42, "StartCopyJob", 500) == outcomes(RATES, 42, "StartCopyJob", 500)


def test_another_seed_gives_another_sequence() -> None:
    assert outcomes(RATES, 42, "StartCopyJob", 500) != outcomes(RATES, 43, "StartCopyJob", 500)


def test_each_operation_has_its_own_sequence_so_other_calls_do_not_shift_it() -> None:
    alone = outcomes(RATES, 5, "ListCopyJobs", 200)
    injector = FaultInjector(RATES, 5)
    mixed = []
    for _ in range(200):
        injector.request_fault("DescribeCopyJob")
        mixed.append(injector.request_fault("ListCopyJobs"))
    assert mixed == alone


def test_fault_shares_follow_the_configured_rates() -> None:
    seen = outcomes(RATES, 3, "ListRecoveryPointsByBackupVault", 20_000)
    share = {kind: seen.count(kind) / len(seen) for kind in (THROTTLING, UNAVAILABLE, DROP)}
    assert share[THROTTLING] == pytest.approx(0.10, abs=0.01)
    assert share[UNAVAILABLE] == pytest.approx(0.05, abs=0.01)
    assert share[DROP] == pytest.approx(0.05, abs=0.01)


def test_injected_faults_are_counted_by_kind() -> None:
    injector = FaultInjector(RATES, 9)
    seen = [injector.request_fault("StartCopyJob") for _ in range(1000)]
    assert dict(injector.injected) == {
        kind: seen.count(kind) for kind in (THROTTLING, UNAVAILABLE, DROP) if kind in seen
    }


def test_no_rates_means_no_faults() -> None:
    assert set(outcomes(FaultConfig(), 1, "StartCopyJob", 1000)) == {None}


def test_job_failures_are_decided_per_recovery_point_and_attempt() -> None:
    config = FaultConfig(job_failure_rate=0.3)
    a, b = FaultInjector(config, 11), FaultInjector(config, 11)
    arns = [f"arn:aws:backup:us-east-1:111111111111:recovery-point:{n}" for n in range(2000)]
    first = [a.job_fails(arn, 1) for arn in arns]
    assert first == [b.job_fails(arn, 1) for arn in arns]
    assert sum(first) / len(first) == pytest.approx(0.3, abs=0.04)
    # A retry is a new draw: some recovery points that failed once succeed the second time.
    assert any(failed and not a.job_fails(arn, 2) for arn, failed in zip(arns, first, strict=True))


def test_job_failure_rate_zero_and_one_are_never_and_always() -> None:
    never = FaultInjector(FaultConfig(job_failure_rate=0.0), 1)
    always = FaultInjector(FaultConfig(job_failure_rate=1.0), 1)
    assert not any(never.job_fails(f"rp-{n}", 1) for n in range(100))
    assert all(always.job_fails(f"rp-{n}", 1) for n in range(100))


def test_assumed_role_credentials_expire_ttl_seconds_after_their_first_use() -> None:
    injector = FaultInjector(FaultConfig(credential_ttl_seconds=900), 1)
    key = "ASIAEXAMPLEEXAMPLE01"
    assert not injector.credentials_expired(key, 1000.0)
    assert not injector.credentials_expired(key, 1900.0)
    assert injector.credentials_expired(key, 1900.5)
    # Fresh credentials (a new AssumeRole) start their own clock.
    assert not injector.credentials_expired("ASIAEXAMPLEEXAMPLE02", 5000.0)


def test_long_term_keys_and_a_missing_ttl_never_expire() -> None:
    expiring = FaultInjector(FaultConfig(credential_ttl_seconds=1), 1)
    assert not expiring.credentials_expired("AKIAEXAMPLEEXAMPLE01", 0.0)
    assert not expiring.credentials_expired("AKIAEXAMPLEEXAMPLE01", 10**9)
    forever = FaultInjector(FaultConfig(), 1)
    assert not forever.credentials_expired("ASIAEXAMPLEEXAMPLE01", 0.0)
    assert not forever.credentials_expired("ASIAEXAMPLEEXAMPLE01", 10**9)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"throttle_rate": -0.1},
        {"unavailable_rate": 1.5},
        {"drop_rate": 2.0},
        {"job_failure_rate": -1.0},
        {"credential_ttl_seconds": 0.0},
    ],
)
def test_out_of_range_fault_settings_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        FaultConfig(**kwargs)
