"""The command line: parse, run one command, turn its outcome into an exit status."""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import Any

from .. import bootstrap
from .environment import Environment
from .exit_status import USER_ERRORS, ExitStatus, UsageError, describe
from .requests import parse

# Each command's module and function, imported on demand: `--help` must not pay for boto3 or
# moto.
COMMANDS = {
    "list": ("discovery_commands", "run_list"),
    "filter": ("discovery_commands", "run_filter"),
    "copy": ("copy_command", "run_copy"),
    "verify": ("verify_command", "run_verify"),
    "preflight": ("preflight_command", "run_preflight_command"),
    "status": ("status_command", "run_status"),
    "iam-policy": ("iam_policy_command", "run_iam_policy"),
    "sandbox": ("sandbox_command", "run_sandbox"),
    "demo": ("demo_command", "run_demo"),
}


def _runner(command: str) -> Callable[[Any, Environment], int]:
    if command not in COMMANDS:
        raise UsageError(f"unknown command {command}")
    module, function = COMMANDS[command]
    runner: Callable[[Any, Environment], int] = getattr(
        importlib.import_module(f"{__name__}.{module}"), function
    )
    return runner


def main(argv: Sequence[str] | None = None, env: Environment | None = None) -> int:
    """Run the CLI in `env` (the process's own by default); returns the exit status."""
    env = env or Environment()
    with env.applied(), bootstrap.guarded_stdout():
        try:
            return _main(argv, env)
        finally:
            bootstrap.close_logging()


def _main(argv: Sequence[str] | None, env: Environment) -> int:
    """Every outcome and exception of a command, mapped to its exit status."""
    verbose = False
    try:
        command, request = parse(argv, os.environ, bootstrap.known_regions)
        verbose = request.verbose
        return int(_runner(command)(request, env))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return ExitStatus.INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly.
        with contextlib.suppress(AttributeError, OSError, ValueError):  # not a file (tests)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return ExitStatus.SUCCESS
    except Exception as exc:
        if verbose and not isinstance(exc, USER_ERRORS):
            traceback.print_exc()
        print(f"error: {describe(exc)}", file=sys.stderr)
        return ExitStatus.ERROR
