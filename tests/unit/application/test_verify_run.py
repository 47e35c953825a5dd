"""`verify` over a run's routes: with a section per route, each Region against its own
destination Region, with its journal when the migration directory has one, a Region that fails
stopping only itself; in the one-Region form, the one route's refusals are the command's."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shuffle_aws_vaults.application.errors import RequestRefused
from shuffle_aws_vaults.application.routes import RouteRequest
from shuffle_aws_vaults.application.selection_stage import NothingSelected, SelectionRequest
from shuffle_aws_vaults.application.state_location import MigrationName, StateLocation
from shuffle_aws_vaults.application.verify import NO_JOURNAL
from shuffle_aws_vaults.application.verify_run import NOTHING_SELECTED, VerifyRun
from shuffle_aws_vaults.domain.copy_job import CopyJobInfo
from shuffle_aws_vaults.domain.errors import AccessDenied, AwsError
from shuffle_aws_vaults.domain.migration import MigrationState
from shuffle_aws_vaults.domain.plan import PlanItem
from shuffle_aws_vaults.domain.recovery_point import RecoveryPoint, Vault
from shuffle_aws_vaults.domain.selection import Selection
from shuffle_aws_vaults.domain.verification import Verdict
from tests.unit.application.route_fakes import FakeAccounts, FakeStates, RecordingNotices
from tests.unit.domain.factories import NOW, rp

SOURCE, DEST = "111111111111", "222222222222"
EAST, WEST = "us-east-1", "eu-west-1"
VAULT = "production-backups"


def vault_arn(account: str, region: str) -> str:
    return f"arn:aws:backup:{region}:{account}:backup-vault:{VAULT}"


def points(region: str, count: int) -> list[RecoveryPoint]:
    return [
        rp(
            arn=f"arn:aws:ec2:{region}::snapshot/snap-{i:04}",
            resource_arn=f"arn:aws:ec2:{region}:{SOURCE}:volume/vol-{i}",
            encryption_key_arn=None,
        )
        for i in range(count)
    ]


def copies(region: str, sources: list[RecoveryPoint]) -> list[RecoveryPoint]:
    """Each source's copy in the destination vault of `region`, as verify recognises one."""
    return [
        dataclasses.replace(
            source,
            arn=f"arn:aws:ec2:{region}::snapshot/snap-copy-{i:04}",
            source_vault_arn=vault_arn(SOURCE, region),
        )
        for i, source in enumerate(sources)
    ]


class Gateway:
    """A BackupGateway fake of one account in one Region; `error` is what listing its
    recovery points meets."""

    def __init__(
        self, account: str, region: str, items: list[RecoveryPoint], error: AwsError | None = None
    ) -> None:
        self._account, self._region = account, region
        self.items = items
        self.error = error

    @property
    def account_id(self) -> str:
        return self._account

    @property
    def region(self) -> str:
        return self._region

    def list_vaults(self) -> list[Vault]:
        return [Vault(VAULT, vault_arn(self._account, self._region), len(self.items))]

    def iter_recovery_points(
        self, vault_name: str, *, resource_arn: str | None = None
    ) -> Iterator[RecoveryPoint]:
        if self.error is not None:
            raise self.error
        return iter(self.items if vault_name == VAULT else [])

    def list_copy_jobs(self, **filters: Any) -> list[CopyJobInfo]:
        return []


class World:
    """Source and destination gateways per Region, and the Region pairs asked for."""

    def __init__(self) -> None:
        self.sources = {EAST: Gateway(SOURCE, EAST, points(EAST, 3))}
        self.sources[WEST] = Gateway(SOURCE, WEST, points(WEST, 2))
        self.dests = {r: Gateway(DEST, r, copies(r, g.items)) for r, g in self.sources.items()}
        self.accounts = FakeAccounts(self.sources, self.dests)
        self.notices = RecordingNotices()

    @property
    def asked(self) -> list[tuple[str, str | None]]:
        return self.accounts.asked

    @property
    def warnings(self) -> list[str]:
        return self.notices.warnings

    def verify(
        self,
        journals: dict[str, tuple[dict[str, Any], MigrationState]] | None = None,
        selection: Selection | None = None,
        *,
        sectioned: bool = True,
        state_file: Path | None = None,
    ) -> VerifyRun:
        request = SelectionRequest((VAULT,), False, selection or Selection())
        routes = RouteRequest((EAST, WEST)) if sectioned else RouteRequest()
        name = MigrationName(SOURCE, DEST, EAST, (VAULT,), False, None, Selection())
        directory = Path("/migration") if journals else None  # --state-dir, with journals in it
        location = StateLocation(state_file, directory, Path("/state"), name)
        found = {
            (location.route_journal(region, sectioned)): journal
            for region, journal in (journals or {}).items()
        }
        run = VerifyRun(
            request,
            routes,
            location,
            states=FakeStates(found),
            accounts=self.accounts,
            notices=self.notices,
            dest_vault=None,
            now=NOW,
        )
        run.plan()
        return run


