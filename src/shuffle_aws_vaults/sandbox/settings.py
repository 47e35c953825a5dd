"""Account settings beyond the vaults: the organization's management account, which alone may
change the global settings, and each account's service opt-in per Region.

UpdateGlobalSettings "Returns an error if the account is not an Organizations management
account" (API reference); which error AWS does not say, so the sandbox answers the documented
InvalidRequestException. DescribeRegionSettings answers ResourceTypeOptInPreference for every
type AWS lists, true unless the config opts a type out (in every source, or every
destination, account; opt-in is per account and Region:
https://docs.aws.amazon.com/aws-backup/latest/devguide/assigning-resources.html).
"""

from __future__ import annotations

import threading
from typing import Any

from .config import RESOURCE_TYPES, SandboxConfig
from .errors import invalid_parameter, invalid_request

# ResourceTypeManagementPreference: the types whose full AWS Backup management can be switched.
MANAGEMENT_TYPES = {"DynamoDB": False, "EFS": True}
NOT_MANAGEMENT_ACCOUNT = (
    "Account {account} is not the management account of the organization: only the "
    "management account can update the global settings"
)


def require_management_account(config: SandboxConfig, caller: str) -> None:
    if caller != config.management_account:
        raise invalid_request(NOT_MANAGEMENT_ACCOUNT.format(account=caller))


class RegionSettings:
    """Each account's service opt-in and full-management preferences, per Region."""

    def __init__(self, config: SandboxConfig) -> None:
        self._config = config
        self._lock = threading.Lock()
        self._opt_in: dict[tuple[str, str], dict[str, bool]] = {}
        self._management: dict[tuple[str, str], dict[str, bool]] = {}

    def _defaults(self, account: str) -> dict[str, bool]:
        cfg = self._config
        out = dict.fromkeys(RESOURCE_TYPES, True)
        opted_out = cfg.source_opted_out if account in cfg.source_accounts else ()
        if account in cfg.dest_accounts:
            opted_out = cfg.dest_opted_out
        for name in opted_out:
            out[name] = False
        return out

    def describe(self, account: str, region: str) -> dict[str, Any]:
        key = (account, region)
        with self._lock:
            opt_in = self._opt_in.setdefault(key, self._defaults(account))
            management = self._management.setdefault(key, dict(MANAGEMENT_TYPES))
            return {
                "ResourceTypeOptInPreference": dict(opt_in),
                "ResourceTypeManagementPreference": dict(management),
            }

    def update(self, account: str, region: str, body: dict[str, Any]) -> None:
        """UpdateRegionSettings: the types given change, the others keep their value."""
        updates = {}
        for field in ("ResourceTypeOptInPreference", "ResourceTypeManagementPreference"):
            values = body.get(field) or {}
            if not isinstance(values, dict) or not all(
                isinstance(v, bool) for v in values.values()
            ):
                raise invalid_parameter(f"{field} must map resource types to true or false")
            updates[field] = values
        self.describe(account, region)  # the defaults, first
        with self._lock:
            self._opt_in[(account, region)].update(updates["ResourceTypeOptInPreference"])
            self._management[(account, region)].update(updates["ResourceTypeManagementPreference"])
