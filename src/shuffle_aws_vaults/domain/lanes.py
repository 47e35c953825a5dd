"""AWS's per-service copy limits: which resource types share one, and how to write them.

AWS Backup runs up to 100 copies per account and destination Region, but the services under it
have limits of their own that bind first for most estates (AWS_BACKUP_NOTES.md, "Quotas"):
EBS allows 20 concurrent snapshot copies per destination Region, RDS 20 snapshot copy requests
in progress (DB and cluster snapshots alike, so RDS and Aurora share theirs). The copy engine
keeps one lane per limit group, and one per other resource type.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .recovery_point import KNOWN_RESOURCE_TYPES

# AWS's documented limits, for estimates: EBS (ebs-resource-quotas, not adjustable) and RDS
# (USER_CopySnapshot: "up to 20 snapshot copy requests in progress to a single destination
# Region per account").
DOCUMENTED_TYPE_LIMITS = "EBS=20,RDS+Aurora=20"
# Into logically air-gapped vaults AWS documents hard limits (AWS Backup quotas: 20 concurrent
# copies each for EBS, Aurora, DocumentDB and Neptune; 5 for FSx and Storage Gateway): caps.
AIR_GAPPED_TYPE_LIMITS = "EBS=20,RDS+Aurora=20,DocumentDB=20,Neptune=20,FSx=5,Storage Gateway=5"


class TypeLimitError(ValueError):
    """A --type-limit value that cannot be read; the message names the bad part."""


@dataclass(frozen=True)
class TypeLimit:
    """At most `limit` concurrent copies of these resource types together."""

    types: tuple[str, ...]
    limit: int

    @property
    def name(self) -> str:
        return "+".join(self.types)


_BY_LOWER = {name.lower(): name for name in KNOWN_RESOURCE_TYPES}


def parse_type_limits(text: str | Iterable[str]) -> tuple[TypeLimit, ...]:
    """'EBS=20,RDS+Aurora=20' (or several such strings) as limits; names as AWS spells them."""
    parts = [text] if isinstance(text, str) else list(text)
    limits: list[TypeLimit] = []
    seen: dict[str, str] = {}
    for part in (p.strip() for chunk in parts for p in chunk.split(",")):
        if not part:
            continue
        key, sep, value = part.partition("=")
        if not sep or not all(name.strip() for name in key.split("+")):
            raise TypeLimitError(f"expected TYPE=N, got {part!r}")
        try:
            limit = int(value.strip())
        except ValueError:
            raise TypeLimitError(
                f"expected a whole number after {key.strip()}=, got {value.strip()!r}"
            ) from None
        if limit < 1:
            raise TypeLimitError(f"{key.strip()} must be limited to at least 1, got {limit}")
        types: list[str] = []
        for raw in key.split("+"):
            name = _BY_LOWER.get(raw.strip().lower())
            if name is None:
                known = ", ".join(sorted(KNOWN_RESOURCE_TYPES))
                raise TypeLimitError(f"unknown resource type {raw.strip()!r} (known: {known})")
            if name in seen:
                raise TypeLimitError(f"{name} is limited twice ({seen[name]} and {part})")
            seen[name] = part
            types.append(name)
        limits.append(TypeLimit(tuple(types), limit))
    return tuple(limits)


def merge_limits(base: Iterable[TypeLimit], override: Iterable[TypeLimit]) -> tuple[TypeLimit, ...]:
    """`base` with every group that shares a type with one of `override` replaced by it."""
    chosen = list(override)
    taken = {t for limit in chosen for t in limit.types}
    return (*[b for b in base if not taken.intersection(b.types)], *chosen)


def air_gapped_limits(operator: Iterable[TypeLimit]) -> tuple[TypeLimit, ...]:
    """The lanes' caps when copies go into a logically air-gapped vault: AWS's documented
    limits there, with the operator's --type-limit over them."""
    return merge_limits(parse_type_limits(AIR_GAPPED_TYPE_LIMITS), operator)


class Lanes:
    """Resource type -> lane: a limit group's name, or the type's own name.

    `limits` are the operator's: each caps its lane. `groups` only say which types share a lane
    (AWS's documented ones by default: RDS and Aurora count against one limit), unless `limits`
    names one of their types.
    """

    def __init__(
        self, limits: Iterable[TypeLimit] = (), groups: Iterable[TypeLimit] | None = None
    ) -> None:
        self.limits = tuple(limits)
        documented = parse_type_limits(DOCUMENTED_TYPE_LIMITS) if groups is None else groups
        shared = merge_limits(documented, self.limits)
        self._lane = {t: limit.name for limit in shared for t in limit.types}
        self.ceilings: Mapping[str, int] = {limit.name: limit.limit for limit in self.limits}

    def lane(self, resource_type: str) -> str:
        return self._lane.get(resource_type, resource_type or "unknown")
