"""`shuffle-aws-vaults sandbox`: serve a seeded local AWS Backup until SIGINT/SIGTERM."""

from __future__ import annotations

import signal
import sys
import threading
import time
from types import FrameType
from typing import Any

from .environment import Environment
from .exit_status import ExitStatus, UsageError, UserError
from .request_types import Sandbox
from .sandbox_loader import load_sandbox


def config_of(request: Sandbox) -> tuple[Any, Any]:
    """The sandbox's SandboxConfig and SeedSpec, from the request's values (a ValueError names
    the flag that is wrong)."""
    if request.api_burst_without_rate:
        raise UsageError("--api-burst needs --api-rate")
    try:
        config, spec = load_sandbox().launch.configured(
            request.config,
            request.faults,
            request.spec,
            regions=request.regions,
            shares=request.region_shares,
            type_limits=request.type_limits,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return config, spec


def run_sandbox(request: Sandbox, env: Environment) -> int:
    sandbox = load_sandbox()
    if request.config["job_overhead_seconds"] < 0:
        raise UserError("--job-overhead must be 0 or more")
    env_file = request.env_file
    if env_file is not None and not env_file.parent.is_dir():
        raise UserError(f"--env-file: directory {env_file.parent} does not exist")
    config, spec = config_of(request)
    workdir = request.workdir
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    print(f"seeding {spec.recovery_points:,} recovery points ...", file=sys.stderr, flush=True)
    started = time.monotonic()
    server = sandbox.Sandbox(config, spec, workdir=workdir, port=request.port, serve=True)
    try:
        server.start()
    except OSError as exc:
        raise UserError(f"cannot serve on 127.0.0.1:{request.port}: {exc.strerror}") from None
    try:
        exports = server.export_lines()
        if env_file is not None:
            sandbox.launch.write_env_file(env_file, exports)
        sys.stdout.write(exports)
        sys.stdout.flush()
        seeded = server.seeded
        print(
            f"sandbox ready at {server.endpoint_url} in {time.monotonic() - started:.1f}s: "
            f"{seeded.recovery_points:,} recovery points in {len(seeded.vaults)} vaults "
            f"({', '.join(seeded.vaults)}){sandbox.launch.regions_note(seeded.by_region)}; "
            f"source account {config.source_account}, "
            f"destination {config.dest_account}; profiles sandbox-source and sandbox-dest "
            f"(sandbox-management: the organization's management account "
            f"{config.management_account}). "
            "Ctrl-C stops it.",
            file=sys.stderr,
            flush=True,
        )
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
        if env_file is not None:
            env_file.unlink(missing_ok=True)
    print("sandbox stopped", file=sys.stderr)
    return ExitStatus.SUCCESS
