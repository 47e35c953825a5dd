"""`preflight --regions` against a served two-Region sandbox: the account-wide checks once, each
Region's checks against its destination Region, a Region's FAIL its own, and what AWS cannot
copy across Regions warned about where a Region's copies would leave it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace

import boto3
import pytest
from harness import ACCOUNT_FLAGS, DEST, SOURCE, Box, environment_of, run_cli, served

from shuffle_aws_vaults.sandbox import SandboxConfig, SeedSpec

pytestmark = pytest.mark.e2e

EAST, WEST = "us-east-1", "eu-west-1"
NATIVE_DYNAMODB = 3  # DynamoDB backups without advanced features, planted in WEST
ONLY_EAST = "migrated-east"  # a destination vault that exists in EAST only
ACCOUNT_WIDE = ["identities", "cross-account backup", "copy role"]


def plant_native_dynamodb(box: Box, vault: str) -> None:
    """DynamoDB backups taken without advanced features (DynamoDB's own ARNs) in WEST."""
    world = box.world
    with world.lock:
        template = next(
            rp
            for rp in world.recovery_points(SOURCE, WEST, vault)
            if rp.status == "COMPLETED" and rp.cold_after_days is None
        )
        for n in range(NATIVE_DYNAMODB):
            table = f"arn:aws:dynamodb:{WEST}:{SOURCE}:table/orders-{n}"
            world.add_recovery_point(
                SOURCE,
                WEST,
                replace(
                    template,
                    seq=world.next_seq(),
                    arn=f"{table}/backup/0154708734700{n}-c8b6kdk{n}",
                    resource_arn=table,
                    resource_type="DynamoDB",
                    resource_name=f"orders-{n}",
                    encryption_key_arn=None,
                ),
            )


def create_dest_vault(box: Box, region: str, name: str) -> None:
    """A destination vault whose access policy admits the source account."""
    with environment_of(box.sandbox):
        backup = boto3.Session(profile_name="sandbox-dest", region_name=region).client("backup")
        backup.create_backup_vault(BackupVaultName=name)
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{SOURCE}:root"},
                    "Action": "backup:CopyIntoBackupVault",
                    "Resource": f"arn:aws:backup:{region}:{DEST}:backup-vault:{name}",
                }
            ],
        }
        backup.put_backup_vault_access_policy(BackupVaultName=name, Policy=json.dumps(policy))


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Box]:
    workdir = tmp_path_factory.mktemp("regions-preflight")
    config = SandboxConfig(regions=(EAST, WEST), seed=16, jitter=0.0, time_scale=1.0)
    spec = SeedSpec(recovery_points=120, vaults=2, region_shares=(3, 1), edge_case_share=0.0)
    # Every run of the box is a `preflight` between the two accounts.
    with served(
        workdir, config, spec, command=("preflight",), accounts=True, traceback_free=True
    ) as found:
        plant_native_dynamodb(found, found.vaults[0])
        create_dest_vault(found, EAST, ONLY_EAST)
        yield found


def outcomes(checks: list[dict[str, str]]) -> dict[str, str]:
    return {check["check"]: check["outcome"] for check in checks}


def test_a_dest_vault_missing_in_one_region_fails_that_region_only(box: Box) -> None:
    vault = box.vaults[1]  # no DynamoDB planted: nothing AWS cannot copy
    document = box.document(
        "--regions", f"{EAST},{WEST}", "--vault", vault, "--dest-vault", ONLY_EAST, status=1
    )
    assert [c["check"] for c in document["account"]] == ACCOUNT_WIDE
    assert set(outcomes(document["account"]).values()) == {"PASS"}
    east, west = document["regions"][EAST], document["regions"][WEST]
    assert list(document["regions"]) == [EAST, WEST]
    assert (east["dest_region"], east["verdict"]) == (EAST, "PASS")
    assert set(outcomes(east["checks"]).values()) == {"PASS"}
    assert (west["dest_region"], west["verdict"]) == (WEST, "FAIL")
    (missing,) = [c for c in west["checks"] if c["check"] == "destination vaults exist"]
    assert (missing["outcome"], missing["detail"]) == ("FAIL", f"missing: {ONLY_EAST}")
    assert (document["verdict"], document["failed_regions"]) == ("FAIL", [WEST])
    # The account-wide checks are made once, not per Region.
    assert not {c["check"] for c in east["checks"] + west["checks"]} & set(ACCOUNT_WIDE)


