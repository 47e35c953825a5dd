"""The engine journals each destination vault as AWS reports it in completed copy jobs (its
type, lock state and key): once per vault while it stays the same, again when it changes."""

from __future__ import annotations

from dataclasses import dataclass, replace

from shuffle_aws_vaults.application.run_control import StopSignal
from shuffle_aws_vaults.domain.copy_job import CopyJobInfo
from shuffle_aws_vaults.domain.events import Landed
from shuffle_aws_vaults.domain.migration import Landing, MigrationState

from .copy_fakes import (
    TEST_SETTINGS,
    EngineRig,
    FakeClock,
    FakeCopyGateway,
    FakeJob,
    FakeJournal,
    FakeMailbox,
    RecordingProgress,
    independent_items,
    state_after,
)

LAG = "LOGICALLY_AIR_GAPPED_BACKUP_VAULT"


@dataclass
class ReportingJob(FakeJob):
    vault_type: str = LAG
    lock_state: str | None = "LOCKED"

    def info(self, elapsed: float) -> CopyJobInfo:
        return replace(
            super().info(elapsed), dest_vault_type=self.vault_type, dest_lock_state=self.lock_state
        )


class ReportingGateway(FakeCopyGateway):
    """The fake AWS, whose jobs report their destination vault; the first `unlocked` jobs find
    it UNLOCKED (a lock set mid-migration)."""

    def __init__(self, clock: FakeClock, unlocked: int = 0, **kwargs: object) -> None:
        super().__init__(clock, **kwargs)  # type: ignore[arg-type]
        self.unlocked = unlocked

    def _new_job(
        self,
        source_arn: str,
        dest_vault_arn: str,
        token: str,
        created: float,
        duration: float | None,
    ) -> FakeJob:
        job = super()._new_job(source_arn, dest_vault_arn, token, created, duration)
        lock = "UNLOCKED" if len(self.jobs) <= self.unlocked else "LOCKED"
        reporting = ReportingJob(**vars(job), lock_state=lock)
        self.jobs[job.job_id] = reporting
        return reporting


def rig_of(count: int, unlocked: int = 0) -> EngineRig:
    items = independent_items(count)
    clock = FakeClock()
    timeline: list[tuple[str, object]] = []
    return EngineRig(
        items=items,
        history=[],
        state=state_after(items, []),
        clock=clock,
        mailbox=FakeMailbox(clock),
        journal=FakeJournal(timeline),
        gateway=ReportingGateway(clock, unlocked, items=items, timeline=timeline),
        stop=StopSignal(),
        progress=RecordingProgress(clock),
        settings=replace(TEST_SETTINGS, workers=1),
        timeline=timeline,
    )


def test_a_vault_as_aws_reports_it_is_journalled_once_not_per_item() -> None:
    rig = rig_of(6)
    assert rig.run().reason == "finished"
    landed = rig.journal.of_type(Landed)
    vaults = {item.dest_vault_arn for item in rig.items}
    assert sorted(event.vault_arn for event in landed) == sorted(vaults)
    assert {(e.vault_type, e.lock_state) for e in landed} == {(LAG, "LOCKED")}
    assert rig.state.landings == dict.fromkeys(vaults, Landing(LAG, "LOCKED", None))


def test_a_change_in_what_aws_reports_is_journalled_again() -> None:
    rig = rig_of(4, unlocked=2)  # one at a time: two jobs see it unlocked, then locked
    rig.run()
    vault = rig.items[0].dest_vault_arn
    locks = [e.lock_state for e in rig.journal.of_type(Landed) if e.vault_arn == vault]
    assert locks == ["UNLOCKED", "LOCKED"]


def test_replaying_the_journal_gives_the_same_landings() -> None:
    rig = rig_of(3)
    rig.run()
    replayed = MigrationState(list(rig.items))
    for event in rig.journal.events:
        replayed.apply(event)
    assert replayed.landings == rig.state.landings
