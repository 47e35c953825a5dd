"""Copying from several source accounts in one run (`copy --source-accounts`, `--organization`)
into one destination account, against a sandbox serving three or four source accounts over HTTP:
kill -9 three times and --resume, Ctrl-C and --resume, an account that fails alone, the
organization's ACTIVE members, the migration directory found whatever order the accounts are
named in; `status` and `verify` over the same accounts; the summary's sections per account and
per destination, the report's account and dest_account columns.

What counts is read from the sandbox's own records (its copy jobs, the recovery points in each
source account's vaults and in the destination vaults, and the destination vaults as boto3
lists them as the destination account) and from each route's journal,
DIR/<account>/<region>.jsonl, read with the product's StateStore as --resume reads it.

Every sandbox seeds no edge cases: every recovery point of every source account is copyable, so
"copied exactly once" is every seeded point of the account, once.

The migrations here name their Region with `--regions us-east-1` (written before `--state-dir`
was taken with several accounts in one Region; the defect tests below keep both forms working).
"""

from __future__ import annotations

import csv
import json
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from harness import DEST, TERMINAL, Box, Job, Run, copy_config, served

from shuffle_aws_vaults.domain.migration import Status
from shuffle_aws_vaults.infrastructure.journal_store import StateStore
from shuffle_aws_vaults.sandbox import SeedSpec

pytestmark = pytest.mark.e2e

A, B, C, D = "111111111111", "111111111112", "111111111113", "111111111114"
ACCOUNTS = (A, B, C)
MANAGEMENT = "333333333333"
REGION = "us-east-1"
TIMEOUT = 240.0
RESUME_HINT = "run again with --resume"
RUN_FLAGS = ("--workers", "100", "--poll-interval", "0.2", "--no-progress")
ROLE = ("--role-name", "SandboxOperator")
DEST_FLAGS = ("--dest-account", DEST, "--dest-profile", "sandbox-dest")
# A copy job takes AWS's two simulated minutes (bandwidth aside): a quarter of a second of wall
# time at 480x, half a second at 240x.
PACED = {"jitter": 0.0, "bandwidth_bytes_per_second": 1024.0**4}


def accounts_flag(accounts: Sequence[str] = ACCOUNTS) -> tuple[str, ...]:
    return ("--source-accounts", ",".join(accounts))


