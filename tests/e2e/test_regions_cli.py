"""`list` and `filter` over several Regions (--regions, --all-regions), in-process against a
served sandbox that seeds two Regions 3:1; counts checked against the sandbox's own record."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter

import pytest
from harness import ACCOUNT_FLAGS, Box, box_fixture, one_error_line

from shuffle_aws_vaults.sandbox import SandboxConfig, SeedSpec

pytestmark = pytest.mark.e2e

EAST, WEST = "us-east-1", "eu-west-1"
SOURCE_ONLY = ("--source-account", "111111111111", "--source-profile", "sandbox-source")


box = box_fixture(
    "regions",
    SandboxConfig(regions=(EAST, WEST), seed=16, jitter=0.0),
    SeedSpec(recovery_points=120, vaults=2, region_shares=(3, 1)),
)


def test_list_with_regions_shows_every_regions_vaults_with_a_region_column(box: Box) -> None:
    code, out, _ = box.run("list", *SOURCE_ONLY, "--regions", f"{WEST},{EAST}", "--output", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == [
        "region",
        "vault",
        "recovery_points",
        "locked",
        "vault_type",
        "retention_days",
        "vault_arn",
    ]
    assert [row["region"] for row in rows] == sorted(
        (row["region"] for row in rows), key=[WEST, EAST].index
    )  # the Regions in the order given
    per_region = Counter()
    for row in rows:
        assert f":{row['region']}:" in row["vault_arn"]
        per_region[row["region"]] += int(row["recovery_points"])
    assert dict(per_region) == box.by_region == {EAST: 90, WEST: 30}


def test_list_all_regions_lists_recovery_points_of_the_regions_holding_the_vault(
    box: Box,
) -> None:
    vault = box.vaults[0]
    code, out, _ = box.run(
        "list", *SOURCE_ONLY, "--all-regions", "--vault", vault, "--output", "json"
    )
    assert code == 0
    rows = json.loads(out)
    assert {row["region"] for row in rows} == {EAST, WEST}
    assert all(row["vault"] == vault for row in rows)
    assert all(row["recovery_point_arn"].split(":")[3] == row["region"] for row in rows)


def test_list_all_vaults_with_a_query_counts_per_region_as_seeded(box: Box) -> None:
    code, out, _ = box.run(
        "list",
        *SOURCE_ONLY,
        "--regions",
        EAST,
        "--regions",
        WEST,
        "--all-vaults",
        "--query",
        "[].region",
        "--output",
        "json",
    )
    assert code == 0
    listed = Counter(json.loads(out))
    # list shows the selected and the ineligible points; every seeded point is one of them
    assert dict(listed) == box.by_region


def test_filter_with_regions_sums_the_regions_and_keeps_a_summary_per_region(box: Box) -> None:
    code, out, _ = box.run(
        "filter", *ACCOUNT_FLAGS, "--regions", f"{EAST},{WEST}", "--all-vaults", "--output", "json"
    )
    assert code == 0
    document = json.loads(out)
    data = document["summary"]
    assert set(data["regions"]) == {EAST, WEST}
    for region, expected in box.by_region.items():
        assert data["regions"][region]["total"] == expected
        assert data["regions"][region]["already_copied"] == 0
    assert data["total"] == sum(box.by_region.values())
    assert data["included"] == sum(r["included"] for r in data["regions"].values())
    assert Counter(item["region"] for item in document["items"]) == Counter(
        {region: r["included"] for region, r in data["regions"].items()}
    )


def test_filter_table_prints_a_line_per_region_then_the_totals(box: Box) -> None:
    code, out, _ = box.run("filter", *ACCOUNT_FLAGS, "--all-regions", "--all-vaults")
    assert code == 0
    lines = out.splitlines()  # the enabled Regions in name order
    assert lines[0].startswith(f"{WEST}: selected ") and f"of {box.by_region[WEST]} " in lines[0]
    assert lines[1].startswith(f"{EAST}: selected ") and f"of {box.by_region[EAST]} " in lines[1]
    assert lines[2].startswith("Selected ") and f"of {sum(box.by_region.values())} " in lines[2]


def test_without_region_flags_filter_json_has_no_regions_object(box: Box) -> None:
    code, out, _ = box.run("filter", *ACCOUNT_FLAGS, "--all-vaults", "--output", "json")
    assert code == 0
    data = json.loads(out)["summary"]
    assert "regions" not in data and data["total"] == box.by_region[EAST]


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (("--regions", "us-east-1,Mars-1"), "error: --regions: 'Mars-1' is not a Region name"),
        (("--regions", EAST, "--region", WEST), "error: give --regions or --region, not both"),
        (("--all-regions", "--region", WEST), "error: give --all-regions or --region, not both"),
        (
            ("--regions", EAST, "--dest-region", "eu-west-1=eu-west-2"),
            "error: --dest-region: eu-west-1 is not a source Region (source Regions: us-east-1)",
        ),
        (
            ("--regions", f"{EAST},{WEST}", "--dest-region", "eu-west-2"),
            "error: --dest-region eu-west-2: with several source Regions give a mapping",
        ),
    ],
)
def test_bad_region_flags_are_one_line_and_exit_1(
    box: Box, flags: tuple[str, ...], expected: str
) -> None:
    code, out, err = box.run("filter", *ACCOUNT_FLAGS, "--all-vaults", *flags)
    assert code == 1 and out == ""
    assert one_error_line(err).startswith(expected)


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (("--region", "Mars"), "error: --region: 'Mars' is not a Region name"),
        (("--dest-region", "us-east-1=eu-west-1"), "error: --dest-region us-east-1=eu-west-1: a"),
        (("--dest-region", "eu_west_1"), "error: --dest-region: 'eu_west_1' is not a Region name"),
    ],
)
def test_one_region_flags_are_checked_too(box: Box, flags: tuple[str, ...], expected: str) -> None:
    code, out, err = box.run("filter", *ACCOUNT_FLAGS, "--all-vaults", *flags)
    assert code == 1 and out == ""
    assert one_error_line(err).startswith(expected)


def test_a_region_without_the_named_vault_is_warned_about_once(box: Box) -> None:
    vault = box.vaults[0]
    code, out, err = box.run(
        "list", *SOURCE_ONLY, "--regions", f"{WEST},ap-south-1", "--vault", vault, "--output", "csv"
    )
    assert code == 0
    assert err.splitlines() == [f"warning: no vault named {vault} in Region ap-south-1"]
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {(row["region"], row["vault"]) for row in rows} == {(WEST, vault)}
    _, vaults, _ = box.run("list", *SOURCE_ONLY, "--regions", WEST, "--output", "csv")
    (listed,) = [v for v in csv.DictReader(io.StringIO(vaults)) if v["vault"] == vault]
    assert len(rows) == int(listed["recovery_points"])
