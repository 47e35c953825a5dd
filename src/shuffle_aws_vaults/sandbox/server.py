"""Serve a seeded sandbox over HTTP on 127.0.0.1, or run it inside this process.

Both write the same AWS config and credentials files, so `sandbox-source` and `sandbox-dest`
profiles (role_arn + source_profile, through moto's STS) reach two different accounts, and a
`sandbox-ACCOUNTID` profile reaches each source and destination account (the first ones too).
"""

from __future__ import annotations

import json
import secrets
import shutil
import socket
import tempfile
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import BaseWSGIServer, make_server

from .backup_api import DROP_FLAG, SERVED_FLAG, activate, deactivate
from .config import SandboxConfig
from .moto_bridge import reset_moto
from .organizations_api import install as install_organizations_api
from .quotas_api import install as install_quotas_api
from .region_api import install as install_region_api
from .region_stats import region_stats
from .regions import region_of_arn
from .seed import OPERATOR_ROLE, SeedResult, SeedSpec, add_new_backups, seed, write_metadata_csv
from .world import SandboxWorld

__all__ = ["OPERATOR_ROLE", "Sandbox", "stats"]
CONTROL_PREFIX = "/_sandbox/"


class _QuietHandler(MotoRequestHandler):
    """No access log on stderr: a million requests would drown the user's terminal."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return

    def log(self, type: str, message: str, *args: Any) -> None:
        if type == "error" and "dropped" not in message:
            super().log(type, message, *args)


class _Dispatcher(DomainDispatcherApplication):
    """moto's dispatcher, remembering which backend serves each host. moto's own looks the host
    up among its package's directories, listing them (some 150 stat calls) on every request,
    under a lock every request takes: at a few hundred requests a second that lock was where
    the sandbox's threads spent their time."""

    def __init__(self, create_app: Callable[..., Any]) -> None:
        super().__init__(create_app)
        self._backend_of: dict[str | None, Any] = {}

    def get_backend_for_host(self, host: str | None) -> Any:
        if host not in self._backend_of:  # (called under moto's lock)
            self._backend_of[host] = super().get_backend_for_host(host)
        return self._backend_of[host]


