"""One Region and several agree: what `filter` counts as excluded is what `copy` excludes,
whichever way the Regions are named, and a run reads the metadata file's warning once however
many Regions it covers. In-process against a served two-Region sandbox."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from harness import ACCOUNT_FLAGS, Box, box_fixture

from shuffle_aws_vaults.sandbox import SandboxConfig, SeedSpec

pytestmark = pytest.mark.e2e

EAST, WEST = "us-east-1", "eu-west-1"
CROSS = "cross-region-unsupported"


box = box_fixture(
    "agreement",
    SandboxConfig(regions=(EAST, WEST), seed=23, jitter=0.0),
    SeedSpec(recovery_points=400, vaults=2, region_shares=(1, 1)),
)


def filter_excluded(box: Box, *regions: str) -> dict[str, int]:
    code, out, err = box.run("filter", *ACCOUNT_FLAGS, "--all-vaults", *regions, "--output", "json")
    assert code == 0, err
    return dict(json.loads(out)["summary"]["excluded_by_reason"])


def dry_run_excluded(box: Box, *regions: str) -> dict[str, int]:
    code, out, err = box.run("copy", *ACCOUNT_FLAGS, "--all-vaults", *regions, "--dry-run")
    assert code == 0, err
    section = out.split("Excluded by reason:\n", 1)[1] if "Excluded by reason:" in out else ""
    found = {}
    for line in section.splitlines():
        match = re.match(r"  (\S+)\s+([\d,]+)  ", line)
        if not match:
            break
        found[match.group(1)] = int(match.group(2).replace(",", ""))
    return found


def test_filter_to_another_region_excludes_what_copy_excludes_one_region_or_several(
    box: Box,
) -> None:
    one = ("--region", EAST, "--dest-region", WEST)
    several = ("--regions", EAST, "--dest-region", f"{EAST}={WEST}")
    filtered = filter_excluded(box, *one)
    assert filtered.get(CROSS, 0) > 0, filtered  # the seed holds DynamoDB without advanced features
    assert filtered == dry_run_excluded(box, *one)
    assert filtered == filter_excluded(box, *several)
    assert filtered == dry_run_excluded(box, *several)


def test_filter_within_its_own_region_excludes_nothing_as_cross_region(box: Box) -> None:
    assert CROSS not in filter_excluded(box, "--region", EAST)
    assert CROSS not in filter_excluded(box, "--region", EAST, "--dest-region", EAST)


def duplicated_csv(box: Box, path: Path) -> Path:
    """The sandbox's metadata CSV with its first data row repeated, one value changed."""
    lines = box.sandbox.csv_path.read_text(encoding="utf-8").splitlines()
    header, first = lines[0], lines[1]
    cells = first.split(",")
    cells[-1] = cells[-1] + "-other"
    path.write_text("\n".join([header, first, *lines[2:], ",".join(cells)]) + "\n", "utf-8")
    return path


@pytest.mark.parametrize(
    "regions", [("--region", EAST), ("--regions", f"{EAST},{WEST}")], ids=["one", "several"]
)
def test_a_run_passes_on_the_metadata_files_warning_once(
    box: Box, regions: tuple[str, ...], tmp_path: Path
) -> None:
    csv_path = duplicated_csv(box, tmp_path / "dup.csv")
    flags = ("--all-vaults", "--metadata-csv", str(csv_path), *regions)
    for command in (("copy", "--dry-run"), ("filter", "--output", "json")):
        code, _, err = box.run(command[0], *ACCOUNT_FLAGS, *flags, *command[1:])
        assert code == 0, err
        warnings = [line for line in err.splitlines() if "duplicate resourceArn" in line]
        assert len(warnings) == 1, (command, err)
