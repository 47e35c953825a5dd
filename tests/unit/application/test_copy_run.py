"""A copy over its routes on fakes: every route's state locked and checked before any is
planned, a route that fails (planning, preflight, its run) stops only itself with a section per
route and is the command's error in the one-Region form, one stop signal reaches every engine,
and the one summary adds the routes up and keeps a section for each."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest

from shuffle_aws_vaults.application.copy_engine import RunOutcome
from shuffle_aws_vaults.application.copy_migration import CopyMigration
from shuffle_aws_vaults.application.copy_report import routes_summary, stop_reason
from shuffle_aws_vaults.application.copy_request import (
    CopyOutcome,
    CopyRequest,
    OpenedMigration,
    PreflightFailed,
)
from shuffle_aws_vaults.application.copy_run import CopyRun
from shuffle_aws_vaults.application.errors import RequestRefused
from shuffle_aws_vaults.application.routes import RouteRequest
from shuffle_aws_vaults.application.run_control import StopSignal
from shuffle_aws_vaults.application.selection_stage import NothingSelected, SelectionRequest
from shuffle_aws_vaults.application.side_by_side import one_after_another, run_engines
from shuffle_aws_vaults.application.state_location import MigrationName, StateLocation
from shuffle_aws_vaults.domain.errors import AwsError, ErrorCategory
from shuffle_aws_vaults.domain.migration import MigrationState
from shuffle_aws_vaults.domain.recovery_point import Vault
from shuffle_aws_vaults.domain.selection import Selection, SelectionTally
from shuffle_aws_vaults.domain.summary import MigrationCounts
from tests.unit.application.route_fakes import FakeAccounts, FakeStates, RecordingNotices

START = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)


def report(completed: int, failed: int = 0, pending: int = 0, **extra: Any) -> dict[str, Any]:
    return {
        "total_items": completed + failed + pending,
        "completed": completed,
        "failed": failed,
        "skipped": 0,
        "in_progress": 0,
        "pending": pending,
        "planned_items": completed + failed + pending,
        "already_copied": 0,
        "retried_failed": 0,
        "job_retries": 0,
        "throttles": extra.pop("throttles", 0),
        "limit_refusals": 0,
        "bytes_copied": completed * 10,
        "failures": extra.pop("failures", []),
        "skipped_by_reason": extra.pop("skipped_by_reason", {}),
        "unknown_job_states": {},
        "api_calls": {"StartCopyJob": 999},
        **extra,
    }


class FakeMigration:
    """A Region's CopyMigration: what open() and run() answer (or raise), and a record of the
    calls made on it, in `log` (shared by the Regions, so the order shows)."""

    def __init__(self, region: str, log: list[str], **behaviour: Any) -> None:
        self.region, self.log = region, log
        self.behaviour = behaviour
        self.stops: list[StopSignal] = []
        self.store = cast(Any, FakeStates({})).store(Path(f"/migration/{region}.jsonl"))

    def now(self) -> datetime:
        return START

    def __enter__(self) -> FakeMigration:
        if self.behaviour.get("locked"):
            raise RequestRefused(f"state file {self.region}.jsonl is in use by pid 7")
        self.log.append(f"lock {self.region}")
        return self

    def __exit__(self, *exc: object) -> None:
        self.log.append(f"unlock {self.region}")

    def check_state(self) -> None:
        if self.behaviour.get("exists"):
            raise RequestRefused(f"a migration state already exists at {self.region}.jsonl")

    def open(self, ports: Any) -> OpenedMigration:
        self.log.append(f"open {self.region}")
        refusal = self.behaviour.get("open_raises")
        if refusal is not None:
            raise refusal
        return OpenedMigration({}, MigrationState([]), cast(Any, None))

    def engine(
        self, opened: Any, ports: Any, stop: StopSignal, progress: Any, mailbox: Any
    ) -> FakeEngine:
        self.stops.append(stop)
        return FakeEngine(self)

    def finish(
        self, opened: Any, engine: Any, outcome: RunOutcome, ports: Any, started: Any
    ) -> CopyOutcome:
        counts = MigrationCounts(3, 3, 0, 0, 0, 0, 0)
        return CopyOutcome(outcome, report(3), counts, True)


class FakeEngine:
    """A route's engine: two steps, then over (or raising, if its migration says so)."""

    def __init__(self, migration: FakeMigration) -> None:
        self.migration, self.steps = migration, 0

    def begin(self) -> None:
        self.migration.log.append(f"run {self.migration.region}")

    def step(self) -> float | None:
        self.steps += 1
        if "run_raises" in self.migration.behaviour:
            raise self.migration.behaviour["run_raises"]
        return 0.0 if self.steps < 2 else None

    def end(self) -> RunOutcome:
        reason = self.migration.behaviour.get("reason", "finished")
        return RunOutcome(reason, completed_this_run=3)