def own_profiles(instead: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """--source-profile ID=PROFILE,...: each source account's own sandbox profile, unless
    `instead` names another for it."""
    given = instead or {}
    pairs = [f"{a}={given.get(a, f'sandbox-{a}')}" for a in ACCOUNTS]
    return ("--source-profile", ",".join(pairs))


def copy_into_one(state_dir: Path, *extra: str) -> list[str]:
    """`copy` of every vault of the three source accounts into the one destination account,
    its migration directory `state_dir`."""
    return [
        "copy",
        *accounts_flag(),
        *ROLE,
        *DEST_FLAGS,
        "--all-vaults",
        *RUN_FLAGS,
        "--regions",
        REGION,
        "--state-dir",
        str(state_dir),
        *extra,
    ]


def verify_args(state_dir: Path, *extra: str) -> list[str]:
    return [
        "verify",
        *accounts_flag(),
        *ROLE,
        *DEST_FLAGS,
        "--all-vaults",
        "--regions",
        REGION,
        "--state-dir",
        str(state_dir),
        *extra,
    ]


# -- the journals and the sandbox's records -------------------------------------------------------


@dataclass(frozen=True)
class Journal:
    identity: dict[str, Any]
    items: list[tuple[str, str]]  # (source ARN, destination vault ARN)
    status: list[str]
    job_ids: list[str | None]
    dest_arns: dict[int, str]

    def count(self, *statuses: str) -> int:
        return sum(1 for status in self.status if status in statuses)


def read_journal(path: Path) -> Journal:
    identity, state = StateStore(path).read()
    return Journal(
        identity,
        [(item.source_arn, item.dest_vault_arn) for item in state.items],
        [Status(s).name for s in state.status],
        list(state.job_ids),
        dict(state.dest_arns),
    )


def journal_path(directory: Path, account: str) -> Path:
    return directory / account / f"{REGION}.jsonl"


def read_journals(directory: Path, accounts: Sequence[str] = ACCOUNTS) -> dict[str, Journal]:
    return {
        account: read_journal(journal_path(directory, account))
        for account in accounts
        if journal_path(directory, account).exists()
    }


@dataclass(frozen=True)
class Records:
    """The sandbox's records after a run."""

    jobs: tuple[Job, ...]
    sources: dict[str, set[str]]  # source account -> its recovery points (every vault)
    dest_points: list[Any]  # StoredRecoveryPoint in the destination account's vaults
    listed: list[dict[str, Any]]  # the destination vaults' recovery points, as boto3 lists them

    @property
    def account_of(self) -> dict[str, str]:
        return {arn: account for account, arns in self.sources.items() for arn in arns}

    def completed_by_source(self) -> Counter[str]:
        return Counter(job.source_arn for job in self.jobs if job.state == "COMPLETED")

    def jobs_by_account(self) -> Counter[str]:
        owner = self.account_of
        return Counter(owner.get(job.source_arn, "?") for job in self.jobs)


def records_of(box: Box, accounts: Sequence[str] = (A, B, C, D)) -> Records:
    world = box.world
    with world.lock:
        vaults = sorted(world.vaults)
    sources = {
        account: {rp.arn for vault in box.vaults for rp in box.points(account, vault)}
        for account in accounts
        if any(key[0] == account for key in vaults)
    }
    dest_points = [
        rp
        for account, region, name in vaults
        if account == DEST
        for rp in world.recovery_points(account, region, name)
        if not rp.deleted
    ]
    backup = box.client("backup", "sandbox-dest")
    listed = [
        point
        for vault in box.vaults
        for page in backup.get_paginator("list_recovery_points_by_backup_vault").paginate(
            BackupVaultName=vault
        )
        for point in page["RecoveryPoints"]
    ]
    return Records(box.jobs(), sources, dest_points, listed)


def exactly_once_problems(
    journals: dict[str, Journal], records: Records, accounts: Sequence[str] = ACCOUNTS
) -> list[str]:
    """Everything that contradicts "every recovery point of every account in `accounts` copied
    once into the destination account, as its own journal records it, and nothing else"."""
    problems: list[str] = []
    if sorted(journals) != sorted(accounts):
        problems.append(f"journals for {sorted(journals)}, not {sorted(accounts)}")
    by_source: dict[str, list[Job]] = {}
    for job in records.jobs:
        by_source.setdefault(job.source_arn, []).append(job)
    unfinished = [job.job_id for job in records.jobs if job.state not in TERMINAL]
    if unfinished:
        problems.append(f"{len(unfinished)} copy jobs still running")
    planned: set[str] = set()
    for account, journal in journals.items():
        arns = [arn for arn, _ in journal.items]
        planned |= set(arns)
        if journal.identity.get("source_account") != account:
            problems.append(f"{account}: journal identity {journal.identity.get('source_account')}")
        if len(arns) != len(set(arns)) or set(arns) != records.sources.get(account, set()):
            problems.append(f"{account}: the plan is not the account's {len(arns)} points")
        for i, (arn, dest_vault) in enumerate(journal.items):
            if dest_vault.split(":")[4] != DEST:
                problems.append(f"{arn}: planned into {dest_vault}")
            completed = [job for job in by_source.get(arn, []) if job.state == "COMPLETED"]
            if journal.status[i] != "COMPLETED":
                problems.append(f"{arn}: ended {journal.status[i]}")
            elif len(completed) != 1:
                problems.append(f"{arn}: {len(completed)} COMPLETED copy jobs")
            elif (journal.job_ids[i], journal.dest_arns.get(i)) != (
                completed[0].job_id,
                completed[0].dest_arn,
            ):
                problems.append(f"{arn}: the journal's job or destination differ from AWS's")
    stray = {job.source_arn for job in records.jobs} - planned
    if stray:
        problems.append(f"{len(stray)} recovery points outside the plans were copied")
    landed = [rp.arn for rp in records.dest_points]
    completed_dest = sorted(job.dest_arn or "" for job in records.jobs if job.state == "COMPLETED")
    if len(landed) != len(set(landed)) or sorted(landed) != completed_dest:
        problems.append(f"{len(landed)} destination points for {len(completed_dest)} copies")
    listed = sorted(point["RecoveryPointArn"] for point in records.listed)
    if listed != sorted(landed):
        problems.append("the destination vaults list other recovery points than the sandbox holds")
    # Each source account's copies, by the SourceBackupVaultArn AWS gives each destination point.
    from_account = Counter(point["SourceBackupVaultArn"].split(":")[4] for point in records.listed)
    wanted = {account: len(records.sources.get(account, ())) for account in accounts}
    if dict(from_account) != wanted:
        problems.append(f"destination points by source account {dict(from_account)}, not {wanted}")
    return problems


# -- processes ------------------------------------------------------------------------------------


def finish(proc: subprocess.Popen[str], timeout: float = TIMEOUT) -> Run:
    began = time.monotonic()
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode is not None
    return Run(proc.returncode, stdout, stderr, time.monotonic() - began)


def running_until(
    proc: subprocess.Popen[str], condition: Callable[[], bool], timeout: float
) -> bool:
    """Wait for `condition` while `proc` runs: True when it held with `proc` still running."""
    deadline = time.monotonic() + timeout
    while proc.poll() is None:
        if condition():
            return proc.poll() is None
        assert time.monotonic() < deadline, "timed out waiting for the moment to stop the copy"
        time.sleep(0.02)
    return False


def accounts_copying(box: Box, owner: dict[str, str]) -> set[str]:
    """The source accounts with copy jobs under way (created or running) in the sandbox."""
    return {owner.get(job.source_arn, "?") for job in box.jobs() if job.state not in TERMINAL}


def completed_jobs(box: Box) -> int:
    return int(box.stats()["jobs_by_state"].get("COMPLETED", 0))


# -- 1. three accounts into one: kill -9 three times, then --resume -----------------------------


@dataclass(frozen=True)
class Kill:
    moment: str
    accounts_copying: set[str]  # accounts with copy jobs under way when the signal landed
    in_flight: int  # intents and submitted jobs in the journals after the kill
    completed: int  # items the journals record completed after the kill


@dataclass(frozen=True)
class Consolidation:
    seeded: dict[str, int]
    kills: list[Kill]
    exited_early: list[Run]
    final: Run
    journals: dict[str, Journal]
    records: Records
    summary: dict[str, Any]
    report: list[dict[str, str]]
    report_columns: list[str]
    verified: Run
    verified_without_journals: Run
    status_table: Run
    status_json: Run
    state: Path


@pytest.fixture(scope="module")
def consolidation(tmp_path_factory: pytest.TempPathFactory) -> Consolidation:
    workdir = tmp_path_factory.mktemp("accounts-kill-9")
    state, summary, report = workdir / "migration", workdir / "summary.json", workdir / "report.csv"
    config = copy_config(480.0, 24, source_account_count=3, **PACED)
    spec = SeedSpec(recovery_points=120, vaults=2, edge_case_share=0.0)
    kills: list[Kill] = []
    early: list[Run] = []
    with served(workdir, config, spec, timeout=TIMEOUT) as box:
        assert box.sandbox.seeded is not None
        seeded = dict(box.sandbox.seeded.by_account)
        owner = records_of(box).account_of

        def several(at_least: int = 2) -> bool:
            return len(accounts_copying(box, owner)) >= at_least

        def twenty_started() -> Callable[[], bool]:
            return lambda: box.started_copies() >= 20 and several(3)

        def thirty_more_completed() -> Callable[[], bool]:
            base = completed_jobs(box)
            return lambda: completed_jobs(box) >= base + 30 and several()

        def a_second_after_new_copies() -> Callable[[], bool]:
            base, seen = box.started_copies(), [0.0]

            def moment() -> bool:
                if not seen[0] and box.started_copies() > base:
                    seen[0] = time.monotonic()
                return bool(seen[0]) and time.monotonic() - seen[0] >= 1.0 and several()

            return moment

        # Each moment with copies of two accounts at least under way (the first: all three).
        moments = [
            ("20 copy jobs started (submitting)", twenty_started),
            ("30 more copy jobs completed (polling)", thirty_more_completed),
            ("1 s after the resumed run's first new copy", a_second_after_new_copies),
        ]
        for moment, condition in moments:
            proc = box.start(*copy_into_one(state, "--resume"))
            if not running_until(proc, condition(), 120):
                early.append(finish(proc))
                break
            copying = accounts_copying(box, owner)
            proc.send_signal(signal.SIGKILL)
            finish(proc)
            journals = read_journals(state)
            kills.append(
                Kill(
                    moment,
                    copying,
                    sum(j.count("INTENT", "SUBMITTED") for j in journals.values()),
                    sum(j.count("COMPLETED") for j in journals.values()),
                )
            )
        final = box.run(
            *copy_into_one(
                state, "--resume", "--summary-output", str(summary), "--report-csv", str(report)
            )
        )
        verified = box.run(*verify_args(state, "--output", "json"))
        verified_without = box.run(*verify_args(workdir / "no-journals", "--output", "json"))
        status_table = box.run("status", "--state-dir", str(state))
        status_json = box.run("status", "--state-dir", str(state), "--output", "json")
        journals = read_journals(state)
        records = records_of(box)
    with report.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows, columns = list(reader), list(reader.fieldnames or ())
    return Consolidation(
        seeded,
        kills,
        early,
        final,
        journals,
        records,
        json.loads(summary.read_text()),
        rows,
        columns,
        verified,
        verified_without,
        status_table,
        status_json,
        state,
    )


def test_kill_9_landed_three_times_while_the_three_accounts_were_copying(
    consolidation: Consolidation,
) -> None:
    assert consolidation.exited_early == []
    kills = consolidation.kills
    assert [kill.moment for kill in kills] == [
        "20 copy jobs started (submitting)",
        "30 more copy jobs completed (polling)",
        "1 s after the resumed run's first new copy",
    ]
    assert all(len(kill.accounts_copying) >= 2 for kill in kills), kills
    assert kills[0].accounts_copying == set(ACCOUNTS), kills
    assert kills[0].in_flight > 0, kills  # killed with copies under way
    completed = [kill.completed for kill in kills]
    assert completed == sorted(completed) and completed[-1] < sum(consolidation.seeded.values())


def test_after_three_kills_resume_copies_every_point_of_every_account_exactly_once(
    consolidation: Consolidation,
) -> None:
    final = consolidation.final
    assert final.returncode == 0, final.stderr
    assert "Traceback" not in final.stderr
    for account in ACCOUNTS:
        resuming = (
            f"[{account}/{REGION}] Resuming from {journal_path(consolidation.state, account)}"
        )
        assert resuming in final.stderr, final.stderr
    assert exactly_once_problems(consolidation.journals, consolidation.records) == []
    records = consolidation.records
    assert consolidation.records.jobs_by_account().keys() <= set(ACCOUNTS)
    copies = records.completed_by_source()
    assert [arn for arn, n in copies.items() if n != 1] == []
    by_account = Counter(records.account_of[arn] for arn in copies)
    assert dict(by_account) == consolidation.seeded == {A: 40, B: 40, C: 40}


def test_verify_over_the_three_accounts_is_clean_with_and_without_the_journals(
    consolidation: Consolidation,
) -> None:
    for run, mode in (
        (consolidation.verified, "journal"),
        (consolidation.verified_without_journals, "copy-job records and matching (no journal)"),
    ):
        assert run.returncode == 0, run.stderr
        document = json.loads(run.stdout)
        assert document["problems"] == []
        summary = document["summary"]
        total = sum(consolidation.seeded.values())
        assert (summary["total"], summary["verified"], summary["missing"]) == (total, total, 0)
        assert list(summary["regions"]) == [f"{account}/{REGION}" for account in ACCOUNTS]
        for account in ACCOUNTS:
            own = summary["regions"][f"{account}/{REGION}"]
            assert own["mode"].startswith(mode), own
            assert (own["total"], own["verified"], own["extra"]) == (
                consolidation.seeded[account],
                consolidation.seeded[account],
                0,
            )
            assert own["error"] is None


def test_status_shows_each_of_the_three_accounts_finished(consolidation: Consolidation) -> None:
    table = consolidation.status_table
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0] == f"State: {consolidation.state}"
    assert lines[1] == "== Routes =="
    for line, account in zip(lines[2:5], ACCOUNTS, strict=True):
        n = consolidation.seeded[account]
        assert line == (
            f"{account}/{REGION} -> {REGION}: 100.0% of {n} | Completed: {n} | Failed: 0 | "
            "In Progress: 0 | Queued: 0 | Running: no"
        )
    assert consolidation.status_json.returncode == 0, consolidation.status_json.stderr
    document = json.loads(consolidation.status_json.stdout)
    assert document["total_items"] == document["completed"] == 120
    assert document["migration"]["source_account"] == list(ACCOUNTS)  # each route's, listed
    assert document["dest_account"] == DEST
    for account in ACCOUNTS:
        own = document["regions"][f"{account}/{REGION}"]
        assert own["source_account"] == account and own["dest_account"] == DEST
        assert own["completed"] == own["total_items"] == consolidation.seeded[account]


