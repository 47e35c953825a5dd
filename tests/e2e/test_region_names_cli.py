"""A Region name botocore does not know AWS Backup in: refused with the likely one when it is a
typo of a known Region, else a warning (a Region newer than the installed botocore). Checked
before any AWS call, so no sandbox is needed: the environment names no credentials."""

from __future__ import annotations

import pytest
from harness import clean_environ, run_cli

pytestmark = pytest.mark.e2e

ACCOUNTS = ("--source-account", "111111111111", "--dest-account", "222222222222", "--all-vaults")


def run(*args: str) -> tuple[int, list[str]]:
    env = {**clean_environ(), "AWS_EC2_METADATA_DISABLED": "true"}
    proc = run_cli(*args, timeout=60.0, env=env)
    return proc.returncode, proc.stderr.strip().splitlines()


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (
            ("--regions", "us-east-1,us-eas-1"),
            "--regions: us-eas-1 is not a Region AWS Backup is in (did you mean us-east-1?)",
        ),
        (
            ("--regions", "us-east-1", "--dest-region", "us-east-1=eu-wst-1"),
            "--dest-region: eu-wst-1 is not a Region AWS Backup is in (did you mean eu-west-1?)",
        ),
        (
            ("--region", "ap-southeast-22"),
            "--region: ap-southeast-22 is not a Region AWS Backup is in "
            "(did you mean ap-southeast-2?)",
        ),
    ],
)
def test_a_mistyped_region_is_one_error_naming_the_flag_and_the_likely_region(
    flags: tuple[str, ...], message: str
) -> None:
    code, lines = run("copy", *ACCOUNTS, *flags)
    assert (code, lines) == (1, [f"error: {message}"])


def test_a_region_unknown_to_botocore_and_like_none_goes_on_with_a_warning() -> None:
    code, lines = run("list", "--source-account", "111111111111", "--region", "xx-north-9")
    assert lines[0] == (
        "warning: --region: xx-north-9 is not a Region this botocore knows AWS Backup in; "
        "going on (a Region newer than botocore would be)"
    )
    assert code == 1 and lines[-1].startswith("error: source credentials")  # it went on
