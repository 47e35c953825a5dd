"""`--route-csv` against a sandbox with one source account and three destination accounts: one
account's recovery points split by APMID (APM0001-0020, -0040, -0060 to one account each), through
three kill -9 and a --resume. Every item is copied exactly once, into the account and vault its
row names; what no row routes is `no-route`, counted alike by `filter` and `--dry-run`; verify is
clean over the three accounts; each destination gets its own preflight and IAM documents; a bad
route file is one line naming file:line.

What counts is read from the sandbox's own records (its copy jobs and the recovery points each
destination vault holds) and from the journal, read as --resume reads it.
"""

from __future__ import annotations

import csv
import json
import random
import re
import signal
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from harness import TERMINAL, Job, Run, copy_config, one_error_line, served

from shuffle_aws_vaults.domain.migration import Status
from shuffle_aws_vaults.infrastructure.journal_store import StateStore
from shuffle_aws_vaults.sandbox import SeedSpec

pytestmark = pytest.mark.e2e

SOURCE = "111111111111"
DESTS = ("222222222222", "222222222223", "222222222224")
VAULT = "by-application"
TIMEOUT = 240.0
RUN_FLAGS = ("--workers", "100", "--poll-interval", "0.2", "--no-progress")
KILLS, KILL_SEED = 3, 2_424


def account_of_apmid(apmid: str) -> str:
    return DESTS[(int(apmid.removeprefix("APM")) - 1) // 20]


def write_routes(path: Path) -> Path:
    lines = ["column,value,dest_account,dest_vault"]
    lines += [f"APMID,APM{n:04d},{account_of_apmid(f'APM{n:04d}')},{VAULT}" for n in range(1, 61)]
    path.write_text("\n".join(lines) + "\n")
    return path


def route_flags(routes: Path, csv_path: Path) -> list[str]:
    profiles = ",".join(f"{account}=sandbox-{account}" for account in DESTS)
    return [
        "--source-account",
        SOURCE,
        "--source-profile",
        "sandbox-source",
        "--route-csv",
        str(routes),
        "--dest-profile",
        profiles,
        "--all-vaults",
        "--metadata-csv",
        str(csv_path),
    ]


@dataclass(frozen=True)
class Split:
    kills: list[float]
    dry_run: Run
    filtered: dict[str, Any]
    final: Run
    verify: Run
    identity: dict[str, Any]
    items: list[tuple[str, str]]  # (source ARN, destination vault ARN)
    status: list[str]
    apmid_of: dict[str, str]  # source recovery point ARN -> its resource's APMID ("" if none)
    jobs: tuple[Job, ...]
    landed: dict[str, list[str]]  # destination account -> the ARNs its vault holds
    summary: dict[str, Any]
    report: list[dict[str, str]]
    preflight: Run
    iam: dict[str, Any]


@pytest.fixture(scope="module")
def split(tmp_path_factory: pytest.TempPathFactory) -> Split:
    workdir = tmp_path_factory.mktemp("route-csv")
    state, summary, report = workdir / "split.jsonl", workdir / "summary.json", workdir / "r.csv"
    rng = random.Random(KILL_SEED)
    config = copy_config(10_000.0, 24, dest_account_count=3)
    with served(workdir, config, SeedSpec(recovery_points=600), timeout=TIMEOUT) as box:
        routes = write_routes(workdir / "routes.csv")
        flags = route_flags(routes, box.csv_path)
        dry_run = box.run("copy", *flags, "--dry-run", *RUN_FLAGS)
        filtered = box.run("filter", *flags, "--output", "json")
        copy = ["copy", *flags, "--create-dest-vault", *RUN_FLAGS, "--state-file", str(state)]
        kills: list[float] = []
        while len(kills) < KILLS:
            proc = box.start(*copy, "--resume")
            delay = rng.uniform(1.0, 2.5)
            try:
                proc.wait(timeout=delay)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGKILL)
                kills.append(delay)
            proc.communicate(timeout=TIMEOUT)
        final = box.run(
            *copy, "--resume", "--summary-output", str(summary), "--report-csv", str(report)
        )
        verify = box.run("verify", *flags, "--state-file", str(state))
        preflight = box.run("preflight", *flags)
        iam = box.run(
            "iam-policy",
            "--source-account",
            SOURCE,
            "--region",
            "us-east-1",
            "--route-csv",
            str(routes),
            "--output",
            "json",
        )
        identity, journal = StateStore(state).read()
        jobs = box.jobs()
        landed = {account: [rp.arn for rp in box.points(account, VAULT)] for account in DESTS}
        apmids = {row["resourceArn"]: row["APMID"] for row in csv.DictReader(box.csv_path.open())}
        points = [
            rp
            for account, _, name in box.world.vaults
            if account == SOURCE
            for rp in box.world.recovery_points(SOURCE, "us-east-1", name)
        ]
    with report.open() as handle:
        rows = list(csv.DictReader(handle))
    return Split(
        kills,
        dry_run,
        json.loads(filtered.stdout),
        final,
        verify,
        identity,
        [(item.source_arn, item.dest_vault_arn) for item in journal.items],
        [Status(s).name for s in journal.status],
        {rp.arn: apmids.get(rp.resource_arn, "") for rp in points},
        jobs,
        landed,
        json.loads(summary.read_text()),
        rows,
        preflight,
        json.loads(iam.stdout),
    )


