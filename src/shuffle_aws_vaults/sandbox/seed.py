"""Seed data: vaults, recovery points with realistic shapes and edge cases, and metadata CSV."""

from __future__ import annotations

import csv
import dataclasses
import math
import random
from dataclasses import dataclass, field
from pathlib import Path

from .access_policy import copy_into_vault_policy
from .arns import continuous_recovery_point_arn, recovery_point_arn, vault_arn
from .config import SandboxConfig
from .copy_permissions import shared_key_policy
from .lag_vaults import LagVault, LagVaultError, seed_vault
from .moto_bridge import (
    BASE_ACCOUNT,
    create_kms_key,
    create_organization,
    create_role,
    create_vault,
    moto_ids_kept,
    seed_moto_ids,
)
from .records import DAY, StoredRecoveryPoint, is_backup_owned_arn
from .regions import split_counts
from .world import SandboxWorld

GIB = 1024**3
# The role the AWS config file's profiles assume in each account (role_arn + source_profile).
OPERATOR_ROLE = "SandboxOperator"

VAULT_NAMES = (
    "production-backups",
    "database-backups",
    "analytics-backups",
    "platform-backups",
    "compliance-backups",
    "shared-services-backups",
    "payments-backups",
    "customer-data-backups",
    "logging-backups",
    "identity-backups",
    "search-backups",
    "ml-backups",
)

# (AWS resource type, share of resources, median size in GiB)
RESOURCE_TYPES = (
    ("EBS", 0.30, 60.0),
    ("EC2", 0.15, 80.0),
    ("RDS", 0.15, 120.0),
    ("Aurora", 0.08, 250.0),
    ("DynamoDB", 0.10, 8.0),
    ("EFS", 0.08, 40.0),
    ("S3", 0.10, 30.0),
    ("FSx", 0.04, 400.0),
)

# Types whose seeded recovery points are copied from the source key (DynamoDB's are advanced).
SHARED_KEY_TYPES = ("EBS", "EC2", "RDS", "Aurora", "FSx")
TEAMS = ("Platform-Team", "Data-Team", "Payments-Team", "Identity-Team", "ML-Team", "Web-Team")
ENVIRONMENTS = ("Production", "Production", "Staging", "Development")
DEFAULT_ROLE = "service-role/AWSBackupDefaultServiceRole"
EDGE_KINDS = ("aws-managed-key", "cold", "continuous", "unsupported-type")
TEAMS = ("Platform-Team", "Data-Team", "Payments-Team", "Identity-Team", "ML-Team", "Web-Team")
ENVIRONMENTS = ("Production", "Production", "Staging", "Development")
DEFAULT_ROLE = "service-role/AWSBackupDefaultServiceRole"


