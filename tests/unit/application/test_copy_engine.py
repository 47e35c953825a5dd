"""The copy engine on simulated time: exactly once, within the caps, resumable.

Every run here is driven by `copy_fakes.make_rig`: an InlineExecutor, a fake clock that only the
engine's waits move, an in-memory journal and a fake AWS that plays copy jobs on that clock.
"""

from __future__ import annotations

import errno
from collections import Counter
from itertools import pairwise

from shuffle_aws_vaults.application.engine_messages import StartAnswered
from shuffle_aws_vaults.domain.copy_job import Lifecycle
from shuffle_aws_vaults.domain.errors import (
    AccessDenied,
    AwsError,
    CredentialsExpired,
    ErrorCategory,
    Throttled,
)
from shuffle_aws_vaults.domain.events import Event, Intent, JobEnded, Refused, Submitted
from shuffle_aws_vaults.domain.migration import Status
from shuffle_aws_vaults.domain.plan import PlanItem

from .copy_fakes import (
    DEST_VAULT,
    ROLE,
    WALL_START,
    EngineRig,
    FakeClock,
    Outcome,
    chains,
    independent_items,
    make_rig,
    token_of,
)

INTERNAL_ERROR = "An internal error occurred."


def ended(rig: EngineRig, item: PlanItem) -> list[JobEnded]:
    index = rig.items.index(item)
    return [e for e in rig.journal.of_type(JobEnded) if e.i == index]


def seconds_in(event: JobEnded | Intent | Submitted) -> float:
    return FakeClock.elapsed_of(event.at)


def statuses(rig: EngineRig) -> Counter[str]:
    return Counter(rig.state.status_of(i).name for i in range(len(rig.items)))


# -- exactly once, within the caps ------------------------------------------------------------


def test_every_item_is_copied_exactly_once_by_one_accepted_start_and_one_completed_job() -> None:
    items = chains({"vol-a": 5, "vol-b": 3, "vol-c": 1}) + independent_items(21)
    rig = make_rig(items, workers=6)

    outcome = rig.run()

    assert outcome.reason == "finished"
    assert outcome.fatal is None
    assert statuses(rig) == Counter({"COMPLETED": 30})
    assert rig.gateway.new_jobs_by_source() == Counter({item.source_arn: 1 for item in items})
    assert all(call.answered for call in rig.gateway.starts)
    assert len(rig.gateway.starts) == 30
    completed = Counter(e.i for e in rig.journal.of_type(JobEnded) if e.state == "COMPLETED")
    assert completed == Counter(range(30))
    assert rig.state.dest_arns == {
        i: f"{DEST_VAULT}:recovery-point:{rig.state.job_ids[i]}" for i in range(30)
    }
    assert outcome.started_jobs == 30
    assert outcome.completed_this_run == 30
    assert outcome.elapsed == rig.clock.elapsed


def test_each_start_names_the_item_role_destination_lifecycle_and_first_attempts_token() -> None:
    lifecycles = [Lifecycle(400, 30), None, Lifecycle(365, clamped_from=-1)]
    items = [
        item._replace(lifecycle=lifecycle)
        for item, lifecycle in zip(independent_items(3), lifecycles, strict=True)
    ]
    rig = make_rig(items)

    rig.run()

    calls = {call.source_arn: call for call in rig.gateway.starts}
    for item in items:
        call = calls[item.source_arn]
        assert (call.dest_vault_arn, call.iam_role_arn, call.lifecycle, call.token) == (
            DEST_VAULT,
            ROLE,
            item.lifecycle,  # each copy's own, planned with it
            token_of(item, 1),
        )


def test_a_plan_made_before_lifecycles_were_planned_sends_the_flags_lifecycle_to_every_item() -> (
    None
):
    items = independent_items(3)  # no item holds a lifecycle
    lifecycle = Lifecycle(delete_after_days=400, cold_after_days=30)
    rig = make_rig(items, lifecycle=lifecycle)

    rig.run()

    assert [call.lifecycle for call in rig.gateway.starts] == [lifecycle] * 3


