"""Helpers shared by the end-to-end tests: the CLI run as a user runs it (in-process through
`main(argv, env)`, or in a subprocess where a real process matters), served sandboxes and the
environment that reaches them, the Box every module runs the CLI through, the `copy` command line
the copy tests start from, and the sandbox's own records of copy jobs and stored recovery points.

Nothing here is imported from the product beyond its entry point and the sandbox itself.
"""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
import time
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import boto3
import pytest
from botocore.exceptions import BotoCoreError, ClientError

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
CLI_TIMEOUT = 180.0  # a Box's runs in a subprocess, unless it is given another

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
    *args: str,
    timeout: float,
    env: Mapping[str, str] | None = None,
    launcher: Sequence[str] = CLI,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """`python -m shuffle_aws_vaults ARGS` in a subprocess, for what needs a real process; or
    `launcher` (a command line that becomes the CLI) with ARGS."""
    return subprocess.run(
        [*launcher, *args],
        env={**os.environ} if env is None else dict(env),
        cwd=cwd,
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


def recent() -> str:
    """--created-after for the last three days: a few recovery points per resource."""
    return (datetime.now(UTC) - timedelta(days=3)).isoformat()


def one_error_line(stderr: str) -> str:
    """The one line a refused run printed: an `error:` line, and no traceback."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    assert "Traceback" not in stderr
    return lines[0]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


NEVER = datetime.fromtimestamp(0, UTC)


@dataclass(frozen=True)
class Run:
    """A finished run of the CLI. It unpacks as (returncode, stdout, stderr)."""

    returncode: int
    stdout: str
    stderr: str
    seconds: float = 0.0  # from launch to exit, by the monotonic clock
    # Launch and exit by the wall clock (UTC), as a Box times its runs; NEVER for a run timed
    # by `seconds` alone (a subprocess started, then waited for).
    launched: datetime = NEVER
    exited: datetime = NEVER

    def __iter__(self) -> Iterator[Any]:
        return iter((self.returncode, self.stdout, self.stderr))


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


@contextmanager
def served(workdir: Path, config: SandboxConfig, spec: SeedSpec, **options: Any) -> Iterator[Box]:
    """One sandbox in `workdir`/sandbox (the only one in this process while it runs) and a Box
    on it (`options`: the Box's), stopped on the way out."""
    with started(config, spec, workdir / "sandbox") as sandbox:
        yield Box(sandbox, workdir, **options)


def box_fixture(
    name: str,
    config: SandboxConfig,
    spec: SeedSpec,
    *,
    scope: Literal["module", "class"] = "module",
    **options: Any,
) -> Any:
    """A fixture (named as the module names it): a Box on a sandbox served for the module's
    tests (or a class's: `scope`) in a temporary directory called `name`."""

    @pytest.fixture(scope=scope)
    def box(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Box]:
        with served(tmp_path_factory.mktemp(name), config, spec, **options) as found:
            yield found

    return box


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


@dataclass(frozen=True)
class Point:
    """A source recovery point as the sandbox stores it."""

    arn: str
    vault: str
    resource_arn: str
    resource_type: str
    status: str
    size: int
    key: str | None
    created: float
    cold_at: float | None  # MoveToColdStorageAt as AWS answers it (ms precision)
    cold_now: bool  # the sandbox's storage class at capture time


@dataclass(frozen=True)
class Truth(JobRecords):
    """The sandbox's records after a run."""

    jobs: tuple[Job, ...]
    points: tuple[Point, ...]
    dest_points: dict[str, list[str]]  # destination vault name -> recovery point ARNs
    stats: dict[str, Any]
    temporary_keys: frozenset[str]  # assumed-role access keys the sandbox saw used
    source_calls: dict[str, int]
    aws_managed_keys: frozenset[str]  # the keys the sandbox treats as AWS-managed
    by_arn: dict[str, Point]

    def point(self, arn: str) -> Point:
        return self.by_arn[arn]

    @cached_property
    def cold_now(self) -> frozenset[str]:
        """Source recovery points in cold storage at capture time."""
        return frozenset(point.arn for point in self.points if point.cold_now)


# -- a served sandbox and the CLI run against it ----------------------------------------------


class Box:
    """A running sandbox, the environment in which the CLI reaches it (and nothing else), and
    the CLI run against it: in-process (`run`), in a subprocess waited for (`process`) or left
    running (`start`). Every run, by `run` or `process`, is kept in `runs`.

    What the modules vary: `timeout`, for runs in a subprocess; `command`, the words every run
    starts with; `accounts`, the two sandbox accounts' flags (ACCOUNT_FLAGS) after the command
    of every run; `traceback_free`, every `run` and `process` checked for a traceback on stderr;
    `home`, a HOME and a working directory of the CLI's own under `workdir` in place of
    XDG_STATE_HOME (whatever it writes by default lands there); `launcher`, the command line that
    becomes the CLI in `process`.
    """

    def __init__(
        self,
        sandbox: Sandbox,
        workdir: Path,
        *,
        timeout: float = CLI_TIMEOUT,
        command: Sequence[str] = (),
        accounts: bool = False,
        traceback_free: bool = False,
        home: bool = False,
        launcher: Sequence[str] = CLI,
    ) -> None:
        self.sandbox = sandbox
        self.workdir = workdir
        self.timeout = timeout
        self.command = tuple(command)
        self.accounts = accounts
        self.traceback_free = traceback_free
        self.launcher = tuple(launcher)
        self.runs: list[Run] = []
        self.env = {
            **clean_environ(),
            **sandbox.env(),
            "AWS_EC2_METADATA_DISABLED": "true",
            "XDG_STATE_HOME": str(workdir / "xdg-state"),
        }
        # The CLI's own HOME and working directory: made, and used, only with `home`.
        self.private = home
        self.home, self.cwd = workdir / "home", workdir / "cwd"
        if home:
            self.home.mkdir()
            self.cwd.mkdir()
            del self.env["XDG_STATE_HOME"]
            self.env["HOME"] = str(self.home)

    # -- what it serves

    @property
    def vaults(self) -> list[str]:
        assert self.sandbox.seeded is not None
        return list(self.sandbox.seeded.vaults)

    @property
    def by_region(self) -> dict[str, int]:
        """Seeded recovery points by Region."""
        assert self.sandbox.seeded is not None
        return dict(self.sandbox.seeded.by_region)

    @property
    def csv_path(self) -> Path:
        return self.sandbox.csv_path

    @property
    def world(self) -> Any:
        world = self.sandbox.world
        assert world is not None
        return world

    @property
    def endpoint(self) -> str:
        url = self.sandbox.endpoint_url
        assert url is not None and url.startswith("http://127.0.0.1:")
        return url

    # -- the CLI

    def argv(self, *args: str) -> list[str]:
        """`args` as this box gives them to the CLI: after its command, if it has one, and with
        the accounts' flags after the command, if it adds them."""
        args = (*self.command, *args)
        if self.accounts and args:
            return [args[0], *ACCOUNT_FLAGS, *args[1:]]
        return list(args)

    def run(self, *args: str, timeout: float | None = None) -> Run:
        """The CLI in-process, in this box's environment."""
        launched, began = datetime.now(UTC), time.monotonic()
        proc = run_cli(
            *self.argv(*args), timeout=self.timeout if timeout is None else timeout, env=self.env
        )
        return self._ran(proc, began, launched)

    def process(
        self, *args: str, launcher: Sequence[str] | None = None, timeout: float | None = None
    ) -> Run:
        """The CLI in a subprocess (started by `launcher`, this box's by default)."""
        launched, began = datetime.now(UTC), time.monotonic()
        proc = run_process(
            *self.argv(*args),
            timeout=self.timeout if timeout is None else timeout,
            env=self.env,
            launcher=launcher or self.launcher,
            cwd=self.cwd if self.private else None,
        )
        return self._ran(proc, began, launched)

    def _ran(self, proc: subprocess.CompletedProcess[str], began: float, launched: datetime) -> Run:
        seconds = time.monotonic() - began
        run = Run(proc.returncode, proc.stdout, proc.stderr, seconds, launched, datetime.now(UTC))
        if self.traceback_free:
            assert "Traceback" not in run.stderr, run.stderr
        self.runs.append(run)
        return run

    def start(self, *args: str, cwd: Path | None = None) -> subprocess.Popen[str]:
        """The CLI in a subprocess left running, its output piped."""
        return subprocess.Popen(
            [*CLI, *self.argv(*args)],
            env=self.env,
            cwd=cwd or (self.cwd if self.private else None),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def document(self, *args: str, status: int) -> Any:
        """What `args --output json` printed, once its exit status is checked."""
        code, out, err = self.run(*args, "--output", "json")
        assert code == status, out + err
        return json.loads(out)

    # -- the sandbox's control path and call counters

    def control(self, path: str) -> Any:
        """The sandbox's read-only control path over HTTP."""
        url = f"{self.endpoint}/_sandbox/{path}"
        with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 (http, localhost)
            return json.load(answer)

    def stats(self) -> dict[str, Any]:
        """GET {endpoint}/_sandbox/stats: calls by operation, jobs by state, faults injected."""
        found: dict[str, Any] = self.control("stats")
        return found

    def calls(self, operation: str) -> int:
        return int(self.stats()["calls"].get(operation, 0))

    def started_copies(self) -> int:
        return self.calls("StartCopyJob")

    start_copy_calls = started_copies  # the name test_verify_preflight_cli asserts with

    def source_calls(self) -> dict[str, int]:
        """Backup calls the sandbox answered for the source account, by operation."""
        world = self.world
        with world.lock:
            return {
                op: n for (account, op), n in world.calls_by_account.items() if account == SOURCE
            }

    def add_recovery_points(self, count: int) -> list[str]:
        """A backup plan's nightly run: POST /_sandbox/add-recovery-points?count=N."""
        url = f"{self.endpoint}/_sandbox/add-recovery-points?count={count}"
        request = urllib.request.Request(url, method="POST")  # noqa: S310 (localhost)
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 (localhost)
            added: list[str] = json.load(answer)["added"]
        return added

    @contextmanager
    def wrapped(self, method: str, wrap: Callable[[Any], Any]) -> Iterator[None]:
        """The served world's `method` replaced by `wrap(method)` while the block runs."""
        world = self.world
        setattr(world, method, wrap(getattr(world, method)))
        try:
            yield
        finally:
            delattr(world, method)  # the class's own method again

    # -- the sandbox's records

    def jobs(self) -> tuple[Job, ...]:
        return recorded_jobs(self.world)

    def points(self, account: str, vault: str) -> list[Any]:
        """The recovery points `account`'s vault holds in REGION (StoredRecoveryPoint)."""
        found: list[Any] = self.world.recovery_points(account, REGION, vault)
        return found

    def completed_copies(self, where: str) -> dict[str, str]:
        """Source ARN -> destination ARN of the sandbox's COMPLETED copy jobs out of the Region
        `where`, or into the destination vault named `where` (in REGION)."""
        into = f"arn:aws:backup:{REGION}:{DEST}:backup-vault:{where}"
        return {
            job.source_recovery_point_arn: job.dest_recovery_point_arn
            for job in self.world.copy_jobs()
            if job.state == "COMPLETED"
            and (job.source_recovery_point_arn.split(":")[3] == where or job.dest_vault_arn == into)
        }

    def copies_by_source(self) -> Counter[str]:
        """COMPLETED copy jobs by source recovery point."""
        return Counter(job.source_arn for job in self.jobs() if job.state == "COMPLETED")

    def dest_points_by_region(self) -> dict[tuple[str, str], list[str]]:
        """(Region, destination vault) -> the recovery points it holds."""
        world = self.world
        with world.lock:
            keys = sorted(world.vaults)
        return {
            (region, name): [
                rp.arn for rp in world.recovery_points(DEST, region, name) if not rp.deleted
            ]
            for account, region, name in keys
            if account == DEST
        }

    def truth(self) -> Truth:
        world = self.world
        jobs = recorded_jobs(world)
        now, vaults = stored_recovery_points(world)
        points: list[Point] = []
        dest_points: dict[str, list[str]] = {}
        for account, name, stored in vaults:
            if account == DEST:
                dest_points[name] = [rp.arn for rp in stored]
                continue
            for rp in stored:
                cold_at = (
                    None
                    if rp.cold_after_days is None
                    else round(rp.creation_date + rp.cold_after_days * DAY, 3)
                )
                points.append(
                    Point(
                        arn=rp.arn,
                        vault=rp.vault_name,
                        resource_arn=rp.resource_arn,
                        resource_type=rp.resource_type,
                        status=rp.status,
                        size=rp.size,
                        key=rp.encryption_key_arn,
                        created=rp.creation_date,
                        cold_at=cold_at,
                        cold_now=rp.storage_class(now) == "COLD",
                    )
                )
        used_keys = frozenset(getattr(world.faults, "_first_use", {}))
        return Truth(
            jobs=jobs,
            points=tuple(points),
            dest_points=dest_points,
            stats=self.stats(),
            temporary_keys=used_keys,
            source_calls=self.source_calls(),
            aws_managed_keys=frozenset(world.aws_managed_keys),
            by_arn={p.arn: p for p in points},
        )

    # -- AWS as one of the sandbox's accounts

    def environment(self) -> AbstractContextManager[None]:
        return environment_of(self.sandbox)

    def client(self, service: str, profile: str) -> Any:
        """A boto3 client as one sandbox account (credentials assumed while the env points here)."""
        with self.environment():
            session = boto3.Session(profile_name=profile)
            credentials = session.get_credentials()
            assert credentials is not None
            credentials.get_frozen_credentials()
            return session.client(service)

    def as_dest(self, operation: str, **kwargs: Any) -> Any:
        """One Backup call as the destination account (the client lives and dies in the
        sandbox's environment: its role is assumed lazily, at the first call)."""
        with self.environment():
            backup = boto3.Session(profile_name="sandbox-dest").client("backup")
            return getattr(backup, operation)(**kwargs)

    def policy(self, vault: str) -> dict[str, Any]:
        answer = self.as_dest("get_backup_vault_access_policy", BackupVaultName=vault)
        document: dict[str, Any] = json.loads(answer["Policy"])
        return document

    def key_verdicts(self, keys: set[str]) -> dict[str, bool | None]:
        """What KMS DescribeKey says of each key, asked as the source account."""
        with self.environment():
            kms = boto3.Session(profile_name="sandbox-source").client("kms")
            verdicts: dict[str, bool | None] = {}
            for key in sorted(keys):
                try:
                    metadata = kms.describe_key(KeyId=key)["KeyMetadata"]
                except (ClientError, BotoCoreError):
                    verdicts[key] = None
                else:
                    verdicts[key] = metadata.get("KeyManager") == "AWS"
            return verdicts

    def grant_copies(self) -> None:
        """The operator's fix: each destination vault's access policy admits the source."""
        with self.environment():
            backup = boto3.Session(profile_name="sandbox-dest").client("backup")
            for vault in self.vaults:
                arn = f"arn:aws:backup:{REGION}:{DEST}:backup-vault:{vault}"
                policy = {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"AWS": f"arn:aws:iam::{SOURCE}:root"},
                            "Action": "backup:CopyIntoBackupVault",
                            "Resource": arn,
                        }
                    ],
                }
                backup.put_backup_vault_access_policy(
                    BackupVaultName=vault, Policy=json.dumps(policy)
                )

    def completed_jobs_listed(self) -> int:
        """COMPLETED copy jobs the source account's ListCopyJobs still shows."""
        with self.environment():
            backup = boto3.Session(profile_name="sandbox-source").client("backup")
            pages = backup.get_paginator("list_copy_jobs").paginate(ByState="COMPLETED")
            return sum(len(page["CopyJobs"]) for page in pages)

    # -- the credentials it handed out

    def secrets(self) -> set[str]:
        """The sandbox's base secret and every secret and session token STS issued."""
        from moto.sts.models import sts_backends

        found = {self.sandbox.secret_key}
        for backends in sts_backends.values():
            for backend in backends.values():
                for role in backend.assumed_roles:
                    found |= {role.secret_access_key, role.session_token}
        return found

    def key_ids(self) -> set[str]:
        """The sandbox's base access key ID and every one STS issued."""
        from moto.sts.models import sts_backends

        found = {self.sandbox.access_key}
        for backends in sts_backends.values():
            for backend in backends.values():
                found |= {role.access_key_id for role in backend.assumed_roles}
        return found
