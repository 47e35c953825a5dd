"""Which migration the summary and `status` describe, and how it went: a copy against a served
sandbox (in-process), then its summary JSON and `status` (text and JSON) checked against the
sandbox's own records: accounts, Regions, vaults, state path, version, command line, bytes,
per-vault and per-type counts, the runs, the rate and the ETA."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from harness import DEST, REGION, SOURCE, Box, copy_args, copy_config, served

from shuffle_aws_vaults import __version__
from shuffle_aws_vaults.sandbox import SeedSpec

pytestmark = pytest.mark.e2e

EAST, WEST = "us-east-1", "eu-west-1"


@dataclass(frozen=True)
class Copied:
    box: Box
    state: Path
    summary: dict[str, Any]
    argv: list[str]
    points: dict[str, Any]  # the sandbox's source recovery points by ARN (their size, vault, type)


def source_points(box: Box) -> dict[str, Any]:
    """Every source recovery point in REGION, as the sandbox holds it (StoredRecoveryPoint)."""
    return {point.arn: point for vault in box.vaults for point in box.points(SOURCE, vault)}


@pytest.fixture(scope="module")
def copied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Copied]:
    workdir = tmp_path_factory.mktemp("summary-status")
    config = copy_config(10_000.0, 21, jitter=0.0)
    spec = SeedSpec(recovery_points=40, vaults=2, edge_case_share=0.0)
    with served(workdir, config, spec, traceback_free=True) as box:
        state = workdir / "state.jsonl"
        summary = workdir / "summary.json"
        argv = copy_args(state, "--summary-output", str(summary))
        code, _, err = box.run(*argv)
        assert code == 0, err
        yield Copied(box, state, json.loads(summary.read_text()), argv, source_points(box))


def test_the_summary_names_the_migration(copied: Copied) -> None:
    migration = copied.summary["migration"]
    assert migration["source_account"] == SOURCE and migration["dest_account"] == DEST
    assert migration["source_region"] == migration["dest_region"] == REGION
    assert migration["state_path"] == str(copied.state)
    assert migration["tool_version"] == __version__
    assert migration["command_line"].startswith("shuffle-aws-vaults copy --source-account")
    assert "--state-file " + str(copied.state) in migration["command_line"]
    vaults = {(pair["source"], pair["destination"]) for pair in migration["vaults"]}
    assert vaults == {(vault, vault) for vault in copied.box.vaults}
    assert migration["started"] and migration["ended"]  # every item copied: it ended
    assert migration["runs"] == 1


def test_the_summary_counts_add_up_against_the_sandbox(copied: Copied) -> None:
    summary, jobs = copied.summary, copied.box.jobs()
    copies = [copied.points[job.source_arn] for job in jobs if job.state == "COMPLETED"]
    assert len(copies) == summary["completed"] > 0
    sizes = sum(point.size for point in copies)
    assert summary["bytes"]["planned"] == summary["bytes"]["copied"] == sizes
    assert summary["bytes"]["remaining"] == summary["bytes"]["failed"] == 0
    assert summary["bytes_copied"] == sizes  # the key scripts read, unchanged
    by_vault = Counter(point.vault_name for point in copies)
    assert {v: c["completed"] for v, c in summary["by_vault"].items()} == dict(by_vault)
    by_type = Counter(point.resource_type for point in copies)
    assert {t: c["completed"] for t, c in summary["by_type"].items()} == dict(by_type)
    assert sum(c["planned"] for c in summary["by_type"].values()) == summary["planned_items"]
    assert summary["total_items"] == summary["completed"] + summary["skipped"]  # kept, as it was


def test_the_summary_lists_the_run_with_its_stop_reason(copied: Copied) -> None:
    (run,) = copied.summary["runs"]
    assert run["stop_reason"] == copied.summary["stop_reason"] == "finished"
    assert run["completed"] == copied.summary["completed"]
    assert run["start_time"] <= run["end_time"]
    assert run["command_line"] == copied.summary["migration"]["command_line"]


def test_status_json_has_the_identity_runs_rate_and_eta(copied: Copied) -> None:
    status = copied.box.document("status", "--state-file", str(copied.state), status=0)
    assert status["source_region"] == status["dest_region"] == REGION
    assert status["dest_vaults"] == sorted(copied.box.vaults)
    assert status["last_run"]["outcome"] == "finished"
    assert status["migration"] == copied.summary["migration"]
    assert status["by_vault"] == copied.summary["by_vault"]
    assert status["runs"] == copied.summary["runs"]
    # every copy completed within the last hour, over the run's own span
    assert status["rate"]["completed"] == status["completed"]
    assert status["rate"]["items_per_hour"] > 0
    assert status["eta"]["seconds"] == 0.0 and status["eta"]["remaining_items"] == 0


def test_status_text_has_headers_and_the_identity(copied: Copied) -> None:
    code, out, err = copied.box.run("status", "--state-file", str(copied.state))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == f"State: {copied.state}"
    headers = [line for line in lines if line.startswith("== ")]
    assert headers == [
        "== Migration ==",
        "== Progress ==",
        "== Vaults (source -> destination) ==",
        "== Resource types ==",
    ]
    assert f"Regions: {REGION} -> {REGION}" in lines
    assert any(line.startswith("Last run: ") and ": finished, " in line for line in lines)
    assert any(line.startswith("Rate over the last hour: ") and "ETA: 0s" in line for line in lines)
    for vault in copied.box.vaults:
        assert any(line.startswith(f"  {vault} -> {vault}: 100.0% of ") for line in lines)