def test_kill_9_landed_while_copies_were_under_way(split: Split) -> None:
    assert len(split.kills) == KILLS
    assert split.jobs, "no copy job was started before the kills"


def test_every_routed_item_is_copied_exactly_once_into_its_rows_account(split: Split) -> None:
    assert split.final.returncode == 0, split.final.stderr
    assert "Traceback" not in split.final.stderr
    assert [job.job_id for job in split.jobs if job.state not in TERMINAL] == []
    completed = Counter(job.source_arn for job in split.jobs if job.state == "COMPLETED")
    assert set(split.status) <= {"COMPLETED", "ALREADY_COPIED"}
    for arn, dest_vault in split.items:
        apmid = split.apmid_of[arn]
        assert dest_vault == (
            f"arn:aws:backup:us-east-1:{account_of_apmid(apmid)}:backup-vault:{VAULT}"
        ), (arn, apmid)
        assert completed[arn] == 1, arn
    for job in split.jobs:
        if job.state == "COMPLETED":
            assert job.dest_vault_arn.split(":")[4] == account_of_apmid(
                split.apmid_of[job.source_arn]
            )
    landed = [arn for arns in split.landed.values() for arn in arns]
    assert len(landed) == len(set(landed)) == len(split.items)
    assert all(split.landed[account] for account in DESTS)  # each account got its share


def test_what_no_row_routes_is_no_route_alike_in_filter_dry_run_and_the_journal(
    split: Split,
) -> None:
    unrouted = sum(1 for apmid in split.apmid_of.values() if not apmid)
    summary = split.filtered["summary"]
    no_route = summary["excluded_by_reason"].get("no-route", 0)
    assert 0 < no_route <= unrouted  # unrouted items AWS cannot copy count as that instead
    assert split.identity["skipped_by_reason"]["no-route"] == no_route
    planned = split.dry_run.stdout + split.dry_run.stderr
    assert re.search(rf"^  no-route +{no_route:,} ", planned, re.M), planned
    assert re.search(rf"^Plan: {len(split.items):,} recovery points", planned, re.M), planned
    assert summary["included"] == len(split.items)
    by_dest = summary["included_by_destination"]
    assert sum(by_dest.values()) == len(split.items)
    assert set(by_dest) == {f"{account} {VAULT}" for account in DESTS}


def test_verify_is_clean_over_the_three_accounts(split: Split) -> None:
    assert split.verify.returncode == 0, split.verify.stderr
    out = split.verify.stdout + split.verify.stderr
    assert f"destination accounts {', '.join(DESTS)}" in out
    assert re.search(rf"^  verified +{len(split.items)}$", out, re.M), out


def test_one_summary_and_report_name_each_destination(split: Split) -> None:
    destinations = split.summary["destinations"]
    assert set(destinations) == set(DESTS)
    assert sum(section["planned"] for section in destinations.values()) == len(split.items)
    assert all(section["to_do"] == 0 for section in destinations.values())
    assert len(split.report) == len(split.items)
    for row in split.report:
        assert row["dest_account"] == account_of_apmid(row["APMID"])
        assert row["dest_vault"] == VAULT and row["dest_region"] == "us-east-1"