def test_the_journal_replays_to_exactly_the_state_the_engine_ended_with() -> None:
    items = chains({"vol-a": 4}) + independent_items(8)
    rig = make_rig(items, workers=3)
    rig.gateway.fail_jobs(items[5].source_arn, INTERNAL_ERROR)
    rig.gateway.fail_jobs(items[6].source_arn, "Access denied by the vault's access policy")

    rig.run()
    replayed = rig.replayed()

    assert replayed.status == rig.state.status
    assert replayed.attempts == rig.state.attempts
    assert replayed.job_ids == rig.state.job_ids
    assert replayed.failures == rig.state.failures
    assert replayed.dest_arns == rig.state.dest_arns
    assert (replayed.retries, rig.state.retries) == (1, 1)
    assert rig.journal.flushed == len(rig.journal.events)
    assert rig.journal.syncs >= 1


def test_never_more_than_workers_jobs_are_in_flight() -> None:
    items = independent_items(40)
    rig = make_rig(items, workers=5)
    rig.gateway.durations.update(
        {item.source_arn: 30.0 + (n * 37) % 200 for n, item in enumerate(items)}
    )

    rig.run()

    assert max(point.in_flight for point in rig.in_flight_trace()) == 5
    assert rig.gateway.max_running == 5
    assert statuses(rig) == Counter({"COMPLETED": 40})


def test_one_resource_never_has_two_jobs_at_once_and_its_chain_is_copied_oldest_first() -> None:
    items = chains({"vol-a": 6, "vol-b": 3, "vol-c": 1})
    rig = make_rig(items, workers=8)

    rig.run()

    assert max(point.busiest_resource for point in rig.in_flight_trace()) == 1
    assert rig.gateway.resource_overlaps == []
    assert rig.gateway.max_running == 3  # one per resource, though 8 were allowed
    for resource in ("vol-a", "vol-b", "vol-c"):
        chain = [item for item in items if item.resource_arn.endswith(resource)]
        started = [call.source_arn for call in rig.gateway.starts if call.new_job]
        assert [arn for arn in started if arn in {i.source_arn for i in chain}] == [
            item.source_arn for item in sorted(chain, key=lambda i: i.created)
        ]
    assert statuses(rig) == Counter({"COMPLETED": 10})


def test_with_one_worker_the_resource_with_the_most_remaining_work_always_goes_next() -> None:
    items = chains({"vol-short": 1, "vol-mid": 2, "vol-long": 4})
    rig = make_rig(items, workers=1)

    rig.run()

    resource_of = {item.source_arn: item.resource_arn for item in items}
    remaining = Counter(item.resource_arn for item in items)
    for call in rig.gateway.starts:
        chosen = resource_of[call.source_arn]
        assert remaining[chosen] == max(remaining.values()), f"{chosen} went before a longer one"
        remaining[chosen] -= 1
    assert rig.gateway.starts[0].source_arn == items[3].source_arn  # vol-long's oldest
    assert rig.gateway.max_running == 1


# -- AWS says slow down -----------------------------------------------------------------------


def test_after_limit_exceeded_the_in_flight_count_drops_to_what_ran_then_recovers() -> None:
    rig = make_rig(independent_items(300), workers=16, default_duration=100.0)
    rig.clock.at(150, lambda: rig.gateway.throttle_next(5))

    outcome = rig.run()

    refused_at = min(call.at for call in rig.gateway.starts if call.error)
    trace = rig.in_flight_trace()
    before = max(p.in_flight for p in trace if p.at < refused_at)
    recovered = max(p.in_flight for p in trace if p.at >= refused_at + 700)
    assert (before, recovered) == (16, 16)
    caps = [s.cap for s in rig.progress.samples if s.at > refused_at]
    # One lane (every item is EBS). Its cap follows what ran at each refusal (15 others in
    # flight at the first, then one fewer at each repeat of a parked item as jobs ended), not
    # halved; accepted submissions then bring it back.
    assert min(caps) == rig.engine.limits.cap("EBS").lowest == 11
    assert caps[-1] == 16
    assert rig.engine.limits.total.limit == 16  # one lane refused: not the account's limit
    assert (outcome.limit_refusals, outcome.submit_retries, outcome.throttles) == (5, 5, 0)
    assert rig.gateway.new_jobs_by_source() == Counter({i.source_arn: 1 for i in rig.items})
    assert statuses(rig) == Counter({"COMPLETED": 300})


