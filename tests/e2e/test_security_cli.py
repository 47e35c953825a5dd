"""What the tool leaves behind and what it grants: private files, no credentials anywhere,
destination vaults only in the destination account, access policies no wider than the copy.

A small copy (with --log-file, --summary-output, --report-csv and -v) and a verify run against
a served sandbox in a temporary HOME and working directory, then a second copy that merges its
grant into a destination vault's existing policy. The credentials are the sandbox's: its base
key and secret, and every key, secret and session token moto's STS issued (read from moto's own
records in this process, where the sandbox is served).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from harness import (
    ACCOUNT_FLAGS,
    COPY_FLAGS,
    DEST,
    REGION,
    SOURCE,
    Box,
    Run,
    box_fixture,
    copy_config,
    mode,
    recent,
    run_cli,
)

from shuffle_aws_vaults.sandbox import SeedSpec

pytestmark = pytest.mark.e2e

CLI_TIMEOUT = 120.0
OTHER_ACCOUNT = "333333333333"
COPY_ACTION = "backup:CopyIntoBackupVault"
NEW_VAULT = "created-by-the-tool"
# The CLI under the umask most users have (this process's own may be stricter), with no
# preexec_fn: this process serves the sandbox on threads.
UMASK_022 = (
    "import os, sys\n"
    "os.umask(0o022)\n"
    "os.execv(sys.executable, [sys.executable, '-m', 'shuffle_aws_vaults', *sys.argv[1:]])\n"
)
FOREIGN_STATEMENT = {
    "Sid": "KeptAsItWas",
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{DEST}:root"},
    "Action": "backup:DescribeBackupVault",
    "Resource": "*",
}


def vault_arn(name: str) -> str:
    return f"arn:aws:backup:{REGION}:{DEST}:backup-vault:{name}"


@dataclass(frozen=True)
class Runs:
    box: Box
    copy: Run
    verify: Run
    merge: Run
    merged_vault: str
    secrets: set[str]
    key_ids: set[str]

    def written(self) -> list[Path]:
        """Everything under the temporary HOME and working directory: the tool's alone."""
        return sorted([*self.box.home.rglob("*"), *self.box.cwd.rglob("*")])


# A HOME and working directory of its own; the CLI in a subprocess under the umask most users
# have.
box = box_fixture(
    "security",
    copy_config(3000.0, 31, bandwidth_bytes_per_second=1024.0**4),
    SeedSpec(recovery_points=200, vaults=2),
    timeout=CLI_TIMEOUT,
    home=True,
    launcher=(sys.executable, "-c", UMASK_022),
)


@pytest.fixture(scope="module")
def runs(box: Box) -> Runs:
    since = recent()
    first, second = box.vaults
    cwd = box.cwd
    # The state goes to its default place, under the temporary HOME.
    selection = ("--vault", first, "--created-after", since, "--dest-vault", NEW_VAULT)
    copy = box.process(
        "copy",
        *ACCOUNT_FLAGS,
        *selection,
        *COPY_FLAGS,
        "--create-dest-vault",
        "--log-file",
        str(cwd / "run.log"),
        "--summary-output",
        str(cwd / "summary.json"),
        "--report-csv",
        str(cwd / "report.csv"),
        "-v",
    )
    assert copy.returncode in (0, 1) and "Traceback" not in copy.stderr, copy.stderr
    verify = box.process(
        "verify", *ACCOUNT_FLAGS, *selection, "--report-csv", str(cwd / "verify.csv"), "-v"
    )
    assert verify.returncode in (0, 1) and "Traceback" not in verify.stderr, verify.stderr
    # A destination vault whose policy grants something else: the tool merges its grant in.
    foreign = {"Version": "2012-10-17", "Statement": [FOREIGN_STATEMENT]}
    box.as_dest(
        "put_backup_vault_access_policy", BackupVaultName=second, Policy=json.dumps(foreign)
    )
    merge = box.process(
        "copy",
        *ACCOUNT_FLAGS,
        "--vault",
        second,
        "--created-after",
        since,
        *COPY_FLAGS,
        "--create-dest-vault",
        "--state-file",
        str(cwd / "merge" / "state.jsonl"),
    )
    assert merge.returncode in (0, 1) and "Traceback" not in merge.stderr, merge.stderr
    return Runs(box, copy, verify, merge, second, box.secrets(), box.key_ids())


# -- (a) private files ---------------------------------------------------------------------------