class _SandboxApp:
    """moto's WSGI app behind two extras: dropped connections and a control path (read-only,
    but for POST add-recovery-points, which plays a backup plan's nightly run)."""

    def __init__(self, app: Any, world: SandboxWorld, seeded: SeedResult) -> None:
        self._app = app
        self._world = world
        self._seeded = seeded

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "").startswith(CONTROL_PREFIX):
            return self._control(environ, start_response)
        environ[SERVED_FLAG] = True
        captured: list[Any] = []

        def hold(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured[:] = [status, headers, exc_info]
            return lambda data: None

        body = b"".join(self._app(environ, hold))
        if environ.get(DROP_FLAG):
            connection = environ.get("werkzeug.socket")
            if connection is not None:
                connection.shutdown(socket.SHUT_RDWR)
            raise ConnectionResetError("sandbox dropped the connection")
        start_response(captured[0], captured[1])
        return [body]

    def _control(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        path = environ["PATH_INFO"][len(CONTROL_PREFIX) :]
        if path == "add-recovery-points" and environ.get("REQUEST_METHOD") == "POST":
            query = parse_qs(environ.get("QUERY_STRING", ""))
            try:
                count = int(query.get("count", ["1"])[0])
                added = add_new_backups(self._world, self._seeded, count)
            except ValueError as exc:
                start_response("400 Bad Request", [("Content-Type", "application/json")])
                return [json.dumps({"message": str(exc)}).encode()]
            payload: Any = {"added": added}
        elif path == "stats":
            payload = stats(self._world)
        elif path == "copy-jobs":
            # ?region=R: the jobs started in Region R (the source Region), as ListCopyJobs there.
            region = parse_qs(environ.get("QUERY_STRING", "")).get("region", [None])[0]
            jobs = self._world.copy_jobs()
            if region is not None:
                jobs = [job for job in jobs if region_of_arn(job.source_vault_arn) == region]
            payload = [job.to_wire() for job in jobs]
        else:
            start_response("404 Not Found", [("Content-Type", "application/json")])
            return [b'{"message": "unknown control path"}']
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(payload).encode()]


def stats(world: SandboxWorld) -> dict[str, Any]:
    """What tests and benchmarks read: calls per operation, jobs by state, vault contents.

    Peaks are the most jobs RUNNING at once in any one account's copy clock (one per source
    Region -> destination Region): overall, and per type-limit group (keyed as in
    SandboxConfig.type_limits), and per LAG limit group and LAG vault ("GROUP VAULT_ARN", the
    LAG vaults copied into). "regions" has the same per source Region (region_stats).
    """
    with world.lock:
        now = world.tick()
        jobs: dict[str, int] = {}
        incremental = held = 0
        peak = 0
        peak_by_type: dict[str, int] = dict.fromkeys(world.config.type_limits, 0)
        peak_by_lag: dict[str, int] = {}
        for book in world.books.values():
            for queue in book.queues.values():
                peak = max(peak, queue.peak_running)
                for group, running in queue.peak_running_by_type.items():
                    peak_by_type[group] = max(peak_by_type[group], running)
                for key, running in queue.peak_running_by_lag.items():
                    peak_by_lag[key] = max(peak_by_lag.get(key, 0), running)
            for job in book.jobs:
                jobs[job.state] = jobs.get(job.state, 0) + 1
                incremental += job.incremental
                held += job.hold_until is not None
        vaults = {
            f"{account}/{region}/{name}": len(contents.by_arn)
            for (account, region, name), contents in sorted(world.vaults.items())
        }
        return {
            "now": now,
            "calls": dict(world.calls),
            "jobs_by_state": jobs,
            "peak_running": peak,
            "peak_running_by_type": peak_by_type,
            "peak_running_by_lag": peak_by_lag,
            "faults_injected": dict(world.faults.injected),
            "incremental_copies": incremental,
            "jobs_held_for_retry": held,
            "recovery_points": vaults,
            "regions": region_stats(world),
        }


class Sandbox:
    """A seeded sandbox world, its files, and (when served) its HTTP server."""

    def __init__(
        self,
        config: SandboxConfig | None = None,
        spec: SeedSpec | None = None,
        *,
        workdir: Path | None = None,
        port: int = 0,
        serve: bool = True,
    ) -> None:
        self.config = config or SandboxConfig()
        self.spec = spec or SeedSpec()
        self._own_workdir = workdir is None
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix="shuffle-sandbox-"))
        self._port = port
        self._serve = serve
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._mock: Any = None
        self.world: SandboxWorld | None = None
        self.seeded: SeedResult | None = None
        self.secret_key = secrets.token_hex(20)
        self.access_key = "AKIA" + secrets.token_hex(8).upper()
        # The aws CLI caches assumed-role credentials in ~/.aws/cli/cache under a hash of the
        # role ARN and session name (botocore's AssumeRoleCredentialFetcher): a name of this
        # sandbox's own keeps an earlier sandbox's cached credentials from being reused.
        self.session_name = "sandbox-" + secrets.token_hex(6)

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> Sandbox:
        if not self._serve:
            from moto import mock_aws

            self._mock = mock_aws()
            self._mock.start()
        reset_moto()
        world = SandboxWorld(self.config)
        activate(world)
        install_region_api()
        install_organizations_api()
        install_quotas_api()
        self.world = world
        self.seeded = seed(world, self.spec)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.workdir.chmod(0o700)
        write_metadata_csv(self.csv_path, self.seeded)
        self._write_aws_files()
        if self._serve:
            app = _SandboxApp(_Dispatcher(create_backend_app), world, self.seeded)
            self._server = make_server(
                "127.0.0.1", self._port, app, threaded=True, request_handler=_QuietHandler
            )
            self._thread = threading.Thread(
                target=self._server.serve_forever, name="sandbox-http", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._mock is not None:
            self._mock.stop()
            self._mock = None
        deactivate()
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- what a user needs --------------------------------------------------------------------

    @property
    def endpoint_url(self) -> str | None:
        if self._server is None:
            return None
        port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}"

    @property
    def config_path(self) -> Path:
        return self.workdir / "aws-config"

    @property
    def credentials_path(self) -> Path:
        return self.workdir / "aws-credentials"

    @property
    def csv_path(self) -> Path:
        return self.workdir / "metadata.csv"

    def env(self) -> dict[str, str]:
        """The environment that points boto3, the aws CLI and this tool at the sandbox."""
        assert self.seeded is not None, "start() the sandbox first"
        env = {
            "AWS_CONFIG_FILE": str(self.config_path),
            "AWS_SHARED_CREDENTIALS_FILE": str(self.credentials_path),
            "AWS_REGION": self.config.region,
            "AWS_DEFAULT_REGION": self.config.region,
            # Every Region served, the home Region (AWS_REGION) first.
            "SHUFFLE_SANDBOX_REGIONS": ",".join(self.config.regions),
            "SHUFFLE_SANDBOX_SOURCE_ACCOUNT": self.config.source_account,
            "SHUFFLE_SANDBOX_DEST_ACCOUNT": self.config.dest_account,
            # Every source (destination) account, the one above first.
            "SHUFFLE_SANDBOX_SOURCE_ACCOUNTS": ",".join(self.config.source_accounts),
            "SHUFFLE_SANDBOX_DEST_ACCOUNTS": ",".join(self.config.dest_accounts),
            "SHUFFLE_SANDBOX_VAULTS": ",".join(self.seeded.vaults),
            "SHUFFLE_SANDBOX_CSV": str(self.csv_path),
            # Copies' default state files live with this sandbox: a new sandbox (the same
            # accounts, a fresh destination) never resumes an earlier sandbox's migration.
            "XDG_STATE_HOME": str(self.workdir / "state"),
            # The tool's default --poll-interval (its own name, not imported: the sandbox
            # imports nothing of the tool's), AWS's 30 s scaled to this sandbox's time.
            "SHUFFLE_AWS_VAULTS_POLL_INTERVAL": poll_interval_text(self.config.time_scale),
        }
        if self.seeded.lag_vaults:  # in every destination account and Region
            env["SHUFFLE_SANDBOX_LAG_VAULTS"] = ",".join(self.seeded.lag_vaults)
        if self.endpoint_url:
            env["AWS_ENDPOINT_URL"] = self.endpoint_url
        return env

    def export_lines(self) -> str:
        return "".join(f"export {key}={_shell_quote(value)}\n" for key, value in self.env().items())

    def _write_aws_files(self) -> None:
        config = aws_config_text(self.config, self.session_name)
        credentials = (
            f"[sandbox-base]\naws_access_key_id = {self.access_key}\n"
            f"aws_secret_access_key = {self.secret_key}\n"
        )
        _write_private(self.config_path, config)
        _write_private(self.credentials_path, credentials)


