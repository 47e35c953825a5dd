"""Each sandbox run's profiles assume their roles under a role session name of that run's own,
through real boto3 clients over HTTP: the aws CLI caches assumed-role credentials under the role
ARN and session name, so a new sandbox never reaches an earlier one's cached credentials. And
the env the sandbox exports sets the tool's poll interval to its time scale."""

from __future__ import annotations

import configparser
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from . import session

pytestmark = pytest.mark.integration

DEST = "222222222222"


def dest_session_name(box: Any) -> str:
    written = configparser.ConfigParser()
    written.read(Path(box.env()["AWS_CONFIG_FILE"]))
    return written["profile sandbox-dest"]["role_session_name"]


def test_a_sandbox_runs_profiles_assume_under_its_own_session_name(
    make_sandbox: Callable[..., Any],
) -> None:
    box = make_sandbox(recovery_points=10, vaults=1, time_scale=600.0)
    name = dest_session_name(box)
    assert name == box.session_name and name.startswith("sandbox-")
    caller = session("sandbox-dest").client("sts").get_caller_identity()
    assert caller["Account"] == DEST
    assert caller["Arn"].endswith(f"/{name}")  # arn:aws:sts::ACCOUNT:assumed-role/ROLE/NAME
    assert box.env()["SHUFFLE_AWS_VAULTS_POLL_INTERVAL"] == "0.5"


def test_two_sandbox_runs_write_different_session_names(tmp_path: Path) -> None:
    from shuffle_aws_vaults.sandbox import Sandbox, SandboxConfig, SeedSpec

    names = []
    for run in ("first", "second"):
        box = Sandbox(SandboxConfig(), SeedSpec(10, vaults=1), workdir=tmp_path / run, serve=False)
        box.start()
        try:
            names.append(dest_session_name(box))
        finally:
            box.stop()
    assert len(set(names)) == 2
