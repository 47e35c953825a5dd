"""Logs never carry credentials; --log-file is private JSON Lines."""

from __future__ import annotations

import json
import logging
import stat
from pathlib import Path

import pytest

from shuffle_aws_vaults.infrastructure.logging_setup import configure, redact

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def test_key_ids_and_secrets_are_masked() -> None:
    text = redact(
        f"key ASIAIOSFODNN7EXAMPLE aws_secret_access_key={SECRET} "
        '"SessionToken": "FwoGZXIvYXdzEBcaDLongToken"'
    )
    assert "IOSFODNN7EXAMPLE" not in text and SECRET not in text
    assert "FwoGZXIvYXdzEBcaDLongToken" not in text
    assert "ASIA****" in text


def test_the_log_file_is_private_json_lines_without_secrets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "run.log"
    configure(verbose=False, log_file=str(path))
    logger = logging.getLogger("shuffle_aws_vaults.test")
    logger.debug("assumed role with secret_access_key=%s", SECRET)
    logger.warning("copy job %s failed", "JOB-1")
    for handler in logging.getLogger("shuffle_aws_vaults").handlers:
        handler.flush()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    entries = [json.loads(line) for line in path.read_text().splitlines()]
    assert [e["level"] for e in entries] == ["DEBUG", "WARNING"]
    assert SECRET not in path.read_text()
    assert entries[1]["message"] == "copy job JOB-1 failed"
    err = capsys.readouterr().err
    assert "WARNING: copy job JOB-1 failed" in err and "DEBUG" not in err
    assert logging.getLogger("botocore").level == logging.WARNING