def test_a_throttled_start_is_repeated_later_with_the_same_token() -> None:
    items = independent_items(1)
    rig = make_rig(items)
    rig.gateway.throttle_next(2, code="ThrottlingException")

    outcome = rig.run()

    calls = rig.gateway.starts
    assert [call.error for call in calls] == ["ThrottlingException", "ThrottlingException", None]
    assert {call.token for call in calls} == {token_of(items[0], 1)}
    assert calls[1].at - calls[0].at >= 5.0 * 2 * 0.8  # submit_retry_delay, jittered
    assert len(rig.intents_for(items[0])) == 1  # one intent; its call was repeated
    assert outcome.throttles == 2
    assert rig.state.status_of(0) is Status.COMPLETED


# -- lost answers, failed jobs, refusals ------------------------------------------------------


def test_a_start_whose_answer_was_lost_is_repeated_with_the_same_token_making_no_second_job() -> (
    None
):
    items = independent_items(2)
    rig = make_rig(items)
    rig.gateway.lose_answers(items[0].source_arn)

    outcome = rig.run()

    calls = rig.gateway.starts_for(items[0].source_arn)
    assert [(call.error, call.new_job) for call in calls] == [
        ("ConnectionError", True),
        (None, False),
    ]
    assert calls[0].token == calls[1].token == token_of(items[0], 1)
    assert calls[0].job_id == calls[1].job_id
    assert len(rig.gateway.jobs_for(items[0].source_arn)) == 1
    assert rig.state.job_ids[0] == calls[0].job_id
    assert rig.state.status_of(0) is Status.COMPLETED
    assert outcome.submit_retries == 1
    assert outcome.throttles == 0


def test_a_transiently_failed_job_is_retried_with_new_tokens_then_failed_with_awss_message() -> (
    None
):
    items = independent_items(1)
    rig = make_rig(items, max_job_attempts=3, retry_delay=60.0)
    rig.gateway.fail_jobs(items[0].source_arn, INTERNAL_ERROR, times=3)

    outcome = rig.run()

    calls = rig.gateway.starts
    assert [call.token for call in calls] == [token_of(items[0], n) for n in (1, 2, 3)]
    assert len(set(rig.gateway.jobs)) == 3
    endings = ended(rig, items[0])
    assert [(e.state, e.retry) for e in endings] == [
        ("FAILED", True),
        ("FAILED", True),
        ("FAILED", False),
    ]
    assert rig.state.status_of(0) is Status.FAILED
    failure = rig.state.failures[0]
    assert (failure.code, failure.message) == ("FAILED", INTERNAL_ERROR)
    assert rig.state.attempts[0] == 3
    assert rig.state.retries == 2
    # back-off: retry_delay, then twice that (each +-20 %)
    assert calls[1].at - seconds_in(endings[0]) >= 60.0 * 0.8
    assert calls[2].at - seconds_in(endings[1]) >= 120.0 * 0.8
    assert outcome.reason == "finished"


def test_a_job_that_fails_transiently_once_and_then_completes_is_completed() -> None:
    items = independent_items(1)
    rig = make_rig(items)
    rig.gateway.fail_jobs(items[0].source_arn, INTERNAL_ERROR, times=1)

    rig.run()

    assert [call.token for call in rig.gateway.starts] == [
        token_of(items[0], 1),
        token_of(items[0], 2),
    ]
    assert rig.state.status_of(0) is Status.COMPLETED
    assert rig.state.failures == {}
    assert rig.state.job_ids[0] == rig.gateway.starts[1].job_id


def test_a_job_failing_for_a_permanent_reason_is_failed_without_retry() -> None:
    items = independent_items(1)
    message = "Access denied: the destination vault's access policy does not allow the copy"
    rig = make_rig(items)
    rig.gateway.fail_jobs(items[0].source_arn, message)

    rig.run()

    assert len(rig.gateway.starts) == 1
    assert [(e.state, e.retry, e.message) for e in ended(rig, items[0])] == [
        ("FAILED", False, message)
    ]
    assert rig.state.failures[0].message == message
    assert rig.state.status_of(0) is Status.FAILED