@dataclass(frozen=True)
class SeedSpec:
    recovery_points: int = 2000
    vaults: int = 3
    edge_case_share: float = 0.05
    metadata_missing_share: float = 0.10
    dest_vaults: bool = True
    dest_policy: bool = True
    cross_account_enabled: bool = True
    copy_role: bool = True
    # Share of copyable recovery points whose copy is already in the destination vault of the
    # same name (of the first destination account), as a backup plan's copy rule (or an earlier
    # tool) left it: no job on record.
    copied_share: float = 0.0
    # With several Regions served: recovery_points is the total, split among them in proportion
    # to these weights, in the order SandboxConfig.regions lists them. Empty: equal shares.
    region_shares: tuple[float, ...] = ()
    # With several source accounts: recovery_points is the total, split among them in proportion
    # to these weights, in SandboxConfig.source_accounts order (then each account's share among
    # the Regions as region_shares says). Empty: equal shares.
    account_shares: tuple[float, ...] = ()
    # Share of resources of the types AWS Backup does not fully manage (EBS, EC2, RDS, ...) whose
    # recovery points are encrypted with a customer-managed key that is *not* shared with the
    # destination account (the key "alias/backup-unshared"): their cross-account copies fail.
    unshared_key_share: float = 0.0
    # Logically air-gapped vaults in every destination account and Region (lag_vaults.py), each
    # a LagVault or its text NAME:MIN:MAX[:aws-owned|cmk]; with dest_policy, their access
    # policies allow every source account, as the other destination vaults'.
    lag_vaults: tuple[LagVault | str, ...] = ()

    def __post_init__(self) -> None:
        if not 0 <= self.recovery_points <= 5_000_000:
            raise ValueError("recovery_points must be between 0 and 5,000,000")
        if not 1 <= self.vaults <= 300:
            raise ValueError("vaults must be between 1 and 300 (the AWS quota)")
        for name in (
            "edge_case_share",
            "metadata_missing_share",
            "copied_share",
            "unshared_key_share",
        ):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        for shares in (self.region_shares, self.account_shares):
            if shares:
                split_counts(self.recovery_points, shares)  # ValueError when invalid
        lags = tuple(v if isinstance(v, LagVault) else LagVault.parse(v) for v in self.lag_vaults)
        taken = {"Default", *(vault_names(self.vaults) if self.dest_vaults else ())}
        for lag in lags:
            if lag.name in taken:
                raise LagVaultError(
                    f"LAG vault {lag.name}: the destination has another vault of that name"
                )
            taken.add(lag.name)
        object.__setattr__(self, "lag_vaults", lags)

    @property
    def lag_specs(self) -> tuple[LagVault, ...]:
        """lag_vaults, each a LagVault (__post_init__ read the texts)."""
        return tuple(lag for lag in self.lag_vaults if isinstance(lag, LagVault))

    def points_per_region(
        self, regions: tuple[str, ...], total: int | None = None
    ) -> dict[str, int]:
        """How many of `total` recovery points (default: all of them) each Region gets."""
        shares = self.region_shares or (1.0,) * len(regions)
        if len(shares) != len(regions):
            raise ValueError(
                f"{len(shares)} Region shares given for {len(regions)} Regions "
                f"({', '.join(regions)})"
            )
        count = self.recovery_points if total is None else total
        return dict(zip(regions, split_counts(count, shares), strict=True))

    def points_per_account(self, accounts: tuple[str, ...]) -> dict[str, int]:
        """How many recovery points each source account gets."""
        shares = self.account_shares or (1.0,) * len(accounts)
        if len(shares) != len(accounts):
            raise ValueError(
                f"{len(shares)} account shares given for {len(accounts)} source accounts "
                f"({', '.join(accounts)})"
            )
        return dict(zip(accounts, split_counts(self.recovery_points, shares), strict=True))


@dataclass
class SeededResource:
    arn: str
    resource_type: str
    name: str
    vault: str
    apmid: str
    environment: str
    owner: str
    cost_center: str
    edge: str | None = None
    in_metadata: bool = True
    region: str = ""
    account: str = ""  # the source account whose vault holds it ("": the first)


@dataclass
class SeedResult:
    vaults: list[str]
    resources: list[SeededResource] = field(default_factory=list)
    recovery_points: int = 0
    edge_cases: dict[str, int] = field(default_factory=dict)
    # Recovery points seeded per Region (every Region served, in SandboxConfig.regions order),
    # over every source account.
    by_region: dict[str, int] = field(default_factory=dict)
    # Recovery points seeded per source account (in SandboxConfig.source_accounts order).
    by_account: dict[str, int] = field(default_factory=dict)
    # The logically air-gapped vaults of every destination account and Region.
    lag_vaults: list[str] = field(default_factory=list)


def vault_names(count: int) -> list[str]:
    names = list(VAULT_NAMES[:count])
    names += [f"backup-vault-{index:03d}" for index in range(len(names) + 1, count + 1)]
    return names


def seed(world: SandboxWorld, spec: SeedSpec) -> SeedResult:
    """Fill the world's source and destination accounts in every Region it serves, and make the
    organization holding them; deterministic for a given seed (with one account and one Region,
    the data is what it was before accounts and Regions were several)."""
    cfg = world.config
    rng = random.Random(cfg.seed)
    sources = cfg.source_accounts
    per_account = spec.points_per_account(sources)
    per_region = {src: spec.points_per_region(cfg.regions, per_account[src]) for src in sources}
    names = vault_names(spec.vaults)
    result = SeedResult(vaults=names, by_region=dict.fromkeys(cfg.regions, 0))
    result.lag_vaults = [lag.name for lag in spec.lag_specs]
    for _ in range(6):
        _uuid(rng)  # draws once used for key IDs: kept so seeded data stays as it was
    seed_moto_ids(cfg.seed)
    keys = {
        (src, region): _region_keys(world, src, region) for src in sources for region in cfg.regions
    }
    if spec.copy_role:
        for src in sources:
            create_role(
                src, "AWSBackupDefaultServiceRole", "/service-role/", "backup.amazonaws.com"
            )
    with world.lock:
        world.global_settings["isCrossAccountBackupEnabled"] = (
            "true" if spec.cross_account_enabled else "false"
        )
        region_keys: dict[tuple[str, str], dict[str, str]] = {}
        for region in cfg.regions:
            cmks = {src: keys[(src, region)][0] for src in sources}
            _region_vaults(world, spec, region, names, cmks)
            for src in sources:
                # Made last, so the other keys' IDs stay what they were before it existed.
                unshared = create_kms_key(
                    src,
                    region,
                    "backup key the destination may not use",
                    alias="alias/backup-unshared",
                    policy=shared_key_policy(src),
                )
                cmk, aws_managed = keys[(src, region)]
                region_keys[(src, region)] = {"cmk": cmk, "unshared": unshared, **aws_managed}
        serial = 0
        for src in sources:
            for region in cfg.regions:
                before = result.recovery_points
                serial = _seed_recovery_points(
                    world,
                    spec,
                    rng,
                    result,
                    region_keys[(src, region)],
                    (src, region),
                    per_region[src][region],
                    serial,
                )
                result.by_region[region] += result.recovery_points - before
            result.by_account[src] = sum(per_region[src].values())
    # After every seeded key and role: moto's ID draws for them stay as they were.
    with moto_ids_kept():
        for account in dict.fromkeys((*cfg.member_accounts, cfg.management_account)):
            create_role(
                account, OPERATOR_ROLE, "/", trusted_accounts=(BASE_ACCOUNT, cfg.management_account)
            )
        create_organization(
            cfg.management_account,
            cfg.region,
            {account: member_name(cfg, account) for account in cfg.member_accounts},
            cfg.suspended_accounts,
        )
    return result


