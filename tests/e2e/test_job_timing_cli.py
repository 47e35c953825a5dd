"""AWS's copy job retry against a served sandbox: jobs hit by a system error stay in CREATED for
up to 2 simulated hours, then run (fail share 0) or fail (fail share 1). `copy` must wait for
them: a recovery point gets a second job only after its first one FAILED, and every job that ran
is recorded as copied. Incremental copies: a run on a sandbox whose later copies move a tenth
of their bytes copies the same items, and the later copies of a resource are incremental.

What counts is read from the sandbox's own records (its copy jobs) and the CLI's summary.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from harness import copy_args, copy_config, run_cli, served

from shuffle_aws_vaults.sandbox import FaultConfig, SeedSpec

pytestmark = pytest.mark.e2e

# 2 simulated hours take 2.4 s of wall time; copies themselves are quick.
QUICK = {"time_scale": 3000.0, "bandwidth_bytes_per_second": 1024.0**4}


@dataclass(frozen=True)
class Finished:
    returncode: int
    stderr: str
    summary: dict[str, Any]
    jobs: list[Any]  # the sandbox's CopyJob records
    stats: dict[str, Any]


def copy_run(workdir: Path, **config: Any) -> Finished:
    summary = workdir / "summary.json"
    recent = (datetime.now(UTC) - timedelta(days=5)).isoformat()
    sandbox = copy_config(seed=31, **{**QUICK, **config})
    with served(workdir, sandbox, SeedSpec(recovery_points=200, vaults=2)) as box:
        argv = copy_args(workdir / "state.jsonl", "--created-after", recent)
        proc = run_cli(*argv, "--summary-output", str(summary), timeout=180.0, env=box.env)
        jobs = box.sandbox.world.copy_jobs()
        stats = box.control("stats")
    return Finished(proc.returncode, proc.stderr, json.loads(summary.read_text()), jobs, stats)


def by_source(jobs: list[Any]) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = defaultdict(list)
    for job in jobs:
        found[job.source_recovery_point_arn].append(job)
    return found


@pytest.mark.parametrize("fail_share", [0.0, 1.0])
def test_jobs_in_aws_retry_phase_are_waited_for_and_never_started_twice(
    tmp_path: Path, fail_share: float
) -> None:
    faults = FaultConfig(system_error_rate=0.4, system_error_fail_share=fail_share)
    run = copy_run(tmp_path, faults=faults)

    assert "Traceback" not in run.stderr
    held = [job for job in run.jobs if job.hold_until is not None]
    assert len(held) >= 10 and run.stats["jobs_held_for_retry"] == len(held)
    for jobs in by_source(run.jobs).values():
        # A next job for the same recovery point only once AWS ended the one before FAILED.
        for before, after in pairwise(jobs):
            assert before.state == "FAILED"
            assert before.completion_date <= after.creation_date
    completed = [job for job in run.jobs if job.state == "COMPLETED"]
    assert run.summary["completed"] == len(completed)
    assert run.summary["planned_items"] == len(by_source(run.jobs))
    if fail_share == 0.0:
        assert run.returncode == 0, run.stderr
        assert all(len(jobs) == 1 for jobs in by_source(run.jobs).values())
        assert {job.state for job in held} == {"COMPLETED"}
    else:
        assert {job.state for job in held} == {"FAILED"}
        assert all(job.completion_date - job.creation_date >= 7200.0 - 1e-3 for job in held)
        retried = [jobs for jobs in by_source(run.jobs).values() if len(jobs) > 1]
        assert retried and all(jobs[0].hold_until is not None for jobs in retried)


def test_with_incremental_copies_later_copies_of_a_resource_move_a_share_of_their_bytes(
    tmp_path: Path,
) -> None:
    run = copy_run(tmp_path, changed_share=0.1)

    assert run.returncode == 0, run.stderr
    assert run.stats["incremental_copies"] > 0
    for job in run.jobs:
        if job.incremental:
            assert job.resource_type != "DynamoDB"
    chains: dict[str, list[Any]] = defaultdict(list)
    for job in run.jobs:
        chains[job.resource_arn].append(job)
    # Oldest first per resource (the tool's order): every copy after a resource's first full
    # one finds its predecessor in the destination.
    for jobs in chains.values():
        assert not jobs[0].incremental
