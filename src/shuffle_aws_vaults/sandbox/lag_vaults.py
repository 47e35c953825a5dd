"""Logically air-gapped (LAG) vaults: made, described and copied into as AWS documents them.

What AWS documents (AWS_BACKUP_NOTES.md "Logically air-gapped (LAG) vaults"; the API reference
of CreateLogicallyAirGappedBackupVault; the developer guide's "Logically air-gapped vault" and
"AWS Backup quotas"):
- CreateLogicallyAirGappedBackupVault (PUT /logically-air-gapped-backup-vaults/{name}) takes
  MinRetentionDays ("The minimum value accepted is 7 days") and MaxRetentionDays, both
  required, and optionally BackupVaultTags, CreatorRequestId ("1 to 50 alphanumeric or '-_.'
  characters") and EncryptionKeyArn ("The ARN of the customer-managed KMS key ... If not
  specified, the vault will be encrypted with an AWS-owned key"). It answers BackupVaultName,
  BackupVaultArn, CreationDate and VaultState.
- The vault is locked in compliance mode from its creation: Locked, its Min/MaxRetentionDays,
  and a lock nobody can change or remove; its key is fixed at creation.
- VaultType is LOGICALLY_AIR_GAPPED_BACKUP_VAULT wherever the API has the field (vaults,
  recovery points); copy jobs carry DestinationVaultType, DestinationVaultLockState and
  DestinationEncryptionKeyArn.
- A copy whose retention falls outside Min/MaxRetentionDays FAILs, as with any locked vault.
- Quotas: 20 concurrent copies into a LAG vault each for EBS, Aurora, DocumentDB and Neptune, 5
  for FSx and Storage Gateway (SandboxConfig.lag_copy_limits; copy_queue.py counts them); EBS
  backups under 16 TB; no cross-Region copy into a LAG vault for Aurora, DocumentDB, Neptune.
- EC2/EBS copies in a LAG vault get arn:aws:backup:REGION:ACCOUNT:recovery-point:ID ARNs.
- Types AWS Backup does not fully manage need a customer-managed key: AWS-managed keys are
  refused.

Where AWS says nothing, the sandbox decides (the USER_GUIDE's sandbox section lists these):
- VaultState is CREATING for SandboxConfig.lag_vault_creation_seconds, then AVAILABLE (AWS's
  Terraform provider waits CREATING out); StartCopyJob into a vault still CREATING answers
  InvalidRequestException. Seeded LAG vaults are AVAILABLE from the start.
- An AWS-owned key has no ARN in the customer's account: the vault's EncryptionKeyArn, its
  recovery points' and the copy job's DestinationEncryptionKeyArn are left out, and
  EncryptionKeyType says AWS_OWNED_KMS_KEY (CUSTOMER_MANAGED_KMS_KEY with a key). Standard
  vaults answer no EncryptionKeyType, as before.
- Every copy into a LAG vault gets a Backup recovery point ARN, not only EC2/EBS ones: the vault
  keeps its backups in an account AWS owns, so no native snapshot of the customer's account
  holds them.
- The AWS-managed key refusal applies whatever the LAG vault's own key (the source snapshot is
  shared with AWS's account either way); SandboxConfig.lag_aws_managed_key says whether the job
  FAILs or the call is refused.
- A CreatorRequestId given again with the name of the LAG vault it made answers that vault
  again (the parameter lets a failed request be retried); any other existing name answers
  AlreadyExistsException. EncryptionKeyArn must be a KMS key's ARN (not an alias) and not an
  AWS-managed key.
- DestinationVaultLockState is LOCKED for any vault with Vault Lock (Locked true), else
  UNLOCKED.
"""

from __future__ import annotations

import random
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from . import messages
from .arns import backup_recovery_point_arn
from .errors import SandboxError, invalid_parameter
from .moto_bridge import create_lag_vault, moto_vault, vault_ready_at, vault_type
from .records import LAG_VAULT, StoredRecoveryPoint, wire_time

MIN_RETENTION_DAYS = 7
MAX_RETENTION_DAYS = 36500
AWS_OWNED_KEY = "AWS_OWNED_KMS_KEY"
CUSTOMER_MANAGED_KEY = "CUSTOMER_MANAGED_KMS_KEY"
# Types whose copies into a LAG vault must stay in their Region (AWS Backup quotas page).
REGIONAL_ONLY_TYPES = ("Aurora", "DocumentDB", "Neptune")
EBS_SIZE_LIMIT = 16 * 1024**4  # "EBS backups under 16 TB"
_CREATOR_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,50}")
_KEY_ARN = re.compile(r"arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[A-Za-z0-9-]+")
_NAME = re.compile(r"[a-zA-Z0-9\-_]{2,50}")
KEY_CHOICES = ("aws-owned", "cmk")


