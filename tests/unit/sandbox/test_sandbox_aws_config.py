"""The sandbox's AWS config file: each run's profiles assume their roles under a session name
of their own (the aws CLI caches assumed-role credentials by role and session name), and the
tool's poll interval in its environment follows its time scale."""

from __future__ import annotations

import configparser
from pathlib import Path

from shuffle_aws_vaults.sandbox import SandboxConfig
from shuffle_aws_vaults.sandbox.server import Sandbox, aws_config_text, poll_interval_text


def profiles(text: str) -> configparser.ConfigParser:
    parsed = configparser.ConfigParser()
    parsed.read_string(text)
    return parsed


def test_every_assuming_profile_names_the_runs_session() -> None:
    parsed = profiles(aws_config_text(SandboxConfig(dest_account_count=2), "sandbox-abc"))
    assuming = [name for name in parsed.sections() if parsed.has_option(name, "role_arn")]
    assert {"default", "profile sandbox-source", "profile sandbox-dest"} <= set(assuming)
    assert "profile sandbox-222222222223" in assuming
    assert {parsed[name]["role_session_name"] for name in assuming} == {"sandbox-abc"}
    assert parsed["profile sandbox-dest"]["role_arn"].startswith("arn:aws:iam::222222222222:")


def test_two_sandbox_runs_write_different_session_names() -> None:
    # Made, not started: nothing is written until start().
    first = Sandbox(SandboxConfig(), workdir=Path("/nonexistent/one"))
    second = Sandbox(SandboxConfig(), workdir=Path("/nonexistent/two"))
    assert first.session_name != second.session_name
    assert first.session_name.startswith("sandbox-")
    names = {
        profiles(aws_config_text(box.config, box.session_name))["profile sandbox-dest"][
            "role_session_name"
        ]
        for box in (first, second)
    }
    assert len(names) == 2


def test_the_poll_interval_is_awss_scaled_to_the_sandboxs_time() -> None:
    assert poll_interval_text(1.0) == "30"
    assert poll_interval_text(10.0) == "3"
    assert poll_interval_text(600.0) == "0.5"  # 0.05 s would only cost listing calls
