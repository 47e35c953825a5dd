"""`verify`: every planned item against the destination, from listings (1,000 per page).

With a journal, the destination ARN of each completed item is known. Without one, copies are
found through ListCopyJobs (jobs into each destination vault) and, where job history has
expired, by resource ARN + creation date + source vault in the destination listing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from ..domain.copy_job import CopyJobInfo, newer
from ..domain.migration import MigrationState, Status
from ..domain.recovery_point import RecoveryPoint
from ..domain.verification import Check, Verdict, compare, match_key
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


def _dest_listing(dest: BackupGateway, vault: str) -> dict[str, RecoveryPoint]:
    return {rp.arn: rp for rp in dest.iter_recovery_points(vault)}


def verify_from_journal(
    state: MigrationState,
    sources: dict[str, RecoveryPoint],
    dest: BackupGateway,
) -> Iterator[ItemCheck]:
    """Each planned item; `sources` maps source ARN to its current listing (for the fields)."""
    listings: dict[str, dict[str, RecoveryPoint]] = {}
    seen: dict[str, set[str]] = {}
    for i, item in enumerate(state.items):
        vault = item.dest_vault_name
        if vault not in listings:
            listings[vault] = _dest_listing(dest, vault)
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
            check = compare(source, copy)
            seen[vault].add(dest_arn)
        yield ItemCheck(source, item.source_arn, vault, dest_arn, check)
    yield from _extras(listings, seen, {item.source_vault for item in state.items}, sources)


def verify_without_journal(
    sources: Iterable[RecoveryPoint],
    dest_vault_of: dict[str, str],
    source_vault_arns: dict[str, str],
    source_gateway: BackupGateway,
    dest: BackupGateway,
) -> Iterator[ItemCheck]:
    """Each selected source item, its copy found by job record or by matching."""
    items = list(sources)
    listings: dict[str, dict[str, RecoveryPoint]] = {}
    seen: dict[str, set[str]] = {}
    by_key: dict[str, dict[tuple[str, float, str], RecoveryPoint]] = {}
    completed: dict[str, CopyJobInfo] = {}  # source ARN -> its latest completed copy job
    for vault in sorted(set(dest_vault_of.values())):
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
    failures: dict[str, CopyJobInfo] = {}  # source ARN -> its latest failed copy job
    for job in source_gateway.list_copy_jobs():
        if job.state == "FAILED" and newer(job, failures.get(job.source_arn)):
            failures[job.source_arn] = job
    failed = {arn: job.message or job.state for arn, job in failures.items()}
    for rp in items:
        vault = dest_vault_of[rp.vault_name]
        dest_arn = jobs.get(rp.arn)
        copy = listings[vault].get(dest_arn) if dest_arn else None
        if copy is None:
            copy = by_key[vault].get(match_key(rp, source_vault_arns[rp.vault_name]))
        if copy is None and rp.arn in failed:
            check = Check(Verdict.FAILED, failed[rp.arn])
        else:
            check = compare(rp, copy)
        if copy is not None:
            seen[vault].add(copy.arn)
        yield ItemCheck(rp, rp.arn, vault, copy.arn if copy else dest_arn, check)
    sources_by_arn = {rp.arn: rp for rp in items}
    yield from _extras(listings, seen, set(source_vault_arns), sources_by_arn)


def _extras(
    listings: dict[str, dict[str, RecoveryPoint]],
    seen: dict[str, set[str]],
    source_vaults: set[str],
    sources: dict[str, RecoveryPoint],
) -> Iterator[ItemCheck]:
    """Destination recovery points copied from the source vaults that match no planned item."""
    for vault, listing in sorted(listings.items()):
        for arn, rp in listing.items():
            origin = (rp.source_vault_arn or "").rsplit(":", 1)[-1]
            if arn in seen[vault] or not rp.source_vault_arn or origin not in source_vaults:
                continue
            yield ItemCheck(
                None,
                "",
                vault,
                arn,
                Check(Verdict.EXTRA, f"copied from {origin}, matches no planned item"),
            )
