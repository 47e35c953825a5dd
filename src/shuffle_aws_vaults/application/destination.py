"""Destination vaults: check they exist and admit the source account, or create them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ..domain.recovery_point import Vault
from ..domain.vault_policy import grants_copy, with_copy_grant
from .errors import OperatorError
from .ports import DestinationGateway


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
    kms_key_arn: str | None = None,
) -> DestinationReport:
    """Make sure each (destination vault name, source vault) can receive copies.

    With `create`, a missing vault is created with the source vault's lock bounds (governance
    mode: a compliance lock cannot be undone, so it is never set automatically) and every
    vault gets the copy grant merged into its access policy.
    """
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
            existing[name] = dest.create_vault(
                name,
                kms_key_arn=kms_key_arn,
                min_retention_days=source_vault.min_retention_days if source_vault else None,
                max_retention_days=source_vault.max_retention_days if source_vault else None,
            )
            report.created.append(name)
        if create and cross_account:
            policy = dest.get_access_policy(name)
            if not grants_copy(policy, source_account):
                dest.put_access_policy(
                    name, with_copy_grant(policy, existing[name].arn, source_account)
                )
                report.policies_updated.append(name)
    return report
