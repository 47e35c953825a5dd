"""Recovery points and vaults as the tool sees them, whatever AWS calls their fields."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# Types whose backups AWS Backup fully manages: copies are re-encrypted with the destination
# vault's key, so an AWS-managed source key does not block a cross-account copy.
FULLY_MANAGED_TYPES = frozenset(
    {
        "S3",
        "EFS",
        "VirtualMachine",
        "Timestream",
        "CloudFormation",
        "SAP HANA on Amazon EC2",
    }
)

# The resource types a vault may hold, by their AWS Backup names: as botocore 1.44's AWS
# Backup model lists them (ListRecoveryPointsByBackupVault's ByResourceType). `--resource-type`
# takes the installed botocore's own list (infrastructure/resource_types.py); this one is the
# fallback where that model lists none, and what --type-limit knows.
KNOWN_RESOURCE_TYPES = frozenset(
    {
        "Aurora",
        "CloudFormation",
        "DocumentDB",
        "DynamoDB",
        "EBS",
        "EC2",
        "EFS",
        "EKS",
        "FSx",
        "Neptune",
        "RDS",
        "Redshift",
        "S3",
        "SAP HANA on Amazon EC2",
        "Storage Gateway",
        "Timestream",
        "VirtualMachine",
    }
)

COPYABLE_STATUSES = frozenset({"COMPLETED", "AVAILABLE"})

# VaultType as AWS answers it (ListBackupVaults, DescribeBackupVault, recovery points).
STANDARD_VAULT = "BACKUP_VAULT"
AIR_GAPPED_VAULT = "LOGICALLY_AIR_GAPPED_BACKUP_VAULT"


@dataclass(frozen=True, slots=True)
class RecoveryPoint:
    """One recovery point in one vault."""

    arn: str
    vault_name: str
    resource_arn: str
    resource_type: str
    creation_date: datetime
    size_bytes: int
    status: str
    encryption_key_arn: str | None = None
    cold_storage_at: datetime | None = None
    delete_at: datetime | None = None
    delete_after_days: int | None = None  # its Lifecycle's (None: never expires)
    source_vault_arn: str | None = None
    cold_after_days: int | None = None  # its Lifecycle's MoveToColdStorageAfterDays
    vault_type: str = STANDARD_VAULT
    # Composite recovery points (CloudFormation stacks, domain/composite.py): the composite
    # says is_parent; each nested point names it in parent_arn.
    is_parent: bool = False
    parent_arn: str | None = None

    @property
    def is_nested(self) -> bool:
        """A nested (child) recovery point: AWS copies it with its composite, not alone."""
        return self.parent_arn is not None

    @property
    def is_continuous(self) -> bool:
        return ":recovery-point:continuous:" in self.arn

    @property
    def is_backup_owned(self) -> bool:
        """AWS Backup's own ARN (advanced DynamoDB, EFS, S3, ...) rather than a native one: a
        backup that AWS Backup manages. Not in a logically air-gapped vault, which gives every
        backup that ARN form (EC2 and EBS too, AWS says; the sandbox does so for every type):
        there the type alone says whether AWS Backup fully manages it."""
        if self.vault_type == AIR_GAPPED_VAULT:
            return False
        return self.arn.startswith("arn:") and self.arn.split(":")[2] == "backup"

    def is_cold(self, now: datetime) -> bool:
        return self.cold_storage_at is not None and self.cold_storage_at <= now


@dataclass(frozen=True, slots=True)
class Vault:
    """A backup vault, with the counts and lock settings AWS reports."""

    name: str
    arn: str
    recovery_points: int = 0
    locked: bool = False
    min_retention_days: int | None = None
    max_retention_days: int | None = None
    encryption_key_arn: str | None = None
    vault_type: str = STANDARD_VAULT
    key_type: str | None = None  # EncryptionKeyType: AWS_OWNED_KMS_KEY, CUSTOMER_MANAGED_KMS_KEY

    @property
    def air_gapped(self) -> bool:
        return self.vault_type == AIR_GAPPED_VAULT

    @property
    def kind(self) -> str:
        """The vault's type as the tool's flags and tables spell it."""
        return VAULT_KINDS.get(self.vault_type, self.vault_type.lower().replace("_", "-"))

    @property
    def account_id(self) -> str:
        return self.arn.split(":")[4]

    @property
    def region(self) -> str:
        return self.arn.split(":")[3]


# --dest-vault-type's values, and how list and preflight show a vault's type.
VAULT_KINDS = {STANDARD_VAULT: "standard", AIR_GAPPED_VAULT: "logically-air-gapped"}


@dataclass(frozen=True)
class NewVault:
    """What --create-dest-vault creates: a standard vault (with the source vault's lock bounds,
    when it has any) or a logically air-gapped one, locked in compliance mode from creation
    with these bounds (CreateLogicallyAirGappedBackupVault requires both)."""

    air_gapped: bool = False
    kms_key_arn: str | None = None
    min_retention_days: int | None = None
    max_retention_days: int | None = None

    def for_source(self, source_vault: Vault | None) -> NewVault:
        """The vault to create for copies from `source_vault`."""
        if self.air_gapped or source_vault is None:
            return self
        return NewVault(
            kms_key_arn=self.kms_key_arn,
            min_retention_days=source_vault.min_retention_days,
            max_retention_days=source_vault.max_retention_days,
        )

    def planned(self, name: str, arn: str) -> Vault:
        """The vault as it will be once created (for the checks that run before)."""
        bounded = self.min_retention_days is not None or self.max_retention_days is not None
        return Vault(
            name=name,
            arn=arn,
            locked=self.air_gapped or bounded,
            min_retention_days=self.min_retention_days,
            max_retention_days=self.max_retention_days,
            encryption_key_arn=self.kms_key_arn,
            vault_type=AIR_GAPPED_VAULT if self.air_gapped else STANDARD_VAULT,
        )
