"""Gather the facts the pre-flight checks need, and run them."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from ..domain import preflight as checks
from ..domain import retention_checks
from ..domain.eligibility import needs_shared_key
from ..domain.lifecycle import LifecyclePolicy, expiry
from ..domain.plan import PlanItem
from ..domain.preflight import CheckResult, KeyUse, Outcome
from ..domain.reasons import Reason
from ..domain.recovery_point import NewVault, Vault
from ..domain.vault_types import vault_types
from .destination_limits import limit_checks
from .discovery import Candidate
from .ports import BackupGateway, DestinationGateway, DestinationLimits, SourceChecks


@dataclass
class PlanFacts:
    """What the pre-flight needs to know of a selection, gathered as the scan streams by."""

    dest_vault_of: dict[str, str]
    excluded: dict[Reason, list[str]] = field(default_factory=dict)
    counts: Counter[Reason] = field(default_factory=Counter)
    planned: Counter[str] = field(default_factory=Counter)
    # Planned copies by (destination vault, their retention as AWS judges it: None forever).
    retentions: Counter[tuple[str, int | None]] = field(default_factory=Counter)
    examples: dict[tuple[str, int | None], str] = field(default_factory=dict)
    lifecycles: retention_checks.LifecycleFacts = field(
        default_factory=retention_checks.LifecycleFacts
    )
    # Planned copies per source key, of the types copied from the key itself.
    keys: Counter[str] = field(default_factory=Counter)
    key_examples: dict[str, str] = field(default_factory=dict)
    types: Counter[str] = field(default_factory=Counter)  # planned items by resource type
    vault_types: Counter[tuple[str, str]] = field(default_factory=Counter)  # (vault, type)

    def watch(self, candidates: Iterable[Candidate]) -> Iterator[Candidate]:
        for candidate in candidates:
            if candidate.reason is not None:
                self.exclude(candidate)
            else:
                self.plan(candidate, self.dest_vault_of[candidate.rp.vault_name])
            yield candidate

    def exclude(self, candidate: Candidate) -> None:
        assert candidate.reason is not None
        self.counts[candidate.reason] += 1
        examples = self.excluded.setdefault(candidate.reason, [])
        if len(examples) < checks.EXAMPLES:
            examples.append(_example(candidate))

    def plan(self, candidate: Candidate, vault: str) -> None:
        """A planned copy into the destination vault `vault`."""
        rp = candidate.rp
        self.planned[vault] += 1
        verdict = candidate.lifecycle
        key = (vault, verdict.retention if verdict is not None else rp.delete_after_days)
        self.retentions[key] += 1
        self.examples.setdefault(key, rp.arn)
        if verdict is not None:
            self.lifecycles.add(vault, verdict, _example(candidate))
        if rp.encryption_key_arn and needs_shared_key(rp):
            self.keys[rp.encryption_key_arn] += 1
            self.key_examples.setdefault(rp.encryption_key_arn, rp.arn)
        self.types[rp.resource_type] += 1
        self.vault_types[(vault, rp.resource_type)] += 1

    def recount(self, items: Iterable[PlanItem]) -> None:
        """The copies per vault and per type counted again from `items` alone: the plan less
        the copies adopted from the destination, which already count toward its limits."""
        left = list(items)
        self.planned = Counter(item.dest_vault_name for item in left)
        self.types = Counter(item.resource_type for item in left)
        self.vault_types = Counter((item.dest_vault_name, item.resource_type) for item in left)

    def types_outside(self, vaults: Mapping[str, Vault]) -> Counter[str]:
        """Planned copies by type, less those into logically air-gapped vaults: those are
        kept in an account AWS owns (with AWS Backup's ARNs), not as AMIs or snapshots of the
        destination account, so they do not count toward its EC2, EBS and RDS quotas."""
        outside: Counter[str] = Counter()
        for (vault, kind), count in self.vault_types.items():
            if vault not in vaults or not vaults[vault].air_gapped:
                outside[kind] += count
        return outside

    def key_uses(self, source: SourceChecks) -> dict[str, KeyUse]:
        """Each key's policy, read once per key."""
        uses = {}
        for arn, copies in self.keys.items():
            policy, error = source.key_policy(arn)
            uses[arn] = KeyUse(copies, self.key_examples[arn], policy, error)
        return uses


def _example(candidate: Candidate) -> str:
    """A recovery point as a check names it: its ARN (and, for a copy that would arrive
    expired, its creation date and the copy's expiry)."""
    rp, verdict = candidate.rp, candidate.lifecycle
    ends = expiry(rp, verdict.lifecycle) if verdict is not None and verdict.expired else None
    if verdict is None or ends is None:
        return rp.arn
    return (
        f"{rp.arn}: created {rp.creation_date.date().isoformat()}, DeleteAfterDays "
        f"{verdict.retention} ended {ends.date().isoformat()}"
    )


class RoutedFacts:
    """PlanFacts for each destination (account, Region) of a route table's plan; what is
    excluded is told once, with the first destination's checks."""

    def __init__(self, home_region: str) -> None:
        self.home_region = home_region
        self.by_place: dict[tuple[str, str], PlanFacts] = {}
        self.excluded = PlanFacts({})

    def watch(self, candidates: Iterable[Candidate]) -> Iterator[Candidate]:
        for candidate in candidates:
            destination = candidate.destination
            if candidate.reason is not None or destination is None:
                self.excluded.exclude(candidate)
            else:
                place = destination.place(self.home_region)
                self.by_place.setdefault(place, PlanFacts({})).plan(candidate, destination.vault)
            yield candidate

    def places(self) -> list[tuple[tuple[str, str], PlanFacts]]:
        """Each destination's facts (the first one's with the exclusions), accounts in order."""
        ordered = sorted(self.by_place.items())
        if ordered:
            first = ordered[0][1]
            first.excluded, first.counts = self.excluded.excluded, self.excluded.counts
        return ordered


def run_preflight(
    *,
    source_account: str,
    source: SourceChecks,
    dest: DestinationGateway,
    facts: PlanFacts,
    role_arn: str,
    create: bool,
    lifecycle: LifecyclePolicy,
    opt_ins: tuple[BackupGateway, BackupGateway] | None = None,
    new_vault: NewVault | None = None,
    limits: DestinationLimits | None = None,
) -> list[CheckResult]:
    """The whole checklist of one source Region and its destination, in its usual order.

    `opt_ins`: the source's and the destination's gateways, to read their service opt-in;
    `new_vault`: what --create-dest-vault creates; `limits`: the destination's quotas
    (without them, the vaults against AWS's default)."""
    existing = {vault.name: vault for vault in dest.list_vaults()}
    return [
        *identity_checks(source_account, dest.account_id, source),
        *destination_checks(
            source_account, dest, facts, existing, create=create, new_vault=new_vault
        ),
        role_check(source, role_arn),
        *plan_checks(
            source_account,
            source,
            dest.account_id,
            facts,
            landing_vaults(dest, facts, existing, create=create, new_vault=new_vault),
            lifecycle=lifecycle,
            opt_ins=opt_ins,
            limits=limits,
        ),
    ]


def identity_checks(
    source_account: str, dest_account: str, source: SourceChecks
) -> list[CheckResult]:
    return [
        checks.identities(source_account, dest_account),
        checks.cross_account_enabled(
            source.cross_account_setting(), cross_account=dest_account != source_account
        ),
    ]


def role_check(source: SourceChecks, role_arn: str) -> CheckResult:
    trust, error = source.role_trust(role_arn)
    return checks.copy_role(role_arn, trust, error)


def destination_checks(
    source_account: str,
    dest: DestinationGateway,
    facts: PlanFacts,
    existing: dict[str, Vault],
    *,
    create: bool,
    new_vault: NewVault | None = None,
) -> list[CheckResult]:
    """The destination vaults the plan needs: there (or to be created), not Default, of the
    type asked for, and granting the source account CopyIntoBackupVault."""
    cross_account = dest.account_id != source_account
    needed = sorted(facts.planned)  # only vaults that will receive copies
    # A vault still to be created has no policy yet: it needs the grant as much as any.
    policies = {name: dest.get_access_policy(name) if name in existing else None for name in needed}
    return [
        *checks.destination_vaults(needed, existing, create=create, cross_account=cross_account),
        vault_types(
            needed,
            existing,
            create=create,
            new=new_vault or NewVault(),
            planned=landing_vaults(dest, facts, {}, create=create, new_vault=new_vault),
        ),
        checks.access_policies(
            policies, source_account, create=create, cross_account=cross_account
        ),
    ]


def landing_vaults(
    dest: DestinationGateway,
    facts: PlanFacts,
    existing: dict[str, Vault],
    *,
    create: bool,
    new_vault: NewVault | None,
) -> dict[str, Vault]:
    """The vaults the copies land in: `existing`, and with `create` the missing ones as they
    will be (a logically air-gapped vault's bounds are known before it exists, so the lock
    check judges copies against them). A standard vault to be created takes its source vault's
    bounds, which the plan facts do not carry: it is left out, as before."""
    if not create or new_vault is None or not new_vault.air_gapped:
        return existing
    prefix = f"arn:aws:backup:{dest.region}:{dest.account_id}:backup-vault:"
    missing = {name for name in facts.planned if name not in existing}
    return {**{name: new_vault.planned(name, prefix + name) for name in missing}, **existing}


def plan_checks(
    source_account: str,
    source: SourceChecks,
    dest_account: str,
    facts: PlanFacts,
    existing: dict[str, Vault],
    *,
    lifecycle: LifecyclePolicy,
    opt_ins: tuple[BackupGateway, BackupGateway] | None,
    limits: DestinationLimits | None = None,
) -> list[CheckResult]:
    """What the planned copies need: shared source keys, room in the destination vaults and
    account (`limits`), retention in the vaults, the opt-ins; what AWS cannot copy and the
    copies' lifecycles (WARNs)."""
    cross_account = dest_account != source_account
    keys = facts.key_uses(source) if cross_account else {}
    return [
        checks.key_policies(keys, dest_account, cross_account=cross_account),
        checks.uncopyable(facts.excluded, facts.counts),
        *limit_checks(facts.planned, facts.types_outside(existing), existing, limits),
        retention_checks.vault_locks(
            facts.retentions, facts.examples, existing, facts.lifecycles.clamped
        ),
        retention_checks.copy_lifecycles(lifecycle, facts.lifecycles, facts.counts, facts.excluded),
        *opt_in_checks(facts, opt_ins),
    ]


def opt_in_checks(
    facts: PlanFacts, opt_ins: tuple[BackupGateway, BackupGateway] | None
) -> list[CheckResult]:
    """Every planned resource type opted in: in the source Region (FAIL), in the destination
    (WARN)."""
    if opt_ins is None:
        return []
    return [
        checks.service_opt_in(
            facts.types,
            gateway.opt_in_preferences() if facts.types else None,
            account=gateway.account_id,
            region=gateway.region,
            required=required,
        )
        for gateway, required in zip(opt_ins, (True, False), strict=True)
    ]


def named_for(dest: DestinationGateway, results: list[CheckResult]) -> list[CheckResult]:
    """One destination's checks among several, each named with its account and Region."""
    return [
        dataclasses.replace(result, name=f"{result.name} [{dest.account_id} {dest.region}]")
        for result in results
    ]


def failed(results: list[CheckResult]) -> bool:
    return any(result.outcome is Outcome.FAIL for result in results)