def test_the_summary_has_a_section_per_account_and_per_destination(
    consolidation: Consolidation,
) -> None:
    summary, seeded = consolidation.summary, consolidation.seeded
    assert summary["stop_reason"] == "finished" and summary["regions_failed"] == []
    assert set(summary["accounts"]) == set(ACCOUNTS)
    resumed: dict[str, int] = {}
    for account in ACCOUNTS:
        section = summary["accounts"][account]
        assert section["routes"] == [f"{account}/{REGION}"] and section["failed_routes"] == []
        assert section["total_items"] == section["planned_items"] == seeded[account]
        assert section["completed"] == seeded[account]
        assert (section["failed"], section["pending"], section["in_progress"]) == (0, 0, 0)
        resumed[account] = summary["regions"][f"{account}/{REGION}"]["completed"]
    assert resumed == seeded
    assert summary["destinations"] == {
        DEST: {"planned": 120, "completed": 120, "failed": 0, "to_do": 0}
    }
    assert summary["completed"] == summary["planned_items"] == 120


def test_the_report_has_one_row_per_item_with_account_and_dest_account_columns(
    consolidation: Consolidation,
) -> None:
    columns, rows = consolidation.report_columns, consolidation.report
    assert columns[:2] == ["account", "region"] and columns[-1] == "dest_account"
    assert len(rows) == 120
    assert Counter(row["account"] for row in rows) == Counter(consolidation.seeded)
    owner = consolidation.records.account_of
    dest_of = {
        job.source_arn: job.dest_arn
        for job in consolidation.records.jobs
        if job.state == "COMPLETED"
    }
    assert len({row["source_recovery_point_arn"] for row in rows}) == 120
    for row in rows:
        source = row["source_recovery_point_arn"]
        assert owner[source] == row["account"] and row["region"] == REGION
        assert row["dest_account"] == DEST and row["final_state"] == "COMPLETED"
        assert row["destination_recovery_point_arn"] == dest_of[source]


