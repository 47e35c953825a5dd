"""What a copy's progress says off a terminal: lines in the one-Region words whose figures are
the plan's, for one Region (the total line alone) and for several (a line per Region, then the
total), ending at 100% of what was planned. In-process against a served two-Region sandbox."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from harness import ACCOUNT_FLAGS, Box, box_fixture, copy_config, run_cli

from shuffle_aws_vaults.sandbox import SeedSpec

pytestmark = pytest.mark.e2e

EAST, WEST = "us-east-1", "eu-west-1"
RUN = ("--workers", "50", "--poll-interval", "0.1", "--progress-interval", "0.1")
LINE = re.compile(
    r"(  (?P<region>[a-z0-9-]+): |Progress: )"
    r"(?P<percent>\d+)% \((?P<done>[\d,]+)/(?P<total>[\d,]+)\)"
)


box = box_fixture(
    "progress",
    copy_config(3000.0, seed=11, regions=(EAST, WEST)),
    SeedSpec(recovery_points=40, vaults=2, region_shares=(1, 1)),
)


def lines_of(stderr: str) -> list[re.Match[str]]:
    return [match for line in stderr.splitlines() if (match := LINE.match(line))]


def planned(stderr: str) -> int:
    return sum(int(n.replace(",", "")) for n in re.findall(r"Planned ([\d,]+) copies", stderr))


def test_one_region_prints_the_total_line_alone_with_the_plans_figures(
    box: Box, tmp_path: Path
) -> None:
    where = ("--region", EAST, "--state-file", str(tmp_path / "state.jsonl"))
    proc = run_cli("copy", *ACCOUNT_FLAGS, "--all-vaults", *RUN, *where, timeout=300, env=box.env)
    assert proc.returncode == 0, proc.stderr
    found = lines_of(proc.stderr)
    assert found and all(match["region"] is None for match in found)
    total = planned(proc.stderr)
    assert total > 0 and {int(match["total"]) for match in found} == {total}
    assert (found[-1]["percent"], int(found[-1]["done"])) == ("100", total)


def test_several_regions_print_a_line_each_then_the_total(box: Box, tmp_path: Path) -> None:
    where = ("--regions", f"{EAST},{WEST}", "--state-dir", str(tmp_path / "migration"))
    proc = run_cli("copy", *ACCOUNT_FLAGS, "--all-vaults", *RUN, *where, timeout=300, env=box.env)
    assert proc.returncode == 0, proc.stderr
    found = lines_of(proc.stderr)
    last = found[-3:]  # the board's last drawing: each Region, then the total
    assert [match["region"] for match in last] == [EAST, WEST, None]
    assert int(last[2]["total"]) == planned(proc.stderr) == sum(int(m["total"]) for m in last[:2])
    assert all(match["percent"] == "100" for match in last)