def member_name(config: SandboxConfig, account: str) -> str:
    """The account's name in the organization: source-1, source-2, ..., dest-1, ..."""
    if account in config.source_accounts:
        return f"source-{config.source_accounts.index(account) + 1}"
    return f"dest-{config.dest_accounts.index(account) + 1}"


def _region_keys(world: SandboxWorld, src: str, region: str) -> tuple[str, dict[str, str]]:
    """The source account's KMS keys in `region`: (the customer-managed key shared with every
    destination account, the AWS-managed keys by service)."""
    cmk = create_kms_key(
        src,
        region,
        "backup key shared with the destination",
        alias="alias/backup",
        policy=shared_key_policy(src, *world.config.dest_accounts),
    )
    aws_managed = {
        kind: create_kms_key(
            src, region, f"Default key for {kind}", alias=f"alias/aws/{kind}", aws_managed=True
        )
        for kind in ("ebs", "rds", "fsx", "dynamodb")
    }
    world.aws_managed_keys.update(aws_managed.values())
    return cmk, aws_managed


def _region_vaults(
    world: SandboxWorld, spec: SeedSpec, region: str, names: list[str], cmks: dict[str, str]
) -> None:
    """Each source account's vaults (encrypted with its key in `cmks`), and each destination
    account's vaults of the same names and its LAG vaults, with their policies (allowing every
    source), in `region`."""
    cfg = world.config
    for src, cmk in cmks.items():
        for name in [*names, "Default"]:
            create_vault(src, region, name, encryption_key_arn=cmk)
    for dst in cfg.dest_accounts:
        dest_key = create_kms_key(dst, region, "destination vault key", alias="alias/backup")
        create_vault(dst, region, "Default", encryption_key_arn=dest_key)
        standard = names if spec.dest_vaults else []
        for name in standard:
            create_vault(dst, region, name, encryption_key_arn=dest_key)
        for lag in spec.lag_specs:
            seed_vault(dst, region, lag, dest_key)
        if not spec.dest_policy:
            continue
        for name in [*standard, *(lag.name for lag in spec.lag_specs)]:
            world.policies[(dst, region, name)] = copy_into_vault_policy(
                vault_arn(region, dst, name), *cfg.source_accounts
            )