# -- 2. --organization, --exclude-accounts, and the default directory in any order ---------------


@dataclass(frozen=True)
class Organization:
    seeded: dict[str, int]
    excluded_dry_run: Run
    first: Run  # --source-accounts C,A,B, stopped by the runtime limit
    directories_after_first: list[Path]
    second: Run  # --organization (the destination left out) --resume, stopped again
    third: Run  # --source-accounts B,C,A --resume, to the end
    status: Run  # the copy's flags, accounts A,C,B: the default directory
    directories: list[Path]
    journals: dict[str, Journal]
    records: Records


def state_home(box: Box) -> Path:
    return box.workdir / "xdg-state" / "shuffle-aws-vaults"


@pytest.fixture(scope="module")
def organization(tmp_path_factory: pytest.TempPathFactory) -> Organization:
    workdir = tmp_path_factory.mktemp("accounts-organization")
    config = copy_config(240.0, 31, source_account_count=4, suspended_accounts=(D,), **PACED)
    spec = SeedSpec(recovery_points=80, vaults=2, edge_case_share=0.0)
    org = ("--organization", *ROLE, "--source-profile", "sandbox-management", *DEST_FLAGS)
    window = ("--max-runtime-minutes", "0.02", "--drain-minutes", "0.01")
    with served(workdir, config, spec, timeout=TIMEOUT) as box:
        assert box.sandbox.seeded is not None
        seeded = dict(box.sandbox.seeded.by_account)
        excluded = box.run(
            "copy", *org, "--exclude-accounts", f"{DEST},{B}", "--all-vaults", "--dry-run"
        )

        def copy(accounts: Sequence[str], *extra: str) -> Run:
            return box.run(
                "copy",
                *accounts_flag(accounts),
                *ROLE,
                *DEST_FLAGS,
                "--all-vaults",
                *RUN_FLAGS,
                *extra,
            )

        first = copy((C, A, B), *window)
        after_first = sorted(state_home(box).iterdir())
        second = box.run(
            "copy",
            *org,
            "--exclude-accounts",
            DEST,
            "--all-vaults",
            *RUN_FLAGS,
            "--resume",
            *window,
        )
        third = copy((B, C, A), "--resume")
        status = box.run("status", *accounts_flag((A, C, B)), *ROLE, *DEST_FLAGS, "--all-vaults")
        directories = sorted(state_home(box).iterdir())
        journals = read_journals(directories[0], (A, B, C, D)) if directories else {}
        records = records_of(box)
    return Organization(
        seeded,
        excluded,
        first,
        after_first,
        second,
        third,
        status,
        directories,
        journals,
        records,
    )


