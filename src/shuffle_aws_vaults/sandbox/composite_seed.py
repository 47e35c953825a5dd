"""Seeded CloudFormation stacks: composite recovery points and their nested ones.

A stack's backup is a composite recovery point (IsParent) grouping a nested recovery point for
the stack's template and one for each resource of the stack AWS Backup supports (DG
"CloudFormation stack backups"), all in the composite's vault, the nested ones naming it as
their ParentRecoveryPointArn and their resource's logical ID as CompositeMemberIdentifier. The
composite's size is the sum of its nested points' (AWS does not say what it reports). A share of
composites is PARTIAL: a resource of the stack was not in that backup.

The draws come from a stream of their own, taken only when SeedSpec.composite_share is not 0,
so every other seeded point stays what it was.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .arns import backup_recovery_point_arn, recovery_point_arn, vault_arn
from .records import DAY, StoredRecoveryPoint

if TYPE_CHECKING:
    from .world import SandboxWorld

GIB = 1024**3
MIB = 1024**2
# (resource type, logical ID, median size in GiB) of the resources a stack may hold.
STACK_RESOURCES = (
    ("EBS", "DataVolume", 40.0),
    ("DynamoDB", "OrdersTable", 6.0),
    ("S3", "AssetsBucket", 20.0),
    ("EFS", "SharedFiles", 30.0),
    ("RDS", "Database", 80.0),
)


@dataclass(frozen=True)
class Member:
    """A resource of a stack (its template included), as its nested points name it."""

    resource_type: str
    logical_id: str
    resource_arn: str
    median_bytes: float


@dataclass(frozen=True)
class SeededStack:
    """A stack whose backups were seeded, and how many points they took."""

    name: str
    arn: str
    vault: str
    composites: int
    nested: int


@dataclass(frozen=True)
class StackPlace:
    """Where stacks are seeded, and what their points carry."""

    world: SandboxWorld
    account: str
    region: str
    key: str
    role: str


def composite_points(count: int, share: float) -> int:
    """How many of `count` recovery points belong to stacks (composites and nested ones)."""
    stacked = round(count * share)
    return stacked if stacked >= 2 else 0  # a composite and its template at least


def seed_stacks(
    place: StackPlace,
    rng: random.Random,
    vaults: Sequence[str],
    count: int,
    *,
    partial_share: float,
    serial: int,
) -> tuple[list[SeededStack], int]:
    """Stacks with daily backups in `place`, `count` recovery points in all (composites and
    nested points, `count` >= 2), each stack in one of `vaults`; with the last serial used."""
    stacks: list[SeededStack] = []
    remaining = count
    now = place.world.now()
    while remaining > 0:
        serial += 1
        vault = rng.choice(list(vaults))
        name = f"{rng.choice(('web', 'orders', 'billing', 'search'))}-stack-{serial}"
        arn = f"arn:aws:cloudformation:{place.region}:{place.account}:stack/{name}/{_uuid(rng)}"
        members = [Member("CloudFormation", name, arn, MIB / GIB)]
        for rtype, logical_id, median in rng.sample(STACK_RESOURCES, rng.randint(1, 3)):
            resource = _resource_arn(rng, rtype, place, name)
            members.append(Member(rtype, logical_id, resource, median))
        latest = now - rng.uniform(0.05, 1.0) * DAY
        composites = nested = 0
        for day in range(rng.randint(1, 3)):
            if remaining <= 0:
                break
            taken = list(members)
            partial = rng.random() < partial_share and len(taken) > 2
            if partial:
                taken.pop()  # a resource of the stack was not in this backup
            size = min(remaining, 1 + len(taken))
            if remaining - size == 1:  # the last point cannot be a composite alone
                size += 1
                extra = _resource_arn(rng, "EBS", place, name)
                taken.append(Member("EBS", "ExtraVolume", extra, 20.0))
            created = latest - day * DAY - rng.uniform(0, 0.05) * DAY
            _backup(place, rng, (name, arn, vault), taken[: size - 1], created, partial)
            remaining -= size
            composites += 1
            nested += size - 1
        stacks.append(SeededStack(name, arn, vault, composites, nested))
    return stacks, serial


def _backup(
    place: StackPlace,
    rng: random.Random,
    stack: tuple[str, str, str],
    members: Sequence[Member],
    created: float,
    partial: bool,
) -> None:
    """One backup of `stack` (name, ARN, vault): its composite point, then its nested ones."""
    world, account, region = place.world, place.account, place.region
    name, stack_arn, vault = stack
    parent_arn = backup_recovery_point_arn(rng, region, account)

    def point(**fields: Any) -> StoredRecoveryPoint:
        return StoredRecoveryPoint(
            seq=world.next_seq(),
            vault_name=vault,
            vault_arn=vault_arn(region, account, vault),
            encryption_key_arn=place.key,
            iam_role_arn=place.role,
            delete_after_days=35,
            **fields,
        )

    nested = []
    for index, member in enumerate(members):
        started = created + 5.0 * (index + 1)
        size = rng.lognormvariate(math.log(member.median_bytes * GIB), 0.6)
        nested.append(
            (
                member,
                started,
                started + rng.uniform(300, 3600),
                max(1, int(size)),
                recovery_point_arn(
                    rng, member.resource_type, region, account, resource_arn=member.resource_arn
                ),
            )
        )
    world.add_recovery_point(
        account,
        region,
        point(
            arn=parent_arn,
            resource_arn=stack_arn,
            resource_type="CloudFormation",
            resource_name=name,
            creation_date=created,
            completion_date=max([created, *(done for _, _, done, _, _ in nested)]) + 60.0,
            size=sum(size for _, _, _, size, _ in nested),
            status="PARTIAL" if partial else "COMPLETED",
            is_parent=True,
        ),
    )
    for member, started, done, size, arn in nested:
        world.add_recovery_point(
            account,
            region,
            point(
                arn=arn,
                resource_arn=member.resource_arn,
                resource_type=member.resource_type,
                resource_name=member.logical_id,
                creation_date=started,
                completion_date=done,
                size=size,
                status="COMPLETED",
                parent_arn=parent_arn,
                member_id=member.logical_id,
            ),
        )


def _uuid(rng: random.Random) -> str:
    value = f"{rng.getrandbits(128):032x}"
    return f"{value[:8]}-{value[8:12]}-4{value[13:16]}-a{value[17:20]}-{value[20:]}"


def _resource_arn(rng: random.Random, rtype: str, place: StackPlace, stack: str) -> str:
    account, region = place.account, place.region
    hex17 = f"{rng.getrandbits(68):017x}"
    if rtype == "EBS":
        return f"arn:aws:ec2:{region}:{account}:volume/vol-{hex17}"
    if rtype == "DynamoDB":
        return f"arn:aws:dynamodb:{region}:{account}:table/{stack}-{hex17[:6]}"
    if rtype == "S3":
        return f"arn:aws:s3:::{stack}-assets-{hex17[:8]}"
    if rtype == "EFS":
        return f"arn:aws:elasticfilesystem:{region}:{account}:file-system/fs-{hex17[:8]}"
    return f"arn:aws:rds:{region}:{account}:db:{stack}-db"
