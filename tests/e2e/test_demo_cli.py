"""`shuffle-aws-vaults demo` in a subprocess, as `make demo` runs it: three source accounts
consolidated into one destination account, each copy made once, verify clean; and a Ctrl-C in
one of its steps ends it there."""

from __future__ import annotations

import csv
import json
import re
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from harness import CLI, clean_environ

pytestmark = pytest.mark.e2e

SOURCES = ("111111111111", "111111111112", "111111111113")
DEST = "222222222222"


@dataclass(frozen=True)
class DemoRun:
    code: int
    out: str
    err: str
    output: Path  # demo-output/

    def step(self, number: int) -> str:
        """Step `number`'s part of standard output, from its title to the next one's."""
        start = self.out.index(f"\n== {number}. ")
        end = self.out.find(f"\n== {number + 1}. ", start)
        return self.out[start : end if end != -1 else None]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    cwd = tmp_path_factory.mktemp("demo")
    proc = subprocess.run(
        [*CLI, "demo", "--recovery-points", "300"],
        cwd=cwd,
        env=clean_environ(),
        capture_output=True,
        text=True,
        timeout=240,
    )
    return DemoRun(proc.returncode, proc.stdout, proc.stderr, cwd / "demo-output")


def test_the_demo_runs_every_step_and_exits_0(demo: DemoRun) -> None:
    assert demo.code == 0, demo.err
    assert "Traceback" not in demo.err and "error:" not in demo.err
    titles = re.findall(r"^== (\d+)\. ", demo.out, flags=re.MULTILINE)
    assert titles == [str(n) for n in range(1, 10)]
    assert "exit status 2 (2: incomplete" in demo.step(4)  # the maintenance window ran out
    assert "exit status 0 (every item copied)" in demo.step(6)


def test_every_step_takes_the_three_source_accounts_at_once(demo: DemoRun) -> None:
    for number in range(1, 10):
        commands = [line for line in demo.step(number).splitlines() if line.startswith("$ ")]
        assert len(commands) == 1
        if not commands[0].startswith("$ shuffle-aws-vaults status"):
            assert f"--source-accounts {','.join(SOURCES)}" in demo.step(number), number
    listed = demo.step(1)
    for account in SOURCES:
        assert f"arn:aws:backup:us-east-1:{account}:backup-vault:production-backups" in listed


def test_the_copy_shows_a_progress_line_per_account_then_the_total(demo: DemoRun) -> None:
    for account in SOURCES:
        assert re.search(rf"^  {account}/us-east-1: \d+% \(", demo.err, flags=re.MULTILINE)
        assert f"  {account}/us-east-1 -> us-east-1: " in demo.err
    assert re.search(r"^Progress: \d+% \(", demo.err, flags=re.MULTILINE)


def test_the_summary_has_a_section_per_account_and_one_destination(demo: DemoRun) -> None:
    summary = json.loads((demo.output / "summary.json").read_text(encoding="utf-8"))
    accounts = summary["accounts"]
    assert sorted(accounts) == list(SOURCES)
    for section in accounts.values():
        assert section["planned_items"] > 0
        assert section["completed"] == section["planned_items"] and section["failed"] == 0
    planned = sum(section["planned_items"] for section in accounts.values())
    assert summary["destinations"] == {
        DEST: {"planned": planned, "completed": planned, "failed": 0, "to_do": 0}
    }
    shown = demo.step(6)
    for account in SOURCES:
        assert f"  source {account}: {accounts[account]['completed']:,} of " in shown
    assert f"  destination {DEST}: {planned:,} of {planned:,} planned copied" in shown


def test_each_accounts_items_are_copied_into_the_destination_once(demo: DemoRun) -> None:
    with (demo.output / "report.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["account"] for row in rows} == set(SOURCES)
    assert {row["dest_account"] for row in rows} == {DEST}
    assert {row["final_state"] for row in rows} == {"COMPLETED"}
    arns = [row["source_recovery_point_arn"] for row in rows]
    assert len(arns) == len(set(arns))
    # The sandbox's own copy-job records: nothing copied twice, every account's copies in DEST.
    records = re.search(
        r"(\d[\d,]*) recovery points copied, (\d+) copied twice\.\nConsolidated into "
        + DEST
        + ": "
        + ", ".join(rf"(\d[\d,]*) from {account}" for account in SOURCES),
        demo.out,
    )
    assert records is not None, demo.out[-600:]
    copied, twice, *by_account = (int(n.replace(",", "")) for n in records.groups())
    assert twice == 0
    assert all(n > 0 for n in by_account) and sum(by_account) == copied


def test_new_backups_and_a_lost_directory_copy_nothing_twice(demo: DemoRun) -> None:
    added = re.findall(r"--include-new: (\d+) recovery point\(s\) created", demo.err)
    assert len(added) == len(SOURCES) and sum(int(n) for n in added) == 40
    adopted = re.search(r"0 of ([\d,]+) copied, ([\d,]+) already in the destination", demo.err)
    assert adopted is not None and adopted.group(1) == adopted.group(2)


def test_verify_finds_every_copy_and_nothing_else(demo: DemoRun) -> None:
    shown = demo.step(9)
    for account in SOURCES:
        assert re.search(rf"  {account}/us-east-1 -> us-east-1: (\d+) of \1 verified", shown)
    counts = dict(re.findall(r"^  ([a-z-]+) +([\d,]+)$", shown, flags=re.MULTILINE))
    assert int(counts.pop("verified").replace(",", "")) > 0
    assert counts == dict.fromkeys(
        ("missing", "not-completed", "mismatched", "failed", "extra"), "0"
    )
    assert "exit status 0 (0: every planned item verified)" in shown


def test_ctrl_c_in_a_demo_step_ends_the_demo_there(tmp_path: Path) -> None:
    """The copy in step 4 takes the signal (it drains and exits 2); the demo must not go on to
    step 5 and the rest, and exits 130 as an interrupted command does."""
    proc = subprocess.Popen(
        [*CLI, "demo", "--recovery-points", "300"],
        cwd=tmp_path,
        env=clean_environ(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    seen: list[str] = []
    for line in proc.stdout:
        seen.append(line)
        if line.startswith("$ shuffle-aws-vaults copy"):
            time.sleep(2.0)  # under way: past planning, in the engine's run
            proc.send_signal(signal.SIGINT)
            break
    out, err = proc.communicate(timeout=120)
    text = "".join(seen) + out
    assert proc.returncode == 130, err
    assert "== 4." in text and "== 5." not in text
    assert "the demo ends here" in err and "Traceback" not in err