def test_organization_plans_the_active_members_holding_vaults_less_the_excluded(
    organization: Organization,
) -> None:
    run = organization.excluded_dry_run
    assert run.returncode == 0, run.stderr
    # 111111111114 is SUSPENDED, 111111111112 and the destination are excluded, the management
    # account holds no vault.
    planned = [line for line in run.stdout.splitlines() if line.startswith("account ")]
    assert planned == [
        f"account {A}, Region {REGION} -> {REGION}:",
        f"account {C}, Region {REGION} -> {REGION}:",
    ]
    assert run.stdout.count("Plan: ") == 2
    assert D not in run.stdout + run.stderr and MANAGEMENT not in run.stdout + run.stderr


def test_the_default_directory_is_found_whatever_order_the_accounts_are_named_in(
    organization: Organization,
) -> None:
    first, second, third = organization.first, organization.second, organization.third
    assert first.returncode == 2 and RESUME_HINT in first.stderr, first.stderr
    assert second.returncode == 2 and RESUME_HINT in second.stderr, second.stderr
    assert third.returncode == 0, third.stderr
    # One migration directory, made by the first run and found by the other two.
    [directory] = organization.directories_after_first
    assert organization.directories == [directory]
    assert sorted(path.name for path in directory.iterdir()) == [A, B, C]
    for run in (second, third):
        for account in ACCOUNTS:
            assert (
                f"[{account}/{REGION}] Resuming from {journal_path(directory, account)}"
                in run.stderr
            ), run.stderr
        assert "planning a new migration" not in run.stderr
    # --organization resumed the three source accounts: not the suspended one.
    assert D not in second.stderr
    status = organization.status
    assert status.returncode == 0, status.stderr
    assert status.stdout.startswith(f"State: {directory}\n")
    for account in ACCOUNTS:
        n = organization.seeded[account]
        assert f"{account}/{REGION} -> {REGION}: 100.0% of {n} | Completed: {n} |" in status.stdout


