"""`shuffle-aws-vaults sandbox` as a user runs it: a subprocess, an env file, SIGTERM."""

from __future__ import annotations

import os
import shlex
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from . import list_recovery_points, session

pytestmark = pytest.mark.integration


def wait_for_file(path: Path, process: subprocess.Popen[str], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert process.poll() is None, f"the sandbox exited early: {process.communicate()}"
        assert time.monotonic() < deadline, "the sandbox did not write its env file in time"
        time.sleep(0.02)


def parse_exports(text: str) -> dict[str, str]:
    env = {}
    for line in text.splitlines():
        keyword, assignment = shlex.split(line)
        assert keyword == "export"
        key, value = assignment.split("=", 1)
        env[key] = value
    return env


@pytest.fixture
def sandbox_process(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    env_file = tmp_path / "sandbox.env"
    command = [
        sys.executable,
        "-m",
        "shuffle_aws_vaults",
        "sandbox",
        "--port",
        "0",
        "--recovery-points",
        "200",
        "--env-file",
        str(env_file),
    ]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    try:
        yield process, env_file
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=10)


def test_the_sandbox_command_serves_until_sigterm_and_cleans_up(
    sandbox_process: tuple[subprocess.Popen[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    process, env_file = sandbox_process
    wait_for_file(env_file, process)
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    exported = parse_exports(env_file.read_text())
    assert exported["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")
    assert exported["SHUFFLE_SANDBOX_SOURCE_ACCOUNT"] == "111111111111"
    assert exported["SHUFFLE_SANDBOX_DEST_ACCOUNT"] == "222222222222"
    for name in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        assert stat.S_IMODE(Path(exported[name]).stat().st_mode) == 0o600

    for key, value in exported.items():
        monkeypatch.setenv(key, value)
    source = session("sandbox-source")
    assert source.client("sts").get_caller_identity()["Account"] == "111111111111"
    backup = source.client("backup")
    vaults = exported["SHUFFLE_SANDBOX_VAULTS"].split(",")
    assert sum(len(list_recovery_points(backup, vault)) for vault in vaults) == 200

    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=15)
    assert process.returncode == 0, stderr
    assert not env_file.exists()
    assert parse_exports(stdout) == exported
    assert "sandbox stopped" in stderr
    assert not Path(exported["AWS_CONFIG_FILE"]).exists()


def test_the_sandbox_command_seeds_the_lag_vaults_its_flags_ask_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_file = tmp_path / "sandbox.env"
    command = [
        *(sys.executable, "-m", "shuffle_aws_vaults", "sandbox", "--port", "0"),
        *("--recovery-points", "10", "--env-file", str(env_file)),
        *("--dest-lag-vault", "air-gap:7:365", "--dest-lag-vault", "keyed:30:90:cmk"),
    ]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    try:
        wait_for_file(env_file, process)
        exported = parse_exports(env_file.read_text())
        assert exported["SHUFFLE_SANDBOX_LAG_VAULTS"] == "air-gap,keyed"
        for key, value in exported.items():
            monkeypatch.setenv(key, value)
        dest = session("sandbox-dest").client("backup")
        listed = dest.list_backup_vaults(ByVaultType="LOGICALLY_AIR_GAPPED_BACKUP_VAULT")
        vaults = {v["BackupVaultName"]: v for v in listed["BackupVaultList"]}
        assert set(vaults) == {"air-gap", "keyed"}
        assert (vaults["keyed"]["MinRetentionDays"], vaults["keyed"]["MaxRetentionDays"]) == (
            30,
            90,
        )
        assert vaults["keyed"]["EncryptionKeyType"] == "CUSTOMER_MANAGED_KMS_KEY"
        assert vaults["air-gap"]["EncryptionKeyType"] == "AWS_OWNED_KMS_KEY"
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=15)
        assert process.returncode == 0, stderr
        assert "logically air-gapped vaults air-gap, keyed in the destination" in stderr
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=10)
