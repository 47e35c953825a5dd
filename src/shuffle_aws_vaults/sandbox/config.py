"""Settings of a sandbox: its accounts, copy physics, quotas and faults."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from .quota_table import BY_KEY, HELD_KEYS, normalized
from .regions import check_regions
from .type_limits import normalized_type_limits

AtQuota = Literal["reject", "queue"]
DestRefusal = Literal["job", "call"]
MalformedArn = Literal["not-found", "invalid"]
OtherAccountVault = Literal["access-denied", "not-found"]
RoleRefusal = Literal["job", "call"]
CopyJobOrder = Literal["oldest", "newest"]
CrossRegionAccountCopy = Literal["supported", "refused"]
LagAwsManagedKey = Literal["job", "call"]

GIB = 1024**3

# Concurrent copies into one logically air-gapped vault (AWS Backup quotas): 20 each for EBS,
# Aurora, DocumentDB and Neptune, 5 each for FSx and Storage Gateway.
LAG_COPY_LIMITS = {
    "EBS": 20,
    "Aurora": 20,
    "DocumentDB": 20,
    "Neptune": 20,
    "FSx": 5,
    "Storage Gateway": 5,
}

# ResourceTypeOptInPreference's keys, as DescribeRegionSettings lists them.
RESOURCE_TYPES = (
    "Aurora",
    "CloudFormation",
    "DocumentDB",
    "DSQL",
    "DynamoDB",
    "EBS",
    "EC2",
    "EFS",
    "FSx",
    "Neptune",
    "RDS",
    "Redshift",
    "Redshift Serverless",
    "S3",
    "SAP HANA on Amazon EC2",
    "Storage Gateway",
    "Timestream",
    "VirtualMachine",
)


@dataclass(frozen=True)
class FaultConfig:
    """Rates of injected failures; every decision is derived from the seed, so runs repeat."""

    throttle_rate: float = 0.0
    unavailable_rate: float = 0.0
    drop_rate: float = 0.0
    job_failure_rate: float = 0.0
    # Assumed-role credentials answer ExpiredTokenException this many simulated seconds after
    # their first use, until the caller assumes its role again. None: they never expire.
    credential_ttl_seconds: float | None = None
    # AWS Backup requests a second per calling account, on the wall clock (clients run in real
    # time however fast the copy clock goes): a token bucket of api_burst tokens refilled at
    # api_rate, as AWS throttles; it publishes no figure for Backup. None: no rate limit.
    api_rate: float | None = None
    api_burst: int | None = None
    # AWS's copy job retry (documented): a job hit by a system error stays in CREATED for up to
    # 2 hours while AWS retries it, then runs or fails. This share of jobs is hit; of those,
    # system_error_fail_share fail when the 2 hours are up and the rest start after a delay
    # drawn evenly from 0 to 2 hours. How often either happens AWS does not say.
    system_error_rate: float = 0.0
    system_error_fail_share: float = 0.25

    def __post_init__(self) -> None:
        for name in (
            "throttle_rate",
            "unavailable_rate",
            "drop_rate",
            "job_failure_rate",
            "system_error_rate",
            "system_error_fail_share",
        ):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, not {value}")
        if self.credential_ttl_seconds is not None and self.credential_ttl_seconds <= 0:
            raise ValueError("credential_ttl_seconds must be positive")
        if self.api_rate is not None and not (self.api_rate > 0 and math.isfinite(self.api_rate)):
            raise ValueError(f"api_rate must be a positive number, not {self.api_rate}")
        if self.api_burst is not None:
            if self.api_rate is None:
                raise ValueError("api_burst needs api_rate")
            if self.api_burst < 1:
                raise ValueError(f"api_burst must be at least 1, not {self.api_burst}")

    @property
    def api_bucket_size(self) -> int:
        """Tokens the rate limit's bucket holds: api_burst, else the rate (at least 1)."""
        if self.api_burst is not None:
            return self.api_burst
        return max(1, int(self.api_rate or 0))