def _seed_recovery_points(
    world: SandboxWorld,
    spec: SeedSpec,
    rng: random.Random,
    result: SeedResult,
    keys: dict[str, str],
    where: tuple[str, str],
    count: int,
    serial: int,
) -> int:
    """`count` recovery points in `where` (source account, Region); the last resource serial
    number used. `keys`: "cmk", "unshared" and the AWS-managed keys by family ("ebs", ...)."""
    cfg = world.config
    src, region = where
    now = world.now()
    role = f"arn:aws:iam::{src}:role/{DEFAULT_ROLE}"
    apmids = [f"APM{index:04d}" for index in range(1, 61)]
    types = [t[0] for t in RESOURCE_TYPES]
    weights = [t[1] for t in RESOURCE_TYPES]
    medians = {t[0]: t[2] for t in RESOURCE_TYPES}
    # Its own stream: the seeded data stays what it was whatever copied_share says.
    # The first account keeps the streams it always had; the others get their own.
    other = "" if src == cfg.source_account else f":{src}"
    copies = random.Random(f"seed-copies:{cfg.seed}{other}") if spec.copied_share else None
    home = region == cfg.region  # one Region: the draws it always had
    unshared = random.Random(
        f"seed-unshared-key:{cfg.seed}" + ("" if home else f":{region}") + other
    )
    remaining = count
    while remaining > 0:
        serial += 1
        rtype = rng.choices(types, weights)[0]
        edge = rng.choice(EDGE_KINDS) if rng.random() < spec.edge_case_share else None
        resource_arn, name = _resource(rng, rtype, region, src, serial, edge)
        if (
            edge is None
            and spec.unshared_key_share
            and rtype in SHARED_KEY_TYPES
            and unshared.random() < spec.unshared_key_share
        ):
            edge = "unshared-key"
        vault = rng.choice(result.vaults)
        resource = SeededResource(
            arn=resource_arn,
            resource_type=rtype,
            name=name,
            vault=vault,
            apmid=rng.choice(apmids),
            environment=rng.choice(ENVIRONMENTS),
            owner=rng.choice(TEAMS),
            cost_center=f"CC-{rng.randint(1000, 9999)}",
            edge=edge,
            in_metadata=rng.random() >= spec.metadata_missing_share,
            region=region,
            account=src,
        )
        result.resources.append(resource)
        if edge:
            result.edge_cases[edge] = result.edge_cases.get(edge, 0) + 1
        count = min(remaining, 1 + min(int(rng.expovariate(1 / 4.0)), 40))
        remaining -= count
        weekly = rng.random() < 0.3
        spacing = 7 * DAY if weekly else DAY
        retention = 365 if weekly else 35
        latest = now - rng.uniform(0.05, 1.0) * DAY
        key = keys["cmk"]
        if edge == "aws-managed-key":
            key = keys.get(_key_family(rtype), key)
        elif edge == "unshared-key":
            key = keys["unshared"]
        size_median = medians[rtype] * GIB
        base_size = rng.lognormvariate(math.log(size_median), 0.8)
        for index in range(count):
            created = latest - index * spacing - rng.uniform(0, 0.05) * DAY
            status = "COMPLETED"
            roll = rng.random()
            if roll < spec.edge_case_share / 4:
                status = "PARTIAL"
            elif roll < spec.edge_case_share / 2:
                status = "EXPIRED"
            if edge == "continuous" and index == 0 and rtype in ("RDS", "Aurora", "S3"):
                rp_arn = continuous_recovery_point_arn(rng, region, src, name)
            else:
                rp_arn = recovery_point_arn(
                    rng,
                    rtype,
                    region,
                    src,
                    resource_arn=resource_arn,
                    advanced_dynamodb=not (edge == "unsupported-type" and rtype == "DynamoDB"),
                )
            point = StoredRecoveryPoint(
                seq=world.next_seq(),
                arn=rp_arn,
                vault_name=vault,
                vault_arn=vault_arn(region, src, vault),
                resource_arn=resource_arn,
                resource_type=rtype,
                resource_name=name,
                creation_date=created,
                completion_date=created + rng.uniform(300, 7200),
                size=max(1, int(base_size * rng.uniform(0.9, 1.1))),
                status=status,
                encryption_key_arn=key,
                iam_role_arn=role,
                delete_after_days=retention,
                cold_after_days=7 if edge == "cold" else None,
            )
            world.add_recovery_point(src, region, point)
            result.recovery_points += 1
            copyable = spec.dest_vaults and edge is None and status == "COMPLETED"
            if copies is not None and copyable and copies.random() < spec.copied_share:
                _add_copy(world, point, copies, region)
    return serial


def _add_copy(
    world: SandboxWorld, source: StoredRecoveryPoint, rng: random.Random, region: str
) -> None:
    """`source`'s copy in the destination vault of the same name and Region, as AWS leaves one."""
    dst = world.config.dest_account
    copy = dataclasses.replace(
        source,
        seq=world.next_seq(),
        arn=recovery_point_arn(
            rng,
            source.resource_type,
            region,
            dst,
            copy=True,
            resource_arn=source.resource_arn,
            advanced_dynamodb=is_backup_owned_arn(source.arn),
        ),
        vault_arn=vault_arn(region, dst, source.vault_name),
        encryption_key_arn=f"arn:aws:kms:{region}:{dst}:alias/aws/backup",
        source_vault_arn=source.vault_arn,
    )
    world.add_recovery_point(dst, region, copy)


