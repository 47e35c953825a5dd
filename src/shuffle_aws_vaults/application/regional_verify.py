"""`verify` over several source Regions: each Region verified as one-Region verify does (with
its journal in the migration directory when there is one, else by copy-job records and
matching), against its own destination Region; a Region that fails stops only itself."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ..domain.errors import AwsError, CredentialsError
from ..domain.selection import SelectionTally
from .errors import OperatorError, RequestRefused
from .ports import BackupGateway, MigrationDirectory
from .regions import RegionScope
from .selection_stage import NothingSelected, SelectionSources, select
from .verify import NO_JOURNAL, ItemCheck, VerifyTally, verify_selection

# What stops a Region's verify, and only that Region's: AWS refusing a call (access denied,
# a Region off for the account), credentials that do not work there, a damaged journal.
REGION_FAILURES = (AwsError, CredentialsError, OperatorError)

NOTHING_SELECTED = "nothing selected"  # a Region's mode when it had no journal and no item

# A Region pair's source side (for the selection) and destination gateway.
RegionSide = Callable[[str, str], tuple[SelectionSources, BackupGateway]]


@dataclass
class RegionVerdicts:
    """One source Region's verify: where it looked, what it found, or why it stopped."""

    region: str
    dest_region: str
    mode: str = ""
    tally: VerifyTally = field(default_factory=VerifyTally)
    error: str | None = None

    @property
    def verified(self) -> bool:
        return self.error is None and self.tally.all_verified


class RegionalVerify:
    """Each Region's item checks in turn (`checks()`), its verdicts kept in `regions`."""

    def __init__(
        self,
        scopes: Sequence[RegionScope],
        *,
        directory: MigrationDirectory,
        side: RegionSide,
        dest_vault: str | None,
        now: datetime,
        warn: Callable[[str], None],
    ) -> None:
        self._scopes = list(scopes)
        self._directory = directory
        self._side = side
        self._dest_vault = dest_vault
        self._now = now
        self._warn = warn
        self.regions: dict[str, RegionVerdicts] = {}
        self._nothing: list[str] = []  # Regions with no journal and nothing selected

    def failed(self, region: str, dest_region: str, error: Exception) -> None:
        """A Region that stopped before its checks (its vaults could not be listed)."""
        self.regions[region] = RegionVerdicts(region, dest_region, error=str(error))

    @property
    def all_verified(self) -> bool:
        return all(verdicts.verified for verdicts in self.regions.values())

    def checks(self) -> Iterator[tuple[RegionVerdicts, ItemCheck]]:
        """Every Region's checks, each counted in its Region's verdicts. A Region that fails
        midway keeps what it found and says why it stopped; the next one goes on. Refused at
        the end when no Region had anything to verify."""
        for scope in self._scopes:
            verdicts = RegionVerdicts(scope.region, scope.dest_region)
            self.regions[scope.region] = verdicts
            try:
                for item in self._region(scope, verdicts):
                    verdicts.tally.add(item)
                    yield verdicts, item
            except REGION_FAILURES as exc:
                verdicts.error = str(exc)
                self._warn(f"Region {scope.region} not verified: {exc}")
        checked = [v for v in self.regions.values() if v.error or v.region not in self._nothing]
        if not checked:
            raise RequestRefused(
                "nothing to verify: no journal and no recovery point matching the selection "
                f"in Regions {', '.join(self._nothing)}"
            )

    def _region(self, scope: RegionScope, verdicts: RegionVerdicts) -> Iterator[ItemCheck]:
        store = self._directory.store(scope.region)
        state = None
        verdicts.mode = NO_JOURNAL
        if store.exists():
            identity, state = store.read()
            verdicts.mode = f"journal {store.journal_path}"
            recorded = identity.get("dest_region")
            if recorded and recorded != scope.dest_region:
                self._warn(
                    f"Region {scope.region}: its journal copies to {recorded}, not "
                    f"{scope.dest_region}; verifying against {recorded}"
                )
                verdicts.dest_region = str(recorded)
        sources, dest = self._side(scope.region, verdicts.dest_region)
        source = sources.source
        selected = SelectionTally()
        scanned = select(
            scope.request,
            sources,
            cross_account=source.account_id != dest.account_id,
            now=self._now,
            tally=selected,
        )
        included = [candidate.rp for candidate in scanned.candidates if candidate.included]
        if not included and state is None:
            self._nothing.append(scope.region)
            verdicts.mode = NOTHING_SELECTED
            if scope.vaults:  # else region_scopes warned of the Region without the vaults
                self._warn(
                    str(
                        NothingSelected(
                            "verify", source.account_id, source.region, scanned.vaults, selected
                        )
                    )
                )
            return
        yield from verify_selection(state, included, scanned.vaults, source, dest, self._dest_vault)
