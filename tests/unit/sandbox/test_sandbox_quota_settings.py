"""The sandbox's destination limits: --dest-quota and --dest-held reach SandboxConfig by quota
key or code (AWS's defaults for the rest), and a bad one is a one-line error naming its flag."""

from __future__ import annotations

from typing import Any

import pytest

from shuffle_aws_vaults.cli.exit_status import UsageError
from shuffle_aws_vaults.cli.parser import build_parser
from shuffle_aws_vaults.cli.requests import sandbox as sandbox_request
from shuffle_aws_vaults.cli.sandbox_command import config_of
from shuffle_aws_vaults.sandbox import SandboxConfig
from shuffle_aws_vaults.sandbox.quota_table import BY_KEY


def configured(*flags: str) -> Any:
    config, _ = config_of(sandbox_request(build_parser().parse_args(["sandbox", *flags])))
    return config


def test_the_flags_reach_the_config_by_key_or_quota_code() -> None:
    config = configured(
        "--dest-quota", "amis=10", "--dest-quota", "l-309bacf6=20",
        "--dest-held", "AMIS=7", "--dest-held", "rds-snapshots=3", "--dest-quotas-denied",
    )  # fmt: skip
    assert config.dest_quotas == {"amis": 10, "ebs-snapshots": 20}
    assert config.dest_held == {"amis": 7, "rds-snapshots": 3}
    assert config.dest_quotas_denied is True
    default = configured()
    assert (default.dest_quotas, default.dest_held, default.dest_quotas_denied) == ({}, {}, False)


def test_the_defaults_are_aws_documented_values() -> None:
    assert {key: quota.default for key, quota in BY_KEY.items()} == {
        "amis": 50_000,
        "ebs-snapshots": 100_000,
        "rds-snapshots": 100,
        "rds-cluster-snapshots": 100,
        "vault-recovery-points": 1_000_000,
    }
    assert (
        BY_KEY["amis"].code == "L-B665C33B" and BY_KEY["vault-recovery-points"].service == "backup"
    )


@pytest.mark.parametrize(
    ("flags", "names"),
    [
        (("--dest-quota", "amis"), ("--dest-quota", "QUOTA=N", "'amis'")),
        (("--dest-quota", "amis=x"), ("--dest-quota", "'x'")),
        (("--dest-quota", "amis=-1"), ("--dest-quota", "0 or more")),
        (("--dest-quota", "lambdas=3"), ("--dest-quota", "unknown quota 'lambdas'", "amis")),
        (("--dest-held", "vault-recovery-points=3"), ("--dest-held", "unknown quota")),
    ],
)
def test_a_bad_setting_is_a_one_line_error_naming_the_flag(
    flags: tuple[str, ...], names: tuple[str, ...]
) -> None:
    with pytest.raises(UsageError) as refused:
        configured(*flags)
    message = str(refused.value)
    assert "\n" not in message
    for name in names:
        assert name in message


def test_the_config_copies_what_it_is_given() -> None:
    given = {"amis": 5}
    config = SandboxConfig(dest_quotas=given)
    given["amis"] = 6
    assert config.dest_quotas == {"amis": 5}
    with pytest.raises(ValueError, match="--dest-quota: amis must be a whole number"):
        SandboxConfig(dest_quotas={"amis": 1.5})  # type: ignore[dict-item]
