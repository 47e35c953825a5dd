"""`verify`: every planned item against the destination, from listings (1,000 per page).

With a journal, the destination ARN of each completed item is known. Without one, copies are
found through ListCopyJobs (jobs into each destination vault) and, where job history has
expired, by resource ARN + creation date + source vault in the destination listing.
"""

from __future__ import annotations

import dataclasses
import functools
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from ..domain.composite import NestedPoints, check_nested
from ..domain.copy_job import CopyJobInfo, newer
from ..domain.migration import MigrationState, Status
from ..domain.recovery_point import RecoveryPoint, Vault
from ..domain.verification import Check, Verdict, compare, match_key
from .destinations import Destinations
from .discovery import Candidate
from .ports import BackupGateway


@dataclass(frozen=True, slots=True)
class ItemCheck:
    source: RecoveryPoint | None
    source_arn: str
    dest_vault: str
    dest_arn: str | None
    check: Check


@dataclass
class VerifyTally:
    verdicts: Counter[Verdict] = field(default_factory=Counter)
    mismatched_fields: Counter[str] = field(default_factory=Counter)

    def add(self, item: ItemCheck) -> None:
        self.verdicts[item.check.verdict] += 1
        if item.check.verdict is Verdict.MISMATCHED:
            for part in item.check.detail.split("; "):
                self.mismatched_fields[part.split(" ")[0]] += 1

    @property
    def all_verified(self) -> bool:
        return all(verdict is Verdict.VERIFIED for verdict in self.verdicts.elements())


NO_JOURNAL = "copy-job records and matching (no journal)"


def _dest_listing(dest: BackupGateway, vault: str) -> dict[str, RecoveryPoint]:
    return {rp.arn: rp for rp in dest.iter_recovery_points(vault)}


class _Checker:
    """compare's verdicts; a composite's copy is verified when its nested points' copies are
    there too (`nested`: the source's nested points; None: not checked). Each destination
    vault's nested points are indexed on first need."""

    def __init__(
        self, listings: dict[str, dict[str, RecoveryPoint]], nested: NestedPoints | None
    ) -> None:
        self._listings = listings
        self._nested = nested
        self._copies: dict[str, NestedPoints] = {}

    def check(self, source: RecoveryPoint, copy: RecoveryPoint | None, vault: str) -> Check:
        check = compare(source, copy)
        nested = self._nested
        if copy is None or nested is None or not source.is_parent:
            return check
        if check.verdict is not Verdict.VERIFIED:
            return check
        if vault not in self._copies:
            self._copies[vault] = NestedPoints.of_listing(self._listings[vault].values())
        return check_nested(nested.of(source.arn), self._copies[vault].of(copy.arn))


def verify_from_journal(
    state: MigrationState,
    sources: dict[str, RecoveryPoint],
    dest: BackupGateway | Destinations,
    origin: tuple[str, str] | None = None,
    nested: NestedPoints | None = None,
) -> Iterator[ItemCheck]:
    """Each planned item; `sources` maps source ARN to its current listing (for the fields),
    `nested` the nested points of its composites.
    `origin`: the source's (Region, account), so that copies of a same-named vault of another
    Region or account are not taken for extras. With several destinations (`Destinations`)
    each item's vault is listed in its own account, and named ACCOUNT/VAULT."""
    listings: dict[str, dict[str, RecoveryPoint]] = {}
    seen: dict[str, set[str]] = {}
    checker = _Checker(listings, nested)
    for i, item in enumerate(state.items):
        vault = item.dest_vault_name
        gateway: BackupGateway
        if not isinstance(dest, Destinations):
            gateway = dest
        else:
            gateway = dest.of_vault(item.dest_vault_arn)
            vault = f"{gateway.account_id}/{vault}"
        if vault not in listings:
            listings[vault] = _dest_listing(gateway, item.dest_vault_name)
            seen[vault] = set()
        source = sources.get(item.source_arn)
        status = Status(state.status[i])
        dest_arn = state.dest_arns.get(i)
        if status is Status.FAILED:
            failure = state.failures.get(i)
            check = Check(Verdict.FAILED, failure.message if failure else "")
        elif status not in (Status.COMPLETED, Status.ALREADY_COPIED) or dest_arn is None:
            check = Check(Verdict.MISSING, f"not copied yet ({status.name.lower()})")
        elif source is None:
            check = Check(Verdict.MISMATCHED, "the source recovery point no longer exists")
        else:
            copy = listings[vault].get(dest_arn)
            check = checker.check(source, copy, vault)
            seen[vault].add(dest_arn)
        yield ItemCheck(source, item.source_arn, vault, dest_arn, check)
    vaults = {item.source_vault for item in state.items}
    yield from _extras(listings, seen, vaults, sources, origin)


