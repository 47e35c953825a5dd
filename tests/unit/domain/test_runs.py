"""A migration's runs and its pace: run starts and ends folded into the state, the last hour's
completions kept, the rate over them and the ETA (the clock is a number passed in)."""

from __future__ import annotations

from shuffle_aws_vaults.domain.breakdown import bytes_of, completion, vault_pairs
from shuffle_aws_vaults.domain.events import Intent, JobEnded, Refused, RunEnded, RunStarted
from shuffle_aws_vaults.domain.migration import MigrationState
from shuffle_aws_vaults.domain.plan import PlanItem
from shuffle_aws_vaults.domain.runs import RATE_WINDOW, Run, RunLog, pace

from ..application.copy_fakes import GIB, plan_item

T0 = 1_700_000_000.0
OTHER_VAULT = "arn:aws:backup:us-east-1:222222222222:backup-vault:archive"


def items(count: int) -> list[PlanItem]:
    return [plan_item(f"snap-{n}", resource=f"vol-{n}") for n in range(count)]


def completed(state: MigrationState, i: int, at: float) -> None:
    state.apply(Intent(i, 1, at - 1))
    state.apply(JobEnded(i, f"job-{i}", "COMPLETED", at, dest_arn=f"copy-{i}"))


def test_a_run_start_and_end_are_one_run_with_its_stop_reason() -> None:
    state = MigrationState(items(2))
    state.apply(RunStarted(T0, "0.1.0", "shuffle-aws-vaults copy --resume"))
    completed(state, 0, T0 + 10)
    state.apply(RunEnded(T0 + 20, "runtime-limit", 1))
    (run,) = state.log.runs
    assert run == Run(T0, "0.1.0", "shuffle-aws-vaults copy --resume", T0 + 20, "runtime-limit", 1)
    assert run.document()["stop_reason"] == "runtime-limit"
    assert run.document()["end_time"] == "2023-11-14T22:13:40+00:00"


def test_a_run_killed_outright_keeps_no_end_and_the_next_run_is_its_own() -> None:
    state = MigrationState(items(1))
    state.apply(RunStarted(T0, "0.1.0", "a"))
    state.apply(RunStarted(T0 + 100, "0.2.0", "b"))
    state.apply(RunEnded(T0 + 200, "finished", 0))
    first, second = state.log.runs
    assert (first.ended, first.reason) == (None, None)
    assert (second.ended, second.reason, second.version) == (T0 + 200, "finished", "0.2.0")


def test_run_events_leave_the_items_as_they_are() -> None:
    state = MigrationState(items(2))
    before = dict(state.counts)
    state.apply(RunStarted(T0, "0.1.0", "copy"))
    state.apply(RunEnded(T0 + 1, "finished", 0))
    assert dict(state.counts) == before


def test_only_the_last_hour_of_completions_is_kept() -> None:
    log = RunLog()
    for n in range(5):
        log.completed(n, T0 + n * 1000.0)  # 0, 1000, ..., 4000 s
    assert [i for _, i in log.kept()] == [1, 2, 3, 4]  # within an hour of the newest (4000 s)
    assert all(at >= T0 + 4000 - RATE_WINDOW for at, _ in log.recent)


def test_the_rate_is_over_the_run_that_began_within_the_hour() -> None:
    state = MigrationState(items(10))
    state.apply(RunStarted(T0, "0.1.0", "copy"))
    for i in range(4):
        completed(state, i, T0 + 60 * (i + 1))
    found = pace(state.log, [GIB] * 10, now=T0 + 600, remaining=6, running=True)
    # 4 copies in the 10 minutes since the run began: 24 an hour, 6 left: 15 minutes
    assert found.window_seconds == 600.0
    assert (found.completed, found.bytes) == (4, 4 * GIB)
    assert found.per_hour == 24.0 and found.bytes_per_hour == 24.0 * GIB
    assert found.eta_seconds == 900.0


