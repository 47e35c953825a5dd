"""`iam-policy` across Regions: every source and destination Region's vaults and keys."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shuffle_aws_vaults.cli import main

ACCOUNTS = ["--source-account", "111111111111", "--dest-account", "222222222222"]


def documents(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    assert main(["iam-policy", *ACCOUNTS, "--vault", "a", "--output", "json", *args]) == 0
    parsed: dict[str, Any] = json.loads(capsys.readouterr().out)
    return parsed


def statement(document: dict[str, Any], sid: str) -> dict[str, Any]:
    found: dict[str, Any] = next(s for s in document["Statement"] if s.get("Sid") == sid)
    return found


def test_several_regions_scope_each_regions_vaults_and_keys_with_the_dest_region_map(
    capsys: pytest.CaptureFixture[str],
) -> None:
    docs = documents(
        capsys, "--regions", "us-east-1,eu-west-1", "--dest-region", "eu-west-1=eu-central-1"
    )
    source = docs["source_identity_policy"]
    assert statement(source, "ReadAndCopyRecoveryPoints")["Resource"] == [
        "arn:aws:backup:us-east-1:111111111111:backup-vault:a",
        "arn:aws:backup:eu-west-1:111111111111:backup-vault:a",
    ]
    assert statement(source, "CheckRecoveryPointKeys")["Resource"] == [
        "arn:aws:kms:us-east-1:111111111111:key/*",
        "arn:aws:kms:eu-west-1:111111111111:key/*",
    ]
    grants = statement(docs["dest_identity_policy"], "VaultKeyGrants")
    assert grants["Condition"] == {
        "StringEquals": {
            "kms:ViaService": [
                "backup.us-east-1.amazonaws.com",
                "backup.eu-central-1.amazonaws.com",
            ]
        }
    }
    assert [s["Resource"] for s in docs["dest_vault_access_policy"]["Statement"]] == [
        "arn:aws:backup:us-east-1:222222222222:backup-vault:a",
        "arn:aws:backup:eu-central-1:222222222222:backup-vault:a",
    ]


def test_all_regions_is_every_region_in_the_arns_and_a_pattern_condition(
    capsys: pytest.CaptureFixture[str],
) -> None:
    docs = documents(capsys, "--all-regions")
    source = docs["source_identity_policy"]
    assert statement(source, "ReadAndCopyRecoveryPoints")["Resource"] == [
        "arn:aws:backup:*:111111111111:backup-vault:a"
    ]
    grants = statement(docs["dest_identity_policy"], "VaultKeyGrants")
    assert grants["Resource"] == "arn:aws:kms:*:222222222222:key/*"
    assert grants["Condition"] == {"StringLike": {"kms:ViaService": "backup.*.amazonaws.com"}}


def test_one_region_documents_are_as_before(capsys: pytest.CaptureFixture[str]) -> None:
    one = documents(capsys, "--region", "us-east-1")
    listed = documents(capsys, "--regions", "us-east-1")
    assert one == listed
    grants = statement(one["dest_identity_policy"], "VaultKeyGrants")
    assert grants["Condition"] == {
        "StringEquals": {"kms:ViaService": "backup.us-east-1.amazonaws.com"}
    }


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--regions", "us-east-1", "--region", "us-east-1"], "give --regions or --region"),
        (["--regions", "us-east-1", "--dest-region", "eu-west-1=us-east-2"], "not a source"),
        (["--regions", "mars-1"], "mars-1"),
    ],
)
def test_bad_region_flags_are_one_line_and_exit_1(
    capsys: pytest.CaptureFixture[str], args: list[str], expected: str
) -> None:
    assert main(["iam-policy", *ACCOUNTS, *args]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and expected in err[0], err
