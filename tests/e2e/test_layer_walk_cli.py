"""The layers as a copy walks them: from the command's entry point down to the engine, calls go
inward, and a lower layer calls back up into cli/ at most 3 times (a callback the CLI handed
down, its clock, its progress factory). Traced with a profile hook on every thread of an
in-process copy against a served sandbox, for one Region and for several."""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from harness import ACCOUNT_FLAGS, COPY_FLAGS, Box, box_fixture, copy_config, run_cli

from shuffle_aws_vaults.sandbox import SeedSpec

pytestmark = pytest.mark.e2e

PACKAGE = "shuffle_aws_vaults"
CLI = f"{PACKAGE}.cli"
ENTRY = "run_copy"  # the copy command's entry point in cli/
ENGINE = (f"{PACKAGE}.application.copy_engine", "begin")  # the first engine starts
MAX_STEPS = 50_000  # the package's own calls before the engine (a few thousand today)
EAST, WEST = "us-east-1", "eu-west-1"


@dataclass
class Walk:
    """The package's own calls (the sandbox's left out) from the entry point until the first
    engine starts, and those among them that a lower layer made into cli/."""

    steps: int = 0
    upward: list[str] = field(default_factory=list)  # "caller -> callee"
    entered: bool = False
    reached_engine: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, frame: FrameType, event: str, arg: Any) -> None:
        if self.reached_engine:
            sys.setprofile(None)  # this thread's hook: the walk is over
            return
        if event != "call":
            return
        module = frame.f_globals.get("__name__", "")
        if not module.startswith(PACKAGE) or module.startswith(f"{PACKAGE}.sandbox"):
            return
        name = frame.f_code.co_name
        with self.lock:
            if not self.entered:
                self.entered = module.startswith(CLI) and name == ENTRY
                if not self.entered:
                    return
            if self.steps >= MAX_STEPS:
                return
            self.steps += 1
            if (module, name) == ENGINE:
                self.reached_engine = True
                threading.setprofile(None)  # type: ignore[arg-type]
                return
            caller = frame.f_back
            above = caller.f_globals.get("__name__", "") if caller is not None else ""
            if module.startswith(CLI) and above.startswith(PACKAGE) and not above.startswith(CLI):
                assert caller is not None
                self.upward.append(f"{above}.{caller.f_code.co_name} -> {module}.{name}")


box = box_fixture(
    "walk",
    copy_config(600.0, seed=5, regions=(EAST, WEST)),
    SeedSpec(recovery_points=60, vaults=2, region_shares=(1, 1)),
)


def walked(box: Box, argv: list[str]) -> Walk:
    walk = Walk()
    threading.setprofile(walk)
    sys.setprofile(walk)
    try:
        proc = run_cli(*argv, timeout=120.0, env=box.env)
    finally:
        sys.setprofile(None)
        threading.setprofile(None)  # type: ignore[arg-type]
    assert proc.returncode == 2, proc.stderr  # the runtime limit: the walk is all this needs
    return walk


@pytest.mark.parametrize("several", [False, True], ids=["one-region", "several-regions"])
def test_the_copy_walks_down_to_the_engine_calling_up_into_cli_at_most_three_times(
    box: Box, tmp_path: Path, several: bool
) -> None:
    where = (
        ["--regions", f"{EAST},{WEST}", "--state-dir", str(tmp_path / "migration")]
        if several
        else ["--region", EAST, "--state-file", str(tmp_path / "state.jsonl")]
    )
    limit = ["--max-runtime-minutes", "0.001", "--drain-minutes", "0"]
    walk = walked(box, ["copy", *ACCOUNT_FLAGS, "--all-vaults", *COPY_FLAGS, *limit, *where])
    assert walk.entered and walk.reached_engine, walk.steps
    assert len(walk.upward) <= 3, "\n".join(walk.upward)
