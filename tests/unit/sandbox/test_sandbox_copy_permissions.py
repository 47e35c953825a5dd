"""The sandbox's copy-role and key-policy rules: flags, settings, trust policies and seeding."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from shuffle_aws_vaults.cli.parser import build_parser
from shuffle_aws_vaults.cli.requests import sandbox as sandbox_request
from shuffle_aws_vaults.cli.sandbox_command import config_of
from shuffle_aws_vaults.sandbox.clock import ManualClock
from shuffle_aws_vaults.sandbox.config import SandboxConfig
from shuffle_aws_vaults.sandbox.copy_permissions import (
    key_refusal,
    shared_key_policy,
    trusts_backup,
)
from shuffle_aws_vaults.sandbox.moto_bridge import create_kms_key, reset_moto
from shuffle_aws_vaults.sandbox.records import StoredRecoveryPoint
from shuffle_aws_vaults.sandbox.seed import SeedSpec, seed
from shuffle_aws_vaults.sandbox.world import SandboxWorld

SRC, DST, REGION = "111111111111", "222222222222", "us-east-1"


@pytest.fixture
def clean_moto() -> Iterator[None]:
    reset_moto()
    yield
    reset_moto()


def test_the_flags_reach_the_settings_and_the_seed() -> None:
    args = build_parser().parse_args(
        [
            "sandbox",
            "--role-refusal",
            "call",
            "--unshared-key-share",
            "0.25",
            "--no-copy-role",
        ]
    )
    config, spec = config_of(sandbox_request(args))
    assert (config.role_refusal, spec.unshared_key_share, spec.copy_role) == ("call", 0.25, False)
    config, spec = config_of(sandbox_request(build_parser().parse_args(["sandbox"])))
    assert (config.role_refusal, spec.unshared_key_share, spec.copy_role) == ("job", 0.0, True)


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="role_refusal must be 'job' or 'call'"):
        SandboxConfig(role_refusal="never")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unshared_key_share must be between 0 and 1"):
        SeedSpec(unshared_key_share=1.5)


def trust(**statement: Any) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


@pytest.mark.parametrize(
    ("text", "trusted"),
    [
        (
            trust(Effect="Allow", Principal={"Service": "backup.amazonaws.com"}, Action="sts:*"),
            True,
        ),
        (
            trust(
                Effect="Allow",
                Principal={"Service": ["ec2.amazonaws.com", "backup.amazonaws.com"]},
                Action=["sts:AssumeRole"],
            ),
            True,
        ),
        (trust(Effect="Deny", Principal={"Service": "backup.amazonaws.com"}, Action="*"), False),
        (trust(Effect="Allow", Principal={"Service": "ec2.amazonaws.com"}, Action="*"), False),
        (
            trust(
                Effect="Allow",
                Principal={"Service": "backup.amazonaws.com"},
                Action="sts:TagSession",
            ),
            False,
        ),
        ("not json", False),
    ],
    ids=["sts-wildcard", "one-of-two", "deny", "other-service", "other-action", "not-json"],
)
def test_only_an_allow_of_assume_role_to_aws_backup_trusts_it(text: str, trusted: bool) -> None:
    assert trusts_backup(text) is trusted


def point(resource_type: str, key: str, arn: str = "arn:aws:ec2:us-east-1::snapshot/snap-1") -> Any:
    return StoredRecoveryPoint(
        seq=1,
        arn=arn,
        vault_name="v",
        vault_arn=f"arn:aws:backup:{REGION}:{SRC}:backup-vault:v",
        resource_arn="arn:aws:ec2:us-east-1:111111111111:volume/vol-1",
        resource_type=resource_type,
        resource_name="r",
        creation_date=0.0,
        completion_date=1.0,
        size=1,
        status="COMPLETED",
        encryption_key_arn=key,
        iam_role_arn="r",
        delete_after_days=None,
        cold_after_days=None,
    )


@pytest.mark.usefixtures("clean_moto")
def test_only_copies_from_a_known_unshared_key_of_a_type_copied_from_the_key_are_refused() -> None:
    unshared = create_kms_key(SRC, REGION, "k", policy=shared_key_policy(SRC))
    shared = create_kms_key(SRC, REGION, "k", policy=shared_key_policy(SRC, DST))
    unknown = f"arn:aws:kms:{REGION}:{SRC}:key/00000000-0000-4000-a000-000000000000"
    assert key_refusal(point("EBS", unshared), DST) is not None
    assert key_refusal(point("Aurora", unshared), DST) is not None
    assert key_refusal(point("EBS", shared), DST) is None
    assert key_refusal(point("EFS", unshared), DST) is None
    backup_owned = f"arn:aws:backup:{REGION}:{SRC}:recovery-point:1"
    assert key_refusal(point("DynamoDB", unshared, backup_owned), DST) is None
    assert key_refusal(point("EBS", unknown), DST) is None  # a made-up key of a test world


@pytest.mark.usefixtures("clean_moto")
def test_unshared_key_share_changes_only_the_keys_of_the_seeded_data() -> None:
    def seeded(share: float) -> list[tuple[str, str, str | None]]:
        reset_moto()
        world = SandboxWorld(SandboxConfig(seed=5), clock=ManualClock())
        result = seed(world, SeedSpec(recovery_points=400, vaults=1, unshared_key_share=share))
        points = world.recovery_points(SRC, REGION, result.vaults[0])
        return [(rp.arn, rp.resource_type, rp.encryption_key_arn) for rp in points]

    plain, unshared = seeded(0.0), seeded(0.5)
    assert [p[:2] for p in plain] == [p[:2] for p in unshared]
    changed = {p[1] for p, q in zip(plain, unshared, strict=True) if p[2] != q[2]}
    assert changed and changed <= {"EBS", "EC2", "RDS", "Aurora", "FSx"}
