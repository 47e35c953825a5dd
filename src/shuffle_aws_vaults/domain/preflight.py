"""Pre-flight checks: every refusal AWS would make that can be known before copying.

Each check is a pure function of facts gathered beforehand and gives PASS, WARN or FAIL with
the fix. A FAIL stops `copy` before any job is submitted.
"""

from __future__ import annotations

import shlex
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .key_policy import key_grant_text, missing_actions
from .reasons import Reason
from .recovery_point import Vault
from .vault_policy import grants_copy

VAULT_CAPACITY = 1_000_000  # recovery points per vault (AWS quota, adjustable): the default
VAULT_QUOTA = '"Recovery points per backup vault" (backup L-514878B6)'  # as Service Quotas has it
EXAMPLES = 3


class Outcome(StrEnum):
    PASS = "PASS"  # noqa: S105 (an outcome, not a password)
    WARN = "WARN"
    FAIL = "FAIL"


@dataclass(frozen=True)
class CheckResult:
    name: str
    outcome: Outcome
    detail: str
    fix: str = ""


def identities(source: str, dest: str) -> CheckResult:
    return CheckResult("identities", Outcome.PASS, f"source {source}, destination {dest}")


def cross_account_enabled(setting: str | None, *, cross_account: bool) -> CheckResult:
    name = "cross-account backup"
    if not cross_account:
        return CheckResult(name, Outcome.PASS, "same account: not needed")
    if setting is None:
        return CheckResult(
            name,
            Outcome.WARN,
            "DescribeGlobalSettings could not be read",
            "allow backup:DescribeGlobalSettings, or check the setting in AWS Organizations",
        )
    if setting.lower() == "true":
        return CheckResult(name, Outcome.PASS, "isCrossAccountBackupEnabled is true")
    return CheckResult(
        name,
        Outcome.FAIL,
        "isCrossAccountBackupEnabled is false: every copy job would fail",
        "enable cross-account backup in the AWS Backup settings of the Organizations "
        "management account",
    )


def destination_vaults(
    needed: Iterable[str], existing: Mapping[str, Vault], *, create: bool, cross_account: bool
) -> list[CheckResult]:
    results = []
    names = sorted(set(needed))
    default = [name for name in names if name == "Default"]
    if default and cross_account:
        results.append(
            CheckResult(
                "destination not Default",
                Outcome.FAIL,
                "AWS Backup cannot copy into another account's Default vault",
                "give --dest-vault NAME",
            )
        )
    else:
        results.append(CheckResult("destination not Default", Outcome.PASS, ", ".join(names)))
    missing = [name for name in names if name not in existing]
    if not names:
        results.append(CheckResult("destination vaults exist", Outcome.PASS, "nothing to copy"))
    elif not missing:
        results.append(CheckResult("destination vaults exist", Outcome.PASS, ", ".join(names)))
    elif create:
        results.append(
            CheckResult(
                "destination vaults exist",
                Outcome.WARN,
                f"missing, will be created: {', '.join(missing)}",
            )
        )
    else:
        results.append(
            CheckResult(
                "destination vaults exist",
                Outcome.FAIL,
                f"missing: {', '.join(missing)}",
                "create them, or add --create-dest-vault",
            )
        )
    return results


def access_policies(
    policies: Mapping[str, dict[str, Any] | None],
    source_account: str,
    *,
    create: bool,
    cross_account: bool,
) -> CheckResult:
    name = "destination access policies"
    if not cross_account:
        return CheckResult(name, Outcome.PASS, "same account: not needed")
    refusing = sorted(
        v for v, policy in policies.items() if not grants_copy(policy, source_account)
    )
    if not refusing:
        return CheckResult(
            name, Outcome.PASS, f"allow backup:CopyIntoBackupVault from {source_account}"
        )
    if create:
        return CheckResult(name, Outcome.WARN, f"the grant will be added to: {', '.join(refusing)}")
    return CheckResult(
        name,
        Outcome.FAIL,
        f"{', '.join(refusing)} do not allow backup:CopyIntoBackupVault from {source_account}",
        "add --create-dest-vault (it merges the grant), or apply the policy from "
        "`shuffle-aws-vaults iam-policy`",
    )