def test_a_permanent_start_refusal_is_recorded_as_refused_and_not_retried() -> None:
    items = chains({"vol-a": 2})
    rig = make_rig(items)
    refusal = AwsError(
        "InvalidRequestException",
        "Recovery point is not in a copyable state",
        category=ErrorCategory.REFUSED,
    )
    rig.gateway.refuse(items[0].source_arn, refusal)

    outcome = rig.run()

    assert [call.error for call in rig.gateway.starts_for(items[0].source_arn)] == [
        "InvalidRequestException"
    ]
    refused = rig.journal.of_type(Refused)
    assert [(e.i, e.code, e.message) for e in refused] == [
        (0, "InvalidRequestException", "Recovery point is not in a copyable state")
    ]
    assert rig.state.status_of(0) is Status.FAILED
    assert rig.state.status_of(1) is Status.COMPLETED  # the resource's chain goes on
    assert (outcome.reason, outcome.submit_retries, outcome.started_jobs) == ("finished", 0, 1)


# -- stopping ---------------------------------------------------------------------------------


def test_max_runtime_stops_submitting_then_drains_the_jobs_in_flight() -> None:
    items = independent_items(10)
    rig = make_rig(items, workers=2, default_duration=100.0, max_runtime=150.0, drain=600.0)

    outcome = rig.run()

    assert outcome.reason == "runtime-limit"
    assert max(seconds_in(e) for e in rig.journal.of_type(Intent)) < 150.0
    assert statuses(rig) == Counter({"COMPLETED": 4, "PENDING": 6})
    assert rig.state.in_flight == 0
    assert len(rig.gateway.jobs) == 4  # each job started was tracked to its end
    assert 200.0 <= outcome.elapsed < 150.0 + 600.0


def test_a_drain_that_runs_out_leaves_the_jobs_in_flight_submitted_for_the_next_run() -> None:
    items = independent_items(4)
    rig = make_rig(items, workers=2, default_duration=1000.0, max_runtime=150.0, drain=30.0)

    outcome = rig.run()

    assert outcome.reason == "runtime-limit"
    assert statuses(rig) == Counter({"SUBMITTED": 2, "PENDING": 2})
    assert 180.0 <= outcome.elapsed <= 182.0
    assert rig.journal.flushed == len(rig.journal.events)


def test_one_stop_request_stops_submitting_and_tracks_the_jobs_in_flight_to_their_end() -> None:
    items = independent_items(10)
    rig = make_rig(items, workers=3, default_duration=100.0)
    rig.clock.at(150.0, rig.stop.request)

    outcome = rig.run()

    assert outcome.reason == "stopped"
    assert all(seconds_in(e) < 150.0 for e in rig.journal.of_type(Intent))
    assert statuses(rig) == Counter({"COMPLETED": 6, "PENDING": 4})
    started = {job.source_arn for job in rig.gateway.jobs.values()}
    completed = {rig.items[i].source_arn for i in rig.state.indexes(Status.COMPLETED)}
    assert started == completed
    assert outcome.elapsed >= 200.0  # the last jobs end at 200 s


def test_a_second_stop_request_interrupts_at_once_leaving_the_jobs_in_flight() -> None:
    items = independent_items(10)
    rig = make_rig(items, workers=3, default_duration=100.0)

    def press_twice() -> None:
        rig.stop.request("SIGINT")
        rig.stop.request("SIGINT")

    rig.clock.at(150.0, press_twice)

    outcome = rig.run()

    assert outcome.reason == "interrupted"
    assert 150.0 <= outcome.elapsed <= 151.0
    assert statuses(rig) == Counter({"COMPLETED": 3, "SUBMITTED": 3, "PENDING": 4})
    assert rig.journal.flushed == len(rig.journal.events)  # what happened is on file
    assert rig.stop.reason == "SIGINT"


# -- the journal first ------------------------------------------------------------------------


def test_every_intent_is_flushed_to_the_journal_before_its_start_copy_job_call() -> None:
    items = independent_items(12)
    rig = make_rig(items, workers=4)
    rig.gateway.lose_answers(items[1].source_arn)
    rig.gateway.fail_jobs(items[2].source_arn, INTERNAL_ERROR)
    rig.clock.at(50.0, lambda: rig.gateway.throttle_next(2))

    rig.run()

    attempt_of = {
        token_of(item, attempt): (i, attempt)
        for i, item in enumerate(items)
        for attempt in (1, 2, 3)
    }
    starts = [n for n, (what, _) in enumerate(rig.timeline) if what == "start"]
    assert len(starts) == len(rig.gateway.starts) > 12  # retries and repeats included
    for position in starts:
        _, (_, token) = rig.timeline[position]
        wanted = Intent(*attempt_of[token], at=0.0)
        appended = [
            n
            for n, (what, event) in enumerate(rig.timeline[:position])
            if what == "append"
            and isinstance(event, Intent)
            and (event.i, event.attempt) == (wanted.i, wanted.attempt)
        ]
        assert appended, f"no intent before the call at {position}"
        journal_index = rig.journal.events.index(rig.timeline[appended[-1]][1])
        flushes = [
            count
            for what, count in rig.timeline[appended[-1] : position]
            if what == "flush" and count > journal_index
        ]
        assert flushes, f"intent {wanted.i}/{wanted.attempt} was not flushed before its call"


