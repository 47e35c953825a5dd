"""SHUFFLE_AWS_VAULTS_COMPACT_EVERY: how often `copy` compacts its journal."""

from __future__ import annotations

import pytest

from shuffle_aws_vaults.application.copy_engine import EngineSettings
from shuffle_aws_vaults.cli.copy_command import COMPACT_EVERY_VARIABLE, compact_every
from shuffle_aws_vaults.cli.exit_status import UsageError


def test_unset_means_the_engine_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(COMPACT_EVERY_VARIABLE, raising=False)
    assert compact_every() == EngineSettings.compact_every


def test_a_positive_whole_number_is_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(COMPACT_EVERY_VARIABLE, "50")
    assert compact_every() == 50


@pytest.mark.parametrize("raw", ["0", "-5", "1e3", "ten", "٣"])
def test_anything_else_is_a_usage_error_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, raw: str
) -> None:
    monkeypatch.setenv(COMPACT_EVERY_VARIABLE, raw)
    with pytest.raises(UsageError, match=COMPACT_EVERY_VARIABLE):
        compact_every()
