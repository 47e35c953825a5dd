"""The state of every account the sandbox serves, and the AWS Backup rules that act on it.

One lock guards it all: moto serves requests on many threads, and the copy-job clock must see a
consistent world when it finishes jobs and lands their copies in another account.
"""

from __future__ import annotations

import itertools
import random
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from . import messages
from .access_policy import MalformedPolicy, allows, parse_policy
from .arns import parse_vault_arn, recovery_point_arn, vault_arn
from .clock import SimClock
from .composite import CompositeJobs, refuse_nested_alone
from .config import SandboxConfig
from .copy_permissions import copy_supported_cross_account, key_refusal, role_refusal
from .copy_queue import CopyQueue
from .errors import (
    SandboxError,
    access_denied,
    invalid_parameter,
    invalid_request,
    limit_exceeded,
    missing_parameter,
    not_found,
)
from .faults import FaultInjector, unit_hash
from .job_timing import hold_for_retry, start_incremental
from .lag_vaults import (
    copy_arn,
    copy_key,
    copy_refusal,
    destination_fields,
    is_lag,
    key_type,
    unavailable,
    violates_vault_lock,
)
from .listing import PageRules, page_size, parse_time
from .moto_bridge import moto_vault, vault_type
from .pages import SeqList
from .records import (
    DAY,
    FULLY_MANAGED_TYPES,
    CopyJob,
    StoredRecoveryPoint,
    is_backup_owned_arn,
    is_continuous_arn,
    wire_time,
)
from .regions import cross_region_refusal, region_of_arn
from .settings import RegionSettings, require_management_account

COPYABLE_STATUSES = ("COMPLETED", "AVAILABLE")


class Clock(Protocol):
    def now(self) -> float: ...

    def calendar(self) -> float: ...


@dataclass
class VaultContents:
    items: SeqList[StoredRecoveryPoint] = field(default_factory=SeqList)
    by_arn: dict[str, StoredRecoveryPoint] = field(default_factory=dict)
    by_resource: dict[str, list[StoredRecoveryPoint]] = field(default_factory=dict)
    children: dict[str, list[StoredRecoveryPoint]] = field(default_factory=dict)  # by parent


@dataclass
class JobBook:
    """The copy jobs one source account started in one Region, with a copy clock per destination
    Region: AWS counts the copy quota per source Region -> destination Region pair."""

    region: str
    new_queue: Callable[[], CopyQueue]
    queues: dict[str, CopyQueue] = field(default_factory=dict)
    jobs: SeqList[CopyJob] = field(default_factory=SeqList)
    by_id: dict[str, CopyJob] = field(default_factory=dict)
    by_source: dict[str, list[CopyJob]] = field(default_factory=dict)
    tokens: dict[str, tuple[CopyJob, tuple[Any, ...], float]] = field(default_factory=dict)

    def queue_to(self, dest_region: str) -> CopyQueue:
        """The copy clock of this account's copies from the book's Region to `dest_region`."""
        found = self.queues.get(dest_region)
        if found is None:
            found = self.queues[dest_region] = self.new_queue()
        return found

    @property
    def queue(self) -> CopyQueue:
        """The copy clock of copies that stay in the book's Region."""
        return self.queue_to(self.region)


@dataclass(frozen=True)
class CopyRequest:
    recovery_point_arn: str
    source_vault_name: str
    dest_vault_arn: str
    iam_role_arn: str
    token: str | None = None
    lifecycle: dict[str, Any] | None = None

    def identity(self) -> tuple[Any, ...]:
        lifecycle = tuple(sorted((self.lifecycle or {}).items()))
        return (
            self.recovery_point_arn,
            self.source_vault_name,
            self.dest_vault_arn,
            self.iam_role_arn,
            lifecycle,
        )


