"""Copies' lifecycles while planning: the retention bounds of the vaults copies go to, for
--fit-retention (each destination account and Region has its vaults listed once, when a copy
first needs them), and the Lifecycle of plans made before lifecycles were planned per copy."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..domain.copy_job import Lifecycle
from ..domain.lifecycle import LifecyclePolicy, RetentionBounds, bounds_of
from ..domain.recovery_point import NewVault, RecoveryPoint, Vault
from ..domain.routing import Destination
from .destinations import Destinations, place_of

# (a recovery point, --route-csv's destination or None) -> the ARN of the vault its copy goes to
DestArn = Callable[[RecoveryPoint, Destination | None], str]


def copy_vault_arn(dest_vault: str | None, account: str, region: str) -> DestArn:
    """Where a copy goes: its --route-csv row's vault, else --dest-vault, else the vault of
    its source's name, in `account` and `region`."""

    def dest_arn(rp: RecoveryPoint, destination: Destination | None) -> str:
        if destination is not None:
            return destination.vault_arn(region)
        return f"arn:aws:backup:{region}:{account}:backup-vault:{dest_vault or rp.vault_name}"

    return dest_arn


class VaultLocks:
    """A LockBounds: the bounds of the vault each copy goes to (None: not locked). With
    `create`, a vault still to be made has the bounds --create-dest-vault gives it (`new_vault`:
    a logically air-gapped vault's, else its source vault's)."""

    def __init__(
        self,
        destinations: Destinations,
        dest_arn: DestArn,
        *,
        create: bool,
        new_vault: NewVault | None = None,
    ) -> None:
        self._destinations = destinations
        self._dest_arn = dest_arn
        self._create = create
        self._new = new_vault or NewVault()
        self._listed: dict[tuple[str, str], dict[str, Vault]] = {}

    def __call__(
        self, rp: RecoveryPoint, source_vault: Vault, destination: Destination | None
    ) -> RetentionBounds | None:
        arn = self._dest_arn(rp, destination)
        place = place_of(arn)
        vaults = self._listed.get(place)
        if vaults is None:
            listed = self._destinations.of(*place).list_vaults()
            vaults = self._listed[place] = {vault.name: vault for vault in listed}
        name = arn.split(":", 6)[6]
        found = vaults.get(name)
        if found is None and self._create:
            found = self._new.for_source(source_vault).planned(name, arn)
        return bounds_of(found)


def locks_for(
    policy: LifecyclePolicy,
    destinations: Destinations,
    dest_vault: str | None,
    *,
    create: bool,
    new_vault: NewVault | None = None,
) -> VaultLocks | None:
    """The vault locks a scan reads into `destinations` (--dest-vault `dest_vault`, else each
    source vault's name): only --fit-retention needs them while planning."""
    if not policy.fit_retention:
        return None
    home = destinations.home
    arn_of = copy_vault_arn(dest_vault, home.account_id, home.region)
    return VaultLocks(destinations, arn_of, create=create, new_vault=new_vault)


def legacy_lifecycle(
    policy: LifecyclePolicy, identity: Mapping[str, Any] | None
) -> Lifecycle | None:
    """The Lifecycle every item of a plan made before lifecycles were planned per copy is sent
    with (its identity has no "lifecycle"): the flags', as that version sent it."""
    if identity is None or "lifecycle" in identity or not policy.sets_lifecycle:
        return None
    return Lifecycle(policy.delete_after_days, policy.cold_after_days, policy.archive)
