"""The pre-flight's checks of what the destination can hold: each vault's recovery points
against the applied per-vault quota, and the account's AMI and snapshot quotas in the
destination Region. A quota is read only when the plan has copies that count toward it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from ..domain import preflight as checks
from ..domain.destination_limits import (
    VAULT_RECOVERY_POINTS,
    destination_quotas,
    planned_counts,
)
from ..domain.preflight import CheckResult
from ..domain.recovery_point import Vault
from .ports import DestinationLimits


def limit_checks(
    planned: Counter[str],
    types: Counter[str],
    existing: Mapping[str, Vault],
    limits: DestinationLimits | None,
) -> list[CheckResult]:
    """`planned`: copies by destination vault; `types`: by resource type. Without `limits`
    (a destination that cannot tell), the vaults against AWS's default quota alone."""
    if limits is None:
        return [checks.capacity(planned, existing)]
    vault = limits.read(VAULT_RECOVERY_POINTS) if planned else None
    if vault is None or vault.readable:
        value = vault.value if vault is not None else None
        capacity = checks.capacity(planned, existing, value)
    else:
        capacity = checks.capacity(planned, existing, unread=vault.error or "no value")
    wanted = [quota for quota, count in planned_counts(types).items() if count]
    readings = {quota: limits.read(quota) for quota in wanted}
    quotas = destination_quotas(types, readings, account=limits.account_id, region=limits.region)
    return [capacity, quotas]