def test_the_organizations_migration_copies_each_active_accounts_points_exactly_once(
    organization: Organization,
) -> None:
    records = organization.records
    assert exactly_once_problems(organization.journals, records) == []
    assert set(records.jobs_by_account()) == set(ACCOUNTS)  # nothing of the suspended account


# -- 3. an account that fails alone --------------------------------------------------------------


@dataclass(frozen=True)
class FailsAlone:
    seeded: dict[str, int]
    broken: Run
    broken_summary: dict[str, Any]
    journals_after_broken: dict[str, Journal]
    jobs_after_broken: Counter[str]
    started_after_broken: int
    fixed: Run
    started_after_fixed: int
    journals: dict[str, Journal]
    records: Records


@pytest.fixture(scope="module")
def fails_alone(tmp_path_factory: pytest.TempPathFactory) -> FailsAlone:
    workdir = tmp_path_factory.mktemp("accounts-fails-alone")
    state, summary = workdir / "migration", workdir / "summary.json"
    config = copy_config(10_000.0, 5, source_account_count=3)
    spec = SeedSpec(recovery_points=90, vaults=2, edge_case_share=0.0)
    with served(workdir, config, spec, timeout=TIMEOUT) as box:
        assert box.sandbox.seeded is not None
        seeded = dict(box.sandbox.seeded.by_account)

        def copy(*extra: str) -> Run:
            return box.run(
                "copy",
                *accounts_flag(),
                *DEST_FLAGS,
                "--all-vaults",
                *RUN_FLAGS,
                "--regions",
                REGION,
                "--state-dir",
                str(state),
                *extra,
            )

        # B's profile is A's: the credentials of another account.
        broken = copy(*own_profiles({B: f"sandbox-{A}"}), "--summary-output", str(summary))
        journals_after = read_journals(state)
        records = records_of(box)
        jobs_after, started_after = records.jobs_by_account(), box.started_copies()
        fixed = copy(*own_profiles(), "--resume")
        started_fixed = box.started_copies()
        journals = read_journals(state)
        records = records_of(box)
    return FailsAlone(
        seeded,
        broken,
        json.loads(summary.read_text()),
        journals_after,
        jobs_after,
        started_after,
        fixed,
        started_fixed,
        journals,
        records,
    )


