"""AWS Backup through boto3: the only code that knows AWS's wire names for Backup."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from ..domain.copy_job import CopyJobInfo, Lifecycle, StartedJob
from ..domain.errors import AwsError, NotFound, VaultNotReady
from ..domain.recovery_point import NewVault, RecoveryPoint, Vault
from .aws_errors import call
from .aws_sessions import AccountAccess
from .backup_wire import (
    copy_job_from_wire,
    lifecycle_to_wire,
    recovery_point_from_wire,
    utc,
    vault_from_wire,
)
from .destination_limits import Boto3DestinationLimits

PAGE_SIZE = 1000
# How often in a row one listing may start again after AWS refused its NextToken without
# getting further than before.
RESTARTS = 5
VAULT_WAIT = 1800.0  # seconds a new vault may stay CREATING (AWS publishes no figure)
VAULT_POLL_MAX = 15.0
BAD_PARAMETER = "InvalidParameterValueException"
JOBS, JOB_ID = "CopyJobs", "CopyJobId"
log = logging.getLogger(__name__)


class Boto3BackupGateway:
    """The BackupGateway port for one account and region."""

    def __init__(self, access: AccountAccess, account_id: str, region: str | None = None) -> None:
        self._access = access
        self._account_id = account_id
        self._region = region or access.region

    @property
    def account_id(self) -> str:
        return self._account_id

    @property
    def region(self) -> str:
        return self._region

    @property
    def throttle_events(self) -> int:
        return self._access.region_throttles[self._region]

    @property
    def limit_events(self) -> int:
        """LimitExceededException answers so far, those botocore retried away included."""
        return self._access.region_limit_answers[self._region]

    @property
    def access(self) -> AccountAccess:
        """The account's session: its call counters, and other services' clients."""
        return self._access

    def _client(self, *, quick: bool = False) -> Any:
        return self._access.client("backup", self._region, quick=quick)

    def _pages(
        self,
        operation: str,
        method: str,
        *,
        quick: bool = False,
        items: str = "",
        ident: str = "",
        **kwargs: Any,
    ) -> Iterator[dict[str, Any]]:
        """A paginator's pages; a page that fails on expired credentials resumes at its token.
        `quick`: a throttled page is asked again once at most (the copy engine's polls);
        otherwise the page is a patient call (aws_errors.call).

        AWS documents no lifetime for a NextToken. A later page refused as a bad parameter can
        only be refused for its token (the first page took the same parameters), so the
        listing starts again from its first page, leaving out the `items` already yielded (by
        their `ident` field): nothing is lost, nothing repeated."""
        token: str | None = None
        seen: set[str] = set()
        restarts = 0  # in a row: since the last restart that got further
        fresh_since_restart = 0
        while True:

            def first_page(token: str | None = token) -> tuple[dict[str, Any], str | None]:
                config: dict[str, Any] = {"PageSize": PAGE_SIZE, "MaxItems": None}
                if token:
                    config["StartingToken"] = token
                paginator = self._client(quick=quick).get_paginator(method)
                for page in paginator.paginate(**kwargs, PaginationConfig=config):
                    return page, page.get("NextToken")
                return {}, None

            try:
                page, next_token = call(self._access, operation, first_page, patient=not quick)
            except AwsError as exc:
                if token is None or exc.code != BAD_PARAMETER:
                    raise
                restarts = 1 if fresh_since_restart else restarts + 1
                if restarts > RESTARTS:
                    raise
                fresh_since_restart = 0
                log.warning(
                    "%s: NextToken refused (%s); listing again from the start", operation, exc
                )
                token = None
                continue
            if items:
                fresh = [item for item in page.get(items, []) if item.get(ident) not in seen]
                seen.update(item.get(ident) for item in fresh)
                fresh_since_restart += len(fresh)
                page = {**page, items: fresh}
            yield page
            token = next_token
            if not token:
                return

    def list_vaults(self) -> list[Vault]:
        vaults = [
            vault_from_wire(item)
            for page in self._pages(
                "ListBackupVaults",
                "list_backup_vaults",
                items="BackupVaultList",
                ident="BackupVaultName",
            )
            for item in page.get("BackupVaultList", [])
        ]
        return sorted(vaults, key=lambda vault: vault.name)

    def iter_recovery_points(
        self, vault_name: str, *, resource_arn: str | None = None
    ) -> Iterator[RecoveryPoint]:
        kwargs: dict[str, Any] = {"BackupVaultName": vault_name}
        if resource_arn:
            kwargs["ByResourceArn"] = resource_arn
        for page in self._pages(
            "ListRecoveryPointsByBackupVault",
            "list_recovery_points_by_backup_vault",
            items="RecoveryPoints",
            ident="RecoveryPointArn",
            **kwargs,
        ):
            for item in page.get("RecoveryPoints", []):
                yield recovery_point_from_wire(item, vault_name)

    def start_copy_job(
        self,
        *,
        source_arn: str,
        source_vault: str,
        dest_vault_arn: str,
        iam_role_arn: str,
        token: str,
        lifecycle: Lifecycle | None = None,
    ) -> StartedJob:
        kwargs: dict[str, Any] = {
            "RecoveryPointArn": source_arn,
            "SourceBackupVaultName": source_vault,
            "DestinationBackupVaultArn": dest_vault_arn,
            "IamRoleArn": iam_role_arn,
            "IdempotencyToken": token,
        }
        if lifecycle is not None:
            kwargs["Lifecycle"] = lifecycle_to_wire(lifecycle)
        self._access.take_limit_answers()  # this thread's count starts afresh
        response = call(
            self._access, "StartCopyJob", lambda: self._client().start_copy_job(**kwargs)
        )
        return StartedJob(
            str(response["CopyJobId"]),
            utc(response.get("CreationDate")),
            limit_answers=self._access.take_limit_answers(),
        )

    def describe_copy_job(self, job_id: str) -> CopyJobInfo:
        response = call(
            self._access,
            "DescribeCopyJob",
            lambda: self._client(quick=True).describe_copy_job(CopyJobId=job_id),
        )
        return copy_job_from_wire(response["CopyJob"])

    def list_copy_jobs(
        self,
        *,
        completed_after: datetime | None = None,
        created_after: datetime | None = None,
        source_arn: str | None = None,
        dest_vault_arn: str | None = None,
        state: str | None = None,
        quick: bool = False,
    ) -> Iterator[CopyJobInfo]:
        kwargs: dict[str, Any] = {}
        if state is not None:
            kwargs["ByState"] = state
        if completed_after is not None:
            kwargs["ByCompleteAfter"] = completed_after
        if created_after is not None:
            kwargs["ByCreatedAfter"] = created_after
        if source_arn is not None:
            kwargs["BySourceRecoveryPointArn"] = source_arn
        if dest_vault_arn is not None:
            kwargs["ByDestinationVaultArn"] = dest_vault_arn
        # quick: the copy engine's census of its jobs waiting in CREATED, part of a poll. Any
        # other listing (adoption, reconciliation, verify) gets botocore's full retries.
        for page in self._pages(
            "ListCopyJobs", "list_copy_jobs", quick=quick, items=JOBS, ident=JOB_ID, **kwargs
        ):
            for item in page.get("CopyJobs", []):
                yield copy_job_from_wire(item)

    def copy_job_pages(self, *, completed_after: datetime) -> Iterator[list[CopyJobInfo]]:
        """The engine's poll: a page throttled twice fails, and the engine asks again soon."""
        for page in self._pages(
            "ListCopyJobs",
            "list_copy_jobs",
            quick=True,
            items=JOBS,
            ident=JOB_ID,
            ByCompleteAfter=completed_after,
        ):
            yield [copy_job_from_wire(item) for item in page.get("CopyJobs", [])]

    def opt_in_preferences(self) -> dict[str, bool] | None:
        try:
            response = call(
                self._access,
                "DescribeRegionSettings",
                lambda: self._client().describe_region_settings(),
                patient=True,
            )
        except AwsError as exc:
            log.warning("DescribeRegionSettings in %s: %s", self._account_id, exc)
            return None
        preferences = response.get("ResourceTypeOptInPreference") or {}
        return {str(name): bool(value) for name, value in preferences.items()}

    def create_vault(self, name: str, new: NewVault) -> Vault:
        if new.air_gapped:
            return self._create_air_gapped_vault(name, new)
        kwargs: dict[str, Any] = {"BackupVaultName": name}
        if new.kms_key_arn:
            kwargs["EncryptionKeyArn"] = new.kms_key_arn
        created = call(
            self._access,
            "CreateBackupVault",
            lambda: self._client().create_backup_vault(**kwargs),
            patient=True,
        )
        if new.min_retention_days is not None or new.max_retention_days is not None:
            lock: dict[str, Any] = {"BackupVaultName": name}
            if new.min_retention_days is not None:
                lock["MinRetentionDays"] = new.min_retention_days
            if new.max_retention_days is not None:
                lock["MaxRetentionDays"] = new.max_retention_days
            call(
                self._access,
                "PutBackupVaultLockConfiguration",
                lambda: self._client().put_backup_vault_lock_configuration(**lock),
                patient=True,
            )
        return new.planned(name, created["BackupVaultArn"])

    def _create_air_gapped_vault(self, name: str, new: NewVault) -> Vault:
        """CreateLogicallyAirGappedBackupVault: locked in compliance mode from creation with
        both bounds; the key (AWS-owned unless given) is fixed for the vault's life. The
        CreatorRequestId makes a repeated call (a lost answer) create nothing more."""
        kwargs: dict[str, Any] = {
            "BackupVaultName": name,
            "MinRetentionDays": new.min_retention_days,
            "MaxRetentionDays": new.max_retention_days,
            # At most 50 characters (the sandbox checks AWS's form): the same vault, the same id.
            "CreatorRequestId": "sav-"
            + hashlib.sha256(f"{self._account_id}/{self._region}/{name}".encode()).hexdigest()[:40],
        }
        if new.kms_key_arn:
            kwargs["EncryptionKeyArn"] = new.kms_key_arn
        created = call(
            self._access,
            "CreateLogicallyAirGappedBackupVault",
            lambda: self._client().create_logically_air_gapped_backup_vault(**kwargs),
            patient=True,
        )
        if created.get("VaultState", "AVAILABLE") != "AVAILABLE":
            self._wait_until_available(name)
        return new.planned(name, created["BackupVaultArn"])

    def _wait_until_available(self, name: str) -> None:
        """A new logically air-gapped vault is CREATING a while, and refuses copies until it is
        AVAILABLE (StartCopyJob: InvalidRequestException): ask DescribeBackupVault after 1 s,
        doubling to VAULT_POLL_MAX, until it is, for VAULT_WAIT seconds at most."""
        waited, pause = 0.0, 1.0
        while True:
            state = call(
                self._access,
                "DescribeBackupVault",
                lambda: self._client().describe_backup_vault(BackupVaultName=name),
                patient=True,
            ).get("VaultState", "AVAILABLE")
            if state == "AVAILABLE":
                return
            if state != "CREATING" or waited >= VAULT_WAIT:
                raise VaultNotReady(
                    "VaultNotReady",
                    f"vault {name} is {state}"
                    + (f" after {waited:.0f} s" if state == "CREATING" else "")
                    + ": it cannot receive copies (see DescribeBackupVault)",
                    "DescribeBackupVault",
                )
            log.info("vault %s is %s; asking again in %.0f s", name, state, pause)
            self._access.sleep(pause)
            waited += pause
            pause = min(pause * 2, VAULT_POLL_MAX)

    def get_access_policy(self, name: str) -> dict[str, Any] | None:
        try:
            response = call(
                self._access,
                "GetBackupVaultAccessPolicy",
                lambda: self._client().get_backup_vault_access_policy(BackupVaultName=name),
                patient=True,
            )
        except NotFound:
            return None
        text = response.get("Policy")
        return json.loads(text) if text else None

    def limits(self) -> Boto3DestinationLimits:
        """The account's quotas in this Region (read on the pre-flight's first ask)."""
        return Boto3DestinationLimits(self._access, self._account_id, self._region)

    def put_access_policy(self, name: str, policy: dict[str, Any]) -> None:
        call(
            self._access,
            "PutBackupVaultAccessPolicy",
            lambda: self._client().put_backup_vault_access_policy(
                BackupVaultName=name, Policy=json.dumps(policy)
            ),
            patient=True,
        )
