"""The pre-flight gathers each source key's policy once, for the copies copied from the key."""

from __future__ import annotations

from typing import Any

from shuffle_aws_vaults.application.discovery import Candidate
from shuffle_aws_vaults.application.preflight import PlanFacts, run_preflight
from shuffle_aws_vaults.domain.key_policy import key_grant
from shuffle_aws_vaults.domain.lifecycle import LifecyclePolicy
from shuffle_aws_vaults.domain.preflight import Outcome
from shuffle_aws_vaults.domain.reasons import Reason
from shuffle_aws_vaults.domain.recovery_point import Vault
from shuffle_aws_vaults.domain.vault_policy import with_copy_grant

from ..domain.factories import rp

SOURCE, DEST = "111111111111", "222222222222"
SHARED = f"arn:aws:kms:us-east-1:{SOURCE}:key/shared"
UNSHARED = f"arn:aws:kms:us-east-1:{SOURCE}:key/unshared"
ROLE = f"arn:aws:iam::{SOURCE}:role/copy-role"
OWN_ONLY = {
    "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{SOURCE}:root"}, "Action": "kms:*"}
    ]
}
TRUST = {
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "backup.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ]
}


class FakeSourceChecks:
    def __init__(self, policies: dict[str, dict[str, Any]]) -> None:
        self.policies = policies
        self.asked: list[str] = []

    def cross_account_setting(self) -> str | None:
        return "true"

    def role_trust(self, role_arn: str) -> tuple[dict[str, Any] | None, str | None]:
        return TRUST, None

    def key_policy(self, key_arn: str) -> tuple[dict[str, Any] | None, str | None]:
        self.asked.append(key_arn)
        found = self.policies.get(key_arn)
        return (found, None) if found is not None else (None, "NotFoundException: no key")


class FakeDestination:
    def __init__(self, account: str) -> None:
        self.account_id = account
        self.region = "us-east-1"
        self.vault = Vault("prod", f"arn:aws:backup:us-east-1:{account}:backup-vault:prod")

    def list_vaults(self) -> list[Vault]:
        return [self.vault]

    def get_access_policy(self, name: str) -> dict[str, Any] | None:
        return with_copy_grant(None, self.vault.arn, SOURCE)


def snap(n: int) -> str:
    return f"arn:aws:ec2:us-east-1::snapshot/snap-{n:04d}"


def watched(*candidates: Candidate) -> PlanFacts:
    facts = PlanFacts({"production-backups": "prod"})
    assert list(facts.watch(candidates)) == list(candidates)
    return facts


def test_facts_count_planned_copies_per_key_of_the_types_copied_from_the_key() -> None:
    facts = watched(
        Candidate(rp(arn=snap(1), encryption_key_arn=SHARED), None, None),
        Candidate(rp(arn=snap(2), encryption_key_arn=SHARED), None, None),
        Candidate(rp(arn=snap(3), encryption_key_arn=UNSHARED), None, Reason.COLD_STORAGE),
        Candidate(rp(resource_type="EFS", encryption_key_arn=UNSHARED), None, None),
        Candidate(
            rp(
                arn=f"arn:aws:backup:us-east-1:{SOURCE}:recovery-point:dynamodb-1",
                resource_type="DynamoDB",
                encryption_key_arn=UNSHARED,
            ),
            None,
            None,
        ),
        Candidate(rp(arn=snap(4), encryption_key_arn=None), None, None),
    )
    # Excluded items, fully managed types and advanced DynamoDB are re-encrypted or not copied.
    assert dict(facts.keys) == {SHARED: 2}
    assert facts.key_examples == {SHARED: snap(1)}


def preflight(source: FakeSourceChecks, dest_account: str, facts: PlanFacts) -> dict[str, Any]:
    results = run_preflight(
        source_account=SOURCE,
        source=source,
        dest=FakeDestination(dest_account),  # type: ignore[arg-type]
        facts=facts,
        role_arn=ROLE,
        create=False,
        lifecycle=LifecyclePolicy(),
    )
    return {result.name: result for result in results}


def test_each_key_policy_is_read_once_and_a_refusing_key_fails_the_preflight() -> None:
    source = FakeSourceChecks(
        {SHARED: {"Statement": [*OWN_ONLY["Statement"], key_grant(DEST)]}, UNSHARED: OWN_ONLY}
    )
    facts = watched(
        *(
            Candidate(rp(arn=snap(n), encryption_key_arn=key), None, None)
            for n, key in enumerate([SHARED, UNSHARED, SHARED, UNSHARED, UNSHARED])
        )
    )
    found = preflight(source, DEST, facts)
    assert sorted(source.asked) == [SHARED, UNSHARED]
    check = found["source key policies"]
    assert check.outcome is Outcome.FAIL
    assert check.detail.startswith(f"1 of 2 source keys refuse {DEST}: {UNSHARED} (3 copies, ")


def test_a_same_account_copy_reads_no_key_policy() -> None:
    source = FakeSourceChecks({})
    facts = watched(Candidate(rp(encryption_key_arn=UNSHARED), None, None))
    found = preflight(source, SOURCE, facts)
    assert source.asked == []
    assert found["source key policies"].outcome is Outcome.PASS
