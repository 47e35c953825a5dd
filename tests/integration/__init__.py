"""Integration tests: real boto3 clients against the sandbox, served over HTTP or in-process.

The helpers below are shared by the modules of this package. Every session reuses one botocore
data loader, so the service models are parsed once per run instead of once per session (a
third of a second each): the clients themselves are ordinary boto3 clients.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import boto3
import botocore.loaders
import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from shuffle_aws_vaults.sandbox.clock import ManualClock

SOURCE, DEST, REGION = "111111111111", "222222222222", "us-east-1"
ROLE = f"arn:aws:iam::{SOURCE}:role/service-role/AWSBackupDefaultServiceRole"
# One attempt: an error the sandbox injects reaches the test instead of botocore's retries.
# (botocore's `max_attempts` counts *retries*: {"max_attempts": 1} still makes two attempts.)
NO_RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 1})

_LOADER = botocore.loaders.create_loader()


def session(profile: str) -> boto3.Session:
    """A new boto3 session of `profile` (new credentials: it assumes its role again)."""
    core = botocore.session.get_session()
    core.register_component("data_loader", _LOADER)
    return boto3.Session(botocore_session=core, profile_name=profile)


def backup_client(profile: str = "sandbox-source", config: Config | None = None) -> Any:
    return session(profile).client("backup", config=config)


def vault_arn(account: str, name: str) -> str:
    return f"arn:aws:backup:{REGION}:{account}:backup-vault:{name}"


def error_code(excinfo: pytest.ExceptionInfo[ClientError]) -> str:
    return str(excinfo.value.response["Error"]["Code"])


def http_status(excinfo: pytest.ExceptionInfo[ClientError]) -> int:
    return int(excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"])


def list_recovery_points(client: Any, vault: str, **kwargs: Any) -> list[dict[str, Any]]:
    """Every recovery point of `vault` that matches, through boto3's paginator."""
    paginator = client.get_paginator("list_recovery_points_by_backup_vault")
    pages = paginator.paginate(BackupVaultName=vault, **kwargs)
    return [rp for page in pages for rp in page["RecoveryPoints"]]


def list_copy_jobs(client: Any, **kwargs: Any) -> list[dict[str, Any]]:
    pages = client.get_paginator("list_copy_jobs").paginate(**kwargs)
    return [job for page in pages for job in page["CopyJobs"]]


@dataclass
class Accounts:
    """A started sandbox, its stopped clock, and a Backup client of each account."""

    box: Any
    clock: ManualClock
    source: Any
    dest: Any

    @property
    def vault(self) -> str:
        assert self.box.seeded is not None
        return str(self.box.seeded.vaults[0])

    def points(self, **filters: Any) -> list[dict[str, Any]]:
        return list_recovery_points(self.source, filters.pop("vault", self.vault), **filters)

    def copy(self, rp: dict[str, Any], dest_vault: str | None = None, **kwargs: Any) -> str:
        answer = self.source.start_copy_job(
            RecoveryPointArn=rp["RecoveryPointArn"],
            SourceBackupVaultName=rp["BackupVaultName"],
            DestinationBackupVaultArn=vault_arn(DEST, dest_vault or rp["BackupVaultName"]),
            IamRoleArn=ROLE,
            **kwargs,
        )
        return str(answer["CopyJobId"])

    def job(self, job_id: str) -> dict[str, Any]:
        return dict(self.source.describe_copy_job(CopyJobId=job_id)["CopyJob"])

    def finish(self) -> None:
        """Let every running copy end (the longest seeded copy takes a few hours)."""
        self.clock.advance(43_200.0)


def accounts_of(box: Any) -> Accounts:
    """Both accounts' clients for `box`, whose clock stops: time moves when the test says."""
    assert box.world is not None
    clock = ManualClock(start=math.ceil(box.world.now()))
    box.world.clock = clock
    source = backup_client("sandbox-source", NO_RETRIES)
    dest = backup_client("sandbox-dest", NO_RETRIES)
    return Accounts(box, clock, source, dest)


def assert_failed_at_once(job: dict[str, Any], message: str) -> None:
    assert job["State"] == "FAILED"
    assert job["StatusMessage"] == message
    assert job["CompletionDate"] == job["CreationDate"]
    assert "DestinationRecoveryPointArn" not in job
