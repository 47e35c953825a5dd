"""The copy engine over composite recovery points: StartCopyJob on a composite makes AWS start a
child job per nested point, and those jobs show in every ListCopyJobs poll. The engine submits
and tracks the parent jobs only: a child job ending (before its parent, or while the parent's
StartCopyJob answer is on its way) neither completes nor fails an item."""

from __future__ import annotations

from dataclasses import dataclass, replace

from shuffle_aws_vaults.application.run_control import StopSignal
from shuffle_aws_vaults.domain.copy_job import CopyJobInfo
from shuffle_aws_vaults.domain.events import JobEnded, Submitted
from shuffle_aws_vaults.domain.migration import Status

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

NESTED = 3
PARTIAL_MESSAGE = (
    "1 of 3 nested copy jobs did not complete. Copy job failed. Cross-account copy is not "
    "supported for this resource type."
)


@dataclass
class ChildJob(FakeJob):
    parent_job_id: str = ""

    def info(self, elapsed: float) -> CopyJobInfo:
        return replace(super().info(elapsed), parent_job_id=self.parent_job_id)


class CompositeGateway(FakeCopyGateway):
    """The fake AWS, where every new job of a composite (`composites`) starts NESTED child
    jobs of its nested points, each ending before the parent does."""

    def __init__(self, clock: FakeClock, composites: set[str], **kwargs: object) -> None:
        super().__init__(clock, **kwargs)  # type: ignore[arg-type]
        self.composites = composites

    def _new_job(
        self,
        source_arn: str,
        dest_vault_arn: str,
        token: str,
        created: float,
        duration: float | None,
    ) -> FakeJob:
        parent = super()._new_job(source_arn, dest_vault_arn, token, created, duration)
        if source_arn in self.composites:
            for n in range(NESTED):
                child = ChildJob(
                    job_id=f"{parent.job_id}-child-{n}",
                    source_arn=f"{source_arn}-nested-{n}",
                    dest_vault_arn=dest_vault_arn,
                    token="",
                    created=created,
                    duration=parent.duration * (n + 1) / (NESTED + 1),
                    parent_job_id=parent.job_id,
                )
                self.jobs[child.job_id] = child
        return parent


def composite_rig(count: int, composites: int, **settings: object) -> EngineRig:
    items = independent_items(count)
    clock = FakeClock()
    chosen = {item.source_arn for item in items[:composites]}
    timeline: list[tuple[str, object]] = []
    return EngineRig(
        items=items,
        history=[],
        state=state_after(items, []),
        clock=clock,
        mailbox=FakeMailbox(clock),
        journal=FakeJournal(timeline),
        gateway=CompositeGateway(clock, chosen, items=items, timeline=timeline),
        stop=StopSignal(),
        progress=RecordingProgress(clock),
        settings=replace(TEST_SETTINGS, **settings),  # type: ignore[arg-type]
        timeline=timeline,
    )


def test_composites_are_submitted_once_each_and_complete_with_their_parent_jobs() -> None:
    rig = composite_rig(8, composites=5)
    outcome = rig.run()
    gateway = rig.gateway
    assert outcome.reason == "finished"
    assert sorted(gateway.new_jobs_by_source()) == sorted(item.source_arn for item in rig.items)
    assert set(gateway.new_jobs_by_source().values()) == {1}
    children = [job for job in gateway.jobs.values() if isinstance(job, ChildJob)]
    assert len(children) == 5 * NESTED  # they were there, in every poll
    ends = rig.journal.of_type(JobEnded)
    assert sorted(e.job_id for e in ends) == sorted(
        job.job_id for job in gateway.jobs.values() if not isinstance(job, ChildJob)
    )
    for i, item in enumerate(rig.items):
        [job] = gateway.jobs_for(item.source_arn)
        assert rig.state.status_of(i) is Status.COMPLETED
        assert rig.state.dest_arns[i] == f"{job.dest_vault_arn}:recovery-point:{job.job_id}"
    assert {e.job_id for e in rig.journal.of_type(Submitted)} <= {
        job.job_id for job in gateway.jobs.values() if not isinstance(job, ChildJob)
    }


def test_a_partial_parent_job_fails_its_item_with_awss_word_and_a_permanent_cause_is_final() -> (
    None
):
    rig = composite_rig(2, composites=2)
    first, second = rig.items
    rig.gateway.fail_jobs(first.source_arn, PARTIAL_MESSAGE, state="PARTIAL")
    rig.gateway.fail_jobs(
        second.source_arn,
        "1 of 3 nested copy jobs did not complete. An internal error occurred.",
        state="PARTIAL",
    )
    rig.run()
    assert rig.state.status_of(0) is Status.FAILED
    failure = rig.state.failures[0]
    assert (failure.code, failure.message) == ("PARTIAL", PARTIAL_MESSAGE)
    assert len(rig.gateway.jobs_for(first.source_arn)) == 1  # not supported: no retry
    assert rig.state.status_of(1) is Status.COMPLETED  # a transient cause: copied again
    assert len(rig.gateway.jobs_for(second.source_arn)) == 2