class OneVault:
    """A BackupGateway fake of one account in one Region, holding the vault `v`."""

    def __init__(self, region: str, account: str = "111111111111") -> None:
        self.region, self.account_id = region, account

    def list_vaults(self) -> list[Vault]:
        return [Vault("v", f"arn:aws:backup:{self.region}:{self.account_id}:backup-vault:v", 1)]


class NoProgress:
    def update(self, progress: Any) -> None:
        return

    def close(self, progress: Any) -> None:
        return


def regional(log: list[str], sectioned: bool = True, **behaviours: dict[str, Any]) -> CopyRun:
    regions = list(behaviours)
    accounts = FakeAccounts(
        {r: OneVault(r) for r in regions},
        {r: OneVault(r, "222222222222") for r in regions},
        wiring={"statistics": Statistics()},
    )

    def migration(request: CopyRequest, store: Any, notices: Any, now: Any) -> CopyMigration:
        region = store.journal_path.stem if sectioned else regions[0]
        return cast(CopyMigration, FakeMigration(region, log, **behaviours[region]))

    selection = SelectionRequest(("v",), False, Selection())
    name = MigrationName("111111111111", "222222222222", None, ("v",), False, None, Selection())
    run = CopyRun(
        CopyRequest(selection),
        RouteRequest(tuple(regions)) if sectioned else RouteRequest(),
        StateLocation(None, Path("/migration"), Path("/state"), name),
        accounts=accounts,
        states=FakeStates({}),
        reports=cast(Any, None),
        executor=cast(Any, None),
        notices=RecordingNotices(),
        now=lambda: START,
        progress=lambda region, total, done: NoProgress(),
        side_by_side=one_after_another,
        migration=migration,
    )
    run.plan()
    return run


def denied() -> AwsError:
    return AwsError("AccessDeniedException", "not authorized", ErrorCategory.ACCESS_DENIED)


def test_every_region_is_locked_before_any_is_planned_and_unlocked_at_the_end() -> None:
    log: list[str] = []
    with regional(log, **{"us-east-1": {}, "eu-west-1": {}}) as copy:
        copy.check_states()
        copy.open()
    assert log == [
        "lock us-east-1",
        "lock eu-west-1",
        "open us-east-1",
        "open eu-west-1",
        "unlock eu-west-1",
        "unlock us-east-1",
    ]


def test_a_region_held_by_another_process_refuses_the_whole_run_and_frees_the_others() -> None:
    log: list[str] = []
    copy = regional(log, **{"us-east-1": {}, "eu-west-1": {"locked": True}})
    with pytest.raises(RequestRefused, match="in use by pid 7"), copy:
        pass
    assert log == ["lock us-east-1", "unlock us-east-1"]


def test_a_state_left_without_resume_refuses_the_whole_run_before_any_planning() -> None:
    log: list[str] = []
    copy = regional(log, **{"us-east-1": {}, "eu-west-1": {"exists": True}})
    with copy, pytest.raises(RequestRefused, match=r"eu-west-1\.jsonl"):
        copy.check_states()
    assert not [entry for entry in log if entry.startswith("open")]


def test_a_region_that_cannot_be_planned_stops_alone_and_the_others_run() -> None:
    log: list[str] = []
    refused = PreflightFailed(["a checklist row"])
    copy = regional(
        log,
        **{
            "us-east-1": {"open_raises": denied()},
            "eu-west-1": {},
            "ap-south-1": {"open_raises": refused},
        },
    )
    with copy:
        results = copy.open()
        copy.run(StopSignal())
    east, west, south = results
    assert east.fatal and isinstance(east.error, AwsError) and east.outcome is None
    assert south.fatal and south.checklist == ["a checklist row"]
    assert not west.fatal and west.outcome is not None and west.outcome.done
    assert [entry for entry in log if entry.startswith("run")] == ["run eu-west-1"]


def test_a_region_that_selects_nothing_is_not_a_failure() -> None:
    nothing = NothingSelected("copy", "111111111111", "eu-west-1", [], SelectionTally())
    with regional([], **{"us-east-1": {}, "eu-west-1": {"open_raises": nothing}}) as copy:
        results = copy.open()
        copy.run(StopSignal())
    assert results[1].nothing is nothing and not results[1].fatal
    assert stop_reason(results) == "finished"


def test_one_stop_signal_reaches_every_regions_engine_and_a_run_that_raises_stops_alone() -> None:
    log: list[str] = []
    copy = regional(log, **{"us-east-1": {"run_raises": OSError("disk full")}, "eu-west-1": {}})
    stop = StopSignal()
    with copy:
        copy.open()
        results = copy.run(stop)
    migrations = [cast(FakeMigration, part.migration) for part in copy.parts]
    assert [m.stops for m in migrations] == [[stop], [stop]]
    assert results[0].fatal and str(results[0].error) == "disk full"
    assert results[1].outcome is not None and not results[1].fatal


