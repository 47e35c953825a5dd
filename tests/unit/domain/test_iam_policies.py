from __future__ import annotations

from typing import Any

from shuffle_aws_vaults.domain.iam_policies import (
    dest_identity_policy,
    dest_vault_access_policy,
    source_identity_policy,
)
from shuffle_aws_vaults.domain.vault_policy import grants_copy

ROLE = "arn:aws:iam::111111111111:role/service-role/AWSBackupDefaultServiceRole"
# Every call the tool makes with the source credentials (infrastructure/backup_gateway.py,
# kms_keys.py), and with the destination credentials.
SOURCE_CALLS = {
    "backup:ListBackupVaults",
    "backup:ListRecoveryPointsByBackupVault",
    "backup:StartCopyJob",
    "backup:DescribeCopyJob",
    "backup:ListCopyJobs",
    "backup:DescribeRegionSettings",
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
    "iam:PassRole",
    "iam:GetRole",
    "account:ListRegions",  # --all-regions (infrastructure/region_catalog.py)
    "ec2:DescribeRegions",
}
DEST_CALLS = {
    "backup:ListBackupVaults",
    "backup:DescribeRegionSettings",
    "backup:CreateBackupVault",
    "backup:PutBackupVaultLockConfiguration",
    "backup:GetBackupVaultAccessPolicy",
    "backup:PutBackupVaultAccessPolicy",
}


def actions(policy: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    for statement in policy["Statement"]:
        value = statement["Action"]
        found |= set(value if isinstance(value, list) else [value])
    return found


def test_the_source_policy_allows_every_call_the_tool_makes_there() -> None:
    policy = source_identity_policy("us-east-1", "111111111111", ["prod"], ROLE)
    assert actions(policy) >= SOURCE_CALLS
    assert all(statement["Effect"] == "Allow" for statement in policy["Statement"])


def test_the_source_policy_passes_only_the_copy_role_and_only_to_aws_backup() -> None:
    policy = source_identity_policy("us-east-1", "111111111111", ["prod"], ROLE)
    (passing,) = [s for s in policy["Statement"] if s["Action"] == "iam:PassRole"]
    assert passing["Resource"] == ROLE
    assert passing["Condition"] == {"StringEquals": {"iam:PassedToService": "backup.amazonaws.com"}}


def test_vault_scoped_actions_name_the_vaults() -> None:
    policy = source_identity_policy("us-east-1", "111111111111", ["a", "b"], ROLE)
    (scoped,) = [s for s in policy["Statement"] if s["Sid"] == "ReadAndCopyRecoveryPoints"]
    assert scoped["Resource"] == [
        "arn:aws:backup:us-east-1:111111111111:backup-vault:a",
        "arn:aws:backup:us-east-1:111111111111:backup-vault:b",
    ]


def test_the_destination_policy_allows_every_call_the_tool_makes_there() -> None:
    assert actions(dest_identity_policy("us-east-1", "222222222222", ["prod"])) >= DEST_CALLS


def test_the_vault_policy_grants_only_copy_into_and_only_to_the_source_account() -> None:
    policy = dest_vault_access_policy("us-east-1", "222222222222", "111111111111", ["prod"])
    assert actions(policy) == {"backup:CopyIntoBackupVault"}
    assert {s["Principal"]["AWS"] for s in policy["Statement"]} == {
        "arn:aws:iam::111111111111:root"
    }
    assert grants_copy(policy, "111111111111")
    assert not grants_copy(policy, "333333333333")


def test_the_source_policy_lets_all_regions_find_the_enabled_regions_on_any_resource() -> None:
    policy = source_identity_policy("us-east-1", "111111111111", ["prod"], ROLE)
    found = [s for s in policy["Statement"] if "account:ListRegions" in s["Action"]]
    assert len(found) == 1 and found[0]["Resource"] == "*"
    assert set(found[0]["Action"]) == {"account:ListRegions", "ec2:DescribeRegions"}