class LagVaultError(ValueError):
    """A LAG vault to seed that AWS would not make (the flag --dest-lag-vault names it)."""


def retention_problem(low: int, high: int) -> str | None:
    """What is wrong with a LAG vault's Min/MaxRetentionDays, as AWS would say it; None: fine."""
    if low < MIN_RETENTION_DAYS:
        return messages.LAG_MIN_RETENTION.format(days=low, least=MIN_RETENTION_DAYS)
    if high > MAX_RETENTION_DAYS:
        return messages.LAG_MAX_RETENTION.format(days=high, most=MAX_RETENTION_DAYS)
    if low > high:
        return messages.LAG_RETENTION_ORDER.format(low=low, high=high)
    return None


@dataclass(frozen=True)
class LagVault:
    """A LAG vault to seed in every destination account and Region (SeedSpec.lag_vaults):
    encrypted with an AWS-owned key, or with `customer_managed_key` the destination account's
    customer-managed key `alias/backup` (the one its standard vaults use)."""

    name: str
    min_retention_days: int
    max_retention_days: int
    customer_managed_key: bool = False

    def __post_init__(self) -> None:
        if not _NAME.fullmatch(self.name):
            raise LagVaultError(
                f"LAG vault name {self.name!r}: 2 to 50 letters, digits, '-' or '_' (AWS's rule)"
            )
        problem = retention_problem(self.min_retention_days, self.max_retention_days)
        if problem is not None:
            raise LagVaultError(f"LAG vault {self.name}: {problem}")

    @classmethod
    def parse(cls, text: str) -> LagVault:
        """NAME:MIN:MAX[:aws-owned|cmk] (MIN and MAX in days); ValueError naming what is wrong."""
        parts = [part.strip() for part in text.split(":")]
        if len(parts) not in (3, 4):
            raise LagVaultError(f"LAG vault {text!r}: give NAME:MIN:MAX[:aws-owned|cmk]")
        key = parts[3] if len(parts) == 4 else "aws-owned"
        if key not in KEY_CHOICES:
            raise LagVaultError(f"LAG vault {text!r}: the key is aws-owned or cmk, not {key!r}")
        try:
            low, high = int(parts[1]), int(parts[2])
        except ValueError:
            raise LagVaultError(f"LAG vault {text!r}: MIN and MAX are whole days") from None
        return cls(parts[0], low, high, customer_managed_key=key == "cmk")


def is_lag(vault: Any) -> bool:
    return vault_type(vault) == LAG_VAULT


def vault_state(vault: Any, now: float) -> str:
    ready = vault_ready_at(vault)
    return "CREATING" if ready is not None and now < ready else "AVAILABLE"


def key_type(vault: Any) -> str | None:
    """A LAG vault's EncryptionKeyType; None for other vaults (the sandbox answers none)."""
    if not is_lag(vault):
        return None
    return CUSTOMER_MANAGED_KEY if vault.encryption_key_arn else AWS_OWNED_KEY


def vault_fields(vault: Any, now: float) -> dict[str, Any]:
    """What ListBackupVaults and DescribeBackupVault add to moto's vault answer."""
    fields: dict[str, Any] = {"VaultType": vault_type(vault), "VaultState": vault_state(vault, now)}
    kind = key_type(vault)
    if kind is not None:
        fields["EncryptionKeyType"] = kind
    return fields


