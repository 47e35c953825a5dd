"""The pre-flight check of the destination vaults' types: what each is (or will be, once
--create-dest-vault creates it), and a vault that is not the type asked for."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .preflight import CheckResult, Outcome
from .recovery_point import NewVault, Vault

NAME = "destination vault types"


def describe(vault: Vault) -> str:
    """'logically-air-gapped, compliance lock 7-365 days, AWS-owned key', as list shows it."""
    parts = [vault.kind]
    if vault.locked:
        mode = "compliance lock" if vault.air_gapped else "lock"
        low, high = vault.min_retention_days, vault.max_retention_days
        parts.append(f"{mode} {low or 1}-{high or 'unlimited'} days")
    if vault.key_type == "AWS_OWNED_KMS_KEY":
        parts.append("AWS-owned key")
    elif vault.encryption_key_arn:
        parts.append(f"key {vault.encryption_key_arn}")
    return ", ".join(parts)


def vault_types(
    needed: Iterable[str],
    existing: Mapping[str, Vault],
    *,
    create: bool,
    new: NewVault,
    planned: Mapping[str, Vault],
) -> CheckResult:
    """`planned`: the vaults --create-dest-vault will create, as they will be."""
    names = sorted(set(needed))
    if not names:
        return CheckResult(NAME, Outcome.PASS, "nothing to copy")
    if create and new.air_gapped:
        standard = [name for name in names if name in existing and not existing[name].air_gapped]
        if standard:
            return CheckResult(
                NAME,
                Outcome.FAIL,
                f"{', '.join(standard)} already exist as standard vaults; "
                "--dest-vault-type logically-air-gapped creates only missing vaults",
                "name a new vault with --dest-vault, or leave out --dest-vault-type",
            )
    shown = []
    for name in names:
        if name in existing:
            shown.append(f"{name}: {describe(existing[name])}")
        elif name in planned:
            shown.append(f"{name}: {describe(planned[name])} (to be created)")
    return CheckResult(NAME, Outcome.PASS, "; ".join(shown) or "none exist yet")
