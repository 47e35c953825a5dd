"""The command line: parse, run one command, turn its outcome into an exit status."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

from .exit_status import ExitStatus, UsageError, UserError
from .parser import build_parser


def _runner(command: str) -> Callable[..., int]:
    # Commands are imported on demand: `--help` must not pay for boto3 or moto.
    if command == "sandbox":
        from .sandbox_command import run_sandbox

        return run_sandbox
    if command == "demo":
        from .demo_command import run_demo

        return run_demo
    raise UsageError(f"unknown command {command}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status instead of raising."""
    try:
        args = build_parser().parse_args(argv)
        return int(_runner(args.command)(args))
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return ExitStatus.ERROR
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return ExitStatus.ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return ExitStatus.INTERRUPTED