def create_vault(
    account: str,
    region: str,
    name: str,
    body: Mapping[str, Any],
    *,
    now: float,
    creation_seconds: float,
    aws_managed_keys: Collection[str],
) -> dict[str, Any]:
    """CreateLogicallyAirGappedBackupVault's answer, the vault made (or, for its own
    CreatorRequestId, found); the model's checks (required members, types) already passed."""
    low, high = int(body["MinRetentionDays"]), int(body["MaxRetentionDays"])
    problem = retention_problem(low, high)
    if problem is not None:
        raise invalid_parameter(problem)
    key = body.get("EncryptionKeyArn")
    if key is not None and not _KEY_ARN.fullmatch(str(key)):
        raise invalid_parameter(messages.LAG_KEY_NOT_ARN.format(key=key))
    if key in aws_managed_keys:
        raise invalid_parameter(messages.LAG_KEY_AWS_MANAGED.format(key=key))
    request_id = body.get("CreatorRequestId")
    if request_id is not None and not _CREATOR_REQUEST_ID.fullmatch(str(request_id)):
        raise invalid_parameter(messages.CREATOR_REQUEST_ID.format(value=request_id))
    vault = moto_vault(account, region, name)
    if vault is not None:
        if not (request_id and is_lag(vault) and vault.creator_request_id == request_id):
            raise SandboxError("AlreadyExistsException", messages.VAULT_EXISTS)
    else:
        tags = body.get("BackupVaultTags")
        vault = create_lag_vault(
            account,
            region,
            name,
            min_retention_days=low,
            max_retention_days=high,
            encryption_key_arn=str(key) if key else None,
            tags=tags if isinstance(tags, dict) else None,
            creator_request_id=str(request_id) if request_id else None,
            ready_at=now + creation_seconds if creation_seconds > 0 else None,
        )
    return {
        "BackupVaultName": vault.backup_vault_name,
        "BackupVaultArn": vault.backup_vault_arn,
        "CreationDate": wire_time(float(vault.creation_date)),
        "VaultState": vault_state(vault, now),
    }


def seed_vault(account: str, region: str, spec: LagVault, customer_key: str | None) -> Any:
    """A seeded LAG vault, AVAILABLE at once; `customer_key` used when the spec asks for one."""
    return create_lag_vault(
        account,
        region,
        spec.name,
        min_retention_days=spec.min_retention_days,
        max_retention_days=spec.max_retention_days,
        encryption_key_arn=customer_key if spec.customer_managed_key else None,
    )


# -- copies into a vault -------------------------------------------------------------------


def copy_key(vault: Any, region: str, account: str) -> str | None:
    """The key a copy gets in `vault`: a LAG vault's own (None: AWS-owned), else the vault's
    key or, without one, the account's AWS-managed aws/backup key (as the sandbox always had)."""
    if is_lag(vault):
        return str(vault.encryption_key_arn) if vault.encryption_key_arn else None
    return str(vault.encryption_key_arn or f"arn:aws:kms:{region}:{account}:alias/aws/backup")


def destination_fields(vault: Any, region: str, account: str) -> tuple[str, str, str | None]:
    """(DestinationVaultType, DestinationVaultLockState, DestinationEncryptionKeyArn)."""
    lock = "LOCKED" if vault.locked else "UNLOCKED"
    return vault_type(vault), lock, copy_key(vault, region, account)


def copy_arn(rng: random.Random, vault: Any, region: str, account: str, native: str) -> str:
    """A copy's recovery point ARN in `vault`: a Backup ARN in a LAG vault, else `native`."""
    return backup_recovery_point_arn(rng, region, account) if is_lag(vault) else native


def unavailable(vault: Any, name: str, now: float) -> str | None:
    """StartCopyJob's refusal of a vault not AVAILABLE yet; None when it is."""
    state = vault_state(vault, now)
    return (
        None
        if state == "AVAILABLE"
        else messages.VAULT_NOT_AVAILABLE.format(vault=name, state=state)
    )


def copy_refusal(
    source: StoredRecoveryPoint, source_region: str, dest_region: str
) -> tuple[str, str] | None:
    """How AWS fails a copy job into a LAG vault for its type or size: (message, category)."""
    if source.resource_type in REGIONAL_ONLY_TYPES and source_region != dest_region:
        text = messages.CROSS_REGION_UNSUPPORTED.format(
            source=source_region, dest=dest_region, type=source.resource_type
        )
        return text, messages.CATEGORY_INVALID
    if source.resource_type == "EBS" and source.size >= EBS_SIZE_LIMIT:
        return messages.LAG_EBS_TOO_LARGE, messages.CATEGORY_INVALID
    return None


def violates_vault_lock(
    vault: Any, lifecycle: Mapping[str, Any] | None, source: StoredRecoveryPoint
) -> bool:
    """Whether a copy's retention falls outside a locked vault's Min/MaxRetentionDays (a LAG
    vault's always apply). DeleteAfterDays counts from the source's creation date, so it is
    the retention; without a lifecycle the copy keeps the source's; none at all is for ever."""
    low, high = vault.min_retention_days, vault.max_retention_days
    if not vault.locked or (low is None and high is None):
        return False
    retention = lifecycle.get("DeleteAfterDays") if lifecycle is not None else None
    if lifecycle is None:
        retention = source.delete_after_days
    too_short = low is not None and retention is not None and retention < low
    too_long = high is not None and (retention is None or retention > high)
    return bool(too_short or too_long)
