"""The demo's own text: its command lines as one would type them, its summary lines."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from shuffle_aws_vaults.cli.demo_command import WIDTH, shell_line, summary_sections

SOURCES = ("111111111111", "111111111112", "111111111113")
ARGV = [
    "copy",
    "--source-accounts",
    ",".join(SOURCES),
    "--source-profile",
    ",".join(f"{account}=sandbox-{account}" for account in SOURCES),
    "--dest-account",
    "222222222222",
    "--all-vaults",
    "--state-dir",
    "demo output/state",
    "--resume",
]


def test_a_long_command_breaks_before_a_flag_and_keeps_each_flag_with_its_value() -> None:
    text = shell_line(ARGV)
    lines = text.splitlines()
    assert lines[0] == f"$ shuffle-aws-vaults copy --source-accounts {','.join(SOURCES)} \\"
    assert all(line.startswith("    --") for line in lines[1:])
    # Only a flag whose value alone is longer than the width runs past it.
    assert [line for line in lines if len(line) > WIDTH] == [
        next(line for line in lines if "--source-profile" in line)
    ]
    # What a shell would run: the same words (the path with a space quoted).
    assert shlex.split(text.removeprefix("$ ").replace("\\\n", " ")) == [
        "shuffle-aws-vaults",
        *ARGV,
    ]


def test_a_short_command_is_one_line() -> None:
    assert shell_line(["status", "--state-dir", "s"]) == "$ shuffle-aws-vaults status --state-dir s"


def test_the_summary_lines_name_each_source_account_and_the_destination(tmp_path: Path) -> None:
    section = {"completed": 650, "planned_items": 650, "failed": 0, "skipped": 17}
    summary = {
        "accounts": {
            account: {**section, "routes": [f"{account}/us-east-1"]} for account in SOURCES[:2]
        },
        "destinations": {
            "222222222222": {"planned": 1300, "completed": 1299, "failed": 1, "to_do": 0}
        },
    }
    path = tmp_path / "summary.json"
    path.write_text(json.dumps(summary), encoding="utf-8")
    assert summary_sections(path)[1:] == [
        "  source 111111111111: 650 of 650 planned copied, 0 failed, 17 not copyable "
        "(routes: 111111111111/us-east-1)",
        "  source 111111111112: 650 of 650 planned copied, 0 failed, 17 not copyable "
        "(routes: 111111111112/us-east-1)",
        "  destination 222222222222: 1,299 of 1,300 planned copied, 1 failed, 0 to do",
    ]