def test_the_table_heads_each_region_and_ends_with_the_verdict(box: Box) -> None:
    code, out, _ = box.run(
        "--regions", f"{EAST},{WEST}", "--vault", box.vaults[1], "--dest-vault", ONLY_EAST
    )
    assert code == 1
    headings = [line for line in out.splitlines() if not line.startswith(" ")]
    assert headings == [
        "Preflight, account-wide:",
        f"Region {EAST} -> {EAST}:",
        f"Region {WEST} -> {WEST}:",
        f"Preflight: FAIL (failed in {WEST})",
    ]
    assert out.count("PASS  identities: ") == 1
    assert f"  FAIL  destination vaults exist: missing: {ONLY_EAST}\n" in out


def test_dynamodb_without_advanced_features_is_warned_about_where_copies_change_region(
    box: Box,
) -> None:
    vault = box.vaults[0]
    regions = ("--regions", f"{EAST},{WEST}", "--vault", vault)
    across = box.document(*regions, "--dest-region", f"{WEST}={EAST}", status=0)
    west = across["regions"][WEST]
    assert (west["dest_region"], west["verdict"]) == (EAST, "WARN")
    (warned,) = [c for c in west["checks"] if c["outcome"] != "PASS"]
    assert warned["check"] == "recovery points AWS cannot copy"
    assert warned["detail"].startswith(
        f"excluded from the plan: {NATIVE_DYNAMODB} cross-region-unsupported (e.g. "
        f"arn:aws:dynamodb:{WEST}:"
    )
    assert "advanced DynamoDB features" in warned["fix"]
    assert across["regions"][EAST]["verdict"] == "PASS"  # EAST's copies stay in EAST
    # Kept in their Region, the same backups are refused for the other account instead.
    within = box.document(*regions, status=0)["regions"][WEST]
    (warned,) = [c for c in within["checks"] if c["outcome"] != "PASS"]
    assert warned["detail"].startswith(
        f"excluded from the plan: {NATIVE_DYNAMODB} type-not-copyable"
    )


def test_a_region_not_enabled_for_the_account_fails_alone(box: Box) -> None:
    document = box.document("--regions", f"{EAST},af-south-1", "--all-vaults", status=1)
    (refused,) = document["regions"]["af-south-1"]["checks"]
    assert refused["outcome"] == "FAIL" and refused["check"] == "Region checks"
    assert refused["detail"] == (
        f"af-south-1 -> af-south-1 could not be checked: af-south-1 is not enabled for "
        f"account {SOURCE}"
    )
    assert document["regions"][EAST]["verdict"] == "PASS"
    assert document["failed_regions"] == ["af-south-1"]


def test_text_output_gives_each_regions_line_then_its_checks(box: Box) -> None:
    code, out, _ = box.run(
        "--regions", f"{EAST},{WEST}", "--vault", box.vaults[1], "--output", "text"
    )
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "PASS"
    assert f"{WEST}\t{WEST}\tPASS" in lines
    assert sum(line.startswith("identities\tPASS\t") for line in lines) == 1


def test_one_region_preflight_to_another_region_warns_about_them_too(box: Box) -> None:
    code, out, err = box.run(
        "--region", WEST, "--dest-region", EAST, "--vault", box.vaults[0], "--output", "json"
    )
    assert code == 0, out + err
    checks = json.loads(out)  # the one-Region document: a list of checks
    (warned,) = [c for c in checks if c["outcome"] != "PASS"]
    assert warned["detail"].startswith(
        f"excluded from the plan: {NATIVE_DYNAMODB} cross-region-unsupported"
    )


def test_filter_over_regions_excludes_them_where_copies_change_region(box: Box) -> None:
    proc = run_cli(
        "filter",
        *ACCOUNT_FLAGS,
        "--regions",
        f"{EAST},{WEST}",
        "--dest-region",
        f"{WEST}={EAST}",
        "--vault",
        box.vaults[0],
        "--output",
        "json",
        timeout=120.0,
        env=box.env,
    )
    assert proc.returncode == 0, proc.stderr
    regions = json.loads(proc.stdout)["summary"]["regions"]
    assert regions[WEST]["excluded_by_reason"] == {"cross-region-unsupported": NATIVE_DYNAMODB}
    assert regions[EAST]["excluded_by_reason"] == {}
