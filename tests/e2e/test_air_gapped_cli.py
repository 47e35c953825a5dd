"""A migration into a logically air-gapped vault that the tool creates, against a served
sandbox, as a user runs it: `--create-dest-vault --dest-vault-type logically-air-gapped
--min-retention-days N --max-retention-days M`.

- Bounds that the source's own retentions (35 and 365 days) break: preflight FAILs with the
  count and the fix, `copy` stops there, no copy job is started and no vault is made.
- Bounds they fit: the vault is made locked with them, every item is copied exactly once into
  it, each copy kept inside the bounds, `list` shows the vault's type, `verify` is clean, and
  the same flags on a resumed run change nothing.
- The flags' refusals: one line, exit 1.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from harness import DEST, SOURCE, Box, copy_config, one_error_line, recorded_jobs, served

from shuffle_aws_vaults.infrastructure.journal_store import StateStore
from shuffle_aws_vaults.sandbox import SeedSpec

pytestmark = pytest.mark.e2e

VAULT = "central"
LAG = "LOGICALLY_AIR_GAPPED_BACKUP_VAULT"
RUN = ("--workers", "100", "--poll-interval", "0.2", "--no-progress")
ACCOUNTS = (
    "--source-account",
    SOURCE,
    "--source-profile",
    "sandbox-source",
    "--dest-account",
    DEST,
    "--dest-profile",
    "sandbox-dest",
    "--all-vaults",
    "--dest-vault",
    VAULT,
)


def air_gapped(low: int, high: int) -> tuple[str, ...]:
    return (
        "--create-dest-vault",
        "--dest-vault-type",
        "logically-air-gapped",
        "--min-retention-days",
        str(low),
        "--max-retention-days",
        str(high),
    )


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> Any:
    workdir = tmp_path_factory.mktemp("air-gapped")
    # A new LAG vault is CREATING 5,000 simulated seconds (half a second here): copies wait.
    config = copy_config(10_000.0, 31, lag_vault_creation_seconds=5_000.0)
    with served(workdir, config, SeedSpec(recovery_points=120, vaults=2), timeout=180.0) as found:
        yield found


def checks_of(output: str) -> dict[str, dict[str, Any]]:
    return {check["check"]: check for check in json.loads(output)}


def dest_vaults(box: Box) -> dict[str, Any]:
    return {key[2]: vault for key, vault in box.world.vaults.items() if key[0] == DEST}


def test_bounds_the_sources_retentions_break_stop_at_preflight_and_copy_nothing(
    box: Box, tmp_path: Path
) -> None:
    flags = (*ACCOUNTS, *air_gapped(7, 100))
    checked = box.run("preflight", *flags, "--output", "json")
    assert checked.returncode == 1, checked.stderr
    found = checks_of(checked.stdout)
    assert found["destination vault types"]["outcome"] == "PASS"
    assert found["destination vault types"]["detail"] == (
        f"{VAULT}: logically-air-gapped, compliance lock 7-100 days (to be created)"
    )
    locks = found["destination vault locks"]
    assert locks["outcome"] == "FAIL" and "copies outside the lock" in locks["detail"]
    assert locks["fix"]

    copied = box.run("copy", *flags, *RUN, "--state-file", str(tmp_path / "s.jsonl"))
    assert copied.returncode == 1
    assert "preflight failed; nothing was copied" in copied.stderr
    assert recorded_jobs(box.world) == ()
    assert VAULT not in dest_vaults(box)  # preflight runs before any vault is made


def test_a_migration_into_a_new_air_gapped_vault_copies_each_item_once_inside_its_bounds(
    box: Box, tmp_path: Path
) -> None:
    state = tmp_path / "lag.jsonl"
    flags = (*ACCOUNTS, *air_gapped(7, 400))
    summary = tmp_path / "summary.json"
    copied = box.run(
        "copy", *flags, *RUN, "--state-file", str(state), "--summary-output", str(summary)
    )
    assert copied.returncode == 0, copied.stderr
    assert f"Created destination vault {VAULT} in account {DEST}" in copied.stderr
    # the vault as AWS reported it in the copy jobs, kept by the journal and in the summary
    vault_arn = f"arn:aws:backup:us-east-1:{DEST}:backup-vault:{VAULT}"
    reported = json.loads(summary.read_text())["destination_vaults"]
    assert reported == {
        vault_arn: {"vault_type": LAG, "lock_state": "LOCKED", "encryption_key_arn": None}
    }
    _, journalled, journal = StateStore(state).load()
    journal.close()
    assert journalled.landings[vault_arn].vault_type == LAG

    assert VAULT in dest_vaults(box)
    jobs = recorded_jobs(box.world)
    sources = Counter(job.source_arn for job in jobs)
    assert jobs and max(sources.values()) == 1  # each item once
    assert {job.state for job in jobs} == {"COMPLETED"}
    landed = [rp for rp in box.world.recovery_points(DEST, "us-east-1", VAULT) if not rp.deleted]
    assert len(landed) == len(jobs)
    assert all(rp.vault_type == LAG for rp in landed)
    assert all(rp.arn.split(":")[2] == "backup" for rp in landed)  # AWS Backup's ARN form
    assert all(7 <= (rp.delete_after_days or 0) <= 400 for rp in landed)

    listed = box.run(
        "list",
        "--source-account",
        DEST,
        "--source-profile",
        "sandbox-dest",
        "--output",
        "json",
    )
    assert listed.returncode == 0, listed.stderr
    rows = {row["vault"]: row for row in json.loads(listed.stdout)}
    assert rows[VAULT]["vault_type"] == "logically-air-gapped"
    assert rows[VAULT]["retention_days"] == "7-400" and rows[VAULT]["locked"] is True

    verified = box.run("verify", *ACCOUNTS, "--state-file", str(state))
    assert verified.returncode == 0, verified.stderr
    again = box.run("copy", *flags, *RUN, "--state-file", str(state), "--resume")
    assert again.returncode == 0, again.stderr
    assert len(recorded_jobs(box.world)) == len(jobs)  # nothing copied twice
    # a lost journal: what the air-gapped vault holds is adopted, not copied again
    lost = box.run("copy", *flags, *RUN, "--state-file", str(tmp_path / "lost.jsonl"))
    assert lost.returncode == 0, lost.stderr
    assert f"{len(jobs):,} already in the destination (not copied again)" in lost.stderr
    assert len(recorded_jobs(box.world)) == len(jobs)

    checked = box.run("preflight", *flags, "--output", "json")
    detail = checks_of(checked.stdout)["destination vault types"]["detail"]
    assert detail == f"{VAULT}: logically-air-gapped, compliance lock 7-400 days, AWS-owned key"


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (("--dest-vault-type", "logically-air-gapped"), "--dest-vault-type applies to vaults "),
        (air_gapped(7, 400)[:3], "needs --min-retention-days and --max-retention-days"),
        (air_gapped(3, 400), "--min-retention-days must be from 7 to 36500"),
    ],
)
def test_the_flags_refusals_are_one_line_and_exit_1(
    box: Box, flags: tuple[str, ...], message: str
) -> None:
    refused = box.run("copy", *ACCOUNTS, *flags, *RUN)
    assert refused.returncode == 1
    assert message in one_error_line(refused.stderr)
