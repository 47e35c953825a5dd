"""Helpers shared by the end-to-end tests: the CLI run as a user runs it (in-process through
`main(argv, env)`, or in a subprocess where a real process matters), served sandboxes and the
environment that reaches them, the `copy` command line the copy tests start from, and the
sandbox's own records of copy jobs and stored recovery points.

Nothing here is imported from the product beyond its entry point and the sandbox itself.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import urllib.request
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from shuffle_aws_vaults.cli import main
from shuffle_aws_vaults.cli.environment import Environment
from shuffle_aws_vaults.sandbox import Sandbox, SandboxConfig, SeedSpec

SOURCE = "111111111111"
DEST = "222222222222"
REGION = "us-east-1"
DAY = 86400.0
TERMINAL = frozenset({"COMPLETED", "FAILED", "ABORTED", "PARTIAL"})
CLI = (sys.executable, "-m", "shuffle_aws_vaults")
ACCOUNT_FLAGS = (
    "--source-account",
    SOURCE,
    "--dest-account",
    DEST,
    "--source-profile",
    "sandbox-source",
    "--dest-profile",
    "sandbox-dest",
)
COPY_FLAGS = ("--workers", "100", "--poll-interval", "0.2", "--no-progress")

# What could point boto3 (or the CLI) at a real account's credentials.
CREDENTIAL_VARIABLES = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
)
# ... and, as well, at a real endpoint, configuration or region.
CLEARED_AWS_VARIABLES = (
    *CREDENTIAL_VARIABLES,
    "AWS_ENDPOINT_URL",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
)

# The copy rules, restated from AWS's documentation (not imported from the product).
COPYABLE_STATUSES = frozenset({"COMPLETED", "AVAILABLE"})
FULLY_MANAGED_TYPES = frozenset(
    {"S3", "EFS", "VirtualMachine", "Timestream", "CloudFormation", "SAP HANA on Amazon EC2"}
)

# -- the CLI, in-process or in a subprocess ---------------------------------------------------


def run_cli(
    *args: str, timeout: float, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`shuffle-aws-vaults ARGS` in `env` (this process's environment by default), run
    in-process by `main(argv, env)` with its own streams and variables; the answer is what a
    subprocess would have given. `timeout` is for run_process: pytest-timeout guards these."""
    out, err = io.StringIO(), io.StringIO()
    environ = {**os.environ} if env is None else dict(env)
    try:
        code = main(list(args), Environment(io.StringIO(""), out, err, environ))
    except SystemExit as stop:  # --help and --version
        code = stop.code if isinstance(stop.code, int) else 0 if stop.code is None else 1
    return subprocess.CompletedProcess([*CLI, *args], code, out.getvalue(), err.getvalue())


def run_process(
    *args: str, timeout: float, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m shuffle_aws_vaults ARGS` in a subprocess, for what needs a real process."""
    return subprocess.run(
        [*CLI, *args],
        env={**os.environ} if env is None else dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def clean_environ() -> dict[str, str]:
    """This process's environment without anything that points at AWS."""
    return {k: v for k, v in os.environ.items() if k not in CLEARED_AWS_VARIABLES}


def copy_args(state: Path, *extra: str) -> list[str]:
    """`copy` between the two sandbox accounts, every vault unless `extra` names one."""
    selection = [] if "--vault" in extra else ["--all-vaults"]
    return ["copy", *ACCOUNT_FLAGS, *selection, *COPY_FLAGS, "--state-file", str(state), *extra]


# -- served sandboxes and the environment that reaches them -----------------------------------


@contextmanager
def started(config: SandboxConfig, spec: SeedSpec, workdir: Path) -> Iterator[Sandbox]:
    """One sandbox (the only one in this process while it runs), stopped on the way out."""
    sandbox = Sandbox(config, spec, workdir=workdir).start()
    try:
        yield sandbox
    finally:
        sandbox.stop()


def copy_config(time_scale: float, seed: int, **config: Any) -> SandboxConfig:
    """A sandbox whose IdempotencyToken window is a day of wall time, as a copy run needs."""
    config.setdefault("idempotency_window_seconds", DAY * time_scale)
    return SandboxConfig(time_scale=time_scale, seed=seed, **config)


@contextmanager
def environment_of(
    sandbox: Sandbox, cleared: Sequence[str] = CLEARED_AWS_VARIABLES
) -> Iterator[None]:
    """This process's environment pointed at `sandbox` (for boto3), restored on the way out."""
    with pytest.MonkeyPatch.context() as patch:
        for name in cleared:
            patch.delenv(name, raising=False)
        for name, value in sandbox.env().items():
            patch.setenv(name, value)
        yield


def point_at(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point a test's environment (and so the CLI's) at `sandbox`."""
    for name, value in sandbox.env().items():
        monkeypatch.setenv(name, value)


class SandboxBox:
    """A running sandbox and the environment in which the CLI reaches it (and nothing else)."""

    def __init__(self, sandbox: Sandbox, workdir: Path) -> None:
        self.sandbox = sandbox
        self.workdir = workdir
        self.env = {
            **clean_environ(),
            **sandbox.env(),
            "AWS_EC2_METADATA_DISABLED": "true",
            "XDG_STATE_HOME": str(workdir / "xdg-state"),
        }

    @property
    def vaults(self) -> list[str]:
        assert self.sandbox.seeded is not None
        return list(self.sandbox.seeded.vaults)

    @property
    def endpoint(self) -> str:
        url = self.sandbox.endpoint_url
        assert url is not None and url.startswith("http://127.0.0.1:")
        return url

    def control(self, path: str) -> Any:
        """The sandbox's read-only control path over HTTP."""
        url = f"{self.endpoint}/_sandbox/{path}"
        with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 (http, localhost)
            return json.load(answer)


# -- what the sandbox recorded ----------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """A copy job as the sandbox recorded it."""

    seq: int
    job_id: str
    source_arn: str
    dest_vault_arn: str
    state: str
    message: str | None
    dest_arn: str | None
    size: int


def recorded_jobs(world: Any) -> tuple[Job, ...]:
    """The sandbox's copy jobs, in the order it created them."""
    return tuple(
        Job(
            seq=job.seq,
            job_id=job.copy_job_id,
            source_arn=job.source_recovery_point_arn,
            dest_vault_arn=job.dest_vault_arn,
            state=job.state,
            message=job.status_message,
            dest_arn=job.dest_recovery_point_arn,
            size=job.size,
        )
        for job in world.copy_jobs()
    )


def stored_recovery_points(world: Any) -> tuple[float, list[tuple[str, str, list[Any]]]]:
    """The sandbox's calendar (what cold storage is judged by), and (account, vault name,
    recovery points not deleted) by vault."""
    with world.lock:
        world.tick()
        now = world.calendar()
        vault_keys = sorted(world.vaults)
    return now, [
        (
            account,
            name,
            [rp for rp in world.recovery_points(account, region, name) if not rp.deleted],
        )
        for account, region, name in vault_keys
    ]


class JobRecords:
    """What a record of the sandbox's copy jobs answers (for a dataclass with `jobs`)."""

    jobs: tuple[Job, ...]

    def jobs_of(self) -> dict[str, list[Job]]:
        found: dict[str, list[Job]] = defaultdict(list)
        for job in self.jobs:
            found[job.source_arn].append(job)
        return found

    @property
    def completed(self) -> list[Job]:
        return [job for job in self.jobs if job.state == "COMPLETED"]