def test_an_account_reached_with_another_accounts_credentials_stops_alone_named(
    fails_alone: FailsAlone,
) -> None:
    run, summary = fails_alone.broken, fails_alone.broken_summary
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    assert (
        f"error: account {B}: source {B} credentials belong to account {A}, not "
        f"--source-accounts {B}; the other routes go on"
    ) in run.stderr
    assert summary["regions_failed"] == [B] and summary["stop_reason"] == "fatal"
    assert summary["accounts"][B]["failed_routes"] == [B]
    assert summary["regions"][B]["error"] == (
        f"source {B} credentials belong to account {A}, not --source-accounts {B}"
    )
    # The other two finished: every point of theirs copied, nothing of B's even planned.
    for account in (A, C):
        section = summary["accounts"][account]
        assert section["completed"] == fails_alone.seeded[account] and section["pending"] == 0
        assert f"  {account}/{REGION} -> {REGION}: " in run.stderr
    assert sorted(fails_alone.journals_after_broken) == [A, C]
    assert all(
        journal.count("COMPLETED") == len(journal.items)
        for journal in fails_alone.journals_after_broken.values()
    )
    assert fails_alone.jobs_after_broken == Counter({a: fails_alone.seeded[a] for a in (A, C)})
    assert summary["destinations"] == {
        DEST: {"planned": 60, "completed": 60, "failed": 0, "to_do": 0}
    }


def test_once_its_profile_is_fixed_resume_takes_up_the_failed_account_and_completes(
    fails_alone: FailsAlone,
) -> None:
    run = fails_alone.fixed
    assert run.returncode == 0, run.stderr
    assert f"[{B}/{REGION}] no state at " in run.stderr
    assert f"[{A}/{REGION}] Resuming from " in run.stderr
    assert f"[{C}/{REGION}] Resuming from " in run.stderr
    # Only B's points were copied by the resumed run, each once.
    assert (
        fails_alone.started_after_fixed - fails_alone.started_after_broken == fails_alone.seeded[B]
    )
    assert exactly_once_problems(fails_alone.journals, fails_alone.records) == []


# -- 4. Ctrl-C while the accounts copy -----------------------------------------------------------


@dataclass(frozen=True)
class Interrupted:
    seeded: dict[str, int]
    accounts_copying: set[str]
    interrupted: Run
    summary: dict[str, Any]
    journals_after_stop: dict[str, Journal]
    resumed: Run
    journals: dict[str, Journal]
    records: Records


