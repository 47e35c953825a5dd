"""Per-service copy limits: resource types that share one cap on concurrent copy jobs.

The services under AWS Backup cap their own copies, and those caps bind before the account's
copy quota for most estates: EBS documents "Concurrent snapshot copies per destination Region:
20", RDS "up to 20 snapshot copy requests in progress to a single destination Region per
account". A key of SandboxConfig.type_limits names one resource type ("EBS") or several joined
with "+" ("RDS+Aurora") that share one limit. The copy clock counts them per source account,
source Region and destination Region: the documented "per destination Region".
"""

from __future__ import annotations

from collections.abc import Mapping

GROUP_SEPARATOR = "+"


def normalized_type_limits(limits: Mapping[str, int]) -> dict[str, int]:
    """`limits` with each key's types stripped of padding; ValueError when it is not valid."""
    normalized: dict[str, int] = {}
    owner: dict[str, str] = {}
    for key, limit in limits.items():
        members = [name.strip() for name in str(key).split(GROUP_SEPARATOR)]
        if not all(members):
            raise ValueError(f"type_limits key {key!r} names an empty resource type")
        # bool is an int to Python, but True as a limit is a mistake, not a 1.
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError(f"type_limits[{key!r}] must be a whole number of at least 1")
        group = GROUP_SEPARATOR.join(members)
        for name in members:
            if members.count(name) > 1:
                raise ValueError(f"resource type {name} appears twice in type_limits key {key!r}")
            if name in owner:
                raise ValueError(
                    f"resource type {name} is in two type_limits keys: {owner[name]!r} "
                    f"and {group!r}; a type shares at most one limit"
                )
            owner[name] = group
        normalized[group] = limit
    return normalized


class TypeGroups:
    """Which limit group each resource type belongs to, and each group's limit."""

    def __init__(self, limits: Mapping[str, int]) -> None:
        self.limits = normalized_type_limits(limits)
        self._group_of = {
            name: group for group in self.limits for name in group.split(GROUP_SEPARATOR)
        }

    def group_of(self, resource_type: str) -> str | None:
        """The key whose limit `resource_type` counts against, or None when it has none."""
        return self._group_of.get(resource_type)
