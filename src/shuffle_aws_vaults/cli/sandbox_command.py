"""`shuffle-aws-vaults sandbox`: serve a seeded local AWS Backup until SIGINT/SIGTERM."""

from __future__ import annotations

import signal
import sys
import threading
from types import FrameType
from typing import Any

from ..domain.lanes import TypeLimit, TypeLimitError, parse_type_limits
from .environment import Environment
from .exit_status import ExitStatus, UsageError, UserError
from .request_types import Sandbox
from .sandbox_loader import load_sandbox


def type_limits_of(
    values: list[tuple[TypeLimit, ...]] | None, flag: str = "--type-limit"
) -> dict[str, int]:
    """Every --type-limit (or `flag`) given, as one SandboxConfig.type_limits."""
    given = [f"{limit.name}={limit.limit}" for chunk in values or [] for limit in chunk]
    try:
        return {limit.name: limit.limit for limit in parse_type_limits(given)}
    except TypeLimitError as exc:
        raise UsageError(f"{flag}: {exc}") from None


def config_of(request: Sandbox) -> tuple[Any, Any]:
    """The sandbox's SandboxConfig and SeedSpec, from the request's values (a ValueError names
    the flag that is wrong)."""
    if request.api_burst_without_rate:
        raise UsageError("--api-burst needs --api-rate")
    given = dict(request.config)
    lag_limits = given.pop("lag_copy_limits", None)
    if lag_limits is not None:  # given: they replace AWS's quotas
        given["lag_copy_limits"] = type_limits_of(lag_limits, "--lag-copy-limit")
    try:
        config, spec = load_sandbox().launch.configured(
            given,
            request.faults,
            request.spec,
            regions=request.regions,
            shares=request.region_shares,
            type_limits=type_limits_of(request.type_limits),
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
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        sandbox.launch.serve(
            config, spec, stop, workdir=request.workdir, port=request.port, env_file=env_file
        )
    except ValueError as exc:  # the port cannot be had
        raise UserError(str(exc)) from None
    print("sandbox stopped", file=sys.stderr)
    return ExitStatus.SUCCESS