def outcome(reason: str, rep: dict[str, Any], this_run: int = 0, retries: int = 0) -> CopyOutcome:
    run = RunOutcome(reason, completed_this_run=this_run, submit_retries=retries)
    return CopyOutcome(run, rep, MigrationCounts(0, 0, 0, 0, 0, 0, 0), reason == "finished")


class Statistics:
    def calls(self) -> dict[str, int]:
        return {"StartCopyJob": 12}

    def retries(self) -> int:
        return 4

    def pacing(self) -> dict[str, Any]:
        return {}

    def pacing_by_region(self) -> dict[str, dict[str, Any]]:
        return {"eu-west-1": {"throttled": 7}}


def test_the_summary_adds_the_regions_up_and_keeps_a_section_for_each() -> None:
    copy = regional([], **{"us-east-1": {}, "eu-west-1": {}, "ap-south-1": {}})
    east, west, south = copy.results
    failure = {"recovery_point_arn": "arn:w:1", "error_code": "X", "error_message": "m"}
    east.outcome = outcome(
        "finished",
        report(6, throttles=2, skipped_by_reason={"cold-storage": 1}),
        this_run=6,
        retries=1,
    )
    west.outcome = outcome(
        "runtime-limit",
        report(2, failed=1, pending=3, failures=[failure], skipped_by_reason={"cold-storage": 2}),
        this_run=3,
    )
    south.error = denied()
    summary = routes_summary(copy.results, START, START + timedelta(hours=1), Statistics())
    assert (summary["completed"], summary["failed"], summary["pending"]) == (8, 1, 3)
    assert summary["planned_items"] == 12 and summary["bytes_copied"] == 80
    assert summary["throttles"] == 2
    assert summary["throughput_per_hour"] == 9.0  # this run's copies over the hour
    assert summary["success_rate"] == round(100 * 8 / 9, 2)
    assert summary["skipped_by_reason"] == {"cold-storage": 3}
    assert summary["failures"] == [{"region": "eu-west-1", **failure}]
    assert summary["api_calls"] == {"StartCopyJob": 12}  # the account's, once
    assert summary["retries"] == 4 + 1
    assert summary["stop_reason"] == "fatal" and summary["regions_failed"] == ["ap-south-1"]
    sections = summary["regions"]
    assert list(sections) == ["us-east-1", "eu-west-1", "ap-south-1"]
    assert sections["eu-west-1"]["stop_reason"] == "runtime-limit"
    assert sections["eu-west-1"]["pending"] == 3 and "api_calls" not in sections["eu-west-1"]
    assert sections["eu-west-1"]["request_pacing"] == {"throttled": 7}
    assert summary["request_pacing"] == {"eu-west-1": {"throttled": 7}}
    assert sections["ap-south-1"] == {
        "dest_region": "ap-south-1",
        "stop_reason": "fatal",
        "error": str(denied()),  # an AWS error's own one line
    }


def test_the_runs_stop_reason_is_its_gravest_regions() -> None:
    copy = regional([], **{"us-east-1": {}, "eu-west-1": {}})
    reasons = Counter()
    for first, second, expected in (
        ("finished", "finished", "finished"),
        ("finished", "runtime-limit", "runtime-limit"),
        ("interrupted", "stopped", "interrupted"),
        ("failure-threshold", "interrupted", "failure-threshold"),
    ):
        copy.results[0].outcome = outcome(first, report(1))
        copy.results[1].outcome = outcome(second, report(1))
        reasons[stop_reason(copy.results)] += 1
        assert stop_reason(copy.results) == expected
    assert sum(reasons.values()) == 4


def test_one_route_is_a_list_of_one_whose_refusal_is_the_commands() -> None:
    log: list[str] = []
    with regional(log, sectioned=False, **{"us-east-1": {"open_raises": denied()}}) as copy:
        copy.check_states()
        with pytest.raises(AwsError, match="not authorized"):
            copy.open()
    assert log == ["lock us-east-1", "open us-east-1", "unlock us-east-1"]


def test_one_route_runs_and_writes_no_summary_of_its_own_making() -> None:
    with regional([], sectioned=False, **{"us-east-1": {}}) as copy:
        copy.open()
        (result,) = copy.run(StopSignal())
    assert result.outcome is not None and result.outcome.done
    assert copy.summary is None  # the route's own migration writes the one-Region summary


def test_the_engines_share_one_thread_each_stepped_until_it_is_over() -> None:
    engines = [FakeEngine(FakeMigration(region, [])) for region in ("a", "b")]
    engines[0].migration.behaviour["run_raises"] = OSError("journal gone")
    ended: list[tuple[int, str | None, str | None]] = []
    run_engines(
        engines,  # type: ignore[arg-type]
        threading.Event(),
        lambda i, outcome, error: ended.append(
            (i, outcome.reason if outcome else None, str(error) if error else None)
        ),
    )
    assert ended == [(0, "finished", "journal gone"), (1, "finished", None)]
    assert [engine.steps for engine in engines] == [1, 2]