class SandboxWorld:
    """Recovery points, copy jobs, vault policies and settings of every sandbox account."""

    def __init__(self, config: SandboxConfig, clock: Clock | None = None) -> None:
        self.config = config
        self.clock: Clock = clock or SimClock(config.time_scale)
        self.faults = FaultInjector(config.faults, config.seed)
        self.lock = threading.RLock()
        # Not Random(seed): the seeder draws from that stream, and copies would then repeat
        # seeded ids (EC2 snapshot and image ARNs carry no account, so they collide outright).
        self.rng = random.Random(f"sandbox-world:{config.seed}")
        # Copy job IDs mix in a number drawn per sandbox process: AWS never repeats a job ID,
        # and a journal kept from an earlier sandbox with the same seed must not find its job
        # IDs again (the seeded data, and every other draw from `rng`, stay as the seed says).
        self._job_id_salt = random.SystemRandom().getrandbits(128)
        self._seq = itertools.count(1)
        self.vaults: dict[tuple[str, str, str], VaultContents] = {}
        self.policies: dict[tuple[str, str, str], str] = {}
        self.books: dict[tuple[str, str], JobBook] = {}
        # Cross-account backup is an organization-wide setting: every member sees the same.
        self.global_settings: dict[str, str] = {"isCrossAccountBackupEnabled": "true"}
        self.global_settings_updated: float = self.clock.now()
        self.region_settings = RegionSettings(config)
        self.pages = PageRules(config, self.now)  # self.now: tests swap the clock
        self.aws_managed_keys: set[str] = set()
        self.calls: Counter[str] = Counter()
        self.calls_by_account: Counter[tuple[str, str]] = Counter()
        self.composites = CompositeJobs()

    # -- time ---------------------------------------------------------------------------------

    def now(self) -> float:
        return self.clock.now()

    def calendar(self) -> float:
        """The caller's date, by which recovery points move to cold storage (see SimClock)."""
        return self.clock.calendar()

    def tick(self) -> float:
        """Advance every copy-job clock to now; returns now."""
        now = self.clock.now()
        for book in self.books.values():
            for queue in list(book.queues.values()):
                queue.advance(now)
        return now

    def next_seq(self) -> int:
        return next(self._seq)

    # -- recovery points ----------------------------------------------------------------------

    def contents(self, account: str, region: str, vault: str) -> VaultContents:
        key = (account, region, vault)
        found = self.vaults.get(key)
        if found is None:
            found = self.vaults[key] = VaultContents()
        return found

    def _require_vault(self, account: str, region: str, vault: str) -> Any:
        found = moto_vault(account, region, vault)
        if found is None:
            raise not_found(messages.VAULT_NOT_FOUND.format(vault=vault, account=account))
        return found

    def add_recovery_point(self, account: str, region: str, rp: StoredRecoveryPoint) -> None:
        contents = self.contents(account, region, rp.vault_name)
        contents.items.append(rp)
        contents.by_arn[rp.arn] = rp
        contents.by_resource.setdefault(rp.resource_arn, []).append(rp)
        if rp.parent_arn is not None:
            contents.children.setdefault(rp.parent_arn, []).append(rp)
        vault = moto_vault(account, region, rp.vault_name)
        if vault is not None:
            vault.num_of_recovery_points = len(contents.by_arn)

    def list_recovery_points(
        self, account: str, region: str, vault: str, query: dict[str, str]
    ) -> tuple[list[StoredRecoveryPoint], str | None]:
        with self.lock:
            self.tick()
            self._require_vault(account, region, vault)
            contents = self.contents(account, region, vault)
            size = page_size(query.get("maxResults"))
            after_seq = self.pages.start(query.get("nextToken")) or 0
            resource_arn = query.get("resourceArn")
            resource_type = query.get("resourceType")
            created_after = parse_time(query["createdAfter"]) if "createdAfter" in query else None
            created_before = (
                parse_time(query["createdBefore"]) if "createdBefore" in query else None
            )
            by_plan = query.get("backupPlanId")
            parent = query.get("parentRecoveryPointArn")

            def keep(rp: StoredRecoveryPoint) -> bool:
                if by_plan:
                    return False  # seeded recovery points have no backup plan
                if rp.seq <= after_seq:
                    return False
                if resource_type is not None and rp.resource_type != resource_type:
                    return False
                created = wire_time(rp.creation_date)
                if created_after is not None and not created > created_after:
                    return False
                return created_before is None or created < created_before

            source: Iterable[StoredRecoveryPoint]
            if parent is not None:
                nested = contents.children.get(parent, [])
                source = [rp for rp in nested if not rp.deleted and rp.seq > after_seq]
                if resource_arn is not None:
                    source = [rp for rp in source if rp.resource_arn == resource_arn]
            elif resource_arn is not None:
                source = [rp for rp in contents.by_resource.get(resource_arn, []) if not rp.deleted]
            else:
                source = contents.items.after(after_seq)
            return self.pages.paginate(iter(source), keep, size)

    def describe_recovery_point(
        self, account: str, region: str, vault: str, arn: str
    ) -> dict[str, Any]:
        with self.lock:
            self.tick()
            rp = self._find_recovery_point(account, region, vault, arn)
            return rp.to_describe_wire(self.calendar())

    def _find_recovery_point(
        self, account: str, region: str, vault: str, arn: str
    ) -> StoredRecoveryPoint:
        self._require_vault(account, region, vault)
        rp = self.contents(account, region, vault).by_arn.get(arn)
        if rp is None:
            raise not_found(messages.RECOVERY_POINT_NOT_FOUND.format(arn=arn, vault=vault))
        return rp

    def delete_recovery_point(self, account: str, region: str, vault: str, arn: str) -> None:
        with self.lock:
            self.tick()
            rp = self._find_recovery_point(account, region, vault, arn)
            contents = self.contents(account, region, vault)
            rp.deleted = True
            del contents.by_arn[arn]
            siblings = contents.by_resource.get(rp.resource_arn, [])
            if rp in siblings:
                siblings.remove(rp)
            nested = contents.children.get(rp.parent_arn or "", [])
            if rp in nested:
                nested.remove(rp)
            contents.items.note_removed()
            stored = moto_vault(account, region, vault)
            if stored is not None:
                stored.num_of_recovery_points = len(contents.by_arn)

    # -- vault access policies and settings --------------------------------------------------

    def put_access_policy(self, account: str, region: str, vault: str, policy: str) -> None:
        with self.lock:
            self._require_vault(account, region, vault)
            try:
                parse_policy(policy)
            except MalformedPolicy as exc:
                raise invalid_parameter(str(exc)) from exc
            self.policies[(account, region, vault)] = policy

    def get_access_policy(self, account: str, region: str, vault: str) -> str:
        with self.lock:
            self._require_vault(account, region, vault)
            policy = self.policies.get((account, region, vault))
            if policy is None:
                raise not_found(f"Backup vault {vault} has no access policy")
            return policy

    def delete_access_policy(self, account: str, region: str, vault: str) -> None:
        with self.lock:
            self._require_vault(account, region, vault)
            self.policies.pop((account, region, vault), None)

    def update_global_settings(self, settings: dict[str, str], caller: str | None = None) -> None:
        """UpdateGlobalSettings as `caller` (None: the sandbox itself, e.g. a test)."""
        if caller is not None:
            require_management_account(self.config, caller)
        with self.lock:
            for key, value in settings.items():
                if value not in ("true", "false"):
                    raise invalid_parameter(f"{key} must be 'true' or 'false', not {value!r}")
                self.global_settings[key] = value
            self.global_settings_updated = self.clock.now()

    # -- copy jobs ----------------------------------------------------------------------------

    def book(self, account: str, region: str) -> JobBook:
        found = self.books.get((account, region))
        if found is None:
            found = self.books[(account, region)] = JobBook(region, self._new_queue)
        return found

    def _new_queue(self) -> CopyQueue:
        cfg = self.config
        return CopyQueue(
            cfg.copy_quota, self._finish_job, cfg.type_limits, self._job_starts, cfg.lag_copy_limits
        )

    def start_copy_job(self, account: str, region: str, request: CopyRequest) -> CopyJob:
        """StartCopyJob as the source account: validate, then admit to the copy clock."""
        with self.lock:
            now = self.tick()
            book = self.book(account, region)
            if request.token:
                remembered = book.tokens.get(request.token)
                if remembered and now - remembered[2] <= self.config.idempotency_window_seconds:
                    job, identity, _ = remembered
                    if identity != request.identity():
                        raise invalid_parameter(messages.TOKEN_REUSED.format(token=request.token))
                    return job
            source = self._validate_copy(account, region, request, now)
            refuse_nested_alone(self.config, source)
            if self.config.at_quota == "reject":
                queue = book.queue_to(region_of_arn(request.dest_vault_arn))
                self._refuse_over_limits(queue, source, request)
            if source.is_parent:
                job = self.composites.start(self, (account, region), request, source, book, now)
            else:
                job = self._new_job(account, region, request, source, book, now)
            if request.token:
                book.tokens[request.token] = (job, request.identity(), now)
            return job

    @staticmethod
    def _refuse_over_limits(
        queue: CopyQueue, source: StoredRecoveryPoint, request: CopyRequest
    ) -> None:
        """LimitExceededException when the account, the job's type group or its LAG vault's
        limit has no room left."""
        if queue.active >= queue.quota:
            raise limit_exceeded(messages.LIMIT_EXCEEDED.format(quota=queue.quota))
        load = queue.group_load(source.resource_type)
        if load is not None and load[1] >= load[2]:
            group, active, limit = load
            dest = parse_vault_arn(request.dest_vault_arn)
            assert dest is not None  # _validate_copy refused the call otherwise
            text = messages.TYPE_LIMIT_EXCEEDED.format(
                group=group, active=active, region=dest[0], limit=limit
            )
            raise limit_exceeded(text)
        # Only copies into a LAG vault count here: for any other vault it is 0.
        lag = queue.lag_load(source.resource_type, request.dest_vault_arn)
        if lag is not None and lag[1] >= lag[2]:
            text = messages.LAG_LIMIT_EXCEEDED.format(
                group=lag[0], active=lag[1], vault=request.dest_vault_arn, limit=lag[2]
            )
            raise limit_exceeded(text)

    def _validate_copy(
        self, account: str, region: str, request: CopyRequest, now: float
    ) -> StoredRecoveryPoint:
        for name, value in (
            ("RecoveryPointArn", request.recovery_point_arn),
            ("SourceBackupVaultName", request.source_vault_name),
            ("DestinationBackupVaultArn", request.dest_vault_arn),
            ("IamRoleArn", request.iam_role_arn),
        ):
            if not value:
                raise missing_parameter(f"{name} is required")
        dest = parse_vault_arn(request.dest_vault_arn)
        if dest is None:
            raise invalid_parameter(f"Invalid DestinationBackupVaultArn: {request.dest_vault_arn}")
        dest_region, dest_account, dest_name = dest
        source = self._find_recovery_point(
            account, region, request.source_vault_name, request.recovery_point_arn
        )
        if source.status not in COPYABLE_STATUSES:
            raise invalid_request(
                messages.NOT_COPYABLE_STATUS.format(arn=source.arn, status=source.status)
            )
        if is_continuous_arn(source.arn):
            raise invalid_request(messages.CONTINUOUS.format(arn=source.arn))
        if source.storage_class(self.calendar()) == "COLD":
            raise invalid_request(messages.COLD.format(arn=source.arn))
        if self.config.role_refusal == "call":
            refused = role_refusal(account, request.iam_role_arn)
            if refused is not None:
                raise invalid_parameter(refused)
        cross_account = dest_account != account
        vault = moto_vault(dest_account, dest_region, dest_name)
        if not cross_account and vault is None:
            raise not_found(messages.VAULT_NOT_FOUND.format(vault=dest_name, account=account))
        if (
            cross_account
            and self.config.dest_refusal == "call"
            and not self._may_copy_into(account, dest_region, dest_account, dest_name)
        ):
            raise access_denied(
                messages.ACCESS_DENIED_CALL.format(vault_arn=request.dest_vault_arn)
            )
        if vault is not None and (not_ready := unavailable(vault, dest_name, now)):
            raise invalid_request(not_ready)
        if (
            vault is not None
            and is_lag(vault)
            and self.config.lag_aws_managed_key == "call"
            and self._aws_managed_key_blocks(source)
        ):
            raise invalid_request(self._aws_managed_key_text(source))
        return source

    def _may_copy_into(self, account: str, region: str, dest_account: str, name: str) -> bool:
        if moto_vault(dest_account, region, name) is None:
            return False
        return allows(self.policies.get((dest_account, region, name)), account)

    @staticmethod
    def copy_lifecycle(
        job: CopyJob, source: StoredRecoveryPoint | None
    ) -> tuple[int | None, int | None]:
        """(DeleteAfterDays, MoveToColdStorageAfterDays) of the copy `job` lands: its own
        Lifecycle's when it was sent one, else its source's (AWS's rule)."""
        if job.lifecycle is not None:
            return (
                job.lifecycle.get("DeleteAfterDays"),
                job.lifecycle.get("MoveToColdStorageAfterDays"),
            )
        if source is None:
            return None, None
        return source.delete_after_days, source.cold_after_days

    def job_record(
        self,
        account: str,
        request: CopyRequest,
        source: StoredRecoveryPoint,
        now: float,
        **fields: Any,
    ) -> CopyJob:
        """A new copy job of `source` as `request` asks (`fields`: its duration and the rest),
        with the destination vault as the job finds it."""
        job = CopyJob(
            seq=self.next_seq(),
            copy_job_id=self._job_id(),
            account_id=account,
            source_vault_arn=source.vault_arn,
            source_recovery_point_arn=source.arn,
            dest_vault_arn=request.dest_vault_arn,
            resource_arn=source.resource_arn,
            resource_type=source.resource_type,
            resource_name=source.resource_name,
            size=source.size,
            iam_role_arn=request.iam_role_arn,
            creation_date=now,
            lifecycle=dict(request.lifecycle) if request.lifecycle else None,
            **fields,
        )
        dest = parse_vault_arn(request.dest_vault_arn)
        assert dest is not None  # _validate_copy refused it otherwise
        dest_region, dest_account, dest_name = dest
        vault = moto_vault(dest_account, dest_region, dest_name)
        if vault is not None:  # as the job finds it
            job.dest_vault_type, job.dest_lock_state, job.dest_key_arn = destination_fields(
                vault, dest_region, dest_account
            )
        return job

    def _new_job(
        self,
        account: str,
        region: str,
        request: CopyRequest,
        source: StoredRecoveryPoint,
        book: JobBook,
        now: float,
    ) -> CopyJob:
        cfg = self.config
        attempt = len(book.by_source.get(source.arn, [])) + 1
        jitter = 1.0 + cfg.jitter * (2.0 * unit_hash(cfg.seed, "duration", source.arn, attempt) - 1)
        transfer = source.size / cfg.bandwidth_bytes_per_second * jitter
        duration = cfg.job_overhead_seconds * jitter + transfer
        job = self.job_record(
            account, request, source, now, duration=duration, transfer_seconds=transfer
        )
        self._plan_outcome(job, source, request, attempt=attempt)
        if not job.fail_fast:
            hold_for_retry(job, self.faults, now, attempt)
        book.jobs.append(job)
        book.by_id[job.copy_job_id] = job
        book.by_source.setdefault(source.arn, []).append(job)
        if job.fail_fast:
            self._end_job(job, now, "FAILED")
        else:
            book.queue_to(region_of_arn(request.dest_vault_arn)).admit(job, now)
        return job

    def _job_id(self) -> str:
        bits = self.rng.getrandbits(128) ^ self._job_id_salt
        return str(uuid.UUID(int=bits, version=4)).upper()

    def _plan_outcome(
        self, job: CopyJob, source: StoredRecoveryPoint, request: CopyRequest, *, attempt: int
    ) -> None:
        """Decide now how the job will end: AWS reports these refusals on the job, not the call."""
        parsed = parse_vault_arn(request.dest_vault_arn)
        assert parsed is not None, request.dest_vault_arn  # StartCopyJob refused it otherwise
        region, dest_account, dest_name = parsed
        cross_account = dest_account != job.account_id
        vault = moto_vault(dest_account, region, dest_name)
        lag = vault is not None and is_lag(vault)
        job_region = region_of_arn(source.vault_arn)
        failure: tuple[str, str] | None = None
        role_refused = role_refusal(job.account_id, request.iam_role_arn)
        key_refused = key_refusal(source, dest_account) if cross_account else None
        if role_refused is not None:
            failure = (role_refused, messages.CATEGORY_ACCESS_DENIED)
        elif cross_account and self.global_settings.get("isCrossAccountBackupEnabled") != "true":
            failure = (messages.CROSS_ACCOUNT_DISABLED, messages.CATEGORY_ACCESS_DENIED)
        elif cross_account and not self._may_copy_into(
            job.account_id, region, dest_account, dest_name
        ):
            failure = (messages.ACCESS_DENIED_JOB, messages.CATEGORY_ACCESS_DENIED)
        elif cross_account and dest_name == "Default":
            failure = (messages.DEFAULT_VAULT, messages.CATEGORY_INVALID)
        elif cross_account and not copy_supported_cross_account(source):
            failure = (messages.UNSUPPORTED_TYPE, messages.CATEGORY_INVALID)
        elif (cross_account or lag) and self._aws_managed_key_blocks(source):
            failure = (self._aws_managed_key_text(source), messages.CATEGORY_ACCESS_DENIED)
        elif key_refused is not None:
            failure = (key_refused, messages.CATEGORY_ACCESS_DENIED)
        elif lag and (lag_refused := copy_refusal(source, job_region, region)) is not None:
            failure = lag_refused
        elif vault is not None and violates_vault_lock(vault, request.lifecycle, source):
            failure = (messages.VAULT_LOCK, messages.CATEGORY_INVALID)
        if failure is None:
            failure = cross_region_refusal(
                resource_type=source.resource_type,
                copyable_elsewhere=copy_supported_cross_account(source),
                source_region=job_region,
                dest_region=region,
                cross_account=cross_account,
                single_hop=self.config.cross_region_account_copy == "refused",
            )
        if failure is not None:
            job.planned_failure, job.planned_category = failure
            job.fail_fast = True
        elif self.faults.job_fails(source.arn, attempt):
            job.planned_failure = messages.TRANSIENT_FAILURE
            job.planned_category = messages.CATEGORY_OTHER
            job.duration *= 0.25

    def _aws_managed_key_blocks(self, source: StoredRecoveryPoint) -> bool:
        return (
            source.resource_type not in FULLY_MANAGED_TYPES
            and not is_backup_owned_arn(source.arn)
            and source.encryption_key_arn in self.aws_managed_keys
        )

    @staticmethod
    def _aws_managed_key_text(source: StoredRecoveryPoint) -> str:
        if source.resource_type in ("RDS", "Aurora"):
            return messages.AWS_MANAGED_KEY_RDS.format(key=source.encryption_key_arn)
        return messages.AWS_MANAGED_KEY_SNAPSHOT

    def _job_starts(self, job: CopyJob, at: float) -> None:
        """Called by the copy clock as a job starts: a later copy may be incremental."""
        if job.parent_job_id is not None:
            self.composites.child_changed(self, job, at)
        if self.config.changed_share >= 1.0:
            return
        dest = parse_vault_arn(job.dest_vault_arn)
        assert dest is not None
        copies = self.contents(dest[1], dest[0], dest[2]).by_resource.get(job.resource_arn, [])
        source = self._source_of(job)
        created = source.creation_date if source else job.creation_date
        start_incremental(job, copies, created, self.config.changed_share)

    def _finish_job(self, job: CopyJob, at: float) -> None:
        """Called by the copy clock at the job's end time."""
        if job.planned_failure is not None:
            self._end_job(job, at, "FAILED")
            return
        dest = parse_vault_arn(job.dest_vault_arn)
        assert dest is not None
        region, account, name = dest
        vault = moto_vault(account, region, name)
        if vault is None:
            job.planned_failure = messages.DEST_VAULT_GONE.format(vault=name)
            job.planned_category = messages.CATEGORY_INVALID
            self._end_job(job, at, "FAILED")
            return
        source = self._source_of(job)
        delete_after, cold_after = self.copy_lifecycle(job, source)
        native = recovery_point_arn(
            self.rng,
            job.resource_type,
            region,
            account,
            copy=True,
            resource_arn=job.resource_arn,
            advanced_dynamodb=is_backup_owned_arn(job.source_recovery_point_arn),
        )
        copy = StoredRecoveryPoint(
            seq=self.next_seq(),
            arn=copy_arn(self.rng, vault, region, account, native),
            vault_name=name,
            vault_arn=vault_arn(region, account, name),
            resource_arn=job.resource_arn,
            resource_type=job.resource_type,
            resource_name=job.resource_name,
            creation_date=source.creation_date if source else job.creation_date,
            completion_date=at,
            size=job.size,
            status="COMPLETED",
            encryption_key_arn=copy_key(vault, region, account),
            iam_role_arn=job.iam_role_arn,
            delete_after_days=delete_after,
            cold_after_days=cold_after,
            source_vault_arn=job.source_vault_arn,
            vault_type=vault_type(vault),
            encryption_key_type=key_type(vault),
        )
        self.add_recovery_point(account, region, copy)
        job.dest_recovery_point_arn = copy.arn
        self._end_job(job, at, "COMPLETED")

    def _source_of(self, job: CopyJob) -> StoredRecoveryPoint | None:
        parts = job.source_vault_arn.split(":")
        region, account, name = parts[3], parts[4], parts[6]
        return self.contents(account, region, name).by_arn.get(job.source_recovery_point_arn)

    def _end_job(self, job: CopyJob, at: float, state: str) -> None:
        job.state = state
        job.completion_date = at
        if job.start_date is None:
            job.start_date = at
        if state == "FAILED":
            job.status_message = job.planned_failure
            job.message_category = job.planned_category
        else:
            job.message_category = messages.CATEGORY_SUCCESS
        if job.parent_job_id is not None:
            self.composites.child_changed(self, job, at)

    def describe_copy_job(self, account: str, region: str, job_id: str) -> CopyJob:
        with self.lock:
            self.tick()
            job = self.book(account, region).by_id.get(job_id)
            if job is None:
                raise not_found(messages.COPY_JOB_NOT_FOUND.format(job=job_id))
            return job

    def list_copy_jobs(
        self, account: str, region: str, query: dict[str, str]
    ) -> tuple[list[CopyJob], str | None]:
        with self.lock:
            self.tick()
            book = self.book(account, region)
            size = page_size(query.get("maxResults"))
            cursor = self.pages.start(query.get("nextToken"))
            newest = self.config.copy_job_order == "newest"
            times = {
                key: parse_time(query[key])
                for key in ("createdAfter", "createdBefore", "completeAfter", "completeBefore")
                if key in query
            }
            exact = {
                "state": "state",
                "destinationVaultArn": "dest_vault_arn",
                "resourceType": "resource_type",
                "resourceArn": "resource_arn",
                "accountId": "account_id",
                "messageCategory": "message_category",
                "parentJobId": "parent_job_id",
            }
            wanted = {attr: query[key] for key, attr in exact.items() if key in query}

            def keep(job: CopyJob) -> bool:
                if cursor is not None and (job.seq >= cursor if newest else job.seq <= cursor):
                    return False
                if any(getattr(job, attr) != value for attr, value in wanted.items()):
                    return False
                created = wire_time(job.creation_date)
                if "createdAfter" in times and not created > times["createdAfter"]:
                    return False
                if "createdBefore" in times and not created < times["createdBefore"]:
                    return False
                done = None if job.completion_date is None else wire_time(job.completion_date)
                if "completeAfter" in times and (done is None or not done > times["completeAfter"]):
                    return False
                return "completeBefore" not in times or (
                    done is not None and done < times["completeBefore"]
                )

            retention = self.config.copy_job_retention_seconds
            forgotten_before = None if retention is None else self.now() - retention

            def listed(job: CopyJob) -> bool:
                ended = job.completion_date
                if forgotten_before is not None and ended is not None and ended < forgotten_before:
                    return False  # aged out of the job history
                return keep(job)

            source_arn = query.get("sourceRecoveryPointArn")
            candidates: Iterable[CopyJob]
            if source_arn is not None:
                jobs = book.by_source.get(source_arn, [])
                candidates = reversed(jobs) if newest else jobs
            elif newest:
                candidates = book.jobs.before(cursor)
            else:
                candidates = book.jobs.after(cursor or 0)
            return self.pages.paginate(iter(candidates), listed, size, descending=newest)

    # -- accounting ---------------------------------------------------------------------------

    def count_call(self, account: str, operation: str) -> None:
        with self.lock:
            self.calls[operation] += 1
            self.calls_by_account[(account, operation)] += 1

    def copy_jobs(self) -> list[CopyJob]:
        """Every copy job of every account, oldest first (for tests and benchmarks)."""
        with self.lock:
            self.tick()
            jobs = [job for book in self.books.values() for job in book.jobs]
        return sorted(jobs, key=lambda job: job.seq)

    def recovery_points(self, account: str, region: str, vault: str) -> list[StoredRecoveryPoint]:
        with self.lock:
            self.tick()
            return list(self.contents(account, region, vault).items)


__all__ = ["DAY", "CopyRequest", "SandboxError", "SandboxWorld", "copy_supported_cross_account"]