def test_the_rate_is_over_the_last_hour_only() -> None:
    state = MigrationState(items(10))
    state.apply(RunStarted(T0, "0.1.0", "copy"))
    completed(state, 0, T0 + 100)  # more than an hour ago by now
    for i in range(1, 4):
        completed(state, i, T0 + 7200 + i)
    found = pace(state.log, [1] * 10, now=T0 + 7200 + RATE_WINDOW / 2, remaining=6, running=True)
    assert found.window_seconds == RATE_WINDOW and found.completed == 3
    assert found.per_hour == 3.0 and found.eta_seconds == 7200.0


def test_a_run_that_ended_in_the_hour_is_timed_to_its_end() -> None:
    state = MigrationState(items(4))
    state.apply(RunStarted(T0, "0.1.0", "copy"))
    completed(state, 0, T0 + 100)
    completed(state, 1, T0 + 200)
    state.apply(RunEnded(T0 + 360, "stopped", 2))
    found = pace(state.log, [1] * 4, now=T0 + 1800, remaining=2, running=False)
    assert found.window_seconds == 360.0 and found.per_hour == 20.0  # 2 in 6 minutes
    assert found.eta_seconds == 360.0


def test_no_run_in_the_last_hour_has_no_rate_and_no_eta() -> None:
    state = MigrationState(items(4))
    state.apply(RunStarted(T0, "0.1.0", "copy"))
    completed(state, 0, T0 + 100)
    state.apply(RunEnded(T0 + 200, "stopped", 1))
    found = pace(state.log, [1] * 4, now=T0 + 2 * RATE_WINDOW, remaining=3, running=False)
    assert (found.per_hour, found.eta_seconds, found.completed) == (None, None, 0)


def test_a_run_with_nothing_completed_yet_has_a_rate_of_zero_and_no_eta() -> None:
    state = MigrationState(items(4))
    state.apply(RunStarted(T0, "0.1.0", "copy"))
    found = pace(state.log, [1] * 4, now=T0 + 60, remaining=4, running=True)
    assert found.per_hour == 0.0 and found.eta_seconds is None


def test_a_journal_from_before_runs_takes_the_whole_hour() -> None:
    state = MigrationState(items(4))
    completed(state, 0, T0 + 10)
    completed(state, 1, T0 + 20)
    found = pace(state.log, [1] * 4, now=T0 + 30, remaining=2, running=False)
    assert found.window_seconds == RATE_WINDOW and found.per_hour == 2.0
    assert pace(RunLog(), [], now=T0, remaining=2, running=False).per_hour is None


def test_bytes_add_up_to_the_plan() -> None:
    state = MigrationState(items(4))
    completed(state, 0, T0)
    state.apply(Refused(1, "InvalidParameterValueException", "no", T0))
    state.adopt(2, "copy-2")
    found = bytes_of(state)
    assert found == {
        "planned": 4 * GIB,
        "copied": GIB,
        "already_copied": GIB,
        "failed": GIB,
        "remaining": GIB,
    }
    assert found["planned"] == sum(v for k, v in found.items() if k != "planned")


def test_completion_per_vault_and_type_counts_each_state() -> None:
    plan = [
        plan_item("a", resource="v1", vault="prod"),
        plan_item("b", resource="v2", vault="prod", resource_type="RDS"),
        plan_item("c", resource="v3", vault="dev", dest_vault_arn=OTHER_VAULT),
    ]
    state = MigrationState(plan)
    completed(state, 0, T0)
    state.apply(Intent(1, 1, T0))
    by_vault, by_type = completion(state)
    assert list(by_vault) == ["dev", "prod"]
    assert by_vault["prod"]["planned"] == 2 and by_vault["prod"]["completed"] == 1
    assert by_vault["prod"]["in_flight"] == 1 and by_vault["prod"]["bytes_copied"] == GIB
    assert by_vault["dev"]["pending"] == 1 and by_vault["dev"]["destination_vaults"] == ["archive"]
    assert by_type["EBS"]["planned"] == 2 and by_type["RDS"]["in_flight"] == 1
    assert vault_pairs(by_vault) == [
        {"source": "dev", "destination": "archive"},
        {"source": "prod", "destination": "migrated"},
    ]