@pytest.fixture(scope="module")
def interrupted(tmp_path_factory: pytest.TempPathFactory) -> Interrupted:
    workdir = tmp_path_factory.mktemp("accounts-sigint")
    state, summary = workdir / "migration", workdir / "summary.json"
    config = copy_config(480.0, 41, source_account_count=3, **PACED)
    spec = SeedSpec(recovery_points=120, vaults=2, edge_case_share=0.0)
    with served(workdir, config, spec, timeout=TIMEOUT) as box:
        assert box.sandbox.seeded is not None
        seeded = dict(box.sandbox.seeded.by_account)
        owner = records_of(box).account_of
        proc = box.start(*copy_into_one(state, "--summary-output", str(summary)))
        try:
            held = running_until(
                proc,
                lambda: box.started_copies() >= 30
                and accounts_copying(box, owner) == set(ACCOUNTS),
                120,
            )
            assert held, "the copy ended before it could be interrupted"
            copying = accounts_copying(box, owner)
            proc.send_signal(signal.SIGINT)
            stopped = finish(proc, timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        journals_after = read_journals(state)
        resumed = box.run(*copy_into_one(state, "--resume"))
        journals = read_journals(state)
        records = records_of(box)
    return Interrupted(
        seeded,
        copying,
        stopped,
        json.loads(summary.read_text()),
        journals_after,
        resumed,
        journals,
        records,
    )


def test_ctrl_c_while_three_accounts_copy_stops_every_account_with_exit_status_2(
    interrupted: Interrupted,
) -> None:
    run, summary = interrupted.interrupted, interrupted.summary
    assert interrupted.accounts_copying == set(ACCOUNTS)
    assert run.returncode == 2, run.stderr
    assert "stopping: no new copies" in run.stderr and RESUME_HINT in run.stderr
    assert "Traceback" not in run.stderr
    assert summary["stop_reason"] == "stopped"
    assert set(summary["accounts"]) == set(ACCOUNTS)
    saved = interrupted.journals_after_stop
    assert sorted(saved) == sorted(ACCOUNTS)
    for account, journal in saved.items():
        section = summary["accounts"][account]
        assert journal.count("COMPLETED") == section["completed"], account
        assert journal.count("PENDING") == section["pending"], account
        assert journal.count("INTENT") == 0  # every call under way got its answer
    assert summary["pending"] > 0
    assert summary["destinations"][DEST]["to_do"] == summary["pending"] + summary["in_progress"]


def test_resume_after_ctrl_c_copies_every_point_of_every_account_exactly_once(
    interrupted: Interrupted,
) -> None:
    run = interrupted.resumed
    assert run.returncode == 0, run.stderr
    for account in ACCOUNTS:
        assert f"[{account}/{REGION}] Resuming from " in run.stderr
    assert exactly_once_problems(interrupted.journals, interrupted.records) == []


# -- defects this file found (each fixed; the tests keep them fixed) -----------------------------


@dataclass(frozen=True)
class Defects:
    state_dir_copy: Run
    state_dir_verify: Run
    state_file: Run
    state_file_written: bool
    default_journals: list[Path]
    organization: Run
    empty_account: Run


@pytest.fixture(scope="module")
def defects(tmp_path_factory: pytest.TempPathFactory) -> Defects:
    workdir = tmp_path_factory.mktemp("accounts-defects")
    config = copy_config(10_000.0, 9, source_account_count=3)
    spec = SeedSpec(recovery_points=30, vaults=2, edge_case_share=0.0)
    with served(workdir, config, spec, timeout=TIMEOUT) as box:
        state_dir = workdir / "migration"
        sources = (*accounts_flag(), *ROLE, *DEST_FLAGS)
        state_dir_copy = box.run("copy", *sources, "--all-vaults", "--state-dir", str(state_dir))
        state_dir_verify = box.run(
            "verify", *sources, "--all-vaults", "--state-dir", str(state_dir)
        )
        state_file = workdir / "one.jsonl"
        one_file = box.run(
            "copy", *sources, "--vault", box.vaults[0], *RUN_FLAGS, "--state-file", str(state_file)
        )
        default_journals = sorted(state_home(box).rglob("*.jsonl"))
        organization = box.run(
            "copy",
            "--organization",
            *ROLE,
            "--source-profile",
            "sandbox-management",
            *DEST_FLAGS,
            "--all-vaults",
            "--dry-run",
        )
        empty_account = box.run(
            "copy",
            *accounts_flag((A, MANAGEMENT)),
            *ROLE,
            *DEST_FLAGS,
            "--all-vaults",
            "--dry-run",
        )
    return Defects(
        state_dir_copy,
        state_dir_verify,
        one_file,
        state_file.exists(),
        default_journals,
        organization,
        empty_account,
    )


def test_state_dir_names_the_migration_directory_of_several_accounts_in_one_region(
    defects: Defects,
) -> None:
    for run in (defects.state_dir_copy, defects.state_dir_verify):
        assert "--state-dir is for several Regions" not in run.stderr
        assert run.returncode == 0, run.stderr


def test_state_file_with_several_accounts_is_refused_or_honoured_not_ignored(
    defects: Defects,
) -> None:
    run = defects.state_file
    refused = run.returncode == 1 and "--state-file" in run.stderr
    assert refused or defects.state_file_written, (
        f"exit {run.returncode}, nothing at the state file, the journals at "
        f"{[str(path) for path in defects.default_journals]}"
    )


def test_organization_leaves_the_destination_account_out_of_the_sources(
    defects: Defects,
) -> None:
    run = defects.organization
    assert f"--organization: destination account {DEST} is not copied from" in run.stderr
    assert f"account {DEST}," not in run.stderr + run.stdout, run.stderr
    assert f"{DEST}/{REGION}" not in run.stdout
    assert run.returncode == 0, run.stderr


def test_a_named_account_without_vaults_is_warned_about(defects: Defects) -> None:
    run = defects.empty_account
    assert run.returncode == 0, run.stderr
    assert f"account {A}, Region {REGION} -> {REGION}:" in run.stdout
    assert MANAGEMENT in run.stderr, run.stderr


def test_status_names_the_source_accounts_without_a_python_list(
    consolidation: Consolidation,
) -> None:
    lines = consolidation.status_table.stdout.splitlines()
    [migration] = [line for line in lines if line.startswith("Migration: ")]
    assert "[" not in migration and "'" not in migration, migration
    assert all(account in migration for account in ACCOUNTS)


def test_the_closing_line_of_a_failed_account_has_no_empty_destination(
    fails_alone: FailsAlone,
) -> None:
    assert f"  {B} -> : " not in fails_alone.broken.stderr, fails_alone.broken.stderr
