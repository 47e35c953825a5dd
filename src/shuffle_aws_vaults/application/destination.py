"""Destination vaults: check they exist and admit the source account, or create them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ..domain.recovery_point import NewVault, Vault
from ..domain.vault_policy import grants_copy, with_copy_grant
from .destinations import Destinations, Place, place_of
from .discovery import Candidate
from .errors import OperatorError
from .ports import DestinationAccount, DestinationGateway


class DestinationNotReady(OperatorError):
    """A destination vault is missing (and may not be created here)."""


@dataclass
class DestinationReport:
    created: list[str] = field(default_factory=list)
    policies_updated: list[str] = field(default_factory=list)


def prepare_destination(
    dest: DestinationGateway,
    needed: Iterable[tuple[str, Vault | None]],
    source_account: str,
    *,
    create: bool,
    new: NewVault | None = None,
) -> DestinationReport:
    """Make sure each (destination vault name, source vault) can receive copies.

    With `create`, a missing vault is created as `new` says: a standard one with the source
    vault's lock bounds (governance mode: a compliance lock cannot be undone, so the tool never
    sets one on a standard vault), or a logically air-gapped one, in compliance mode with the
    bounds given; and every vault gets the copy grant merged into its access policy.
    """
    new = new or NewVault()
    report = DestinationReport()
    existing = {vault.name: vault for vault in dest.list_vaults()}
    cross_account = dest.account_id != source_account
    for name, source_vault in needed:
        if name not in existing:
            if not create:
                raise DestinationNotReady(
                    f"destination vault {name} does not exist in account {dest.account_id} "
                    f"({dest.region}): create it, or add --create-dest-vault"
                )
            existing[name] = dest.create_vault(name, new.for_source(source_vault))
            report.created.append(name)
        if create and cross_account:
            policy = dest.get_access_policy(name)
            if not grants_copy(policy, source_account):
                dest.put_access_policy(
                    name, with_copy_grant(policy, existing[name].arn, source_account)
                )
                report.policies_updated.append(name)
    return report


def any_air_gapped(vault_arns: Iterable[str], destinations: Destinations) -> bool:
    """Whether one of these destination vaults is logically air-gapped (each destination
    account and Region asked once). The route's lanes then keep AWS's limits into such vaults,
    all of them: a lane is per resource type, not per vault."""
    names: dict[Place, set[str]] = {}
    for arn in vault_arns:
        names.setdefault(place_of(arn), set()).add(arn.split(":", 6)[6])
    for place, wanted in names.items():
        held = destinations.of(*place).list_vaults()
        if any(vault.air_gapped for vault in held if vault.name in wanted):
            return True
    return False


def dest_arn_of(chosen: str | None, dest: DestinationAccount) -> Callable[[Candidate], str]:
    """Each candidate's destination vault ARN: its --route-csv row's, else --dest-vault (or
    the source vault's name) in `dest`."""

    def dest_arn(candidate: Candidate) -> str:
        if candidate.destination is not None:  # --route-csv's row
            return candidate.destination.vault_arn(dest.region)
        name = chosen or candidate.rp.vault_name
        return f"arn:aws:backup:{dest.region}:{dest.account_id}:backup-vault:{name}"

    return dest_arn