def test_every_file_the_tool_wrote_is_private_and_so_is_its_own_directory(runs: Runs) -> None:
    box = runs.box
    state_dir = box.home / ".local" / "state" / "shuffle-aws-vaults"
    (journal,) = state_dir.glob("*.jsonl")  # the default state, named after the migration
    files = {str(p.relative_to(box.workdir)): mode(p) for p in runs.written() if p.is_file()}
    assert set(files) >= {
        f"home/.local/state/shuffle-aws-vaults/{journal.name}{suffix}"
        for suffix in ("", ".snapshot", ".lock")
    } | {
        "cwd/run.log",
        "cwd/summary.json",
        "cwd/report.csv",
        "cwd/verify.csv",
        "cwd/merge/state.jsonl",
        "cwd/merge/state.jsonl.snapshot",
        "cwd/merge/state.jsonl.lock",
    }
    assert {name: oct(m) for name, m in files.items() if m != 0o600} == {}
    assert (mode(state_dir), mode(box.cwd / "merge")) == (0o700, 0o700)


def test_every_directory_the_tool_created_is_private(runs: Runs) -> None:
    directories = {p.relative_to(runs.box.workdir): mode(p) for p in runs.written() if p.is_dir()}
    assert {name: oct(m) for name, m in directories.items() if m != 0o700} == {}


# -- (b) no credentials anywhere -----------------------------------------------------------------


def pieces(secret: str, skip: int = 0) -> set[str]:
    """The secret, and each 16-character piece of it (past a fixed prefix) 8 characters apart:
    any 24 characters of it that leak contain one."""
    body = secret[skip:]
    return {secret} | {body[i : i + 16] for i in range(0, max(1, len(body) - 15), 8)}


def leaks(haystacks: dict[str, str], needles: set[str]) -> list[str]:
    return sorted(
        f"{where}: {needle[:6]}..."
        for where, text in haystacks.items()
        for needle in needles
        if needle in text
    )


def everything_written(runs: Runs) -> dict[str, str]:
    """Every file the tool wrote, and every run's stdout and stderr."""
    haystacks = {
        str(p): p.read_bytes().decode("utf-8", "replace") for p in runs.written() if p.is_file()
    }
    return haystacks | {
        f"{what} of run {n}": text
        for n, proc in enumerate(runs.box.runs)
        for what, text in (("stdout", proc.stdout), ("stderr", proc.stderr))
    }


def test_no_secret_key_or_session_token_is_in_any_file_output_or_log(runs: Runs) -> None:
    tokens = [s for s in runs.secrets if len(s) > 100]
    assert len(tokens) >= 6, "the runs assumed no roles: nothing was looked for"  # 2 a run
    assert any(p.name == "run.log" and p.stat().st_size > 1000 for p in runs.written())
    needles: set[str] = set()
    for secret in runs.secrets:
        # moto's session tokens share a fixed prefix ("FQoGZXIvYXdzEBYaD"): skip it.
        needles |= pieces(secret, skip=20 if len(secret) > 100 else 0)
    # The search finds what is there: the sandbox's own credentials file holds its secret.
    credentials = {"sandbox": runs.box.sandbox.credentials_path.read_text()}
    assert leaks(credentials, needles) != []
    assert leaks(everything_written(runs), needles) == []


def test_no_access_key_id_is_in_any_file_output_or_log(runs: Runs) -> None:
    assert leaks(everything_written(runs), runs.key_ids) == []


# -- (c) the destination is the destination account ------------------------------------------------


@dataclass(frozen=True)
class ArnRun:
    proc: Run
    state: Path
    created: int  # CreateBackupVault calls the run made
    policies: int  # PutBackupVaultAccessPolicy calls
    started: int  # StartCopyJob calls


def run_with_vault_arn(box: Box, *extra: str) -> ArnRun:
    state = box.workdir / f"arn{len(box.runs)}" / "state.jsonl"
    before = [box.calls(op) for op in ("CreateBackupVault", "PutBackupVaultAccessPolicy")]
    started_before = box.calls("StartCopyJob")
    proc = box.process(
        "copy",
        *ACCOUNT_FLAGS,
        "--vault",
        box.vaults[0],
        *COPY_FLAGS,
        "--state-file",
        str(state),
        "--dest-vault",
        f"arn:aws:backup:{REGION}:{OTHER_ACCOUNT}:backup-vault:elsewhere",
        *extra,
    )
    return ArnRun(
        proc,
        state,
        box.calls("CreateBackupVault") - before[0],
        box.calls("PutBackupVaultAccessPolicy") - before[1],
        box.calls("StartCopyJob") - started_before,
    )


