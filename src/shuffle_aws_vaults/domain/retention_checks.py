"""The pre-flight checks of copies' retention: locked destination vaults' bounds, and what the
lifecycle flags do to the copies (domain/lifecycle.py has the rules and their AWS sources)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from .lifecycle import CopyLifecycle, LifecyclePolicy, RetentionBounds, bounds_of
from .preflight import CheckResult, Outcome
from .reasons import Reason
from .recovery_point import Vault

LOCKS = "destination vault locks"
LIFECYCLES = "copies' lifecycles"


@dataclass
class LifecycleFacts:
    """What the planned copies' lifecycles add up to, gathered as the plan is made."""

    sent: int = 0  # copies sent with a Lifecycle of their own
    sent_example: str = ""  # one of those Lifecycles, as AWS names its fields
    clamped: Counter[str] = field(default_factory=Counter)  # by destination vault
    clamped_example: str = ""
    cold_dropped: int = 0
    cold_example: str = ""
    expired: int = 0  # copies that arrive already expired (--allow-expired)
    expired_example: str = ""

    def add(self, vault: str, verdict: CopyLifecycle, example: str) -> None:
        lifecycle = verdict.lifecycle
        if lifecycle is None:
            return
        self.sent += 1
        self.sent_example = self.sent_example or lifecycle.describe()
        if verdict.clamped:
            self.clamped[vault] += 1
            self.clamped_example = self.clamped_example or example
        if verdict.cold_dropped:
            self.cold_dropped += 1
            self.cold_example = self.cold_example or example
        if verdict.expired:
            self.expired += 1
            self.expired_example = self.expired_example or example


def _days(retention: int | None) -> str:
    return "never expires" if retention is None else f"keeps {retention} days"


def vault_locks(
    retentions: Mapping[tuple[str, int | None], int],
    examples: Mapping[tuple[str, int | None], str],
    existing: Mapping[str, Vault],
    clamped: Mapping[str, int],
) -> CheckResult:
    """`retentions`: planned copies by (destination vault, retention as AWS judges it: the
    DeleteAfterDays sent, else the source's; None: never expires). A locked vault fails the
    copy jobs outside its bounds, so any such copy FAILs the check; `clamped`: copies by vault
    whose DeleteAfterDays --fit-retention moved into the bounds."""
    outside: Counter[str] = Counter()
    planned: Counter[str] = Counter()
    example: dict[str, str] = {}
    locks: dict[str, RetentionBounds] = {}
    for (vault_name, retention), count in retentions.items():
        planned[vault_name] += count
        bounds = bounds_of(existing.get(vault_name))
        if bounds is None:
            continue
        locks[vault_name] = bounds
        if not bounds.admits(retention):
            outside[vault_name] += count
            example.setdefault(
                vault_name,
                f"{examples[(vault_name, retention)]} {_days(retention)}, lock allows "
                f"{bounds.text()}",
            )
    fitted = sum(clamped.values())
    if outside:
        return CheckResult(
            LOCKS,
            Outcome.FAIL,
            "; ".join(
                f"{vault}: {count:,} of {planned[vault]:,} copies outside the lock "
                f"({example[vault]})"
                for vault, count in sorted(outside.items())
            ),
            "add --fit-retention (each copy's DeleteAfterDays clamped into its vault's bounds), "
            "or give --delete-after-days within the lock's bounds",
        )
    if fitted:
        return CheckResult(
            LOCKS,
            Outcome.PASS,
            f"every copy's retention fits its vault's lock; {fitted:,} copies' DeleteAfterDays "
            "clamped into it (--fit-retention): "
            + ", ".join(
                f"{vault} ({locks[vault].text()}) {count:,}"
                for vault, count in sorted(clamped.items())
                if vault in locks
            ),
        )
    return CheckResult(LOCKS, Outcome.PASS, "every copy's retention fits its vault's lock")


def copy_lifecycles(
    policy: LifecyclePolicy,
    facts: LifecycleFacts,
    counts: Mapping[Reason, int],
    excluded: Mapping[Reason, list[str]],
) -> CheckResult:
    """What the lifecycle flags do: the copies left out as would-expire (or, with
    --allow-expired, copied already expired), and cold transitions AWS's 90-day rule leaves
    out. WARNs only: nothing here fails a copy job."""
    if not policy.given:
        return CheckResult(LIFECYCLES, Outcome.PASS, "copies keep their source's lifecycle")
    warnings, fixes = [], []
    expiring = counts.get(Reason.WOULD_EXPIRE, 0)
    if expiring:
        shown = (excluded.get(Reason.WOULD_EXPIRE) or ["?"])[0]
        warnings.append(
            f"{expiring:,} copies would arrive already expired (e.g. {shown}): left out of the "
            "plan as would-expire"
        )
        fixes.append(
            "--allow-expired copies them anyway"
            + (
                " (with --fit-retention, a lock's MaxRetentionDays may be what ends them)"
                if policy.fit_retention
                else "; a larger --delete-after-days keeps them"
            )
        )
    if facts.expired:
        warnings.append(
            f"{facts.expired:,} copies arrive already expired (--allow-expired; e.g. "
            f"{facts.expired_example})"
        )
    if facts.cold_dropped:
        warnings.append(
            f"{facts.cold_dropped:,} copies sent without their cold-storage transition: "
            "DeleteAfterDays leaves under 90 days in cold storage (AWS's rule; e.g. "
            f"{facts.cold_example})"
        )
        fixes.append("a larger --delete-after-days, or a smaller --cold-after-days")
    if warnings:
        return CheckResult(LIFECYCLES, Outcome.WARN, "; ".join(warnings), "; ".join(fixes))
    if not facts.sent:
        return CheckResult(LIFECYCLES, Outcome.PASS, "copies keep their source's lifecycle")
    return CheckResult(
        LIFECYCLES,
        Outcome.PASS,
        f"{facts.sent:,} copies sent with their own Lifecycle (e.g. {facts.sent_example})",
    )