def test_a_journal_that_cannot_be_written_stops_the_run_before_the_unflushed_intents_start() -> (
    None
):
    rig = make_rig(independent_items(3))
    rig.journal.fail_with = OSError(errno.ENOSPC, "No space left on device")

    outcome = rig.run()

    assert outcome.reason == "fatal"
    assert rig.gateway.starts == []
    assert len(rig.journal.of_type(Intent)) == 3
    assert outcome.fatal == (
        "cannot write the journal: No space left on device; nothing more was started"
    )


def test_the_journal_is_compacted_once_enough_events_have_accumulated() -> None:
    rig = make_rig(independent_items(12), workers=4, compact_every=10)

    rig.run()

    assert len(rig.journal.compactions) >= 2
    assert all(state is rig.state for state in rig.journal.compacted_states)
    completed = [counts[Status.COMPLETED] for counts in rig.journal.compactions]
    assert completed == sorted(completed)
    assert rig.journal.events_since_snapshot < 10 + 12  # compacted, then at most a round more


# -- resume -----------------------------------------------------------------------------------


def test_on_resume_an_unconfirmed_intent_whose_job_exists_is_adopted_without_a_new_start() -> None:
    items = independent_items(2)
    rig = make_rig(items, history=[Intent(0, 1, WALL_START - 100.0)])
    job_id = rig.gateway.seed_job(items[0], 1, created=-90.0, duration=200.0)

    outcome = rig.run()

    assert rig.gateway.starts_for(items[0].source_arn) == []
    assert rig.gateway.listings == [(items[0].source_arn, DEST_VAULT)]
    assert rig.journal.events[0] == Submitted(0, job_id, WALL_START)
    assert rig.state.status_of(0) is Status.COMPLETED
    assert rig.state.dest_arns[0] == f"{DEST_VAULT}:recovery-point:{job_id}"
    kinds = [what for what, _ in rig.timeline]
    assert kinds.index("list") < kinds.index("start")  # reconciled before submitting anew
    assert (outcome.reason, outcome.started_jobs) == ("finished", 1)


def test_on_resume_an_unconfirmed_intent_without_a_job_is_started_again_with_the_same_token() -> (
    None
):
    items = independent_items(1)
    rig = make_rig(items, history=[Intent(0, 1, WALL_START - 100.0)])

    rig.run()

    calls = rig.gateway.starts
    assert [(call.token, call.new_job) for call in calls] == [(token_of(items[0], 1), True)]
    assert rig.journal.of_type(Intent) == []  # the recorded intent is the one carried out
    assert rig.state.attempts[0] == 1
    assert rig.state.status_of(0) is Status.COMPLETED


def test_on_resume_an_unconfirmed_intent_whose_job_failed_is_adopted_and_retried() -> None:
    items = independent_items(1)
    rig = make_rig(items, history=[Intent(0, 1, WALL_START - 1000.0)])
    failed = rig.gateway.seed_job(
        items[0], 1, created=-990.0, duration=100.0, outcome=Outcome("FAILED", INTERNAL_ERROR)
    )

    rig.run()

    assert rig.journal.events[:2] == [
        Submitted(0, failed, WALL_START),
        JobEnded(0, failed, "FAILED", WALL_START, message=INTERNAL_ERROR, retry=True),
    ]
    assert [call.token for call in rig.gateway.starts] == [token_of(items[0], 2)]
    assert rig.state.status_of(0) is Status.COMPLETED