def _trusts_backup(statement: Any) -> bool:
    if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
        return False
    principal = statement.get("Principal")
    services = principal.get("Service", []) if isinstance(principal, dict) else []
    services = services if isinstance(services, list) else [services]
    return "backup.amazonaws.com" in services


def copy_role(role_arn: str, trust: dict[str, Any] | None, error: str | None) -> CheckResult:
    name = "copy role"
    if error is not None:
        return CheckResult(
            name,
            Outcome.WARN if "AccessDenied" in error else Outcome.FAIL,
            f"{role_arn}: {error}",
            (
                "create the role, or give --copy-role-arn"
                if "AccessDenied" not in error
                else "allow iam:GetRole to check it"
            ),
        )
    statements = (trust or {}).get("Statement", [])
    statements = statements if isinstance(statements, list) else [statements]
    trusted = any(_trusts_backup(statement) for statement in statements)
    if trusted:
        return CheckResult(name, Outcome.PASS, f"{role_arn} trusts backup.amazonaws.com")
    return CheckResult(
        name,
        Outcome.FAIL,
        f"{role_arn} does not trust backup.amazonaws.com",
        "add backup.amazonaws.com to the role's trust policy",
    )


@dataclass(frozen=True)
class KeyUse:
    """A source key the planned copies are encrypted with, and what reading its policy gave."""

    copies: int
    example: str  # a recovery point encrypted with it
    policy: dict[str, Any] | None
    error: str | None = None  # "Code: message" when the policy could not be read


def key_policies(
    keys: Mapping[str, KeyUse], dest_account: str, *, cross_account: bool
) -> CheckResult:
    """The customer-managed keys of the copies that need a shared key let the destination in."""
    name = "source key policies"
    if not cross_account:
        return CheckResult(name, Outcome.PASS, "same account: not needed")
    if not keys:
        return CheckResult(name, Outcome.PASS, "no planned copy needs a shared key")
    refusing, unread = [], []
    for arn, use in sorted(keys.items()):
        if use.error is not None:
            unread.append((arn, use))
            continue
        missing = missing_actions(use.policy, dest_account)
        if missing:
            refusing.append(
                f"{arn} ({use.copies:,} copies, e.g. {use.example}) does not allow "
                f"{', '.join(missing)}"
            )
    if refusing:
        grant = key_grant_text(dest_account)
        return CheckResult(
            name,
            Outcome.FAIL,
            f"{len(refusing)} of {len(keys)} source keys refuse {dest_account}: "
            + "; ".join(refusing),
            f"add this statement to each key's policy: {grant}",
        )
    if unread:
        denied = all("AccessDenied" in (use.error or "") for _, use in unread)
        return CheckResult(
            name,
            Outcome.WARN,
            "could not read the key policy of "
            + "; ".join(f"{arn} ({use.copies:,} copies): {use.error}" for arn, use in unread),
            (
                "allow kms:GetKeyPolicy on the source keys to check them (see `iam-policy`)"
                if denied
                else f"make sure each key's policy lets {dest_account} use it"
            ),
        )
    return CheckResult(
        name,
        Outcome.PASS,
        f"every source key ({len(keys)}) lets {dest_account} use it",
    )


def uncopyable(excluded: Mapping[Reason, list[str]], counts: Counter[Reason]) -> CheckResult:
    name = "recovery points AWS cannot copy"
    ineligible = {reason: n for reason, n in counts.items() if reason.is_ineligible}
    if not ineligible:
        return CheckResult(name, Outcome.PASS, "none in the selection")
    parts = []
    for reason, count in sorted(ineligible.items(), key=lambda kv: -kv[1]):
        example = (excluded.get(reason) or ["?"])[0]
        parts.append(f"{count:,} {reason.value} (e.g. {example})")
    fix = "see `filter` for the full list; AWS-managed keys need a re-encrypted copy first"
    if Reason.CROSS_REGION_UNSUPPORTED in ineligible:
        fix += (
            "; DynamoDB tables need AWS Backup's advanced DynamoDB features for copies to "
            "another Region (new backups only), or map the Region to itself (--dest-region)"
        )
    return CheckResult(name, Outcome.WARN, "excluded from the plan: " + "; ".join(parts), fix)


