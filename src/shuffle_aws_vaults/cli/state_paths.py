"""Where a migration's state lives unless --state-file says otherwise."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from ..domain.identity import state_file_name
from ..domain.selection import Selection


def default_state_path(args: argparse.Namespace, vaults: list[str], selection: Selection) -> Path:
    """Under $XDG_STATE_HOME (or ~/.local/state): the same command line finds the same state."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    region = args.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    name = state_file_name(
        source_account=args.source_account,
        dest_account=args.dest_account,
        region=region,
        vaults=vaults,
        all_vaults=args.all_vaults,
        dest_vault=args.dest_vault,
        selection=selection.describe(),
    )
    return Path(base) / "shuffle-aws-vaults" / name


def default_state_dir(args: argparse.Namespace, vaults: list[str], selection: Selection) -> Path:
    """A migration over several Regions: the same accounts, vaults and selection find the same
    directory whichever Regions a run names (each Region's journal is named for it)."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    name = state_file_name(
        source_account=args.source_account,
        dest_account=args.dest_account,
        region="regions",
        vaults=vaults,
        all_vaults=args.all_vaults,
        dest_vault=args.dest_vault,
        selection=selection.describe(),
    )
    return Path(base) / "shuffle-aws-vaults" / name.removesuffix(".jsonl")


def state_dir(args: argparse.Namespace, vaults: list[str], selection: Selection) -> Path:
    """--state-dir, else the default migration directory."""
    given = getattr(args, "state_dir", None)
    return Path(given) if given else default_state_dir(args, vaults, selection)


def from_copy_flags(args: argparse.Namespace, flag: str, what: str) -> tuple[list[str], Selection]:
    """The copy's vaults and selection, from its own flags (status and verify find the copy's
    default state with them); `flag` and `what` name the alternative in the error."""
    from .exit_status import UsageError
    from .options import account_id, selection_from_args, vault_names

    if not (args.source_account and args.dest_account and (args.vault or args.all_vaults)):
        raise UsageError(
            f"give {flag}, or the copy's --source-account, --dest-account and "
            f"--vault/--all-vaults (with its filters) to find the default {what}"
        )
    account_id("--source-account", args.source_account)
    account_id("--dest-account", args.dest_account)
    return vault_names(args), selection_from_args(args)
