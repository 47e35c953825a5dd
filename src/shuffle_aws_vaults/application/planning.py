"""From a selection scan to a fixed plan, with the summary a --dry-run prints."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ..domain.copy_job import Lifecycle
from ..domain.eta import job_seconds  # AWS publishes no copy speed: the sandbox's figures
from ..domain.lanes import Lanes, TypeLimit
from ..domain.plan import PlanItem, order_items
from ..domain.selection import SelectionTally
from .discovery import Candidate


@dataclass
class PlanSummary:
    items: int = 0
    bytes: int = 0
    by_vault: Counter[str] = field(default_factory=Counter)
    bytes_by_vault: Counter[str] = field(default_factory=Counter)
    by_type: Counter[str] = field(default_factory=Counter)
    bytes_by_type: Counter[str] = field(default_factory=Counter)
    by_apmid: Counter[str] = field(default_factory=Counter)
    # --route-csv: items and bytes by destination ("ACCOUNT VAULT", with the Region when not
    # the route's)
    by_destination: Counter[str] = field(default_factory=Counter)
    bytes_by_destination: Counter[str] = field(default_factory=Counter)
    tally: SelectionTally = field(default_factory=SelectionTally)
    lifecycle_clamped: int = 0  # copies whose DeleteAfterDays --fit-retention moved
    cold_dropped: int = 0  # copies sent without a cold transition under 90 days before expiry


def build_plan(
    candidates: Iterable[Candidate],
    dest_vault_arn: Callable[[Candidate], str],
    tally: SelectionTally,
    *,
    newest_first: bool = False,
) -> tuple[list[PlanItem], PlanSummary]:
    """The included candidates as ordered plan items, and what they add up to."""
    summary = PlanSummary(tally=tally)
    items: list[PlanItem] = []
    # Vault, resource, type and destination names repeat: one string each, not one per item;
    # so do lifecycles.
    shared: dict[str, str] = {}
    one = shared.setdefault
    lifecycles: dict[Lifecycle, Lifecycle] = {}
    for candidate in candidates:
        if not candidate.included:
            continue
        rp = candidate.rp
        verdict = candidate.lifecycle
        lifecycle = None
        if verdict is not None and verdict.lifecycle is not None:
            lifecycle = lifecycles.setdefault(verdict.lifecycle, verdict.lifecycle)
            summary.lifecycle_clamped += verdict.clamped
            summary.cold_dropped += verdict.cold_dropped
        items.append(
            PlanItem(
                source_arn=rp.arn,
                source_vault=one(rp.vault_name, rp.vault_name),
                resource_arn=one(rp.resource_arn, rp.resource_arn),
                resource_type=one(rp.resource_type, rp.resource_type),
                size_bytes=rp.size_bytes,
                created=rp.creation_date.timestamp(),
                dest_vault_arn=one(dest := dest_vault_arn(candidate), dest),
                lifecycle=lifecycle,
            )
        )
        summary.items += 1
        summary.bytes += rp.size_bytes
        summary.by_vault[rp.vault_name] += 1
        summary.bytes_by_vault[rp.vault_name] += rp.size_bytes
        summary.by_type[rp.resource_type] += 1
        summary.bytes_by_type[rp.resource_type] += rp.size_bytes
        if candidate.metadata is not None:
            summary.by_apmid[candidate.metadata.get("APMID", "")] += 1
        to = candidate.destination
        if to is not None:
            where = f"{to.account} {to.vault}" + (f" ({to.region})" if to.region else "")
            summary.by_destination[where] += 1
            summary.bytes_by_destination[where] += rp.size_bytes
    return order_items(items, newest_first=newest_first), summary


@dataclass(frozen=True)
class Estimate:
    """AWS's lower bound on a plan's duration, and what sets it."""

    seconds: float
    bound_by: str  # "the copy quota", "EBS's limit of 20", "the longest resource chain"


def estimate_seconds(
    items: list[PlanItem], concurrency: int, limits: tuple[TypeLimit, ...] = ()
) -> Estimate:
    """max(total job time / concurrency, each limited type group's job time / its limit, the
    longest per-resource chain): no schedule can beat any of them."""
    if not items:
        return Estimate(0.0, "nothing to copy")
    lanes = Lanes(limits)
    chains: dict[str, float] = defaultdict(float)
    by_lane: dict[str, float] = defaultdict(float)
    total = 0.0
    for item in items:
        seconds = job_seconds(item)
        chains[item.resource_arn] += seconds
        by_lane[lanes.lane(item.resource_type)] += seconds
        total += seconds
    bounds = [(total / max(1, concurrency), f"{concurrency} concurrent copies")]
    for lane, ceiling in lanes.ceilings.items():
        if by_lane.get(lane):
            bounds.append((by_lane[lane] / ceiling, f"{lane}'s limit of {ceiling}"))
    bounds.append((max(chains.values()), "the longest resource chain"))
    seconds, what = max(bounds, key=lambda bound: bound[0])
    return Estimate(seconds, what)