def capacity(
    planned: Counter[str],
    existing: Mapping[str, Vault],
    quota: int | None = None,
    unread: str | None = None,
) -> CheckResult:
    """Each destination vault's recovery points (ListBackupVaults' NumberOfRecoveryPoints)
    and its planned copies stay within `quota`, the applied recovery-points-per-vault quota
    (AWS's default when None); `unread`: why the applied value could not be read (a WARN)."""
    name = "destination capacity"
    limit = VAULT_CAPACITY if quota is None else quota
    over = []
    for vault, count in sorted(planned.items()):
        held = existing[vault].recovery_points if vault in existing else 0
        if held + count > limit:
            over.append(f"{vault}: {held:,} + {count:,} > {limit:,}")
    if over:
        return CheckResult(
            name,
            Outcome.FAIL,
            "; ".join(over),
            f"request a higher {VAULT_QUOTA} quota, or spread with --dest-vault",
        )
    if unread is not None:
        return CheckResult(
            name,
            Outcome.WARN,
            f"under {limit:,} per vault, AWS's default: the applied {VAULT_QUOTA} quota could "
            f"not be read ({unread})",
            "allow servicequotas:GetServiceQuota in the destination (see `iam-policy`)",
        )
    return CheckResult(name, Outcome.PASS, f"under {limit:,} per vault")


# -- service opt-in (DescribeRegionSettings) ---------------------------------------------------


def opt_in_command(preferences: Mapping[str, bool], types: Iterable[str], region: str) -> str:
    """The AWS CLI command that opts `types` in, every other type keeping its preference (the
    whole map is given: AWS does not say whether a partial map leaves the rest alone)."""
    wanted = {**preferences, **dict.fromkeys(types, True)}

    def text(name: str) -> str:
        return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'

    document = "{" + ",".join(f"{text(k)}:{str(v).lower()}" for k, v in wanted.items()) + "}"
    return (
        f"aws backup update-region-settings --region {shlex.quote(region)} "
        f"--resource-type-opt-in-preference {shlex.quote(document)}"
    )


def service_opt_in(
    types: Iterable[str],
    preferences: Mapping[str, bool] | None,
    *,
    account: str,
    region: str,
    required: bool,
) -> CheckResult:
    """Every resource type in the selection opted in to AWS Backup in `account`'s `region`.

    `required`: a type opted out is a FAIL (the source: AWS Backup does not work with the
    resources of a service that is not opted in, "service opt-in settings are
    Region-specific"), else a WARN (the destination: AWS does not document whether copies
    into it need the opt-in)."""
    side = "source" if required else "destination"
    name = f"service opt-in ({side})"
    wanted = sorted(set(types))
    if not wanted:
        return CheckResult(name, Outcome.PASS, "nothing to copy")
    if preferences is None:
        return CheckResult(
            name,
            Outcome.WARN,
            f"DescribeRegionSettings could not be read in {account} {region}",
            "allow backup:DescribeRegionSettings (see `shuffle-aws-vaults iam-policy`)",
        )
    off = [t for t in wanted if preferences.get(t) is False]
    unlisted = [t for t in wanted if t not in preferences]
    if off:
        detail = f"{', '.join(off)} not opted in to AWS Backup in {account} {region}"
        if not required:
            detail += " (AWS does not say whether copies into it need the opt-in)"
        fix = f"in account {account}: {opt_in_command(preferences, off, region)}"
        return CheckResult(name, Outcome.FAIL if required else Outcome.WARN, detail, fix)
    if unlisted:
        return CheckResult(
            name,
            Outcome.WARN,
            f"DescribeRegionSettings in {account} {region} does not list {', '.join(unlisted)}",
        )
    return CheckResult(name, Outcome.PASS, f"{', '.join(wanted)} opted in ({region})")
