"""`copy` under each switch for what AWS leaves unsaid about listings: ListCopyJobs newest
first, NextTokens that expire, short pages with a token, and all three at once. Every
planned item must end COMPLETED with exactly one copy job in the sandbox's own records.

And `preflight`/`copy` against a source Region where a selected resource type is not opted
in to AWS Backup: a FAIL that names the command, and nothing copied.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from harness import ACCOUNT_FLAGS, copy_args, copy_config, recorded_jobs, run_cli, served

from shuffle_aws_vaults.domain.migration import Status
from shuffle_aws_vaults.infrastructure.journal_store import StateStore
from shuffle_aws_vaults.sandbox import SeedSpec

pytestmark = pytest.mark.e2e

CLI_TIMEOUT = 180.0
TTL = 3600.0  # simulated seconds: six of wall time at the run's time scale
SLOW = 4
PAUSES = 4
SWITCHES: dict[str, dict[str, Any]] = {
    "newest-first": {"copy_job_order": "newest"},
    "token-ttl": {"page_token_ttl_seconds": TTL},
    "short-pages": {"short_pages": True},
    "all": {"copy_job_order": "newest", "page_token_ttl_seconds": TTL, "short_pages": True},
}


class SlowReader:
    """The clock the sandbox's tokens age by, as if the tool paused longer than a token lives
    before asking for PAUSES of its pages (the first drawn, one in SLOW, by their token):
    tokens expire in the run whatever the machine's speed."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._paused = 0.0
        self._pauses_left = PAUSES
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self._clock() + self._paused

    def asking(self, token: str) -> None:
        with self._lock:
            if (
                self._pauses_left
                and int(hashlib.sha256(token.encode()).hexdigest(), 16) % SLOW == 0
            ):
                self._pauses_left -= 1
                self._paused += TTL + 1.0


def play_slow_reader(pages: Any) -> None:
    """Wrap the sandbox's page rules: a request with a NextToken may come after a pause."""
    reader = SlowReader(pages.now)
    pages.now = reader
    start = pages.start

    def slow_start(token: str | None) -> int | None:
        if token:
            reader.asking(token)
        return start(token)

    pages.start = slow_start


@pytest.mark.parametrize("switch", list(SWITCHES))
def test_copy_completes_every_planned_item_exactly_once_under_the_switch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, switch: str
) -> None:
    # Small pages: every listing of the run (vaults' points, adoption, polls) spans many, so
    # tokens are handed out, cut short and left to age between a slow reader's pages.
    monkeypatch.setattr("shuffle_aws_vaults.infrastructure.backup_gateway.PAGE_SIZE", 10)
    config = copy_config(
        600.0,
        4,
        copy_quota=20,
        bandwidth_bytes_per_second=1024.0**4,
        job_overhead_seconds=60.0,
        **SWITCHES[switch],
    )
    spec = SeedSpec(recovery_points=150, vaults=2, edge_case_share=0.0)
    state = tmp_path / "state.jsonl"
    with served(tmp_path, config, spec) as box:
        sandbox = box.sandbox
        assert sandbox.world is not None
        if config.page_token_ttl_seconds is not None:
            play_slow_reader(sandbox.world.pages)
        run = run_cli(
            *copy_args(state, "--poll-interval", "0.05"), timeout=CLI_TIMEOUT, env=box.env
        )
        world = sandbox.world
        assert world is not None
        jobs = recorded_jobs(world)
        pages = world.pages
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    _identity, migration, journal = StateStore(state).load()
    journal.close()
    planned = [item.source_arn for item in migration.items]
    assert len(planned) == len(set(planned)) > 100
    assert Counter(Status(s).name for s in migration.status) == {"COMPLETED": len(planned)}
    by_source = Counter(job.source_arn for job in jobs)
    assert sorted(by_source) == sorted(planned)
    assert set(by_source.values()) == {1}, "a recovery point was copied twice"
    assert {job.state for job in jobs} == {"COMPLETED"}
    ids = {job.source_arn: job.job_id for job in jobs}
    assert all(migration.job_ids[i] == ids[arn] for i, arn in enumerate(planned))
    if config.short_pages:
        assert pages.short > 0
    if config.page_token_ttl_seconds is not None:
        assert pages.expired >= PAUSES, "the run proves nothing about restarts"


def test_a_source_type_not_opted_in_fails_preflight_with_the_command_and_copies_nothing(
    tmp_path: Path,
) -> None:
    config = copy_config(600.0, 5, source_opted_out=("EBS",), dest_opted_out=("S3",))
    spec = SeedSpec(recovery_points=60, vaults=1, edge_case_share=0.0)
    state = tmp_path / "state.jsonl"
    with served(tmp_path, config, spec) as box:
        sandbox = box.sandbox
        checks = run_cli(
            "preflight", *ACCOUNT_FLAGS, "--all-vaults", "--output", "json", timeout=60, env=box.env
        )
        copy = run_cli(*copy_args(state), timeout=CLI_TIMEOUT, env=box.env)
        world = sandbox.world
        assert world is not None
        jobs = recorded_jobs(world)
    assert checks.returncode == 1, checks.stderr
    results = {row["check"]: row for row in json.loads(checks.stdout)}
    source = results["service opt-in (source)"]
    assert source["outcome"] == "FAIL"
    assert source["detail"].startswith("EBS not opted in to AWS Backup in 111111111111 us-east-1")
    assert "aws backup update-region-settings --region us-east-1" in source["fix"]
    assert '"EBS":true' in source["fix"]
    assert results["service opt-in (destination)"]["outcome"] == "WARN"
    assert copy.returncode == 1
    assert "preflight failed" in copy.stderr and "Traceback" not in copy.stderr
    assert jobs == ()