def verify_without_journal(
    sources: Iterable[RecoveryPoint],
    dest_vault_of: Callable[[RecoveryPoint], str],
    source_vault_arns: dict[str, str],
    source_gateway: BackupGateway,
    dest: BackupGateway,
    dest_vaults: Iterable[str] = (),
    nested: NestedPoints | None = None,
) -> Iterator[ItemCheck]:
    """Each selected source item, its copy found by job record or by matching (`dest_vaults`:
    listed besides those the items go to, for extras; `nested`: the nested points of the
    composites among them)."""
    items = list(sources)
    listings: dict[str, dict[str, RecoveryPoint]] = {}
    seen: dict[str, set[str]] = {}
    by_key: dict[str, dict[tuple[str, float, str], RecoveryPoint]] = {}
    completed: dict[str, CopyJobInfo] = {}  # source ARN -> its latest completed copy job
    for vault in sorted({*dest_vaults, *(dest_vault_of(rp) for rp in items)}):
        listings[vault] = _dest_listing(dest, vault)
        seen[vault] = set()
        by_key[vault] = {
            match_key(rp, rp.source_vault_arn or ""): rp for rp in listings[vault].values()
        }
        vault_arn = f"arn:aws:backup:{dest.region}:{dest.account_id}:backup-vault:{vault}"
        for job in source_gateway.list_copy_jobs(dest_vault_arn=vault_arn):
            if (
                job.state == "COMPLETED"
                and job.dest_arn
                and newer(job, completed.get(job.source_arn))
            ):
                completed[job.source_arn] = job
    jobs = {arn: str(job.dest_arn) for arn, job in completed.items()}
    checker = _Checker(listings, nested)
    failures: dict[str, CopyJobInfo] = {}  # source ARN -> its latest failed copy job
    for job in source_gateway.list_copy_jobs():
        if job.state == "FAILED" and newer(job, failures.get(job.source_arn)):
            failures[job.source_arn] = job
    failed = {arn: job.message or job.state for arn, job in failures.items()}
    for rp in items:
        vault = dest_vault_of(rp)
        dest_arn = jobs.get(rp.arn)
        copy = listings[vault].get(dest_arn) if dest_arn else None
        if copy is None:
            copy = by_key[vault].get(match_key(rp, source_vault_arns[rp.vault_name]))
        if copy is None and rp.arn in failed:
            check = Check(Verdict.FAILED, failed[rp.arn])
        else:
            check = checker.check(rp, copy, vault)
        if copy is not None:
            seen[vault].add(copy.arn)
        yield ItemCheck(rp, rp.arn, vault, copy.arn if copy else dest_arn, check)
    sources_by_arn = {rp.arn: rp for rp in items}
    origin = (source_gateway.region, source_gateway.account_id)
    yield from _extras(listings, seen, set(source_vault_arns), sources_by_arn, origin)


def verify_selection(
    state: MigrationState | None,
    included: list[RecoveryPoint],
    vaults: Sequence[Vault],
    source: BackupGateway,
    dest: BackupGateway | Destinations,
    dest_vault: str | None,
    routed: list[Candidate] | None = None,
    nested: NestedPoints | None = None,
) -> Iterator[ItemCheck]:
    """Each item to verify: with a journal (`state`) its every planned item, else each item the
    selection includes (`included`, of `vaults`), into `dest_vault` or the vault's namesake
    (with a route table, `routed`: the included candidates, each into its row's vault);
    `nested`: the nested points of the selection's composites."""
    if state is not None:
        planned = {item.source_arn for item in state.items}
        listed = {rp.arn: rp for rp in included if rp.arn in planned}
        if len(listed) < len(planned):  # planned items the selection no longer includes
            for vault in {item.source_vault for item in state.items} - {v.name for v in vaults}:
                for rp in source.iter_recovery_points(vault):
                    if rp.is_nested and nested is not None:
                        nested.add(rp)
                    listed[rp.arn] = rp
        origin = (source.region, source.account_id)
        return verify_from_journal(state, listed, dest, origin, nested)
    arns = {vault.name: vault.arn for vault in vaults}
    if isinstance(dest, Destinations):
        return _routed_without_journal(routed or [], arns, source, dest, nested)
    every = [dest_vault or vault.name for vault in vaults]
    return verify_without_journal(
        included, lambda rp: dest_vault or rp.vault_name, arns, source, dest, every, nested
    )


def _routed_without_journal(
    candidates: list[Candidate],
    arns: dict[str, str],
    source: BackupGateway,
    destinations: Destinations,
    nested: NestedPoints | None = None,
) -> Iterator[ItemCheck]:
    """No journal, a route table: each destination's items checked as one destination's, their
    vaults named ACCOUNT/VAULT."""
    home_region = destinations.home.region
    groups: dict[tuple[str, str], list[Candidate]] = {}
    for candidate in candidates:
        to = candidate.destination
        assert to is not None
        groups.setdefault(to.place(home_region), []).append(candidate)
    for place, group in sorted(groups.items()):
        vault_of = {c.rp.arn: c.destination.vault for c in group if c.destination}
        points = [c.rp for c in group]
        gateway = destinations.of(*place)
        vault_of_point = functools.partial(_row_vault, vault_of)
        for check in verify_without_journal(
            points, vault_of_point, arns, source, gateway, nested=nested
        ):
            yield dataclasses.replace(check, dest_vault=f"{place[0]}/{check.dest_vault}")


def _row_vault(vault_of: dict[str, str], rp: RecoveryPoint) -> str:
    return vault_of[rp.arn]


def _extras(
    listings: dict[str, dict[str, RecoveryPoint]],
    seen: dict[str, set[str]],
    source_vaults: set[str],
    sources: dict[str, RecoveryPoint],
    origin: tuple[str, str] | None,
) -> Iterator[ItemCheck]:
    """Destination recovery points copied from the source vaults (of the source's Region and
    account, when `origin` names them) that match no planned item."""
    for vault, listing in sorted(listings.items()):
        for arn, rp in listing.items():
            if arn in seen[vault] or not rp.source_vault_arn or rp.is_nested:
                continue  # (a nested point's copy counts under its composite's)
            # arn:PARTITION:backup:REGION:ACCOUNT:backup-vault:NAME
            parts = rp.source_vault_arn.split(":")
            name = parts[-1]
            if name not in source_vaults or (origin is not None and tuple(parts[3:5]) != origin):
                continue
            yield ItemCheck(
                None,
                "",
                vault,
                arn,
                Check(Verdict.EXTRA, f"copied from {name}, matches no planned item"),
            )
