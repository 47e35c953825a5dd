"""The checks AWS Backup makes beyond its model: which filter values mean anything.

- ByResourceArn must name a *resource* of a type AWS Backup protects; a recovery point's own
  ARN (an EBS snapshot, say) answers InvalidParameterValueException "Unsupported resource type:
  <arn>" (ListRecoveryPointsByBackupVault, quoted in aws/aws-sdk-go-v2 issue 1904; the sandbox
  answers ListCopyJobs' ByResourceArn the same way).
- ByResourceType must be one of the types the API reference lists for the filter.
- BackupVaultAccountId: AWS documents it for vaults another account shares through AWS RAM
  (logically air-gapped vaults); the sandbox shares none, so naming the caller's own account
  is the same as leaving it out and naming another is refused, as SandboxConfig.
  other_account_vault says (AWS does not say how).
- A recovery point ARN that is no ARN at all: AWS does not say; SandboxConfig.malformed_arn
  chooses ResourceNotFoundException ("not-found") or InvalidParameterValueException ("invalid").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from . import messages
from .arns import vault_arn
from .errors import SandboxError, access_denied, invalid_parameter, not_found

# The ByResourceType values the API reference lists (botocore's model documents the same).
RESOURCE_TYPES = frozenset(
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

_ARN = re.compile(r"^arn:aws[a-z-]*:(?P<service>[a-z0-9-]+):[a-z0-9-]*:(\d{12})?:(?P<rest>.+)$")
# The resource part of each protected resource's ARN, by service: never a backup or snapshot.
_RESOURCES: dict[str, re.Pattern[str]] = {
    "ec2": re.compile(r"^(volume/vol-|instance/i-)[\w-]+$"),
    "rds": re.compile(r"^(db|cluster):[\w-]+$"),
    "dynamodb": re.compile(r"^table/[\w.-]+$"),
    "elasticfilesystem": re.compile(r"^file-system/fs-[\w]+$"),
    "fsx": re.compile(r"^(file-system/fs-\w+|volume/fs-\w+/fsvol-\w+)$"),
    "s3": re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"),
    "storagegateway": re.compile(r"^gateway/sgw-\w+/volume/vol-\w+$"),
    "redshift": re.compile(r"^cluster:[\w-]+$"),
    "backup-gateway": re.compile(r"^vm/vm-\w+$"),
    "timestream": re.compile(r"^database/[\w.-]+/table/[\w.-]+$"),
    "cloudformation": re.compile(r"^stack/[\w-]+/[\w-]+$"),
    "ssm-sap": re.compile(r"^HANA/.+$"),
    "eks": re.compile(r"^cluster/[\w-]+$"),
}

# Operation -> its query-string names of the resource ARN and resource type filters.
_FILTERS = {
    "ListRecoveryPointsByBackupVault": ("resourceArn", "resourceType"),
    "ListCopyJobs": ("resourceArn", "resourceType"),
}
# Operation -> where its recovery point ARN is: ("uri", label) or ("body", member).
_RECOVERY_POINT_ARNS = {
    "DescribeRecoveryPoint": ("uri", "recoveryPointArn"),
    "DeleteRecoveryPoint": ("uri", "recoveryPointArn"),
    "StartCopyJob": ("body", "RecoveryPointArn"),
}


def is_arn(text: str) -> bool:
    return _ARN.match(text) is not None


def is_resource_arn(text: str) -> bool:
    """True for the ARN of a resource AWS Backup protects (not of one of its backups)."""
    found = _ARN.match(text)
    if found is None:
        return False
    pattern = _RESOURCES.get(found["service"])
    return pattern is not None and pattern.match(found["rest"]) is not None


def check_rules(
    operation: str,
    uri: Mapping[str, Any],
    query: Mapping[str, str],
    body: Mapping[str, Any],
    malformed_arn: str,
) -> None:
    """Raise the SandboxError AWS answers for a well-formed request that means nothing."""
    filters = _FILTERS.get(operation)
    if filters is not None:
        resource_arn, resource_type = (query.get(name) for name in filters)
        if resource_arn is not None and not is_resource_arn(resource_arn):
            raise invalid_parameter(f"Unsupported resource type: {resource_arn}")
        if resource_type is not None and resource_type not in RESOURCE_TYPES:
            raise invalid_parameter(
                f"Unsupported resource type: {resource_type} (ByResourceType must be one of "
                f"{', '.join(sorted(RESOURCE_TYPES))})"
            )
    where = _RECOVERY_POINT_ARNS.get(operation)
    if where is not None and malformed_arn == "invalid":
        place, name = where
        value = (uri if place == "uri" else body).get(name)
        if isinstance(value, str) and value and not is_arn(value):
            raise invalid_parameter(f"Invalid RecoveryPointArn: {value} is not an ARN")


def check_vault_account(
    operation: str,
    uri: Mapping[str, Any],
    query: Mapping[str, str],
    caller: str,
    region: str,
    refusal: str,
) -> None:
    """Refuse a BackupVaultAccountId other than the caller's (no vault is shared)."""
    owner = query.get("backupVaultAccountId")
    name = uri.get("backupVaultName")
    if not owner or owner == caller or not isinstance(name, str):
        return
    if refusal == "not-found":
        raise not_found(messages.VAULT_NOT_FOUND.format(vault=name, account=owner))
    raise access_denied(
        messages.ACCESS_DENIED_VAULT_ACCOUNT.format(
            caller=caller, operation=operation, vault_arn=vault_arn(region, owner, name)
        )
    )


__all__ = [
    "RESOURCE_TYPES",
    "SandboxError",
    "check_rules",
    "check_vault_account",
    "is_arn",
    "is_resource_arn",
]
