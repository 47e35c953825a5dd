"""`status`: a migration's progress and failures from its journal; no AWS calls, no writes."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import bootstrap
from .environment import Environment
from .exit_status import ExitStatus, UserError
from .options import region_request
from .output import print_document
from .status_report import print_table, report, shown


def state_path(args: argparse.Namespace) -> Path:
    if args.state_file:
        return Path(args.state_file)
    from .state_paths import default_state_path, from_copy_flags

    return default_state_path(args, *from_copy_flags(args, "--state-file", "state file"))


def run_status(args: argparse.Namespace, env: Environment) -> int:
    if args.state_dir or region_request(args) is not None:
        from .region_status import run_status_regions

        return run_status_regions(args)
    path = state_path(args)
    store = bootstrap.state_store(path)
    if not store.exists():
        raise UserError(f"no migration state at {path}")
    identity, state = store.read()
    data = report(state, identity, store.holder())
    if args.output != "table" or args.query:
        print_document(shown(data, args.output, args.query), args.output, args.query, sys.stdout)
        return ExitStatus.SUCCESS
    out = sys.stdout
    out.write(f"State: {path}\n")
    print_table(data, out)
    return ExitStatus.SUCCESS
