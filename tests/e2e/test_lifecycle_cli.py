"""Copies' lifecycles, as a user runs the CLI (in a subprocess) against a served sandbox: a
locked destination vault and never-expiring recovery points stop `copy` at preflight with the
count and the fix, and no copy job starts; with --fit-retention every item is copied once with
a retention inside the lock's bounds, also into a logically air-gapped vault the tool creates;
a copy that would arrive already expired is left out as would-expire by filter, --dry-run and
copy alike, and --allow-expired copies it.

Expectations are read from the sandbox's own records (its stored recovery points, copy jobs and
call counters). The never-expiring and 400-day-old recovery points are planted in the sandbox's
world directly: the sandbox has no UpdateRecoveryPointLifecycle, and no backup plan makes a
point a year old on the spot.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from harness import DAY, DEST, SOURCE, Box, copy_args, copy_config, served

from shuffle_aws_vaults.sandbox import SeedSpec

pytestmark = pytest.mark.e2e

MIN_DAYS, MAX_DAYS = 7, 365
OLD_DAYS = 400  # a point this old that copies with DeleteAfterDays 365 arrives expired


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Box]:
    spec = SeedSpec(recovery_points=90, vaults=3, edge_case_share=0.0, metadata_missing_share=0.0)
    workdir = tmp_path_factory.mktemp("lifecycle")
    config = copy_config(10_000.0, seed=31, lag_vault_creation_seconds=0.0)
    with served(workdir, config, spec, traceback_free=True) as found:
        yield found


def plant(box: Box, vault: str, *, never_expiring: bool) -> str:
    """A 400-day-old recovery point that never expires in `vault` (and, with `never_expiring`,
    every other point there made never-expiring too); its ARN."""
    world = box.world
    with world.lock:
        points = world.recovery_points(SOURCE, "us-east-1", vault)
        if never_expiring:
            for point in points:
                point.delete_after_days = None
        template = next(p for p in points if p.status == "COMPLETED")
        old = replace(
            template,
            seq=world.next_seq(),
            arn=template.arn[:-8] + "0000aaaa",  # one planted per vault: no other has it
            creation_date=world.calendar() - OLD_DAYS * DAY,
            delete_after_days=None,
        )
        assert old.arn not in {p.arn for p in points}
        world.add_recovery_point(SOURCE, "us-east-1", old)
    return str(old.arn)


def copyable(box: Box, vault: str) -> set[str]:
    return {p.arn for p in box.points(SOURCE, vault) if p.status == "COMPLETED"}


def lock(box: Box, vault: str) -> None:
    box.as_dest(
        "put_backup_vault_lock_configuration",
        BackupVaultName=vault,
        MinRetentionDays=MIN_DAYS,
        MaxRetentionDays=MAX_DAYS,
    )


def copies_in(box: Box, vault: str) -> dict[str, Any]:
    """Source ARN -> the copy the sandbox stored in the destination vault (COMPLETED jobs)."""
    stored = {p.arn: p for p in box.points(DEST, vault)}
    return {
        job.source_arn: stored[job.dest_arn]
        for job in box.jobs()
        if job.state == "COMPLETED" and job.dest_vault_arn.endswith(f":{vault}")
    }


def test_never_expiring_points_into_a_locked_vault_stop_at_preflight_and_start_no_job(
    box: Box, tmp_path: Path
) -> None:
    vault = box.vaults[0]
    plant(box, vault, never_expiring=True)
    lock(box, vault)
    planned = len(copyable(box, vault))
    started = box.started_copies()
    state = tmp_path / "locked.jsonl"

    code, out, err = box.process(*copy_args(state, "--vault", vault))

    assert code == 1, out + err
    text = out + err
    assert (
        f"FAIL  destination vault locks: {vault}: {planned} of {planned} copies outside the "
        "lock ("
    ) in text
    assert f" never expires, lock allows {MIN_DAYS}-{MAX_DAYS})" in text
    assert "fix: add --fit-retention (each copy's DeleteAfterDays clamped into its vault's " in text
    assert "preflight failed; nothing was copied" in err
    assert box.started_copies() == started  # not one StartCopyJob
    assert not state.exists()


def test_fit_retention_copies_every_item_once_inside_the_locks_bounds(
    box: Box, tmp_path: Path
) -> None:
    vault = box.vaults[1]
    old = plant(box, vault, never_expiring=True)
    lock(box, vault)
    wanted = copyable(box, vault) - {old}  # clamped to 365 days, the old one ends in the past
    report, summary = tmp_path / "report.csv", tmp_path / "summary.json"

    code, out, err = box.process(
        *copy_args(
            tmp_path / "fit.jsonl",
            "--vault",
            vault,
            "--fit-retention",
            "--report-csv",
            str(report),
            "--summary-output",
            str(summary),
        )
    )

    assert code == 0, out + err
    copies = copies_in(box, vault)
    assert set(copies) == wanted
    by_source = box.copies_by_source()
    assert {arn: by_source[arn] for arn in wanted} == dict.fromkeys(wanted, 1)  # once each
    assert old not in by_source
    for source_arn, copy in copies.items():
        assert MIN_DAYS <= copy.delete_after_days <= MAX_DAYS, source_arn
        assert copy.delete_after_days == MAX_DAYS  # never expiring: the lock's maximum
    rows = list(csv.DictReader(report.open()))
    assert {row["source_recovery_point_arn"] for row in rows} == wanted
    assert {(row["lifecycle"], row["lifecycle_clamped"]) for row in rows} == {
        (f"DeleteAfterDays={MAX_DAYS}", f"never->{MAX_DAYS}")
    }
    document = json.loads(summary.read_text())
    assert document["lifecycle_clamped"] == len(wanted)
    assert document["skipped_by_reason"] == {"would-expire": 1}


def test_a_copy_that_would_arrive_expired_is_left_out_unless_allowed(
    box: Box, tmp_path: Path
) -> None:
    vault = box.vaults[2]
    old = plant(box, vault, never_expiring=False)
    lifecycle = ("--delete-after-days", str(MAX_DAYS))
    flags = ("--source-account", SOURCE, "--dest-account", DEST)
    profiles = ("--source-profile", "sandbox-source", "--dest-profile", "sandbox-dest")
    # The seeded points are at most 41 weeks old: only the planted one ends before now.
    assert all(
        p.creation_date > datetime.now(UTC).timestamp() - MAX_DAYS * DAY
        for p in box.points(SOURCE, vault)
        if p.arn != old
    )

    code, out, err = box.process(
        "filter", *flags, *profiles, "--vault", vault, *lifecycle, "--output", "json"
    )
    assert code == 0, err
    assert json.loads(out)["summary"]["excluded_by_reason"] == {"would-expire": 1}

    code, out, err = box.process(
        *copy_args(tmp_path / "dry.jsonl", "--vault", vault, *lifecycle, "--dry-run")
    )
    assert code == 0, err
    assert "would-expire" in out and "1  its copy would arrive already expired" in out

    code, out, err = box.process("preflight", *flags, *profiles, "--vault", vault, *lifecycle)
    assert code == 0, out + err
    created = next(p.creation_date for p in box.points(SOURCE, vault) if p.arn == old)
    expired_on = (datetime.fromtimestamp(created, UTC) + timedelta(days=MAX_DAYS)).date()
    assert (
        f"WARN  copies' lifecycles: 1 copies would arrive already expired (e.g. {old}: created "
    ) in out
    assert f"DeleteAfterDays {MAX_DAYS} ended {expired_on.isoformat()}" in out

    code, out, err = box.process(
        *copy_args(tmp_path / "expire.jsonl", "--vault", vault, *lifecycle)
    )
    assert code == 0, out + err
    copies = copies_in(box, vault)
    assert set(copies) == copyable(box, vault) - {old}
    assert {copy.delete_after_days for copy in copies.values()} == {MAX_DAYS}

    # Another migration (its lifecycle flags differ): what is there is adopted, the old one copied.
    allowed = (*lifecycle, "--allow-expired")
    code, out, err = box.process(*copy_args(tmp_path / "allowed.jsonl", "--vault", vault, *allowed))
    assert code == 0, out + err
    copies = copies_in(box, vault)
    assert set(copies) == copyable(box, vault)
    assert copies[old].delete_after_days == MAX_DAYS
    assert copies[old].creation_date == pytest.approx(created)  # the source's: expired
    assert box.copies_by_source()[old] == 1


def test_fit_retention_into_an_air_gapped_vault_the_tool_creates_keeps_each_copy_inside(
    box: Box, tmp_path: Path
) -> None:
    source, into, high = box.vaults[0], "air-gap", 100
    now = datetime.now(UTC).timestamp()

    def fitted(point: Any) -> int:
        days = point.delete_after_days
        return high if days is None else min(max(days, MIN_DAYS), high)

    points = [p for p in box.points(SOURCE, source) if p.status == "COMPLETED"]
    wanted = {p.arn for p in points if p.creation_date + fitted(p) * DAY > now}
    assert wanted and len(wanted) < len(points)  # weekly backups older than 100 days expire
    new_vault = (
        "--create-dest-vault",
        "--dest-vault-type",
        "logically-air-gapped",
        "--min-retention-days",
        str(MIN_DAYS),
        "--max-retention-days",
        str(high),
    )
    state = tmp_path / "lag.jsonl"
    args = ("--vault", source, "--dest-vault", into, *new_vault, "--fit-retention")

    code, out, err = box.process(*copy_args(state, *args))

    assert code == 0, out + err
    described = box.as_dest("describe_backup_vault", BackupVaultName=into)
    assert described["VaultType"] == "LOGICALLY_AIR_GAPPED_BACKUP_VAULT"
    assert (described["MinRetentionDays"], described["MaxRetentionDays"]) == (MIN_DAYS, high)
    copies = copies_in(box, into)
    assert set(copies) == wanted
    assert all(MIN_DAYS <= copy.delete_after_days <= high for copy in copies.values())
    assert Counter(job.source_arn for job in box.jobs() if job.dest_vault_arn.endswith(into)) == (
        Counter(wanted)
    )
