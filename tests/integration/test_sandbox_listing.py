"""ListRecoveryPointsByBackupVault and DescribeRecoveryPoint through boto3, over HTTP.

One read-only sandbox of 2,500 recovery points in one vault serves the whole module: seeding and
listing it once keeps the suite fast. No test here changes it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from shuffle_aws_vaults.sandbox import Sandbox, SandboxConfig, SeedSpec

from . import error_code, http_status, list_recovery_points, session

pytestmark = pytest.mark.integration

TOTAL = 2500


@pytest.fixture(scope="module")
def big_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    spec = SeedSpec(recovery_points=TOTAL, vaults=1, edge_case_share=0.1)
    box = Sandbox(
        SandboxConfig(time_scale=1.0, seed=3),
        spec,
        workdir=tmp_path_factory.mktemp("big-sandbox"),
    ).start()
    yield box
    box.stop()


@pytest.fixture
def box(big_sandbox: Sandbox, isolated_aws: None, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    for key, value in big_sandbox.env().items():
        monkeypatch.setenv(key, value)
    return big_sandbox


@contextmanager
def sandbox_env(box: Sandbox) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        for key, value in box.env().items():
            patch.setenv(key, value)
        yield


@pytest.fixture(scope="module")
def module_client(big_sandbox: Sandbox) -> Any:
    """One source-account client for the module, its role assumed while the env points at the
    sandbox (module fixtures are set up before the per-test environment)."""
    with sandbox_env(big_sandbox):
        source = session("sandbox-source")
        credentials = source.get_credentials()
        assert credentials is not None
        assert credentials.get_frozen_credentials().access_key.startswith("ASIA")
        return source.client("backup")


@pytest.fixture
def client(box: Sandbox, module_client: Any) -> Any:
    return module_client


@pytest.fixture
def vault(box: Sandbox) -> str:
    assert box.seeded is not None
    return box.seeded.vaults[0]


@pytest.fixture(scope="module")
def default_pages(big_sandbox: Sandbox, module_client: Any) -> list[dict[str, Any]]:
    """The whole vault, listed once through the paginator (module-wide, read-only)."""
    assert big_sandbox.seeded is not None
    paginator = module_client.get_paginator("list_recovery_points_by_backup_vault")
    with sandbox_env(big_sandbox):
        return list(paginator.paginate(BackupVaultName=big_sandbox.seeded.vaults[0]))


@pytest.fixture(scope="module")
def everything(default_pages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [rp for page in default_pages for rp in page["RecoveryPoints"]]


def arns(items: list[dict[str, Any]]) -> list[str]:
    return [rp["RecoveryPointArn"] for rp in items]


def test_the_paginator_returns_every_recovery_point_exactly_once_past_1000(
    everything: list[dict[str, Any]], box: Sandbox, vault: str
) -> None:
    assert len(everything) == TOTAL
    assert len(set(arns(everything))) == TOTAL
    assert box.world is not None
    stored = box.world.recovery_points(box.config.source_account, box.config.region, vault)
    assert arns(everything) == [rp.arn for rp in stored]


def test_without_max_results_a_page_holds_1000_and_the_last_page_has_no_token(
    default_pages: list[dict[str, Any]],
) -> None:
    assert [len(page["RecoveryPoints"]) for page in default_pages] == [1000, 1000, 500]
    assert ["NextToken" in page for page in default_pages] == [True, True, False]


@pytest.mark.parametrize("size", [1, 7, 1000])
def test_max_results_sets_the_size_of_a_page(client: Any, vault: str, size: int) -> None:
    first = client.list_recovery_points_by_backup_vault(BackupVaultName=vault, MaxResults=size)
    assert len(first["RecoveryPoints"]) == size
    assert first["NextToken"]


def test_small_pages_still_cover_every_recovery_point_once(
    client: Any, vault: str, everything: list[dict[str, Any]]
) -> None:
    paginator = client.get_paginator("list_recovery_points_by_backup_vault")
    pages = list(paginator.paginate(BackupVaultName=vault, PaginationConfig={"PageSize": 333}))
    sizes = [len(page["RecoveryPoints"]) for page in pages]
    assert sizes == [333] * 7 + [TOTAL - 7 * 333]
    assert [rp for page in pages for rp in arns(page["RecoveryPoints"])] == arns(everything)


@pytest.mark.parametrize("size", [1001, 5000])
def test_max_results_above_1000_is_refused(client: Any, vault: str, size: int) -> None:
    with pytest.raises(ClientError) as refused:
        client.list_recovery_points_by_backup_vault(BackupVaultName=vault, MaxResults=size)
    assert error_code(refused) == "InvalidParameterValueException"
    assert http_status(refused) == 400


def test_a_next_token_the_sandbox_did_not_hand_out_is_refused(client: Any, vault: str) -> None:
    with pytest.raises(ClientError) as refused:
        client.list_recovery_points_by_backup_vault(BackupVaultName=vault, NextToken="bogus")
    assert error_code(refused) == "InvalidParameterValueException"


def test_listing_a_vault_that_does_not_exist_is_not_found(client: Any) -> None:
    with pytest.raises(ClientError) as refused:
        client.list_recovery_points_by_backup_vault(BackupVaultName="no-such-vault")
    assert error_code(refused) == "ResourceNotFoundException"


def test_by_resource_arn_agrees_with_filtering_the_full_listing(
    client: Any, vault: str, everything: list[dict[str, Any]]
) -> None:
    counts = Counter(rp["ResourceArn"] for rp in everything).most_common()
    for resource, _ in [*counts[:3], *counts[-3:]]:  # the busiest and the quietest
        expected = [rp for rp in everything if rp["ResourceArn"] == resource]
        got = list_recovery_points(
            client, vault, ByResourceArn=resource, PaginationConfig={"PageSize": 5}
        )
        assert arns(got) == arns(expected)
    assert list_recovery_points(client, vault, ByResourceArn="arn:aws:s3:::no-such-bucket") == []


def test_by_resource_type_agrees_with_filtering_the_full_listing(
    client: Any, vault: str, everything: list[dict[str, Any]]
) -> None:
    types = sorted({rp["ResourceType"] for rp in everything})
    assert len(types) >= 6
    for resource_type in types:
        expected = [rp for rp in everything if rp["ResourceType"] == resource_type]
        assert arns(list_recovery_points(client, vault, ByResourceType=resource_type)) == arns(
            expected
        )
    assert list_recovery_points(client, vault, ByResourceType="Redshift") == []


def dates(everything: list[dict[str, Any]]) -> list[datetime]:
    return sorted(rp["CreationDate"] for rp in everything)


def test_by_created_after_agrees_with_filtering_the_full_listing(
    client: Any, vault: str, everything: list[dict[str, Any]]
) -> None:
    # Exact creation dates of existing recovery points are the hardest boundaries.
    for boundary in (dates(everything)[-1], dates(everything)[-120]):
        expected = [rp for rp in everything if rp["CreationDate"] > boundary]
        assert arns(list_recovery_points(client, vault, ByCreatedAfter=boundary)) == arns(expected)


def test_by_created_before_agrees_with_filtering_the_full_listing(
    client: Any, vault: str, everything: list[dict[str, Any]]
) -> None:
    for boundary in (dates(everything)[0], dates(everything)[120]):
        expected = [rp for rp in everything if rp["CreationDate"] < boundary]
        assert arns(list_recovery_points(client, vault, ByCreatedBefore=boundary)) == arns(expected)


def test_a_recovery_point_is_neither_created_after_nor_before_its_own_creation_date(
    client: Any, vault: str, everything: list[dict[str, Any]]
) -> None:
    for rp in everything[::250]:
        at = rp["CreationDate"]
        after = list_recovery_points(
            client, vault, ByCreatedAfter=at, ByResourceArn=rp["ResourceArn"]
        )
        before = list_recovery_points(
            client, vault, ByCreatedBefore=at, ByResourceArn=rp["ResourceArn"]
        )
        assert rp["RecoveryPointArn"] not in arns(after) + arns(before)


def test_combined_filters_and_small_pages_agree_with_filtering_the_full_listing(
    client: Any, vault: str, everything: list[dict[str, Any]]
) -> None:
    low, high = dates(everything)[len(everything) // 3], dates(everything)[len(everything) // 2]
    expected = [
        rp for rp in everything if rp["ResourceType"] == "EBS" and low < rp["CreationDate"] < high
    ]
    got = list_recovery_points(
        client,
        vault,
        ByResourceType="EBS",
        ByCreatedAfter=low,
        ByCreatedBefore=high,
        PaginationConfig={"PageSize": 10},
    )
    assert expected
    assert arns(got) == arns(expected)


def test_by_backup_plan_id_agrees_with_filtering_the_full_listing(
    client: Any, vault: str, everything: list[dict[str, Any]]
) -> None:
    plan = "8a1b7a43-0000-4000-a000-000000000000"
    expected = [rp for rp in everything if rp.get("CreatedBy", {}).get("BackupPlanId") == plan]
    assert arns(list_recovery_points(client, vault, ByBackupPlanId=plan)) == arns(expected) == []


def test_listed_recovery_points_carry_the_fields_aws_returns(
    everything: list[dict[str, Any]], vault: str
) -> None:
    statuses = {rp["Status"] for rp in everything}
    assert "COMPLETED" in statuses
    assert statuses <= {"COMPLETED", "PARTIAL", "EXPIRED", "AVAILABLE", "DELETING", "STOPPED"}
    for rp in everything:
        assert rp["BackupVaultName"] == vault
        assert rp["BackupVaultArn"] == f"arn:aws:backup:us-east-1:111111111111:backup-vault:{vault}"
        assert isinstance(rp["CreationDate"], datetime)
        assert rp["CreationDate"].microsecond % 1000 == 0  # AWS answers to the millisecond
        assert rp["BackupSizeInBytes"] > 0
        assert rp["IsEncrypted"] is True
        assert rp["EncryptionKeyArn"].startswith("arn:aws:kms:us-east-1:111111111111:key/")
        assert "StorageClass" not in rp  # only DescribeRecoveryPoint returns it
        assert rp["Lifecycle"]["DeleteAfterDays"] in (35, 365)


def test_describe_returns_warm_storage_class_and_the_listed_fields(
    client: Any, vault: str, everything: list[dict[str, Any]]
) -> None:
    warm = next(rp for rp in everything if "MoveToColdStorageAfterDays" not in rp["Lifecycle"])
    described = client.describe_recovery_point(
        BackupVaultName=vault, RecoveryPointArn=warm["RecoveryPointArn"]
    )
    assert described["StorageClass"] == "WARM"
    for field in ("RecoveryPointArn", "ResourceArn", "ResourceType", "CreationDate", "Status"):
        assert described[field] == warm[field]
    assert described["BackupSizeInBytes"] == warm["BackupSizeInBytes"]


def test_describe_returns_cold_once_the_cold_lifecycle_date_has_passed(
    client: Any, vault: str, everything: list[dict[str, Any]], box: Sandbox
) -> None:
    assert box.world is not None
    now = datetime.fromtimestamp(box.world.now()).astimezone()
    lifecycled = [rp for rp in everything if "MoveToColdStorageAt" in rp["CalculatedLifecycle"]]
    past = [rp for rp in lifecycled if rp["CalculatedLifecycle"]["MoveToColdStorageAt"] < now]
    future = [rp for rp in lifecycled if rp["CalculatedLifecycle"]["MoveToColdStorageAt"] > now]
    assert past, "the seed should hold recovery points already in cold storage"
    assert future, "the seed should hold recovery points not yet in cold storage"
    for rp, expected in ((past[0], "COLD"), (past[-1], "COLD"), (future[0], "WARM")):
        described = client.describe_recovery_point(
            BackupVaultName=vault, RecoveryPointArn=rp["RecoveryPointArn"]
        )
        assert described["StorageClass"] == expected


def test_describe_works_for_every_recovery_point_arn_shape(
    client: Any, vault: str, everything: list[dict[str, Any]]
) -> None:
    shapes: dict[str, dict[str, Any]] = {}
    for rp in everything:
        arn = rp["RecoveryPointArn"]
        shapes.setdefault(arn.split(":")[2] + ":" + arn.split(":")[5].split("/")[0], rp)
    assert {"ec2:snapshot", "ec2:image", "rds:snapshot", "backup:recovery-point"} <= set(shapes)
    for rp in shapes.values():
        described = client.describe_recovery_point(
            BackupVaultName=vault, RecoveryPointArn=rp["RecoveryPointArn"]
        )
        assert described["RecoveryPointArn"] == rp["RecoveryPointArn"]


def test_describing_an_unknown_recovery_point_is_not_found(client: Any, vault: str) -> None:
    with pytest.raises(ClientError) as refused:
        client.describe_recovery_point(
            BackupVaultName=vault,
            RecoveryPointArn="arn:aws:ec2:us-east-1::snapshot/snap-00000000000000000",
        )
    assert error_code(refused) == "ResourceNotFoundException"
    assert http_status(refused) == 400