def test_every_region_is_verified_against_its_own_destination_region() -> None:
    world = World()
    verify = world.verify()
    found = [(verdicts.region, item.check.verdict) for verdicts, item in verify.checks()]
    assert found == [(EAST, Verdict.VERIFIED)] * 3 + [(WEST, Verdict.VERIFIED)] * 2
    assert world.asked == [(EAST, EAST), (WEST, WEST)]
    assert verify.all_verified
    assert {r: v.mode for r, v in verify.routes.items()} == {EAST: NO_JOURNAL, WEST: NO_JOURNAL}


def test_a_region_denied_midway_stops_alone_and_the_run_is_not_verified() -> None:
    world = World()
    world.dests[EAST].error = AccessDenied("AccessDeniedException", "no", "ListRecoveryPoints")
    verify = world.verify()
    found = [(verdicts.region, item.check.verdict) for verdicts, item in verify.checks()]
    assert found == [(WEST, Verdict.VERIFIED)] * 2  # West is still verified
    east = verify.routes[EAST]
    assert east.error == "ListRecoveryPoints: AccessDeniedException: no"
    assert not east.verified and verify.routes[WEST].verified
    assert not verify.all_verified
    assert world.warnings == [f"Region {EAST} not verified: {east.error}"]


def test_a_region_stopped_before_its_checks_counts_against_the_run() -> None:
    world = World()
    verify = world.verify()
    verify.failed("ap-south-1", "ap-south-1", AccessDenied("AccessDeniedException", "no"))
    assert len(list(verify.checks())) == 5
    assert verify.routes["ap-south-1"].error == "AccessDeniedException: no"
    assert not verify.all_verified


def journal_state(sources: list[RecoveryPoint], held: list[RecoveryPoint]) -> MigrationState:
    """A journal whose every item was found already copied as `held` (same order)."""
    state = MigrationState(
        [
            PlanItem(
                source.arn,
                VAULT,
                source.resource_arn,
                source.resource_type,
                source.size_bytes,
                source.creation_date.timestamp(),
                vault_arn(DEST, EAST),
            )
            for source in sources
        ]
    )
    for i, copy in enumerate(held):
        state.adopt(i, copy.arn)
    return state


def test_a_journal_names_the_destination_region_it_copied_to() -> None:
    # Both Regions' copies in one destination vault: neither Region takes the other's copies
    # of its same-named vault for extras.
    world = World()
    west = world.sources[WEST].items
    went_east = copies(WEST, west)  # West's copies, made into us-east-1 by the journal's run
    world.dests[EAST].items = [*world.dests[EAST].items, *went_east]
    verify = world.verify({WEST: ({"dest_region": EAST}, journal_state(west, went_east))})
    found = [(v.region, v.dest_region, item.check.verdict) for v, item in verify.checks()]
    assert found == [(EAST, EAST, Verdict.VERIFIED)] * 3 + [(WEST, EAST, Verdict.VERIFIED)] * 2
    assert world.asked == [(EAST, EAST), (WEST, EAST)]
    assert verify.routes[WEST].mode == "journal /migration/eu-west-1.jsonl"
    assert world.warnings == [
        f"Region {WEST}: its journal copies to {EAST}, not {WEST}; verifying against {EAST}"
    ]


def test_nothing_to_verify_in_any_region_is_refused_after_a_warning_each() -> None:
    world = World()
    verify = world.verify(selection=Selection(resource_types=frozenset({"RDS"})))
    with pytest.raises(RequestRefused, match=r"nothing to verify: .* in Regions us-east-1, eu-"):
        list(verify.checks())
    assert {v.mode for v in verify.routes.values()} == {NOTHING_SELECTED}
    assert len(world.warnings) == 2 and all("nothing to verify" in w for w in world.warnings)


def test_one_region_form_refuses_nothing_to_verify_before_any_row() -> None:
    world = World()
    verify = world.verify(selection=Selection(resource_types=frozenset({"RDS"})), sectioned=False)
    with pytest.raises(NothingSelected, match=r"nothing to verify: no recovery point in account"):
        verify.checks()  # refused when asked, not when the first row is read
    assert world.warnings == []


def test_one_region_form_passes_an_aws_error_on_as_the_commands() -> None:
    world = World()
    world.dests[EAST].error = AccessDenied("AccessDeniedException", "no", "ListRecoveryPoints")
    with pytest.raises(AccessDenied):
        list(world.verify(sectioned=False).checks())


def test_one_region_form_warns_of_a_missing_state_file_it_was_given() -> None:
    world = World()
    verify = world.verify(sectioned=False, state_file=Path("/given/state.jsonl"))
    assert len(list(verify.checks())) == 3 and verify.all_verified
    assert world.warnings == [
        "no migration state at /given/state.jsonl: verifying by copy-job records and matching"
    ]
