"""The only module that reaches into moto's own backends (vaults, locks, reset)."""

from __future__ import annotations

from typing import Any

from moto.backup.models import backup_backends

RESET_SERVICES = ("backup", "sts", "iam", "kms")


def reset_moto() -> None:
    """Forget everything moto holds for the services the sandbox uses."""
    from moto.backends import get_backend

    for service in RESET_SERVICES:
        get_backend(service).reset()  # type: ignore[call-overload]


def moto_vault(account: str, region: str, name: str) -> Any | None:
    return backup_backends[account][region].vaults.get(name)


def moto_vaults(account: str, region: str) -> list[Any]:
    return list(backup_backends[account][region].vaults.values())


def round_creation_date(account: str, region: str, name: str) -> float:
    """A vault's CreationDate cut to the millisecond, as AWS keeps it (moto keeps microseconds);
    the new value."""
    vault = backup_backends[account][region].vaults[name]
    vault.creation_date = round(float(vault.creation_date), 3)
    return float(vault.creation_date)


def create_vault(
    account: str,
    region: str,
    name: str,
    *,
    encryption_key_arn: str | None = None,
    min_retention_days: int | None = None,
    max_retention_days: int | None = None,
) -> Any:
    backend = backup_backends[account][region]
    # moto types these as str, yet stores and reports None as "absent", which is what we want.
    absent: Any = None
    vault = backend.create_backup_vault(
        backup_vault_name=name,
        backup_vault_tags={},
        encryption_key_arn=encryption_key_arn or absent,
        creator_request_id=absent,
    )
    round_creation_date(account, region, name)
    if min_retention_days is not None or max_retention_days is not None:
        backend.put_backup_vault_lock_configuration(
            backup_vault_name=name,
            min_retention_days=min_retention_days,
            max_retention_days=max_retention_days,
            changeable_for_days=None,
        )
    return vault


def seed_moto_ids(seed: int) -> None:
    """moto draws key IDs from its own generator; seeding it makes them repeat too."""
    from moto.moto_api._internal import mock_random

    mock_random.seed(seed)


def create_kms_key(
    account: str,
    region: str,
    description: str,
    *,
    alias: str | None = None,
    aws_managed: bool = False,
    policy: str | None = None,
) -> str:
    """A KMS key (AWS-managed keys, such as aws/ebs, cannot be made through the API); its ARN.
    Without `policy`, moto gives the default key policy (the key's own account only)."""
    from moto.kms.models import kms_backends

    backend = kms_backends[account][region]
    key = backend.create_key(
        policy=policy,
        key_usage="ENCRYPT_DECRYPT",
        key_spec="SYMMETRIC_DEFAULT",
        description=description,
        tags=None,
    )
    if aws_managed:
        key.key_manager = "AWS"
    if alias:
        backend.create_alias(key.id, alias)
    return str(key.arn)


def create_role(account: str, name: str, path: str, trusted_service: str) -> str:
    """An IAM role trusted by `trusted_service` (as the AWS Backup default role is); its ARN."""
    import json

    from moto.iam.models import iam_backends

    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": trusted_service},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role = iam_backends[account]["global"].create_role(
        role_name=name,
        assume_role_policy_document=json.dumps(trust),
        path=path,
        permissions_boundary=None,
        description="created by the sandbox",
        tags=[],
        max_session_duration=None,
    )
    return str(role.arn)


def key_policy_text(key_arn: str) -> str | None:
    """The key policy of the KMS key `key_arn` names, or None when moto holds no such key."""
    from moto.kms.models import kms_backends

    parts = key_arn.split(":")
    if len(parts) < 6 or parts[2] != "kms" or not parts[5].startswith("key/"):
        return None
    region, account, key_id = parts[3], parts[4], parts[5].removeprefix("key/")
    key = kms_backends[account][region].keys.get(key_id)
    return None if key is None else str(key.policy)


def role_trust_text(account: str, role_arn: str) -> str | None:
    """The trust policy of the role `role_arn` in `account`, or None when there is no such
    role (its name, path and account must all match)."""
    from moto.iam.models import iam_backends

    for role in iam_backends[account]["global"].roles.values():
        if role.arn == role_arn:
            return str(role.assume_role_policy_document)
    return None