def test_on_resume_a_submitted_job_is_described_and_its_completion_recorded_at_once() -> None:
    items = independent_items(2)
    history: list[Event] = [
        Intent(0, 1, WALL_START - 7300.0),
        Submitted(0, "job-00001", WALL_START - 7290.0),
    ]
    rig = make_rig(items, history=history)
    job_id = rig.gateway.seed_job(items[0], 1, created=-7290.0, duration=100.0)

    rig.run()

    assert job_id == "job-00001"
    assert rig.gateway.describes[0] == job_id
    assert rig.gateway.listings == []  # a known job is described, not searched for
    assert rig.journal.events[0] == JobEnded(
        0, job_id, "COMPLETED", WALL_START, dest_arn=f"{DEST_VAULT}:recovery-point:{job_id}"
    )
    assert rig.gateway.starts_for(items[0].source_arn) == []
    assert rig.state.status_of(0) is Status.COMPLETED
    assert rig.state.status_of(1) is Status.COMPLETED


def test_a_job_listed_as_ended_before_its_start_answer_arrives_is_still_recorded_completed() -> (
    None
):
    # vol-a keeps tracking busy; snap-b's answer arrives 1500 s late, long after its job ended
    # and after vol-c's completion moved the listing window past snap-b's completion.
    a, b, c = independent_items(3)
    rig = make_rig([a, b, c], workers=3)
    rig.gateway.durations.update({a.source_arn: 5000.0, b.source_arn: 10.0, c.source_arn: 700.0})
    rig.mailbox.hold(lambda m: isinstance(m, StartAnswered) and m.i == 1, 1500.0)

    outcome = rig.run()

    job_b = rig.gateway.jobs_for(b.source_arn)[0]
    assert job_b.ends == 10.0
    windows = [after for at, after in rig.gateway.page_requests if 1000.0 <= at < 1500.0]
    assert windows
    assert all(after.timestamp() > WALL_START + job_b.ends for after in windows)  # not listed
    (end_b,) = ended(rig, b)
    assert end_b.state == "COMPLETED"
    assert 1500.0 <= seconds_in(end_b) <= 1501.0  # recorded as its answer arrived
    assert job_b.job_id not in rig.gateway.describes
    assert outcome.reason == "finished"


def test_a_repeated_start_answered_with_a_job_that_already_ended_is_described_soon() -> None:
    # snap-b's first answer is lost; its job ends at 10 s. The repeat comes ~1000 s later, after
    # vol-c's completion at 700 s moved the listing window past 10 s.
    a, b, c = independent_items(3)
    rig = make_rig([a, b, c], workers=3, submit_retry_delay=500.0)
    rig.gateway.durations.update({a.source_arn: 5000.0, b.source_arn: 10.0, c.source_arn: 700.0})
    rig.gateway.lose_answers(b.source_arn)

    outcome = rig.run()

    first, repeat = rig.gateway.starts_for(b.source_arn)
    assert (first.token, first.job_id) == (repeat.token, repeat.job_id)
    assert repeat.at > 700.0 + 10.0
    windows = [after for at, after in rig.gateway.page_requests if 800.0 <= at <= repeat.at]
    assert windows
    assert all(after.timestamp() > WALL_START + 10.0 for after in windows)  # no longer listed
    assert repeat.job_id in rig.gateway.describes
    (end_b,) = ended(rig, b)
    assert end_b.state == "COMPLETED"
    assert seconds_in(end_b) - repeat.at <= 2 * rig.settings.poll_interval
    assert outcome.reason == "finished"


def test_unknown_job_states_are_tolerated_and_counted() -> None:
    items = independent_items(1)
    history: list[Event] = [
        Intent(0, 1, WALL_START - 60.0),
        Submitted(0, "job-00001", WALL_START - 50.0),
    ]
    rig = make_rig(items, history=history)
    rig.gateway.active_states[items[0].source_arn] = "PAUSED"
    rig.gateway.seed_job(items[0], 1, created=-50.0, duration=150.0)

    outcome = rig.run()

    assert outcome.unknown_states == Counter({"PAUSED": 1})
    assert rig.state.status_of(0) is Status.COMPLETED
    assert outcome.reason == "finished"


# -- fatal ------------------------------------------------------------------------------------


def test_a_reconciliation_that_cannot_list_copy_jobs_is_fatal_and_starts_nothing() -> None:
    items = independent_items(2)
    rig = make_rig(items, history=[Intent(0, 1, WALL_START - 100.0)])
    rig.gateway.fail_listing(Throttled("ThrottlingException", "Rate exceeded", "ListCopyJobs"))

    outcome = rig.run()

    assert outcome.reason == "fatal"
    assert outcome.fatal is not None
    assert outcome.fatal.startswith("cannot reconcile unconfirmed copies:")
    assert rig.gateway.starts == []
    assert rig.state.status_of(0) is Status.INTENT
    assert len(rig.gateway.listings) == 5  # a transient failure is asked again, 5 times in all


