"""The destination accounts of a route: the one the flags name, or with a route table
(--route-csv) every account and Region its rows send copies to, each reached on first use
with its own credentials. Items are grouped by their destination vault's account and Region,
so adoption, preflight, vault preparation and verify each ask the account that holds them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ..domain.plan import PlanItem
from .ports import DestinationAccount

Place = tuple[str, str]  # (account, Region)


def place_of(vault_arn: str) -> Place:
    """arn:aws:backup:REGION:ACCOUNT:backup-vault:NAME -> (ACCOUNT, REGION)."""
    parts = vault_arn.split(":", 6)
    return parts[4], parts[3]


@dataclass
class Destinations:
    """`home`: the flags' destination in the route's destination Region (with a route table
    and no --dest-account, the table's first account); `connect(account, region)`: another
    one's gateway."""

    home: DestinationAccount
    connect: Callable[[str, str], DestinationAccount] | None = None
    _made: dict[Place, DestinationAccount] = field(default_factory=dict)

    def of(self, account: str, region: str) -> DestinationAccount:
        home = self.home
        if (account, region) == (home.account_id, home.region):
            return home
        if (account, region) not in self._made:
            if self.connect is None:
                raise ValueError(f"no destination account {account} in {region}")
            self._made[(account, region)] = self.connect(account, region)
        return self._made[(account, region)]

    def of_vault(self, vault_arn: str) -> DestinationAccount:
        return self.of(*place_of(vault_arn))

    def split(self, items: Iterable[tuple[int, PlanItem]]) -> dict[Place, list[int]]:
        """The item indexes by destination (account, Region), in the order first met."""
        groups: dict[Place, list[int]] = {}
        for index, item in items:
            groups.setdefault(place_of(item.dest_vault_arn), []).append(index)
        return groups
