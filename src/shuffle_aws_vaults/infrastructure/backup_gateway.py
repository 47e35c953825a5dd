"""AWS Backup through boto3: the only code that knows AWS's wire names for Backup."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from ..domain.copy_job import CopyJobInfo, Lifecycle, StartedJob
from ..domain.errors import AwsError, NotFound
from ..domain.recovery_point import STANDARD_VAULT, NewVault, RecoveryPoint, Vault
from .aws_errors import call
from .aws_sessions import AccountAccess
from .destination_limits import Boto3DestinationLimits

PAGE_SIZE = 1000
# How often in a row one listing may start again after AWS refused its NextToken without
# getting further than before.
RESTARTS = 5
BAD_PARAMETER = "InvalidParameterValueException"
JOBS, JOB_ID = "CopyJobs", "CopyJobId"
log = logging.getLogger(__name__)


def _utc(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromtimestamp(float(value), UTC)


def recovery_point_from_wire(item: dict[str, Any], vault_name: str) -> RecoveryPoint:
    calculated = item.get("CalculatedLifecycle") or {}
    lifecycle = item.get("Lifecycle") or {}
    created = _utc(item.get("CreationDate"))
    return RecoveryPoint(
        arn=item["RecoveryPointArn"],
        vault_name=item.get("BackupVaultName") or vault_name,
        resource_arn=item.get("ResourceArn", ""),
        resource_type=item.get("ResourceType", ""),
        creation_date=created or datetime.fromtimestamp(0, UTC),
        size_bytes=int(item.get("BackupSizeInBytes") or 0),
        status=item.get("Status", ""),
        encryption_key_arn=item.get("EncryptionKeyArn"),
        cold_storage_at=_utc(calculated.get("MoveToColdStorageAt")),
        delete_at=_utc(calculated.get("DeleteAt")),
        delete_after_days=lifecycle.get("DeleteAfterDays"),
        source_vault_arn=item.get("SourceBackupVaultArn"),
        cold_after_days=lifecycle.get("MoveToColdStorageAfterDays"),
        vault_type=item.get("VaultType") or STANDARD_VAULT,
    )


def lifecycle_to_wire(lifecycle: Lifecycle) -> dict[str, Any]:
    """StartCopyJob's Lifecycle: the fields that have a value (fitted_from is the tool's)."""
    wire: dict[str, Any] = {}
    if lifecycle.delete_after_days is not None:
        wire["DeleteAfterDays"] = lifecycle.delete_after_days
    if lifecycle.cold_after_days is not None:
        wire["MoveToColdStorageAfterDays"] = lifecycle.cold_after_days
    if lifecycle.archive:
        wire["OptInToArchiveForSupportedResources"] = True
    return wire


def copy_job_from_wire(item: dict[str, Any]) -> CopyJobInfo:
    return CopyJobInfo(
        job_id=item["CopyJobId"],
        state=item.get("State", "UNKNOWN"),
        source_arn=item.get("SourceRecoveryPointArn", ""),
        dest_vault_arn=item.get("DestinationBackupVaultArn", ""),
        created=_utc(item.get("CreationDate")),
        completed=_utc(item.get("CompletionDate")),
        dest_arn=item.get("DestinationRecoveryPointArn"),
        message=item.get("StatusMessage"),
        category=item.get("MessageCategory"),
    )


def vault_from_wire(item: dict[str, Any]) -> Vault:
    return Vault(
        name=item["BackupVaultName"],
        arn=item["BackupVaultArn"],
        recovery_points=int(item.get("NumberOfRecoveryPoints") or 0),
        locked=bool(item.get("Locked")),
        min_retention_days=item.get("MinRetentionDays"),
        max_retention_days=item.get("MaxRetentionDays"),
        encryption_key_arn=item.get("EncryptionKeyArn"),
        vault_type=item.get("VaultType") or STANDARD_VAULT,
        key_type=item.get("EncryptionKeyType"),
    )


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
            _utc(response.get("CreationDate")),
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
            "CreatorRequestId": f"shuffle-aws-vaults-{self._account_id}-{name}"[:100],
        }
        if new.kms_key_arn:
            kwargs["EncryptionKeyArn"] = new.kms_key_arn
        created = call(
            self._access,
            "CreateLogicallyAirGappedBackupVault",
            lambda: self._client().create_logically_air_gapped_backup_vault(**kwargs),
            patient=True,
        )
        return new.planned(name, created["BackupVaultArn"])

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
