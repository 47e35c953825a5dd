"""`status` and `verify` over several Regions (--regions, --all-regions, --state-dir), in-process
against a served sandbox that seeds two Regions 3:1.

The migration directory is made as a multi-Region copy makes it: a one-Region copy per source
Region with `--region R --dest-region R --state-file DIR/R.jsonl` (the same file, the same
identity). Counts are checked against the sandbox's own records.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from harness import (
    ACCOUNT_FLAGS,
    COPY_FLAGS,
    DEST,
    Box,
    copy_config,
    environment_of,
    one_error_line,
    served,
)

from shuffle_aws_vaults.sandbox import SeedSpec

pytestmark = pytest.mark.e2e

EAST, WEST = "us-east-1", "eu-west-1"
TIMEOUT = 180.0


@dataclass(frozen=True)
class Migrated:
    box: Box
    directory: Path  # the migration directory: a journal per source Region


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Migrated]:
    workdir = tmp_path_factory.mktemp("regions-status")
    config = copy_config(10_000.0, 16, regions=(EAST, WEST), jitter=0.0)
    spec = SeedSpec(recovery_points=80, vaults=2, region_shares=(3, 1), edge_case_share=0.0)
    with served(workdir, config, spec, timeout=TIMEOUT, traceback_free=True) as box:
        directory = workdir / "migration"
        for region in (EAST, WEST):
            code, _, err = box.run(
                "copy",
                *ACCOUNT_FLAGS,
                "--all-vaults",
                *COPY_FLAGS,
                "--region",
                region,
                "--dest-region",
                region,
                "--state-file",
                str(directory / f"{region}.jsonl"),
            )
            assert code == 0, err
        for region, seeded in box.by_region.items():
            assert len(box.completed_copies(region)) == seeded, region
        yield Migrated(box, directory)


# -- status -------------------------------------------------------------------------------------


def status_json(migrated: Migrated, *args: str) -> dict[str, Any]:
    code, out, err = migrated.box.run("status", *args, "--output", "json")
    assert code == 0, err
    found: dict[str, Any] = json.loads(out)
    return found


def test_status_of_a_directory_totals_the_regions_and_keeps_each_regions_own(
    migrated: Migrated,
) -> None:
    data = status_json(migrated, "--state-dir", str(migrated.directory))
    seeded = migrated.box.by_region
    assert list(data["regions"]) == sorted(seeded)  # every Region there, in name order
    for region, count in seeded.items():
        own = data["regions"][region]
        assert own["dest_region"] == region
        assert (own["total_items"], own["completed"], own["failed"]) == (count, count, 0)
        assert own["percent_done"] == 100.0
    assert data["total_items"] == data["completed"] == sum(seeded.values())
    assert data["percent_done"] == 100.0 and data["failed"] == 0
    assert data["bytes_planned"] == sum(r["bytes_planned"] for r in data["regions"].values())
    assert data["source_account"] == "111111111111" and data["dest_account"] == DEST
    # the one-Region document's keys as the totals, and the Regions besides
    one = migrated.box.run(
        "status", "--state-file", str(migrated.directory / f"{EAST}.jsonl"), "--output", "json"
    ).stdout
    assert set(data) == set(json.loads(one)) | {"regions"}
    # the same but for the ETA's time, which is each reading's own clock plus the ETA
    own = {**data["regions"][EAST], "eta": None}
    assert own == {**json.loads(one), "dest_region": EAST, "eta": None}
    assert data["eta"]["seconds"] == 0.0 and data["rate"]["completed"] == data["completed"]
    assert {run["route"] for run in data["runs"]} == set(seeded)


def test_status_with_regions_reads_only_those(migrated: Migrated) -> None:
    data = status_json(migrated, "--state-dir", str(migrated.directory), "--regions", WEST)
    assert list(data["regions"]) == [WEST]
    assert data["total_items"] == migrated.box.by_region[WEST]


def test_status_table_has_a_line_per_region_then_the_totals(migrated: Migrated) -> None:
    code, out, err = migrated.box.run("status", "--state-dir", str(migrated.directory))
    assert code == 0, err
    lines = out.splitlines()
    seeded = migrated.box.by_region
    assert lines[0] == f"State: {migrated.directory}"
    assert lines[1] == "== Routes =="
    for line, region in zip(lines[2:4], sorted(seeded), strict=True):
        assert line == (
            f"{region} -> {region}: 100.0% of {seeded[region]} | Completed: {seeded[region]} | "
            "Failed: 0 | In Progress: 0 | Queued: 0 | Running: no"
        )
    assert lines[4] == "== Migration =="
    assert lines[5].startswith("Migration: account 111111111111 -> 222222222222, vaults ")
    assert lines[6] == "Running: no"
    assert lines[7] == f"Regions: {WEST}, {EAST} -> {WEST}, {EAST}"
    total = sum(seeded.values())
    progress = lines.index("== Progress ==")
    assert lines[progress + 1].startswith(
        f"Progress: 100.0% of {total} | Completed: {total} | Failed: 0"
    )
    for region in seeded:  # each route's vaults, named with their route
        assert any(line.startswith(f"  {region}/") for line in lines)


def test_status_text_output_has_each_region(migrated: Migrated) -> None:
    code, out, err = migrated.box.run(
        "status", "--state-dir", str(migrated.directory), "--output", "text"
    )
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split("\t")[:2] == ["111111111111", DEST]
    # each Region's counts line: its accounts first, its dest_region last
    own = [line.split("\t") for line in lines if line.startswith(f"111111111111\t{DEST}\t")]
    assert sorted(fields[-1] for fields in own if fields[-1] in (EAST, WEST)) == [WEST, EAST]


def test_status_a_region_without_state_is_named_with_the_directory(migrated: Migrated) -> None:
    code, out, err = migrated.box.run(
        "status", "--state-dir", str(migrated.directory), "--regions", f"{EAST},ap-south-1"
    )
    assert code == 1 and out == ""
    assert one_error_line(err) == (
        f"error: no migration state for Region ap-south-1 in {migrated.directory} "
        f"(Regions there: {WEST}, {EAST})"
    )


def test_status_finds_the_default_directory_from_the_copys_flags(
    migrated: Migrated, tmp_path: Path
) -> None:
    flags = (*ACCOUNT_FLAGS, "--all-vaults", *COPY_FLAGS, "--regions", f"{EAST},{WEST}")
    code, out, err = migrated.box.run("status", *flags)
    assert code == 1 and out == ""
    line = one_error_line(err)
    found = re.fullmatch(r"error: no migration state in (.+)", line)
    assert found is not None, line
    default = Path(found.group(1))
    assert default.is_relative_to(migrated.box.workdir / "xdg-state")
    assert not default.exists()
    shutil.copytree(migrated.directory, default)
    try:
        code, out, err = migrated.box.run("status", *flags, "--output", "json")
        assert code == 0, err
        assert json.loads(out)["total_items"] == sum(migrated.box.by_region.values())
        code, out, err = migrated.box.run("status", *flags[:-2], "--all-regions")
        assert code == 0 and out.startswith(f"State: {default}\n"), err
    finally:
        shutil.rmtree(default)


def test_status_of_an_empty_directory_says_so(migrated: Migrated, tmp_path: Path) -> None:
    code, out, err = migrated.box.run("status", "--state-dir", str(tmp_path))
    assert code == 1 and out == ""
    assert one_error_line(err) == f"error: no migration state in {tmp_path}"
    code, _, err = migrated.box.run(
        "status", "--state-dir", str(tmp_path), "--state-file", str(tmp_path / "x.jsonl")
    )
    assert code == 1
    assert one_error_line(err) == (
        "error: give --state-file (one Region) or --state-dir (several), not both"
    )


# -- verify -------------------------------------------------------------------------------------
# The last test deletes a copy: the tests before it see every copy in place.


def verify_json(migrated: Migrated, *args: str, code: int = 0) -> dict[str, Any]:
    status, out, err = migrated.box.run(
        "verify", *ACCOUNT_FLAGS, "--all-vaults", *args, "--output", "json"
    )
    assert status == code, err
    found: dict[str, Any] = json.loads(out)
    return found


def test_verify_with_the_directory_verifies_every_region_by_its_journal(
    migrated: Migrated,
) -> None:
    document = verify_json(
        migrated, "--regions", f"{EAST},{WEST}", "--state-dir", str(migrated.directory)
    )
    summary, seeded = document["summary"], migrated.box.by_region
    assert document["problems"] == []
    assert summary["total"] == summary["verified"] == sum(seeded.values())
    assert list(summary["regions"]) == [EAST, WEST]  # as --regions gave them
    for region, count in seeded.items():
        own = summary["regions"][region]
        assert own["mode"] == f"journal {migrated.directory / f'{region}.jsonl'}"
        assert (own["dest_region"], own["total"], own["verified"]) == (region, count, count)
        assert own["error"] is None


def test_verify_without_journals_matches_each_regions_copies_and_reports_one_csv(
    migrated: Migrated, tmp_path: Path
) -> None:
    report = tmp_path / "verify.csv"
    code, out, err = migrated.box.run(
        "verify", *ACCOUNT_FLAGS, "--all-vaults", "--all-regions", "--report-csv", str(report)
    )
    assert code == 0, err
    seeded = migrated.box.by_region
    lines = out.splitlines()
    assert lines[0].startswith(
        f"Verified against the destination account {DEST}, Region by Region (migration "
    )
    assert lines[1:3] == [  # the enabled Regions in name order
        f"  {region} -> {region}: {seeded[region]} of {seeded[region]} verified using "
        "copy-job records and matching (no journal)"
        for region in (WEST, EAST)
    ]
    assert lines[3] == "Totals:"
    assert re.fullmatch(rf"  verified\s+{sum(seeded.values())}", lines[4])
    with report.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames is not None and reader.fieldnames[:2] == ["region", "verdict"]
        rows = list(reader)
    assert Counter(row["region"] for row in rows) == Counter(seeded)
    for row in rows:
        assert row["verdict"] == "verified"
        assert row["source_recovery_point_arn"].split(":")[3] == row["region"]
        assert row["destination_recovery_point_arn"].split(":")[3] == row["region"]
        copies = migrated.box.completed_copies(row["region"])
        assert copies[row["source_recovery_point_arn"]] == row["destination_recovery_point_arn"]


def test_a_region_whose_destination_cannot_be_read_stops_only_itself(
    migrated: Migrated, tmp_path: Path
) -> None:
    # No journal (an empty directory), and West's copies looked for in a Region whose
    # destination account has no such vault: West stops, East is verified, the exit is 1.
    document = verify_json(
        migrated,
        "--regions",
        f"{EAST},{WEST}",
        "--dest-region",
        f"{WEST}=ap-south-1",
        "--state-dir",
        str(tmp_path),
        code=1,
    )
    regions = document["summary"]["regions"]
    assert regions[EAST]["verified"] == migrated.box.by_region[EAST]
    assert regions[EAST]["error"] is None
    assert regions[WEST]["dest_region"] == "ap-south-1"
    assert regions[WEST]["verified"] == 0
    assert "ResourceNotFoundException" in regions[WEST]["error"], regions[WEST]
    assert document["summary"]["verified"] == migrated.box.by_region[EAST]


def test_all_regions_names_a_journal_region_it_did_not_verify(
    migrated: Migrated, tmp_path: Path
) -> None:
    directory = tmp_path / "migration"
    shutil.copytree(migrated.directory, directory)
    shutil.copy(directory / f"{EAST}.jsonl", directory / "ap-south-1.jsonl")  # no vaults there
    code, out, err = migrated.box.run(
        "verify", *ACCOUNT_FLAGS, "--all-vaults", "--all-regions", "--state-dir", str(directory)
    )
    assert code == 0, err
    assert err.splitlines() == [
        f"warning: not verified: ap-south-1 (a journal in {directory}, but no vault matching "
        "the selection there now); name it in --regions to verify it"
    ]
    assert "ap-south-1" not in out


def test_a_deleted_copy_is_missing_in_its_region_and_the_exit_is_1(migrated: Migrated) -> None:
    world = migrated.box.sandbox.world
    assert world is not None
    job = min(
        (job for job in world.copy_jobs() if job.state == "COMPLETED"),
        key=lambda job: (job.source_recovery_point_arn.split(":")[3] != WEST, job.seq),
    )
    source_arn, dest_arn = job.source_recovery_point_arn, job.dest_recovery_point_arn
    assert source_arn.split(":")[3] == WEST
    with environment_of(migrated.box.sandbox):
        backup = boto3.Session(profile_name="sandbox-dest").client("backup", region_name=WEST)
        backup.delete_recovery_point(
            BackupVaultName=job.dest_vault_arn.rsplit(":", 1)[-1], RecoveryPointArn=dest_arn
        )
    for state in (migrated.directory, migrated.box.workdir / "no-journals"):
        document = verify_json(
            migrated, "--regions", f"{EAST},{WEST}", "--state-dir", str(state), code=1
        )
        regions = document["summary"]["regions"]
        assert (regions[EAST]["missing"], regions[WEST]["missing"]) == (0, 1), state
        assert document["summary"]["missing"] == 1
        [problem] = document["problems"]
        assert (problem["region"], problem["verdict"]) == (WEST, "missing")
        assert problem["source_recovery_point_arn"] == source_arn
    code, out, err = migrated.box.run(
        "verify",
        *ACCOUNT_FLAGS,
        "--all-vaults",
        "--all-regions",
        "--state-dir",
        str(migrated.directory),
        "--output",
        "csv",
    )
    assert code == 1
    rows = list(csv.DictReader(out.splitlines()))
    assert Counter(row["region"] for row in rows) == Counter(migrated.box.by_region)
    problems = [(row["region"], row["source_recovery_point_arn"]) for row in rows]
    problems = [p for p, row in zip(problems, rows, strict=True) if row["verdict"] != "verified"]
    assert problems == [(WEST, source_arn)]
    assert f"  {WEST} -> {WEST}: " in err and "(1 missing)" in err  # the summary on stderr
