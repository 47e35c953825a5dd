from __future__ import annotations

from datetime import timedelta

import pytest

from shuffle_aws_vaults.domain.eligibility import ineligibility
from shuffle_aws_vaults.domain.reasons import Reason

from .factories import NOW, rp


def verdict(cross_account: bool = True, key_is_aws_managed: bool | None = None, **fields: object):
    return ineligibility(
        rp(**fields), now=NOW, cross_account=cross_account, key_is_aws_managed=key_is_aws_managed
    )


def test_a_completed_warm_snapshot_with_a_customer_key_can_be_copied() -> None:
    assert verdict(key_is_aws_managed=False) is None


@pytest.mark.parametrize("status", ["PARTIAL", "EXPIRED", "DELETING", "CREATING", "STOPPED"])
def test_only_completed_or_available_recovery_points_are_copied(status: str) -> None:
    assert verdict(status=status) is Reason.NOT_COMPLETED


def test_available_counts_as_copyable() -> None:
    assert verdict(status="AVAILABLE") is None


def test_continuous_backups_are_never_copied() -> None:
    arn = "arn:aws:backup:us-east-1:111111111111:recovery-point:continuous:db-ABC-1a2b3c4d"
    assert verdict(arn=arn, resource_type="RDS") is Reason.CONTINUOUS


def test_a_recovery_point_whose_cold_date_has_passed_is_cold() -> None:
    assert verdict(cold_storage_at=NOW - timedelta(seconds=1)) is Reason.COLD_STORAGE
    assert verdict(cold_storage_at=NOW + timedelta(days=1)) is None


def test_aws_managed_keys_block_cross_account_copies_of_types_backup_does_not_manage() -> None:
    assert verdict(key_is_aws_managed=True) is Reason.AWS_MANAGED_KEY


def test_aws_managed_keys_do_not_block_copies_within_one_account() -> None:
    assert verdict(cross_account=False, key_is_aws_managed=True) is None


def test_fully_managed_types_are_reencrypted_so_their_key_does_not_matter() -> None:
    arn = "arn:aws:backup:us-east-1:111111111111:recovery-point:abc"
    assert verdict(arn=arn, resource_type="EFS", key_is_aws_managed=True) is None
    assert verdict(arn=arn, resource_type="S3", key_is_aws_managed=True) is None


def test_an_unknown_key_manager_does_not_exclude_the_item() -> None:
    assert verdict(key_is_aws_managed=None) is None


def test_dynamodb_without_advanced_features_cannot_go_cross_account() -> None:
    native = "arn:aws:dynamodb:us-east-1:111111111111:table/t/backup/01547087347000-c8b6kdk3"
    advanced = "arn:aws:backup:us-east-1:111111111111:recovery-point:abc"
    assert verdict(arn=native, resource_type="DynamoDB") is Reason.UNSUPPORTED_TYPE
    assert verdict(arn=native, resource_type="DynamoDB", cross_account=False) is None
    assert verdict(arn=advanced, resource_type="DynamoDB") is None


def test_fsx_ontap_volumes_and_rds_multi_az_clusters_cannot_be_copied() -> None:
    ontap = "arn:aws:fsx:us-east-1:111111111111:volume/fs-1/fsvol-1"
    cluster = "arn:aws:rds:us-east-1:111111111111:cluster:orders"
    assert verdict(resource_type="FSx", resource_arn=ontap) is Reason.UNSUPPORTED_TYPE
    assert verdict(resource_type="RDS", resource_arn=cluster) is Reason.UNSUPPORTED_TYPE
    assert verdict(resource_type="Aurora", resource_arn=cluster) is None


def test_the_first_failing_rule_gives_the_one_reason() -> None:
    arn = "arn:aws:backup:us-east-1:111111111111:recovery-point:continuous:db-1"
    assert verdict(arn=arn, status="PARTIAL") is Reason.NOT_COMPLETED


NATIVE_DDB = "arn:aws:dynamodb:us-east-1:111111111111:table/t/backup/01547087347000-c8b6kdk3"
ADVANCED_DDB = "arn:aws:backup:us-east-1:111111111111:recovery-point:abc"


def region_verdict(cross_account: bool, **fields: object) -> Reason | None:
    return ineligibility(rp(**fields), now=NOW, cross_account=cross_account, cross_region=True)


@pytest.mark.parametrize("cross_account", [True, False])
def test_dynamodb_without_advanced_features_cannot_go_to_another_region(
    cross_account: bool,
) -> None:
    found = region_verdict(cross_account, arn=NATIVE_DDB, resource_type="DynamoDB")
    assert found is Reason.CROSS_REGION_UNSUPPORTED
    assert region_verdict(cross_account, arn=ADVANCED_DDB, resource_type="DynamoDB") is None


def test_types_with_no_copy_at_all_keep_their_reason_across_regions() -> None:
    ontap = "arn:aws:fsx:us-east-1:111111111111:volume/fs-1/fsvol-1"
    cluster = "arn:aws:rds:us-east-1:111111111111:cluster:orders"
    for cross_account in (True, False):
        assert (
            region_verdict(cross_account, resource_type="FSx", resource_arn=ontap)
            is Reason.UNSUPPORTED_TYPE
        )
        assert (
            region_verdict(cross_account, resource_type="RDS", resource_arn=cluster)
            is Reason.UNSUPPORTED_TYPE
        )


def test_types_aws_copies_across_regions_are_not_excluded_for_it() -> None:
    filesystem = "arn:aws:fsx:us-east-1:111111111111:file-system/fs-1"
    assert region_verdict(True) is None  # EBS
    assert region_verdict(True, resource_type="FSx", resource_arn=filesystem) is None
    assert region_verdict(True, resource_type="Aurora", arn="arn:aws:rds:x:cluster:o") is None


def test_without_cross_region_the_verdicts_are_as_before() -> None:
    assert (
        ineligibility(rp(arn=NATIVE_DDB, resource_type="DynamoDB"), now=NOW, cross_account=False)
        is None
    )
    assert (
        ineligibility(rp(arn=NATIVE_DDB, resource_type="DynamoDB"), now=NOW, cross_account=True)
        is Reason.UNSUPPORTED_TYPE
    )


def test_the_earlier_rules_still_come_first_across_regions() -> None:
    found = region_verdict(True, arn=NATIVE_DDB, resource_type="DynamoDB", status="PARTIAL")
    assert found is Reason.NOT_COMPLETED


def test_cross_region_unsupported_is_a_reason_aws_cannot_copy() -> None:
    reason = Reason.CROSS_REGION_UNSUPPORTED
    assert reason.value == "cross-region-unsupported" and reason.is_ineligible
    assert "another Region" in reason.description
