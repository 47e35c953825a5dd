"""AWS's copy job retry: a job hit by a system error stays in CREATED for up to 2 hours while AWS
retries it, then runs or fails. The engine must wait for it: no second StartCopyJob while it is
in CREATED, not on resume either, and no verdict on it before AWS gives one."""

from __future__ import annotations

from collections import Counter

from shuffle_aws_vaults.domain.events import Event, Intent, JobEnded, Submitted
from shuffle_aws_vaults.domain.migration import Status

from .copy_fakes import WALL_START, EngineRig, Outcome, independent_items, make_rig

RETRY_PHASE = 2 * 3600.0
INTERNAL_ERROR = "An internal error occurred."


def ended(rig: EngineRig) -> list[JobEnded]:
    events: list[JobEnded] = rig.journal.of_type(JobEnded)
    return events


def test_jobs_in_the_retry_phase_are_waited_for_never_started_again() -> None:
    items = independent_items(8)
    rig = make_rig(items, workers=4, default_duration=60.0)
    held = items[:3]
    for item in held:
        rig.gateway.retry_phases[item.source_arn] = RETRY_PHASE

    outcome = rig.run()

    assert outcome.reason == "finished"
    assert rig.gateway.new_jobs_by_source() == Counter({i.source_arn: 1 for i in items})
    assert all(call.new_job for call in rig.gateway.starts)
    assert [rig.state.status_of(i) for i in range(8)] == [Status.COMPLETED] * 8
    assert {event.state for event in ended(rig)} == {"COMPLETED"}
    held_jobs = {rig.gateway.jobs_for(item.source_arn)[0].job_id for item in held}
    finished = {e.job_id: e.at - WALL_START for e in ended(rig) if e.job_id in held_jobs}
    assert min(finished.values()) >= RETRY_PHASE + 60.0  # recorded only once AWS finished them
    # Silent in the listings for half an hour, they were described, and found CREATED.
    assert held_jobs <= set(rig.gateway.describes)
    assert outcome.unknown_states == Counter()


def test_a_job_that_fails_after_its_retry_phase_is_retried_as_a_new_attempt() -> None:
    items = independent_items(2)
    rig = make_rig(items, workers=2, default_duration=60.0, retry_delay=60.0)
    rig.gateway.retry_phases[items[0].source_arn] = RETRY_PHASE
    rig.gateway.fail_jobs(items[0].source_arn, INTERNAL_ERROR)

    outcome = rig.run()

    assert outcome.reason == "finished"
    starts = rig.gateway.starts_for(items[0].source_arn)
    assert [call.new_job for call in starts] == [True, True]
    assert starts[1].at >= RETRY_PHASE + 60.0  # only after AWS said FAILED
    assert rig.state.attempts[0] == 2
    assert rig.state.status_of(0) is Status.COMPLETED


def test_on_resume_a_job_still_in_its_retry_phase_is_watched_not_started_again() -> None:
    items = independent_items(2)
    history: list[Event] = [
        Intent(0, 1, WALL_START - 3600.0),
        Submitted(0, "job-00001", WALL_START - 3590.0),
        Intent(1, 1, WALL_START - 3000.0),  # its answer never reached the journal
    ]
    rig = make_rig(items, history=history, default_duration=60.0)
    first = rig.gateway.seed_job(items[0], 1, created=-3590.0, duration=60.0)
    second = rig.gateway.seed_job(
        items[1], 1, created=-2990.0, duration=60.0, outcome=Outcome("COMPLETED")
    )
    rig.gateway.jobs[first].started = RETRY_PHASE - 3590.0  # an hour of its retry phase left
    rig.gateway.jobs[second].started = RETRY_PHASE - 2990.0

    outcome = rig.run()

    assert outcome.reason == "finished"
    assert rig.gateway.starts == []
    assert rig.journal.events[0] == Submitted(1, second, WALL_START)  # found, adopted
    assert [(e.i, e.job_id, e.state) for e in ended(rig)] == [
        (0, first, "COMPLETED"),
        (1, second, "COMPLETED"),
    ]
    assert ended(rig)[0].at - WALL_START >= RETRY_PHASE - 3590.0 + 60.0