def _key_family(resource_type: str) -> str:
    return {"EBS": "ebs", "EC2": "ebs", "RDS": "rds", "Aurora": "rds", "FSx": "fsx"}.get(
        resource_type, "dynamodb"
    )


def _uuid(rng: random.Random) -> str:
    value = f"{rng.getrandbits(128):032x}"
    return f"{value[:8]}-{value[8:12]}-4{value[13:16]}-a{value[17:20]}-{value[20:]}"


def _resource(
    rng: random.Random, rtype: str, region: str, account: str, serial: int, edge: str | None
) -> tuple[str, str]:
    """(resource ARN, resource name) of a new resource of `rtype`."""
    name = f"{rng.choice(('orders', 'billing', 'users', 'catalog', 'events', 'reports'))}-{serial}"
    hex17 = f"{rng.getrandbits(68):017x}"
    unsupported = edge == "unsupported-type"
    if rtype == "EBS":
        return f"arn:aws:ec2:{region}:{account}:volume/vol-{hex17}", name
    if rtype == "EC2":
        return f"arn:aws:ec2:{region}:{account}:instance/i-{hex17}", name
    if rtype == "RDS":
        kind = "cluster" if unsupported else "db"  # Multi-AZ DB clusters cannot be copied
        return f"arn:aws:rds:{region}:{account}:{kind}:{name}", name
    if rtype == "Aurora":
        return f"arn:aws:rds:{region}:{account}:cluster:{name}", name
    if rtype == "DynamoDB":
        return f"arn:aws:dynamodb:{region}:{account}:table/{name}", name
    if rtype == "EFS":
        return f"arn:aws:elasticfilesystem:{region}:{account}:file-system/fs-{hex17[:8]}", name
    if rtype == "S3":
        return f"arn:aws:s3:::{name}-{hex17[:8]}", name
    if unsupported:  # FSx for ONTAP volumes cannot be copied
        return f"arn:aws:fsx:{region}:{account}:volume/fs-{hex17}/fsvol-{hex17}", name
    return f"arn:aws:fsx:{region}:{account}:file-system/fs-{hex17}", name


def write_metadata_csv(path: Path, result: SeedResult) -> int:
    """The metadata CSV for the seeded resources (a share left out); returns its row count."""
    rows = [r for r in result.resources if r.in_metadata]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["resourceArn", "APMID", "Environment", "Owner", "CostCenter"])
        for r in rows:
            writer.writerow([r.arn, r.apmid, r.environment, r.owner, r.cost_center])
    return len(rows)


def add_new_backups(world: SandboxWorld, seeded: SeedResult, count: int) -> list[str]:
    """`count` recovery points created now, as a backup plan's nightly run adds them: one per
    seeded resource in turn (those whose backups can be copied), in its vault. Their ARNs."""
    cfg = world.config
    rng = world.rng
    resources = [r for r in seeded.resources if r.edge is None]
    if count < 0 or (count and not resources):
        raise ValueError("nothing to add recovery points to" if count else "count must be >= 0")
    added: list[str] = []
    with world.lock:
        now = world.now()
        for n in range(count):
            resource = resources[(len(seeded.resources) + n * 7919) % len(resources)]
            region = resource.region or cfg.region
            src = resource.account or cfg.source_account
            existing = world.contents(src, region, resource.vault).by_resource.get(resource.arn)
            size = existing[-1].size if existing else GIB
            arn = recovery_point_arn(
                rng,
                resource.resource_type,
                region,
                src,
                resource_arn=resource.arn,
                advanced_dynamodb=True,
            )
            world.add_recovery_point(
                src,
                region,
                StoredRecoveryPoint(
                    seq=world.next_seq(),
                    arn=arn,
                    vault_name=resource.vault,
                    vault_arn=vault_arn(region, src, resource.vault),
                    resource_arn=resource.arn,
                    resource_type=resource.resource_type,
                    resource_name=resource.name,
                    creation_date=now - n * 0.001,
                    completion_date=now,
                    size=max(1, int(size * rng.uniform(0.95, 1.05))),
                    status="COMPLETED",
                    encryption_key_arn=existing[-1].encryption_key_arn if existing else None,
                    iam_role_arn=f"arn:aws:iam::{src}:role/{DEFAULT_ROLE}",
                    delete_after_days=35,
                ),
            )
            added.append(arn)
            seeded.by_region[region] = seeded.by_region.get(region, 0) + 1
            seeded.by_account[src] = seeded.by_account.get(src, 0) + 1
        seeded.recovery_points += count
    return added
