"""Every command's flags, in one place."""

from __future__ import annotations

import argparse
import copy as copy_module
from typing import Any

from .. import __version__
from .options import (
    add_account_flags,
    add_lifecycle_flags,
    add_output_flag,
    add_region_flags,
    add_selection_flags,
    add_state_dir_flag,
)
from .parser_types import Parser, state_file
from .sandbox_parser import add_demo, add_sandbox


def build_parser() -> Parser:
    parser = Parser(
        prog="shuffle-aws-vaults",
        description="Migrate AWS Backup recovery points between accounts, exactly once.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="debug logs and tracebacks on stderr"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    commands.required = True
    _add_list(commands)
    _add_filter(commands)
    _add_copy(commands)
    _add_verify(commands)
    _add_preflight(commands)
    _add_status(commands)
    _add_iam_policy(commands)
    add_sandbox(commands)
    add_demo(commands)
    for sub in commands.choices.values():
        # Also after the command (`copy ... -v`); SUPPRESS keeps the top-level value otherwise.
        sub.add_argument(
            "-v",
            "--verbose",
            action="store_true",
            default=argparse.SUPPRESS,
            help=argparse.SUPPRESS,
        )
    parser.set_defaults(verbose=False)
    return parser


def _add_list(commands: argparse._SubParsersAction[Parser]) -> None:
    parser = commands.add_parser(
        "list",
        help="vaults and their recovery point counts, or a vault's recovery points",
        description=(
            "Without --vault: the source account's vaults and their recovery point counts. "
            "With --vault or --all-vaults: their recovery points, streamed page by page, with "
            "metadata columns and whether each can be copied."
        ),
    )
    add_account_flags(parser, dest=False)
    add_region_flags(parser)
    add_selection_flags(parser)
    add_output_flag(parser)


def _add_filter(commands: argparse._SubParsersAction[Parser]) -> None:
    parser = commands.add_parser(
        "filter",
        help="what a migration would take: counts, exclusions by reason, the included items",
        description=(
            "Apply the selection and AWS's copy rules: included and excluded counts, exclusions "
            "by reason, then the included recovery points."
        ),
    )
    add_account_flags(parser, dest=True)
    add_region_flags(parser)
    add_selection_flags(parser)
    add_lifecycle_flags(parser, planning_only=True)
    add_output_flag(parser)


def add_destination_flags(parser: argparse.ArgumentParser) -> None:
    dest = parser.add_argument_group("destination")
    dest.add_argument(
        "--dest-vault", metavar="NAME", help="destination vault (default: the source vault's name)"
    )
    dest.add_argument(
        "--copy-role-arn",
        metavar="ARN",
        help="IAM role AWS Backup copies with (default: the source account's "
        "service-role/AWSBackupDefaultServiceRole)",
    )
    add_lifecycle_flags(parser)
    dest.add_argument(
        "--create-dest-vault",
        action="store_true",
        help="create missing destination vaults (with the source vault's lock bounds) and grant "
        "the source account backup:CopyIntoBackupVault in their access policies",
    )
    dest.add_argument(
        "--dest-kms-key-arn",
        metavar="ARN",
        help="KMS key for vaults that --create-dest-vault creates (default: AWS Backup's; "
        "for a logically air-gapped vault an AWS-owned key)",
    )
    dest.add_argument(
        "--dest-vault-type",
        choices=("standard", "logically-air-gapped"),
        default="standard",
        help="what --create-dest-vault creates: a standard vault (default) or a logically "
        "air-gapped one, locked in compliance mode from creation (needs --min-retention-days "
        "and --max-retention-days)",
    )
    dest.add_argument(
        "--min-retention-days",
        type=int,
        metavar="N",
        help="a logically air-gapped vault's shortest retention (at least 7 days)",
    )
    dest.add_argument(
        "--max-retention-days",
        type=int,
        metavar="N",
        help="a logically air-gapped vault's longest retention (copies must expire by then)",
    )


def _add_copy(commands: argparse._SubParsersAction[Parser]) -> None:
    parser = commands.add_parser(
        "copy",
        help="copy the selected recovery points into the destination account, exactly once",
        description=(
            "Plan the selection into a fixed list of copies, submit them at up to --workers "
            "concurrent copy jobs, track them in bulk and journal every step so the run can be "
            "resumed at any point."
        ),
    )
    add_account_flags(parser, dest=True)
    parser.show_required_either("--dest-account", "--route-csv")
    add_region_flags(parser)
    add_selection_flags(parser)
    add_destination_flags(parser)
    run = parser.add_argument_group("run")
    run.add_argument("--dry-run", action="store_true", help="print the plan; copy nothing")
    run.add_argument(
        "--skip-preflight", action="store_true", help="do not run the preflight checks first"
    )
    run.add_argument(
        "--workers",
        type=int,
        default=80,
        help="copy jobs in flight at most, 1-500 (default 80: leaves 20 of AWS's default "
        "quota of 100 to scheduled copies)",
    )
    run.add_argument(
        "--type-limit",
        action="append",
        metavar="TYPE=N[,TYPE=N...]",
        help="at most N copy jobs of a resource type in flight (types joined by + share one "
        "limit), below the limits the engine finds on its own; --dry-run's estimate assumes "
        "AWS's documented EBS=20,RDS+Aurora=20 unless given. Repeatable (default: none)",
    )
    run.add_argument(
        "--poll-interval",
        type=float,
        default=None,
        metavar="SECONDS",
        help="how often to list finished copy jobs (default: $SHUFFLE_AWS_VAULTS_POLL_INTERVAL, "
        "which the sandbox's env file sets to its time scale, else 30)",
    )
    run.add_argument(
        "--max-job-attempts",
        type=int,
        default=3,
        metavar="N",
        help="copy jobs per item when AWS fails them transiently (default 3)",
    )
    run.add_argument(
        "--max-runtime-minutes",
        type=float,
        metavar="M",
        help="stop submitting after M minutes, drain, save and exit 2",
    )
    run.add_argument(
        "--drain-minutes",
        type=float,
        default=5.0,
        metavar="M",
        help="after a stop, track jobs in flight this long before exiting (default 5)",
    )
    run.add_argument(
        "--failure-threshold",
        type=int,
        default=25,
        metavar="N",
        help="stop submitting after N items in a row fail for the same reason, track the jobs "
        "in flight and exit 1 (default 25; 0: never)",
    )
    run.add_argument(
        "--no-adopt",
        action="store_true",
        help="copy items again even when the destination already holds their copy (planning "
        "otherwise records those as already copied)",
    )
    # Benchmarks measure what the tool's order (oldest first per resource, so later copies can
    # be incremental) is worth against the reverse; not for operators, so not shown.
    run.add_argument(
        "--resource-order",
        choices=("oldest-first", "newest-first"),
        default="oldest-first",
        help=argparse.SUPPRESS,
    )
    state = parser.add_argument_group("state")
    state.add_argument(
        "--state-file",
        metavar="PATH",
        type=state_file,
        help="the journal (default: ~/.local/state/shuffle-aws-vaults/<accounts-region-vaults>"
        ".jsonl)",
    )
    add_state_dir_flag(state)
    state.add_argument(
        "--resume", action="store_true", help="continue the migration in the state file, if any"
    )
    state.add_argument(
        "--reset", action="store_true", help="discard the state file (kept aside) and plan afresh"
    )
    state.add_argument(
        "--include-new",
        action="store_true",
        help="with --resume: scan the selection again and add the recovery points created since "
        "the plan (those the destination holds are recorded as already copied)",
    )
    state.add_argument(
        "--retry-failed",
        action="store_true",
        help="with --resume: send the failed items (permanent failures too) back to be copied "
        "again, after their cause is fixed",
    )
    report = parser.add_argument_group("progress and reports")
    report.add_argument(
        "--progress-interval",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="off a terminal, a progress line this often (default 60)",
    )
    report.add_argument("--no-progress", action="store_true", help="no progress display")
    report.add_argument("--summary-output", metavar="PATH", help="write the run summary as JSON")
    report.add_argument("--report-csv", metavar="PATH", help="write one CSV row per planned item")
    report.add_argument("--log-file", metavar="PATH", help="write logs as JSON Lines")


def _add_status(commands: argparse._SubParsersAction[Parser]) -> None:
    parser = commands.add_parser(
        "status",
        help="a migration's progress and failures, from its state file (no AWS calls)",
        description=(
            "Read a copy's journal and show its progress and failures. Makes no AWS calls and "
            "writes nothing, so it is safe while the copy runs."
        ),
    )
    parser.add_argument(
        "--state-file",
        metavar="PATH",
        type=state_file,
        help="the copy's --state-file; without it, give the copy's own account, Region, "
        "selection and --dest-vault flags and status finds the same default state file",
    )
    add_state_dir_flag(
        parser,
        "a migration over several Regions: its directory (every Region in it, or those "
        "--regions names); without it, --regions/--all-regions with the copy's flags find the "
        "default directory",
    )
    # The copy's command line, as it was: what names its default state is shown and used;
    # credentials and the run's own flags are taken, neither shown nor used (no AWS calls).
    add_account_flags(parser, dest=True, required=False)
    add_region_flags(parser)
    parser.add_argument("--dest-vault", metavar="NAME", help="the copy's --dest-vault")
    add_selection_flags(parser)
    add_output_flag(parser, ("table", "json", "text"))
    _hide_credentials(parser)
    _accept_the_copys_other_flags(parser, commands.choices["copy"])


# What reaches AWS: status makes no AWS calls, so these are accepted (a script may pass the
# copy's whole command line) and neither shown nor used.
STATUS_UNUSED = (
    "--source-profile",
    "--source-role-arn",
    "--dest-profile",
    "--dest-role-arn",
    "--role-name",
    "--retry-mode",
    "--max-attempts",
)


def _hide_credentials(status: argparse.ArgumentParser) -> None:
    for flag in STATUS_UNUSED:
        status._option_string_actions[flag].help = argparse.SUPPRESS
    for group in status._action_groups:
        if group.title == "accounts and credentials":
            group.title = "accounts (the copy's, to find its default state file)"


def _accept_the_copys_other_flags(status: argparse.ArgumentParser, copy: Any) -> None:
    """`status` takes the copy's whole command line: the flags that only steer a run
    (--workers, --summary-output, ...) are accepted, unshown and unused."""
    taken = {option for action in status._actions for option in action.option_strings}
    for action in copy._actions:
        options = [option for option in action.option_strings if option not in taken]
        if not options or len(options) != len(action.option_strings):
            continue
        hidden = copy_module.copy(action)
        hidden.help = argparse.SUPPRESS
        hidden.dest = f"copy_{action.dest}"
        hidden.required = False
        status._add_action(hidden)


def _add_preflight(commands: argparse._SubParsersAction[Parser]) -> None:
    parser = commands.add_parser(
        "preflight",
        help="check, before copying, everything AWS would refuse",
        description=(
            "A PASS / WARN / FAIL checklist, each with its fix: identities, cross-account "
            "backup, destination vaults and their access policies, the copy role, recovery "
            "points AWS cannot copy, destination capacity and vault locks. `copy` runs it too. "
            "With --regions/--all-regions: the account-wide checks once, then each source "
            "Region's checks against its destination Region (--dest-region), what AWS cannot "
            "copy across Regions among them; a Region that cannot be checked FAILs alone. "
            "Exit 1 when anything FAILs, in any Region."
        ),
    )
    add_account_flags(parser, dest=True)
    parser.show_required_either("--dest-account", "--route-csv")
    add_region_flags(parser)
    add_selection_flags(parser)
    add_destination_flags(parser)
    add_output_flag(parser, ("table", "json", "text"))


def _add_verify(commands: argparse._SubParsersAction[Parser]) -> None:
    parser = commands.add_parser(
        "verify",
        help="check that the destination holds every planned copy",
        description=(
            "Check every planned item against the destination: the copy exists in the "
            "destination vault, is COMPLETED/AVAILABLE, and has the source's resource ARN, "
            "creation date and size. Uses the copy's journal when there is one, else copy-job "
            "records and matching. Exit 0 only when every item is verified."
        ),
    )
    add_account_flags(parser, dest=True)
    parser.show_required_either("--dest-account", "--route-csv")
    add_selection_flags(parser)
    parser.add_argument("--dest-vault", metavar="NAME", help="the copy's --dest-vault")
    parser.add_argument("--state-file", metavar="PATH", type=state_file, help="the copy's journal")
    add_state_dir_flag(parser)
    add_region_flags(parser)
    parser.add_argument("--report-csv", metavar="PATH", help="one row per item with its verdict")
    add_output_flag(parser)


def _add_iam_policy(commands: argparse._SubParsersAction[Parser]) -> None:
    parser = commands.add_parser(
        "iam-policy",
        help="least-privilege IAM policies for the operator and the destination vault",
        description=(
            "Print three JSON policy documents: the operator's identity policy in the source "
            "account, the one in the destination account, and the destination vault access "
            "policy (only backup:CopyIntoBackupVault, only for the source account)."
        ),
    )
    parser.add_argument("--source-account", required=True, help="source account ID")
    parser.add_argument("--dest-account", help="destination account ID")
    parser.add_argument(
        "--route-csv",
        metavar="PATH",
        help="the copy's --route-csv: a policy pair for each destination account it names",
    )
    parser.add_argument("--region", help="source region (default: AWS_REGION)")
    parser.add_argument("--dest-region", help="destination region (default: --region)")
    parser.add_argument(
        "--vault", action="append", default=[], metavar="NAME", help="scope to these vaults"
    )
    parser.add_argument("--dest-vault", metavar="NAME", help="the copy's --dest-vault")
    parser.add_argument("--copy-role-arn", metavar="ARN", help="the copy's --copy-role-arn")
    add_region_flags(parser)
    add_output_flag(parser, ("table", "json", "text"))