@pytest.fixture(scope="module")
def arn_runs(runs: Runs) -> dict[str, ArnRun]:
    """`--dest-vault` takes a vault NAME (no flag takes a destination vault ARN): given the ARN
    of a vault in another account, as is and with --create-dest-vault."""
    return {
        "as-is": run_with_vault_arn(runs.box),
        "create": run_with_vault_arn(runs.box, "--create-dest-vault"),
    }


def other_account_vaults() -> list[str]:
    """Vaults in the third account, as moto holds them (no sandbox profile reaches it)."""
    from moto.backup.models import backup_backends

    if OTHER_ACCOUNT not in backup_backends:
        return []
    return [name for backend in backup_backends[OTHER_ACCOUNT].values() for name in backend.vaults]


@pytest.mark.parametrize("how", ["as-is", "create"])
def test_a_destination_vault_arn_of_another_account_is_refused_and_nothing_is_copied(
    arn_runs: dict[str, ArnRun], runs: Runs, how: str
) -> None:
    run = arn_runs[how]
    assert run.proc.returncode == 1, run.proc.stderr
    assert "Traceback" not in run.proc.stderr
    lines = [line for line in run.proc.stderr.splitlines() if line.strip()]
    assert [line for line in lines if line.startswith("error:")] == [lines[-1]], lines
    assert run.started == 0
    assert not run.state.exists()
    assert other_account_vaults() == []
    world = runs.box.sandbox.world
    assert world is not None
    copied_into = {job.dest_vault_arn for job in world.copy_jobs()}
    assert all(f":{DEST}:" in arn for arn in copied_into), copied_into


def test_a_destination_vault_arn_is_refused_up_front_naming_the_flag(
    arn_runs: dict[str, ArnRun],
) -> None:
    run = arn_runs["create"]
    assert (run.created, run.policies) == (0, 0)
    assert "--dest-vault" in run.proc.stderr.splitlines()[-1]


# -- (d) the grants the tool writes ----------------------------------------------------------------


def assert_copy_grant_only(statement: dict[str, Any], vault: str) -> None:
    assert statement["Effect"] == "Allow"
    actions = (
        statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
    )
    assert actions == [COPY_ACTION]
    principal = statement["Principal"]
    assert isinstance(principal, dict) and set(principal) == {"AWS"}, principal
    principals = principal["AWS"] if isinstance(principal["AWS"], list) else [principal["AWS"]]
    assert principals in ([f"arn:aws:iam::{SOURCE}:root"], [SOURCE]), principals
    assert statement["Resource"] == vault_arn(vault)
    assert set(statement) <= {"Sid", "Effect", "Principal", "Action", "Resource"}, statement


def test_a_vault_the_tool_creates_admits_only_copies_from_the_source_account(runs: Runs) -> None:
    assert f"Created destination vault {NEW_VAULT}" in runs.copy.stderr
    (statement,) = runs.box.policy(NEW_VAULT)["Statement"]
    assert_copy_grant_only(statement, NEW_VAULT)


def test_a_grant_merged_into_an_existing_policy_adds_only_the_copy_grant(runs: Runs) -> None:
    vault = runs.merged_vault
    assert f"Granted account {SOURCE} CopyIntoBackupVault on {vault}" in runs.merge.stderr
    statements = runs.box.policy(vault)["Statement"]
    assert statements[0] == FOREIGN_STATEMENT
    (added,) = statements[1:]
    assert_copy_grant_only(added, vault)


def test_iam_policy_for_a_dest_vault_grants_only_copy_into_it_to_the_source(runs: Runs) -> None:
    # Without --vault, with the copy's --dest-vault (the --vault form: test_verify_preflight_cli).
    proc = run_cli(
        "iam-policy",
        "--source-account",
        SOURCE,
        "--dest-account",
        DEST,
        "--region",
        REGION,
        "--dest-vault",
        NEW_VAULT,
        "--output",
        "json",
        timeout=CLI_TIMEOUT,
        env=runs.box.env,
    )
    assert proc.returncode == 0, proc.stderr
    (statement,) = json.loads(proc.stdout)["dest_vault_access_policy"]["Statement"]
    assert_copy_grant_only(statement, NEW_VAULT)
