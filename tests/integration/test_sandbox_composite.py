"""Composite recovery points through boto3: the seeded stacks' listings (IsParent,
ParentRecoveryPointArn, ByParentRecoveryPointArn), and a composite's copy as parent and child
jobs (StartCopyJob's IsParent, DescribeCopyJob's NumberOfChildJobs and ChildJobsInState,
ListCopyJobs ByParentJobId), on an in-process sandbox whose clock moves when the test says."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from shuffle_aws_vaults.sandbox import SeedSpec

from . import DEST, ROLE, Accounts, accounts_of, error_code, list_copy_jobs, vault_arn
from .conformance import ConformanceRecorder

pytestmark = pytest.mark.integration


def stacked(
    make_sandbox: Callable[..., Any], recorder: ConformanceRecorder | None = None, **config: Any
) -> Accounts:
    """A sandbox whose one vault holds stacks (each answer checked by `recorder`, if given)."""
    spec = SeedSpec(recovery_points=120, vaults=1, composite_share=0.25, edge_case_share=0.0)
    accounts = accounts_of(make_sandbox(serve=False, spec=spec, jitter=0.0, **config))
    if recorder is not None:
        recorder.attach(accounts.source)
        recorder.attach(accounts.dest)
    return accounts


def composites(accounts: Accounts) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    points = accounts.points()
    return [rp for rp in points if rp["IsParent"]], [
        rp for rp in points if "ParentRecoveryPointArn" in rp
    ]


def test_a_stack_lists_as_a_composite_and_nested_points_that_name_it(
    make_sandbox: Callable[..., Any],
) -> None:
    accounts = stacked(make_sandbox)
    parents, nested = composites(accounts)
    assert parents and nested and len(parents) + len(nested) == 30
    for parent in parents:
        children = accounts.points(ByParentRecoveryPointArn=parent["RecoveryPointArn"])
        assert children == [
            rp for rp in nested if rp["ParentRecoveryPointArn"] == parent["RecoveryPointArn"]
        ]
        assert parent["ResourceType"] == "CloudFormation"
        assert parent["BackupSizeInBytes"] == sum(rp["BackupSizeInBytes"] for rp in children)
        assert {rp["IsParent"] for rp in children} == {False}
        assert all(rp["CompositeMemberIdentifier"] for rp in children)
    described = accounts.source.describe_recovery_point(
        BackupVaultName=accounts.vault, RecoveryPointArn=nested[0]["RecoveryPointArn"]
    )
    assert described["ParentRecoveryPointArn"] == nested[0]["ParentRecoveryPointArn"]


def test_copying_a_composite_runs_a_parent_job_over_a_child_job_per_nested_point(
    make_sandbox: Callable[..., Any],
) -> None:
    recorder = ConformanceRecorder()  # every answer as botocore's model says, before parsing
    accounts = stacked(make_sandbox, recorder)
    parents, _ = composites(accounts)
    parent = next(rp for rp in parents if rp["Status"] == "COMPLETED")
    children = accounts.points(ByParentRecoveryPointArn=parent["RecoveryPointArn"])
    answer = accounts.source.start_copy_job(
        RecoveryPointArn=parent["RecoveryPointArn"],
        SourceBackupVaultName=accounts.vault,
        DestinationBackupVaultArn=vault_arn(DEST, accounts.vault),
        IamRoleArn=ROLE,
    )
    assert answer["IsParent"] is True
    job_id = answer["CopyJobId"]
    job = accounts.job(job_id)
    assert (job["IsParent"], job["NumberOfChildJobs"]) == (True, len(children))
    assert sum(job["ChildJobsInState"].values()) == len(children)
    kids = list_copy_jobs(accounts.source, ByParentJobId=job_id)
    assert sorted(kid["SourceRecoveryPointArn"] for kid in kids) == sorted(
        rp["RecoveryPointArn"] for rp in children
    )
    assert {kid["ParentJobId"] for kid in kids} == {job_id}
    mine = list_copy_jobs(accounts.source, BySourceRecoveryPointArn=parent["RecoveryPointArn"])
    assert [j["CopyJobId"] for j in mine] == [job_id]
    accounts.finish()
    job = accounts.job(job_id)
    assert job["State"] == "COMPLETED"
    assert job["ChildJobsInState"] == {"COMPLETED": len(children)}
    copy_arn = job["DestinationRecoveryPointArn"]
    copied = accounts.dest.list_recovery_points_by_backup_vault(
        BackupVaultName=accounts.vault, ByParentRecoveryPointArn=copy_arn
    )["RecoveryPoints"]
    assert sorted((rp["ResourceArn"], rp["CreationDate"]) for rp in copied) == sorted(
        (rp["ResourceArn"], rp["CreationDate"]) for rp in children
    )
    top = accounts.dest.describe_recovery_point(
        BackupVaultName=accounts.vault, RecoveryPointArn=copy_arn
    )
    assert (top["IsParent"], top["Status"], top["ResourceArn"]) == (
        True,
        "COMPLETED",
        parent["ResourceArn"],
    )
    assert recorder.problems == []
    driven = {"ListRecoveryPointsByBackupVault", "StartCopyJob", "DescribeCopyJob", "ListCopyJobs"}
    assert driven <= {operation for operation, outcome in recorder.answers if outcome == "OK"}


def test_a_nested_point_copied_alone_is_refused_when_the_sandbox_says_so(
    make_sandbox: Callable[..., Any],
) -> None:
    accounts = stacked(make_sandbox, nested_copy="refused")
    _, nested = composites(accounts)
    with pytest.raises(ClientError) as refused:
        accounts.copy(nested[0])
    assert error_code(refused) == "InvalidRequestException"
    assert list_copy_jobs(accounts.source) == []
