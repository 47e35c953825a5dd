"""The only module that reaches into moto's own backends (vaults, locks, reset)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from moto.backup.models import backup_backends
from moto.core.models import DEFAULT_ACCOUNT_ID

from .records import LAG_VAULT, STANDARD_VAULT

RESET_SERVICES = ("backup", "sts", "iam", "kms", "organizations")
# The account moto gives long-term keys it does not know: the sandbox-base profile's.
BASE_ACCOUNT: str = DEFAULT_ACCOUNT_ID
PARTITION = "aws"


def reset_moto() -> None:
    """Forget everything moto holds for the services the sandbox uses."""
    from moto.backends import get_backend
    from moto.organizations.models import organizations_backends

    for service in RESET_SERVICES:
        get_backend(service).reset()  # type: ignore[call-overload]
    # Members map to their management account beside the backends; reset leaves it.
    organizations_backends.master_accounts.clear()


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


def create_lag_vault(
    account: str,
    region: str,
    name: str,
    *,
    min_retention_days: int,
    max_retention_days: int,
    encryption_key_arn: str | None = None,
    tags: Mapping[str, str] | None = None,
    creator_request_id: str | None = None,
    ready_at: float | None = None,
) -> Any:
    """A logically air-gapped vault in moto's backend: a vault moto lists, describes, tags and
    deletes as any other, locked in compliance mode from its creation (LockDate its
    CreationDate, so moto refuses to change or delete the lock) and marked with its type and
    the simulated time it becomes AVAILABLE (None: it already is). AlreadyExistsException
    (moto's) when the name is taken."""
    backend = backup_backends[account][region]
    absent: Any = None
    vault: Any = backend.create_backup_vault(
        backup_vault_name=name,
        backup_vault_tags=dict(tags or {}),
        encryption_key_arn=encryption_key_arn or absent,
        creator_request_id=creator_request_id or absent,
    )
    # To the millisecond as AWS keeps it, cut down rather than rounded: moto judges the lock
    # immutable from LockDate on by its clock, so LockDate must not be a moment ahead of it.
    created = vault.creation_date = math.floor(float(vault.creation_date) * 1000) / 1000
    vault.locked = True
    vault.min_retention_days = min_retention_days
    vault.max_retention_days = max_retention_days
    vault.lock_date = created
    vault.sandbox_vault_type = LAG_VAULT
    vault.sandbox_ready_at = ready_at
    return vault


def vault_type(vault: Any) -> str:
    """BACKUP_VAULT, or LOGICALLY_AIR_GAPPED_BACKUP_VAULT for a vault create_lag_vault made."""
    return str(getattr(vault, "sandbox_vault_type", STANDARD_VAULT))


def vault_ready_at(vault: Any) -> float | None:
    """The simulated time a LAG vault becomes AVAILABLE; None when it is (every other vault)."""
    ready = getattr(vault, "sandbox_ready_at", None)
    return None if ready is None else float(ready)


def seed_moto_ids(seed: int) -> None:
    """moto draws key IDs from its own generator; seeding it makes them repeat too."""
    from moto.moto_api._internal import mock_random

    mock_random.seed(seed)


@contextmanager
def moto_ids_kept() -> Iterator[None]:
    """moto's ID generator is where it was before the block: what the block makes (roles, the
    organization) draws no ID that anything made after it would otherwise have drawn."""
    from moto.moto_api._internal import mock_random

    state = mock_random.getstate()
    try:
        yield
    finally:
        mock_random.setstate(state)


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


def create_role(
    account: str,
    name: str,
    path: str,
    trusted_service: str | None = None,
    *,
    trusted_accounts: Sequence[str] = (),
) -> str:
    """An IAM role trusted by `trusted_service` (as the AWS Backup default role is) or by the
    principals of `trusted_accounts`; its ARN."""
    from moto.iam.models import iam_backends

    principal: dict[str, Any] = (
        {"Service": trusted_service}
        if trusted_service
        else {"AWS": [f"arn:aws:iam::{other}:root" for other in trusted_accounts]}
    )
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}],
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


def create_organization(
    management: str, region: str, members: Mapping[str, str], suspended: Collection[str]
) -> None:
    """An organization with all features, `management` its management account and `members`
    (account ID -> name) its members, each ACTIVE but those in `suspended`; kept in moto's
    Organizations backend, which gives each account it creates the role
    OrganizationAccountAccessRole trusting the management account, as AWS does. moto draws a new
    account's ID at random: while it creates one, the draw answers that member's ID instead."""
    from moto.organizations import utils as organization_ids
    from moto.organizations.models import organizations_backends

    backend = organizations_backends[management][PARTITION]
    backend.create_organization(region=region, FeatureSet="ALL")
    backend.get_account_by_id(management).name = "management"  # moto calls it "master"
    draw = organization_ids.make_random_account_id
    try:
        for account, name in members.items():
            if account == management:
                continue  # already its organization's first account
            organization_ids.make_random_account_id = _always(account)
            backend.create_account(AccountName=name, Email=f"{name}@sandbox.invalid")
            created = backend.get_account_by_id(account)
            if account in suspended:
                created.status = created.state = "SUSPENDED"
    finally:
        organization_ids.make_random_account_id = draw


def _always(account: str) -> Callable[[], str]:
    return lambda: account


def organization_accounts(management: str) -> list[dict[str, Any]]:
    """Every account of the organization `management` manages, as moto describes it (Id, Arn,
    Email, Name, Status, State, JoinedMethod, JoinedTimestamp), in the order it joined; the
    timestamp to the millisecond, as AWS answers (moto keeps microseconds)."""
    from moto.organizations.models import organizations_backends

    backend = organizations_backends[management][PARTITION]
    described = [account.describe() for account in backend.accounts]
    for account in described:
        account["JoinedTimestamp"] = round(float(account["JoinedTimestamp"]), 3)
    return described


def organization_of(account: str) -> str | None:
    """The management account of the organization `account` belongs to, or None."""
    from moto.organizations.models import organizations_backends

    if organizations_backends[account][PARTITION].org is not None:
        return account
    found = organizations_backends.master_accounts.get(account)
    return None if found is None else found[0]