def test_a_reconciliation_lookup_that_is_throttled_once_is_asked_again_and_the_run_goes_on() -> (
    None
):
    items = independent_items(2)
    rig = make_rig(items, history=[Intent(0, 1, WALL_START - 100.0)])
    rig.gateway.fail_listing(
        Throttled("ThrottlingException", "Rate exceeded", "ListCopyJobs"), times=1
    )

    outcome = rig.run()

    assert outcome.reason == "finished"
    assert len(rig.gateway.listings) == 2
    assert rig.state.counts[Status.COMPLETED] == 2
    assert rig.gateway.new_jobs_by_source() == Counter(
        {items[0].source_arn: 1, items[1].source_arn: 1}
    )


def test_a_poll_that_meets_expired_credentials_is_asked_again_and_the_run_goes_on() -> None:
    rig = make_rig(independent_items(3))
    expired = CredentialsExpired(
        "ExpiredTokenException", "The security token expired", "ListCopyJobs"
    )
    rig.gateway.fail_polls(expired, expired)

    outcome = rig.run()

    assert outcome.reason == "finished"
    assert rig.state.counts[Status.COMPLETED] == 3


def test_ten_expired_answers_in_a_row_to_polls_are_fatal() -> None:
    rig = make_rig(independent_items(3))
    expired = CredentialsExpired(
        "ExpiredTokenException", "The security token expired", "ListCopyJobs"
    )
    rig.gateway.fail_polls(*[expired] * 10)

    outcome = rig.run()

    assert outcome.reason == "fatal"
    assert outcome.fatal == f"credentials for the source account: {expired}"


def test_expired_source_credentials_on_start_are_fatal() -> None:
    items = independent_items(1)
    rig = make_rig(items)
    rig.gateway.refuse(
        items[0].source_arn, CredentialsExpired("ExpiredToken", "The token has expired")
    )

    outcome = rig.run()

    assert outcome.reason == "fatal"
    assert (
        outcome.fatal == "credentials for the source account: ExpiredToken: The token has expired"
    )
    assert rig.state.status_of(0) is Status.INTENT  # resumable: reconciled next run


# -- known defects ----------------------------------------------------------------------------


def test_while_only_a_retry_back_off_remains_the_engine_waits_instead_of_spinning() -> None:
    items = independent_items(1)
    rig = make_rig(items, retry_delay=60.0)
    rig.gateway.fail_jobs(items[0].source_arn, INTERNAL_ERROR)

    rig.run()

    assert rig.state.status_of(0) is Status.COMPLETED
    assert rig.mailbox.busy_waits == 0


def test_while_draining_an_overdue_repeat_of_a_start_does_not_make_the_engine_spin() -> None:
    a, b = independent_items(2)
    rig = make_rig([a, b], workers=2, max_runtime=20.0, drain=600.0)
    rig.gateway.durations[b.source_arn] = 300.0
    rig.gateway.lose_answers(a.source_arn, times=5)

    outcome = rig.run()

    assert outcome.reason == "runtime-limit"
    assert rig.state.status_of(1) is Status.COMPLETED
    assert rig.mailbox.busy_waits == 0


def test_on_resume_an_intent_for_a_later_attempt_does_not_adopt_the_earlier_failed_job() -> None:
    items = independent_items(1)
    history: list[Event] = [
        Intent(0, 1, WALL_START - 5000.0),
        Submitted(0, "job-00001", WALL_START - 4990.0),
        JobEnded(0, "job-00001", "FAILED", WALL_START - 4000.0, message=INTERNAL_ERROR, retry=True),
        Intent(0, 2, WALL_START - 3000.0),
    ]
    rig = make_rig(items, history=history, max_job_attempts=2)
    rig.gateway.seed_job(
        items[0], 1, created=-4990.0, duration=900.0, outcome=Outcome("FAILED", INTERNAL_ERROR)
    )

    rig.run()

    assert [call.token for call in rig.gateway.starts] == [token_of(items[0], 2)]
    assert rig.state.status_of(0) is Status.COMPLETED