@dataclass(frozen=True)
class SandboxConfig:
    """Everything that shapes one sandbox's behaviour."""

    region: str = "us-east-1"
    # The Regions served (see regions.py). Empty: just `region`. Given, it wins: its first
    # Region is the home Region (the one the env file's AWS_REGION names) and `region` becomes it.
    regions: tuple[str, ...] = ()
    source_account: str = "111111111111"
    dest_account: str = "222222222222"
    # How many source and destination accounts: the first is source_account (dest_account), each
    # next one the number after it: 111111111111, 111111111112, ... (see account_ids).
    source_account_count: int = 1
    dest_account_count: int = 1
    # Members the organization lists SUSPENDED (ListAccounts' Status and State); each one of the
    # source or destination accounts. Their vaults still answer: the sandbox models the listing.
    suspended_accounts: tuple[str, ...] = ()
    seed: int = 1
    # Simulated seconds per wall-clock second: 3600 makes an hour of copying pass in a second.
    time_scale: float = 1.0
    # Concurrent copy jobs per source account and region (AWS default: 100).
    copy_quota: int = 100
    # AWS does not document whether StartCopyJob rejects at the quota or queues in CREATED.
    at_quota: AtQuota = "queue"
    # Concurrent copy jobs per resource type as the services cap their own copies (EBS: 20,
    # RDS with Aurora: 20, per destination Region); a key joins types that share one limit
    # with "+", e.g. {"EBS": 20, "RDS+Aurora": 20}. Empty: only the account quota applies.
    # Not hashed: a dict cannot be, and the other fields identify a config well enough.
    type_limits: dict[str, int] = field(default_factory=dict, hash=False)
    # A copy takes overhead + size / bandwidth simulated seconds, times a jitter factor.
    bandwidth_bytes_per_second: float = 100 * 1024**2
    job_overhead_seconds: float = 120.0
    jitter: float = 0.2
    # Where a cross-account refusal (destination vault missing, or its access policy not
    # allowing the source account) shows: "job" (documented: the copy job FAILs with "Access
    # Denied trying to call AWS Backup service") or "call" (StartCopyJob answers AccessDenied).
    dest_refusal: DestRefusal = "job"
    # Where a copy role AWS Backup cannot assume (missing, or not trusting backup.amazonaws.com)
    # shows: AWS does not document it. "job": the copy job FAILs with "The provided role ...
    # cannot be assumed by AWS Backup."; "call": StartCopyJob answers
    # InvalidParameterValueException with that text.
    role_refusal: RoleRefusal = "job"
    # How long an IdempotencyToken is remembered (AWS does not say).
    idempotency_window_seconds: float = 24 * 3600.0
    # How long ListCopyJobs lists a job after it ended, in simulated seconds (AWS documents
    # no retention; summaries say 14-30 days). None: for ever.
    copy_job_retention_seconds: float | None = None
    # A recovery point ARN that is no ARN at all (AWS does not say what it answers):
    # "not-found" (ResourceNotFoundException) or "invalid" (InvalidParameterValueException).
    malformed_arn: MalformedArn = "not-found"
    # BackupVaultAccountId naming another account's vault. AWS shares vaults across accounts
    # only through AWS RAM (logically air-gapped vaults), which the sandbox has not; what AWS
    # answers for a vault not shared is not documented: "access-denied" or "not-found".
    other_account_vault: OtherAccountVault = "access-denied"
    # Incremental copies (documented: the first copy of a resource into another account is
    # full, later ones incremental where the service supports it). A later copy moves this
    # share of its bytes when an earlier copy of its resource is already in the destination
    # vault. AWS publishes no figure: 1.0 makes later copies as slow as full ones.
    changed_share: float = 1.0
    # The Organizations management account: the only one UpdateGlobalSettings accepts. A
    # migration runs between member accounts, so by default it is neither of them.
    management_account: str = "333333333333"
    # Resource types whose ResourceTypeOptInPreference is false in the source and in the
    # destination account (DescribeRegionSettings; every type AWS lists is true otherwise).
    source_opted_out: tuple[str, ...] = ()
    dest_opted_out: tuple[str, ...] = ()
    # The destination accounts' own limits, as the pre-flight reads them (quota_table.py):
    # applied quota values by key or quota code (AWS's defaults for the rest), and what each
    # destination account holds in each Region before any copy (AMIs, EBS snapshots, RDS
    # instance and cluster snapshots); the recovery points its vaults hold count on top (an
    # EC2 one is an AMI with one snapshot, EBS a snapshot, RDS and Aurora a snapshot each).
    # Not hashed, as type_limits. dest_quotas_denied: Service Quotas answers the destination
    # accounts AccessDeniedException.
    dest_quotas: dict[str, int] = field(default_factory=dict, hash=False)
    dest_held: dict[str, int] = field(default_factory=dict, hash=False)
    dest_quotas_denied: bool = False
    # What AWS leaves unsaid about listings. ListCopyJobs order: "oldest" (creation order, as
    # before) or "newest" first.
    copy_job_order: CopyJobOrder = "oldest"
    # A NextToken older than this many simulated seconds answers InvalidParameterValueException
    # (AWS documents no expiry). None: tokens never expire.
    page_token_ttl_seconds: float | None = None
    # Pages of ListCopyJobs and ListRecoveryPointsByBackupVault end early (0 to MaxResults-1
    # items, drawn from the seed) and still carry a NextToken.
    short_pages: bool = False
    # One copy job both cross-Region and cross-account, for RDS, Aurora, DocumentDB and Neptune:
    # "supported" (AWS since November 2025) or "refused" (the feature table's footnote 3 before:
    # the job FAILs, "Copy job from <src> to <dst> cannot be initiated for <type> resources...").
    cross_region_account_copy: CrossRegionAccountCopy = "supported"
    # Logically air-gapped vaults (lag_vaults.py). Concurrent copies into one LAG vault per
    # resource type (keys as type_limits'), counted per account that starts the copy: AWS's
    # quotas by default; {} lifts them. Not hashed, as type_limits.
    lag_copy_limits: dict[str, int] = field(
        default_factory=lambda: dict(LAG_COPY_LIMITS), hash=False
    )
    # A type AWS Backup does not fully manage, encrypted with an AWS-managed key, copied into a
    # LAG vault (which keeps its backups in an AWS-owned account, so the key would have to be
    # shared, and AWS-managed keys cannot be): "job" FAILs the copy job with the AWS-managed
    # key message, as a cross-account copy of one does; "call": StartCopyJob answers
    # InvalidRequestException. Where AWS refuses it, it does not document.
    lag_aws_managed_key: LagAwsManagedKey = "job"
    # Simulated seconds a LAG vault made by CreateLogicallyAirGappedBackupVault stays CREATING
    # before it is AVAILABLE (AWS publishes no figure; 0: AVAILABLE at once). Seeded LAG vaults
    # are AVAILABLE from the start.
    lag_vault_creation_seconds: float = 60.0
    faults: FaultConfig = field(default_factory=FaultConfig)

    @property
    def source_accounts(self) -> tuple[str, ...]:
        """Every source account, source_account first."""
        return account_ids(self.source_account, self.source_account_count)

    @property
    def dest_accounts(self) -> tuple[str, ...]:
        """Every destination account, dest_account first."""
        return account_ids(self.dest_account, self.dest_account_count)

    @property
    def member_accounts(self) -> tuple[str, ...]:
        """The organization's members besides its management account: sources, then
        destinations."""
        return (*self.source_accounts, *self.dest_accounts)

    def __post_init__(self) -> None:
        served = check_regions(tuple(self.regions) or (self.region,))
        object.__setattr__(self, "regions", served)
        object.__setattr__(self, "region", served[0])
        if self.cross_region_account_copy not in ("supported", "refused"):
            raise ValueError("cross_region_account_copy must be 'supported' or 'refused'")
        if self.time_scale <= 0:
            raise ValueError("time_scale must be positive")
        if self.copy_quota < 1:
            raise ValueError("copy_quota must be at least 1")
        # A copy, so a caller changing its dict later cannot change a running sandbox.
        object.__setattr__(self, "type_limits", normalized_type_limits(self.type_limits))
        try:
            lag_limits = normalized_type_limits(self.lag_copy_limits)
        except ValueError as exc:
            raise ValueError(f"lag_copy_limits: {exc}") from None
        object.__setattr__(self, "lag_copy_limits", lag_limits)
        if self.lag_aws_managed_key not in ("job", "call"):
            raise ValueError("lag_aws_managed_key must be 'job' or 'call'")
        if not 0.0 <= self.lag_vault_creation_seconds < math.inf:
            raise ValueError("lag_vault_creation_seconds must be 0 or more")
        if self.at_quota not in ("reject", "queue"):
            raise ValueError("at_quota must be 'reject' or 'queue'")
        if self.dest_refusal not in ("job", "call"):
            raise ValueError("dest_refusal must be 'job' or 'call'")
        if self.malformed_arn not in ("not-found", "invalid"):
            raise ValueError("malformed_arn must be 'not-found' or 'invalid'")
        if self.other_account_vault not in ("access-denied", "not-found"):
            raise ValueError("other_account_vault must be 'access-denied' or 'not-found'")
        if self.role_refusal not in ("job", "call"):
            raise ValueError("role_refusal must be 'job' or 'call'")
        if self.bandwidth_bytes_per_second <= 0:
            raise ValueError("bandwidth must be positive")
        if not 0.0 <= self.jitter < 1.0:
            raise ValueError("jitter must be in [0, 1)")
        if not 0.0 <= self.changed_share <= 1.0:
            raise ValueError(f"changed_share must be between 0 and 1, not {self.changed_share}")
        if not (len(self.management_account) == 12 and self.management_account.isdigit()):
            raise ValueError(
                f"the management account must be 12 digits, not {self.management_account!r}"
            )
        self._check_accounts()
        if self.copy_job_order not in ("oldest", "newest"):
            raise ValueError("copy_job_order must be 'oldest' or 'newest'")
        ttl = self.page_token_ttl_seconds
        if ttl is not None and not ttl > 0:
            raise ValueError("page_token_ttl_seconds must be positive")
        for name in ("source_opted_out", "dest_opted_out"):
            types = tuple(getattr(self, name))
            unknown = sorted(set(types) - set(RESOURCE_TYPES))
            if unknown:
                raise ValueError(
                    f"unknown resource type {', '.join(unknown)}: AWS lists "
                    + ", ".join(RESOURCE_TYPES)
                )
            object.__setattr__(self, name, types)
        quotas = normalized(self.dest_quotas, BY_KEY, "--dest-quota")
        object.__setattr__(self, "dest_quotas", quotas)
        object.__setattr__(self, "dest_held", normalized(self.dest_held, HELD_KEYS, "--dest-held"))
        retention = self.copy_job_retention_seconds
        if retention is not None and not retention >= 0:
            raise ValueError("copy_job_retention_seconds must be 0 or more")

    def _check_accounts(self) -> None:
        for name in ("source_account_count", "dest_account_count"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        members = self.member_accounts  # ValueError past 999999999999
        twice = sorted(account for account, n in Counter(members).items() if n > 1)
        if twice:
            raise ValueError(
                f"account {twice[0]} is both a source and a destination account: the source "
                "accounts count up from source_account, the destinations from dest_account"
            )
        suspended = tuple(self.suspended_accounts)
        unknown = [account for account in suspended if account not in members]
        if unknown:
            raise ValueError(
                f"suspended account {unknown[0]} is not a source or destination account "
                f"({', '.join(members)})"
            )
        if self.management_account in suspended:
            raise ValueError("the management account cannot be suspended")
        object.__setattr__(self, "suspended_accounts", suspended)


def account_ids(first: str, count: int) -> tuple[str, ...]:
    """`count` account IDs from `first` on, each the number after the last (12 digits each)."""
    if not (len(first) == 12 and first.isdigit()):
        raise ValueError(f"an account ID is 12 digits, not {first!r}")
    ids = tuple(f"{int(first) + index:012d}" for index in range(count))
    if ids and len(ids[-1]) > 12:
        raise ValueError(f"{count} accounts from {first} run past 999999999999")
    return ids
