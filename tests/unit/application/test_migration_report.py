"""Which migration a summary and `status` describe: the runs a copy records, the sections built
from the state (one route's, and their totals), `status`'s last run, rate and ETA at an
injected clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from shuffle_aws_vaults.application.copy_request import CopyRequest
from shuffle_aws_vaults.application.engine_context import RunOutcome
from shuffle_aws_vaults.application.migration_report import (
    UNRECORDED,
    migration_sections,
    total_sections,
)
from shuffle_aws_vaults.application.run_records import record_end, record_start
from shuffle_aws_vaults.application.selection_stage import SelectionRequest
from shuffle_aws_vaults.application.status import merge_reports, status_document
from shuffle_aws_vaults.domain.events import Intent, JobEnded, RunEnded, RunStarted
from shuffle_aws_vaults.domain.migration import MigrationState
from shuffle_aws_vaults.domain.selection import Selection

from .copy_fakes import GIB, FakeJournal, plan_item

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
IDENTITY = {
    "source_account": "111111111111",
    "dest_account": "222222222222",
    "source_region": "us-east-1",
    "dest_region": "eu-west-1",
    "vaults": ["prod"],
    "created": "2026-12-01T10:00:00+00:00",
}
INTO = "arn:aws:backup:eu-west-1:222222222222:backup-vault:prod-copy"
PATH = Path("/srv/state.jsonl")
ONE = [plan_item("snap-1", dest_vault_arn=INTO)]
REQUEST = CopyRequest(
    SelectionRequest(("prod",), False, Selection()),
    command_line="shuffle-aws-vaults copy",
    tool_version="0.1.0",
)


def at(minutes: float) -> float:
    return (NOW + timedelta(minutes=minutes)).timestamp()


def migration(done: int, total: int = 6) -> MigrationState:
    """`done` of `total` items copied, one a minute from 30 minutes ago, by a run that began
    40 minutes ago and is still going."""
    items = [
        plan_item(f"snap-{n}", resource=f"vol-{n}", vault="prod", dest_vault_arn=INTO)
        for n in range(total)
    ]
    state = MigrationState(items)
    state.apply(RunStarted(at(-40), "0.1.0", "shuffle-aws-vaults copy --vault prod"))
    for i in range(done):
        state.apply(Intent(i, 1, at(-31 + i)))
        state.apply(JobEnded(i, f"job-{i}", "COMPLETED", at(-30 + i), dest_arn=f"copy-{i}"))
    return state


def test_a_run_is_recorded_to_go_out_with_its_first_flush_and_ended_after() -> None:
    state, journal = MigrationState(ONE), FakeJournal()
    assert record_start(state, journal, NOW, REQUEST)
    assert journal.events == [RunStarted(NOW.timestamp(), "0.1.0", "shuffle-aws-vaults copy")]
    assert journal.unflushed == journal.events  # the engine's first flush takes it
    said: list[str] = []
    record_end(
        state,
        journal,
        NOW + timedelta(minutes=5),
        RunOutcome("stopped", completed_this_run=7),
        said.append,
    )
    assert journal.events[-1] == RunEnded(at(5), "stopped", 7) and journal.unflushed == []
    assert [(run.reason, run.completed) for run in state.log.runs] == [("stopped", 7)]
    assert said == []


def test_a_journal_that_cannot_take_the_end_is_said_and_the_state_has_it() -> None:
    state, journal = MigrationState(ONE), FakeJournal()
    record_start(state, journal, NOW, REQUEST)
    journal.fail_with = OSError(28, "No space left on device")
    said: list[str] = []
    record_end(state, journal, NOW, RunOutcome("finished"), said.append)
    assert said and "could not record the run's end" in said[0]
    assert state.log.runs[0].reason == "finished"


def test_a_run_with_nothing_left_to_do_records_nothing() -> None:
    state, journal = MigrationState([]), FakeJournal()
    assert not record_start(state, journal, NOW, REQUEST)
    assert journal.events == [] and state.log.runs == []


def test_the_sections_name_the_migration() -> None:
    sections = migration_sections(migration(6), IDENTITY, PATH)
    found = sections["migration"]
    assert found["source_account"] == "111111111111" and found["dest_account"] == "222222222222"
    assert (found["source_region"], found["dest_region"]) == ("us-east-1", "eu-west-1")
    assert found["vaults"] == [{"source": "prod", "destination": "prod-copy"}]
    assert found["state_path"] == "/srv/state.jsonl"
    assert found["tool_version"] == "0.1.0"
    assert found["command_line"] == "shuffle-aws-vaults copy --vault prod"
    assert found["started"] == "2026-12-01T11:20:00+00:00"
    assert found["ended"] is None  # the run is still going
    assert sections["bytes"]["copied"] == sections["bytes"]["planned"] == 6 * GIB
    assert sections["by_vault"]["prod"]["completed"] == 6
    assert sections["runs"][0]["end_time"] is None


def test_status_has_the_rate_over_the_last_hour_and_the_eta() -> None:
    doc = status_document(migration(3), IDENTITY, "pid 7 on h", now=NOW, path=PATH)
    # 3 copies in the 40 minutes since the run began: 4.5 an hour; 3 left: 40 minutes
    assert doc["rate"]["window_seconds"] == 2400.0 and doc["rate"]["completed"] == 3
    assert doc["rate"]["items_per_hour"] == 4.5
    assert doc["eta"]["seconds"] == 2400.0 and doc["eta"]["remaining_items"] == 3
    assert doc["eta"]["at"] == "2026-12-01T12:40:00+00:00"
    assert doc["last_run"]["outcome"] == "running"
    assert (doc["source_region"], doc["dest_region"]) == ("us-east-1", "eu-west-1")
    assert doc["dest_vaults"] == ["prod-copy"]
    assert doc["completed"] == 3 and doc["bytes"]["remaining"] == 3 * GIB  # old keys as they were


def test_status_says_a_run_ended_without_a_record_and_has_no_rate_hours_later() -> None:
    doc = status_document(migration(3), IDENTITY, None, now=NOW + timedelta(hours=3), path=PATH)
    assert doc["last_run"]["outcome"] == UNRECORDED
    assert doc["rate"]["items_per_hour"] is None and doc["eta"] is None


def test_a_run_killed_outright_is_timed_to_its_last_completion() -> None:
    doc = status_document(migration(3), IDENTITY, None, now=NOW, path=PATH)
    # from its start 40 minutes ago to its last copy 28 minutes ago: 3 in 12 minutes
    assert doc["rate"]["window_seconds"] == 720.0 and doc["rate"]["items_per_hour"] == 15.0


def test_routes_total_rates_added_and_the_slowest_eta() -> None:
    fast = status_document(migration(3), IDENTITY, "pid 7", now=NOW, path=PATH)
    slow = status_document(migration(1, total=4), IDENTITY, "pid 8", now=NOW, path=PATH)
    totals = merge_reports({"us-east-1": fast, "eu-west-1": slow}, now=NOW, path=Path("dir"))
    assert totals["rate"]["items_per_hour"] == 4.5 + 1.5
    assert totals["eta"]["seconds"] == max(fast["eta"]["seconds"], slow["eta"]["seconds"])
    assert totals["eta"]["remaining_items"] == 3 + 3
    assert totals["by_type"]["EBS"]["planned"] == 10
    assert set(totals["by_vault"]) == {"us-east-1/prod", "eu-west-1/prod"}
    assert totals["bytes"]["planned"] == 10 * GIB
    assert totals["last_run"]["route"] in ("us-east-1", "eu-west-1")
    assert totals["migration"]["state_path"] == "dir"


def test_a_route_without_a_rate_leaves_the_totals_without_an_eta() -> None:
    going = status_document(migration(3), IDENTITY, "pid 7", now=NOW, path=PATH)
    idle = MigrationState([plan_item("x", dest_vault_arn=INTO)])  # planned, never run
    waiting = status_document(idle, IDENTITY, None, now=NOW, path=PATH)
    totals = merge_reports({"a": going, "b": waiting}, now=NOW, path=Path("dir"))
    assert totals["rate"]["items_per_hour"] == 4.5 and totals["eta"] is None


def test_summary_totals_name_each_route_and_add_up() -> None:
    east = migration_sections(migration(6), IDENTITY, PATH)
    west = migration_sections(
        migration(2, total=3), {**IDENTITY, "source_region": "eu-west-1"}, PATH
    )
    totals = total_sections({"us-east-1": east, "eu-west-1": west}, Path("dir"))
    assert totals["migration"]["source_region"] == ["us-east-1", "eu-west-1"]
    assert totals["migration"]["dest_region"] == "eu-west-1"
    assert [pair["route"] for pair in totals["migration"]["vaults"]] == ["us-east-1", "eu-west-1"]
    assert totals["bytes"]["planned"] == 9 * GIB and totals["bytes"]["copied"] == 8 * GIB
    assert totals["by_type"]["EBS"]["completed"] == 8
    assert [run["route"] for run in totals["runs"]] == ["us-east-1", "eu-west-1"]
