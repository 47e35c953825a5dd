"""The command line: parse, run one command, turn its outcome into an exit status."""

from __future__ import annotations

import contextlib
import os
import sys
import traceback
from collections.abc import Callable, Sequence

from .. import bootstrap
from .environment import Environment
from .exit_status import USER_ERRORS, ExitStatus, UsageError, describe
from .options import check_region_flags, normalize_dest_vault, resolve_output
from .parser import build_parser
from .stdout_guard import guarded_stdout


def _runner(command: str) -> Callable[..., int]:
    # Commands are imported on demand: `--help` must not pay for boto3 or moto.
    if command == "sandbox":
        from .sandbox_command import run_sandbox

        return run_sandbox
    if command == "demo":
        from .demo_command import run_demo

        return run_demo
    if command == "list":
        from .discovery_commands import run_list

        return run_list
    if command == "copy":
        from .copy_command import run_copy

        return run_copy
    if command == "preflight":
        from .preflight_command import run_preflight_command

        return run_preflight_command
    if command == "verify":
        from .verify_command import run_verify

        return run_verify
    if command == "iam-policy":
        from .iam_policy_command import run_iam_policy

        return run_iam_policy
    if command == "status":
        from .status_command import run_status

        return run_status
    if command == "filter":
        from .discovery_commands import run_filter

        return run_filter
    raise UsageError(f"unknown command {command}")


def main(argv: Sequence[str] | None = None, env: Environment | None = None) -> int:
    """Run the CLI in `env` (the process's own by default); returns the exit status."""
    env = env or Environment()
    with env.applied(), guarded_stdout():
        try:
            return _main(argv, env)
        finally:
            bootstrap.close_logging()


def _main(argv: Sequence[str] | None, env: Environment) -> int:
    """Every outcome and exception of a command, mapped to its exit status."""
    verbose = False
    try:
        args = build_parser().parse_args(argv)
        verbose = bool(getattr(args, "verbose", False))
        resolve_output(args, os.environ)
        if verbose and args.command not in ("copy", "sandbox", "demo"):
            bootstrap.configure_logging(True, None)  # copy sets up its own (--log-file too)
        check_region_flags(args)
        normalize_dest_vault(args)
        return int(_runner(args.command)(args, env))
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