# A tracker polls ListCopyJobs every 30 s against AWS; on a sandbox that runs faster it would
# see each copy end many simulated minutes late, and a resource's next copy (one job at a time)
# waits for that. Below half a second the listing calls cost more than they save.
AWS_POLL_INTERVAL = 30.0
LEAST_POLL_INTERVAL = 0.5


def poll_interval_text(time_scale: float) -> str:
    """The tool's poll interval for a sandbox at `time_scale`: 30 s of AWS time, at least 0.5 s."""
    return f"{max(LEAST_POLL_INTERVAL, AWS_POLL_INTERVAL / time_scale):g}"


def aws_config_text(config: SandboxConfig, session_name: str) -> str:
    """The AWS config file's profiles: each assumes the operator role in its account from the
    base credentials, with `session_name` as its role session name."""
    region = config.region

    def profile(name: str, account: str) -> str:
        return (
            f"[{name}]\nregion = {region}\n"
            f"role_arn = arn:aws:iam::{account}:role/{OPERATOR_ROLE}\n"
            f"role_session_name = {session_name}\nsource_profile = sandbox-base\n"
        )

    sections = [
        "# Written by shuffle-aws-vaults sandbox. The default profile is the source account.\n"
        + profile("default", config.source_account),
        f"[profile sandbox-base]\nregion = {region}\n",
        profile("profile sandbox-source", config.source_account),
        profile("profile sandbox-dest", config.dest_account),
        # The organization's management account: the one that may UpdateGlobalSettings.
        profile("profile sandbox-management", config.management_account),
        *(profile(f"profile sandbox-{account}", account) for account in config.member_accounts),
    ]
    return "\n".join(sections)


def _write_private(path: Path, text: str) -> None:
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text(text, encoding="utf-8")


def _shell_quote(value: str) -> str:
    return "'" + value.replace("'", "'\"'\"'") + "'"