def test_on_resume_a_job_whose_describe_failed_once_is_described_again_later() -> None:
    items = independent_items(1)
    history: list[Event] = [
        Intent(0, 1, WALL_START - 7300.0),
        Submitted(0, "job-00001", WALL_START - 7290.0),
    ]
    rig = make_rig(items, history=history, max_runtime=4000.0, drain=0.0)
    job_id = rig.gateway.seed_job(items[0], 1, created=-7290.0, duration=100.0)
    rig.gateway.fail_describe(
        job_id, Throttled("ThrottlingException", "Rate exceeded", "DescribeCopyJob"), times=1
    )

    outcome = rig.run()

    assert rig.gateway.describes.count(job_id) >= 2
    assert rig.state.status_of(0) is Status.COMPLETED
    assert outcome.reason == "finished"


def test_a_describe_failure_for_one_stale_job_does_not_discard_the_others_completions() -> None:
    a, b, c = independent_items(3)
    rig = make_rig([a, b, c], workers=3, max_runtime=4000.0, drain=0.0)
    rig.gateway.durations.update({a.source_arn: 5000.0, b.source_arn: 2500.0, c.source_arn: 2500.0})
    rig.gateway.fail_describe(
        "job-00001", AccessDenied("AccessDeniedException", "not authorized", "DescribeCopyJob")
    )

    rig.run()

    assert rig.gateway.jobs["job-00001"].source_arn == a.source_arn
    assert rig.state.status_of(1) is Status.COMPLETED
    assert rig.state.status_of(2) is Status.COMPLETED


# -- how often it polls -----------------------------------------------------------------------


def poll_gaps(rig: EngineRig) -> list[float]:
    times = [at for at, _ in rig.gateway.page_requests]
    return [round(b - a, 3) for a, b in pairwise(times)]


def test_while_items_wait_for_slots_short_jobs_free_it_polls_sooner_down_to_a_floor() -> None:
    rig = make_rig(independent_items(40), workers=4, default_duration=2.0, poll_interval=30.0)

    outcome = rig.run()

    assert outcome.reason == "finished"
    assert rig.state.counts[Status.COMPLETED] == 40
    gaps = poll_gaps(rig)
    assert gaps[0] == 30.0  # no rate known yet
    assert 5.0 in gaps  # slots waited on: about when they come free, but not below 5 s
    assert min(gaps) >= 5.0
    assert rig.clock.elapsed < 40 / 4 * 30.0  # sooner than polling every 30 s allows


def test_with_nothing_waiting_for_a_slot_it_polls_at_the_interval_given() -> None:
    rig = make_rig(independent_items(4), workers=8, default_duration=2.0, poll_interval=30.0)

    rig.run()

    assert set(poll_gaps(rig)) <= {30.0}


def test_long_jobs_keep_the_interval_given_even_when_items_wait() -> None:
    rig = make_rig(independent_items(12), workers=4, default_duration=600.0, poll_interval=30.0)

    rig.run()

    assert rig.state.counts[Status.COMPLETED] == 12
    assert set(poll_gaps(rig)) == {30.0}


def test_a_start_backing_off_after_a_transient_failure_hands_its_slot_to_the_next_item() -> None:
    a, b = independent_items(2)
    rig = make_rig([a, b], workers=1)
    rig.gateway.throttle_next(1, code="ThrottlingException")

    outcome = rig.run()

    first, second, *rest = rig.gateway.starts
    assert first.error == "ThrottlingException"
    assert second.source_arn != first.source_arn  # not waiting out the first one's back-off
    assert second.at - first.at < 5.0  # submit_retry_delay: the slot was free at once
    repeat = [call for call in rest if call.source_arn == first.source_arn]
    assert [call.token for call in repeat] == [first.token]  # same intent, same token, once
    assert outcome.reason == "finished"
    assert statuses(rig) == Counter({"COMPLETED": 2})
    assert rig.mailbox.busy_waits == 0  # its repeat was due long before a slot came free


def test_a_start_that_failed_after_aws_may_have_acted_keeps_its_slot() -> None:
    a, b = independent_items(2)
    rig = make_rig([a, b], workers=1)
    rig.gateway.lose_answers(a.source_arn)  # the job was created; the answer never came

    rig.run()

    calls = rig.gateway.starts
    assert [call.source_arn for call in calls[:2]] == [a.source_arn, a.source_arn]
    assert max(point.in_flight for point in rig.in_flight_trace()) <= 1