def test_each_destination_has_its_own_preflight_and_iam_documents(split: Split) -> None:
    assert split.preflight.returncode == 0, split.preflight.stdout + split.preflight.stderr
    checklist = split.preflight.stdout + split.preflight.stderr
    for account in DESTS:
        assert f"destination vaults exist [{account} us-east-1]" in checklist
    assert set(split.iam["destinations"]) == set(DESTS)
    for account, pair in split.iam["destinations"].items():
        policy = json.dumps(pair["dest_vault_access_policy"])
        assert f":{account}:backup-vault:{VAULT}" in policy and SOURCE in policy


# -- refusals: one line, exit 1, nothing read or written -------------------------------------


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> Any:
    workdir = tmp_path_factory.mktemp("route-csv-refusals")
    with served(workdir, copy_config(1000.0, 5, dest_account_count=3), SeedSpec(60)) as found:
        yield found


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        ("column,value,dest_account,dest_vault\nAPMID,APM0001,2222,v1\n", 2, "not a 12-digit"),
        ("APMID,APM0001,222222222222\n", 1, "expected column,value,dest_account,dest_vault"),
        ("APMID,APM1,222222222222,v1\nAPMID,APM1,222222222223,v2\n", 2, "routed already"),
    ],
)
def test_a_bad_route_file_is_one_line_naming_file_and_line(
    box: Any, tmp_path: Path, content: str, line: int, message: str
) -> None:
    routes = tmp_path / "routes.csv"
    routes.write_text(content)
    state = tmp_path / "state.jsonl"
    ran = box.run("copy", *route_flags(routes, box.csv_path), "--state-file", str(state))
    assert ran.returncode == 1
    error = one_error_line(ran.stderr)
    assert f"{routes}:{line}: " in error and message in error
    assert not state.exists()


def test_a_column_the_metadata_lacks_and_a_missing_file_are_refused(
    box: Any, tmp_path: Path
) -> None:
    routes = tmp_path / "routes.csv"
    routes.write_text("".join(f"Team,T{n},{account},web\n" for n, account in enumerate(DESTS)))
    ran = box.run("filter", *route_flags(routes, box.csv_path))
    assert ran.returncode == 1
    assert f"{routes}:1: column 'Team' is not in the metadata CSV" in one_error_line(ran.stderr)
    ran = box.run("filter", *route_flags(tmp_path / "nope.csv", box.csv_path))
    assert ran.returncode == 1 and "nope.csv: no such file" in one_error_line(ran.stderr)


def test_a_destination_account_without_credentials_is_a_usage_error(
    box: Any, tmp_path: Path
) -> None:
    routes = write_routes(tmp_path / "routes.csv")
    flags = route_flags(routes, box.csv_path)
    at = flags.index("--dest-profile")
    del flags[at : at + 2]
    ran = box.run("copy", *flags, "--dry-run", "--dest-profile", "sandbox-222222222222")
    assert ran.returncode == 1
    error = one_error_line(ran.stderr)
    assert "222222222223, 222222222224" in error and "--role-name" in error


def test_role_name_reaches_every_destination_and_a_default_row_takes_the_rest(
    box: Any, tmp_path: Path
) -> None:
    routes = tmp_path / "routes.csv"  # the first APMID group to one account, the rest default
    rows = [f"APMID,APM{n:04d},{DESTS[1]},{VAULT}" for n in range(1, 21)]
    routes.write_text("\n".join([*rows, f"APMID,*,{DESTS[2]},unrouted"]) + "\n")
    flags = route_flags(routes, box.csv_path)
    at = flags.index("--dest-profile")
    flags[at : at + 2] = ["--dest-profile", "sandbox-base", "--role-name", "SandboxOperator"]
    ran = box.run("filter", *flags, "--output", "json")
    assert ran.returncode == 0, ran.stderr
    summary = json.loads(ran.stdout)["summary"]
    assert "no-route" not in summary["excluded_by_reason"]
    assert set(summary["included_by_destination"]) == {
        f"{DESTS[1]} {VAULT}",
        f"{DESTS[2]} unrouted",
    }
