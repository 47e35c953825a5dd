"""Planning consults the destination: items whose copy is already there are recorded as
ALREADY_COPIED (with the copy's ARN) and never submitted.

The journal is a cache of what AWS holds, not the record: a lost or mistyped state file, a
backup plan's copy rule, or an earlier tool's copies must not cost a second copy. Each
destination vault is listed once and streamed into an index; the source account's COMPLETED
copy jobs into each vault (while AWS still lists them) pick the exact copy where several match.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..domain.adoption import DestinationIndex
from ..domain.copy_job import CopyJobInfo, newer
from ..domain.migration import MigrationState, Status
from ..domain.plan import PlanItem
from ..domain.recovery_point import RecoveryPoint
from .destinations import Destinations
from .ports import BackupGateway


class ExistingCopies:
    """The copies the destination vaults hold, as found by one listing of each."""

    def __init__(
        self, source: BackupGateway, dest: BackupGateway, dest_vaults: Iterable[str]
    ) -> None:
        self._source = source
        self._dest = dest
        existing = {vault.name for vault in dest.list_vaults()}
        self.vaults = sorted(set(dest_vaults) & existing)
        self.index = DestinationIndex()
        for vault in self.vaults:
            self.index.add_vault(vault, dest.iter_recovery_points(vault))
        self._by_job: dict[tuple[str, str], str] | None = None
        self._source_prefix = f"arn:aws:backup:{source.region}:{source.account_id}:backup-vault:"

    def dest_vault_arn(self, name: str) -> str:
        dest = self._dest
        return f"arn:aws:backup:{dest.region}:{dest.account_id}:backup-vault:{name}"

    def _jobs(self) -> dict[tuple[str, str], str]:
        """(source ARN, destination vault ARN) -> destination ARN of a COMPLETED copy job;
        listed on first need, and only when the destination holds anything at all."""
        if self._by_job is None:
            latest: dict[tuple[str, str], CopyJobInfo] = {}
            for vault in self.vaults:
                vault_arn = self.dest_vault_arn(vault)
                for job in self._source.list_copy_jobs(dest_vault_arn=vault_arn, state="COMPLETED"):
                    key = (job.source_arn, vault_arn)
                    if job.parent_job_id is not None:
                        continue  # a composite's child job: its nested point is no item
                    if job.dest_arn and newer(job, latest.get(key)):
                        latest[key] = job
            self._by_job = {key: str(job.dest_arn) for key, job in latest.items()}
        return self._by_job

    def take(self, item: PlanItem) -> str | None:
        """The destination ARN of `item`'s copy (each copy is taken once), or None."""
        if self.index.points == 0:
            return None
        by_job = self._jobs().get((item.source_arn, item.dest_vault_arn))
        return self.index.take(item, self._source_prefix + item.source_vault, by_job)

    def take_point(self, rp: RecoveryPoint, dest_vault: str) -> str | None:
        """As take, for a listed recovery point bound for `dest_vault` (filter's count)."""
        item = PlanItem(
            rp.arn,
            rp.vault_name,
            rp.resource_arn,
            rp.resource_type,
            rp.size_bytes,
            rp.creation_date.timestamp(),
            self.dest_vault_arn(dest_vault),
        )
        return self.take(item)


@dataclass(frozen=True)
class AdoptionResult:
    adopted: int
    destination_points: int  # usable recovery points listed in the destination vaults
    vaults_listed: int


def adopt_existing_copies(
    state: MigrationState,
    source: BackupGateway,
    dest: BackupGateway | Destinations,
    candidates: Iterable[int] | None = None,
) -> AdoptionResult:
    """Mark the PENDING items (all, or those in `candidates`) whose copy the destination holds
    (with several destinations, each asked of the items bound for it)."""
    indexes = [
        i
        for i in (range(len(state)) if candidates is None else candidates)
        if state.status[i] == Status.PENDING
    ]
    places: list[tuple[BackupGateway, list[int]]]
    if isinstance(dest, Destinations):
        groups = dest.split((i, state.items[i]) for i in indexes)
        places = [(dest.of(*place), group) for place, group in groups.items()]
    else:
        places = [(dest, indexes)]
    adopted = points = listed = 0
    for gateway, group in places:
        copies = ExistingCopies(source, gateway, {state.items[i].dest_vault_name for i in group})
        for i in group:
            dest_arn = copies.take(state.items[i])
            if dest_arn is not None:
                state.adopt(i, dest_arn)
                adopted += 1
        points += copies.index.points
        listed += len(copies.vaults)
    return AdoptionResult(adopted, points, listed)
