"""`preflight` and `copy` against a destination whose own quotas are too small, or cannot be
read, run as a user runs them against served sandboxes.

The sandbox answers Service Quotas (its --dest-quota values, AWS's defaults otherwise) and the
counts EC2 and RDS give (--dest-held, plus its vaults' recovery points). What the plan adds is
counted here from the sandbox's own seed: with no edge cases every recovery point is copyable,
so each EC2 one selected is one more AMI in the destination.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from harness import COPY_FLAGS, DEST, REGION, SOURCE, Box, copy_config, served

from shuffle_aws_vaults.sandbox import SandboxConfig, SeedSpec

pytestmark = pytest.mark.e2e

SPEC = SeedSpec(recovery_points=200, vaults=2, edge_case_share=0.0)
BOX = {"accounts": True, "traceback_free": True, "timeout": 120.0}
CHECK_LINE = re.compile(r"^  (PASS|WARN|FAIL)  ([^:]+): (.*)$")
FIX_LINE = re.compile(r"^        fix: (.*)$")
AMIS = '"AMIs" (ec2 L-B665C33B)'


@dataclass(frozen=True)
class Check:
    outcome: str
    detail: str
    fix: str = ""


def checklist(text: str) -> dict[str, Check]:
    """The `Preflight:` table, by check name."""
    lines = text.splitlines()
    assert "Preflight:" in lines, text
    found: dict[str, Check] = {}
    last = ""
    for line in lines[lines.index("Preflight:") + 1 :]:
        if match := CHECK_LINE.match(line):
            last = match.group(2)
            found[last] = Check(match.group(1), match.group(3))
        elif match := FIX_LINE.match(line):
            found[last] = Check(found[last].outcome, found[last].detail, match.group(1))
        else:
            break
    return found


def not_passed(found: dict[str, Check]) -> dict[str, str]:
    return {name: check.outcome for name, check in found.items() if check.outcome != "PASS"}


def ec2_points(box: Box) -> int:
    """The EC2 recovery points the seed put in the source vaults (each copyable)."""
    return sum(
        rp.resource_type == "EC2" for vault in box.vaults for rp in box.points(SOURCE, vault)
    )


@pytest.fixture(scope="class")
def cramped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Box]:
    """A destination allowed 2 AMIs, holding 1 already."""
    config = SandboxConfig(time_scale=1.0, dest_quotas={"amis": 2}, dest_held={"amis": 1})
    with served(tmp_path_factory.mktemp("cramped"), config, SPEC, **BOX) as box:
        yield box


class TestADestinationWithoutRoomForTheAmis:
    def test_preflight_fails_with_the_numbers_and_the_quota_to_raise(self, cramped: Box) -> None:
        planned = ec2_points(cramped)
        assert planned >= 2
        proc = cramped.run("preflight", "--all-vaults", "--resource-type", "EC2")
        assert proc.returncode == 1, proc.stdout + proc.stderr
        found = checklist(proc.stdout)
        assert not_passed(found) == {"destination quotas": "FAIL"}
        check = found["destination quotas"]
        assert check.detail == (
            f"in {DEST} {REGION}: AMIs: 1 held + {planned} planned = {planned + 1} > 2, the "
            f"quota {AMIS}"
        )
        assert (
            f"aws service-quotas request-service-quota-increase --region {REGION} "
            f"--service-code ec2 --quota-code L-B665C33B --desired-value {planned + 1}"
        ) in check.fix

    def test_the_json_document_has_the_same_check(self, cramped: Box) -> None:
        proc = cramped.run(
            "preflight", "--all-vaults", "--resource-type", "EC2", "--output", "json"
        )
        assert proc.returncode == 1
        rows = {row["check"]: row for row in json.loads(proc.stdout)}
        assert rows["destination quotas"]["outcome"] == "FAIL"
        assert AMIS in rows["destination quotas"]["detail"]

    def test_copies_that_are_no_ami_pass_the_same_destination(self, cramped: Box) -> None:
        proc = cramped.run("preflight", "--all-vaults", "--resource-type", "EBS,S3")
        assert proc.returncode == 0, proc.stdout + proc.stderr
        check = checklist(proc.stdout)["destination quotas"]
        assert check.outcome == "PASS"
        assert check.detail.startswith(f"in {DEST} {REGION}: EBS snapshots 0 + ")

    def test_copy_refuses_to_start_and_submits_nothing(self, cramped: Box) -> None:
        state = cramped.workdir / "refused.jsonl"
        before = cramped.started_copies()
        proc = cramped.run(
            "copy", "--all-vaults", "--resource-type", "EC2", *COPY_FLAGS,
            "--state-file", str(state),
        )  # fmt: skip
        assert proc.returncode == 1, proc.stderr
        assert "preflight failed" in proc.stderr
        assert checklist(proc.stderr)["destination quotas"].outcome == "FAIL"
        assert cramped.started_copies() == before
        assert not state.exists()


@pytest.fixture(scope="class")
def unreadable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Box]:
    """A destination whose Service Quotas answers AccessDeniedException."""
    config = copy_config(3600.0, 1, dest_quotas_denied=True)
    spec = SeedSpec(recovery_points=40, vaults=1, edge_case_share=0.0)
    with served(tmp_path_factory.mktemp("unreadable"), config, spec, **BOX) as box:
        yield box


class TestADestinationWhoseQuotasCannotBeRead:
    def test_preflight_warns_naming_the_refusal_and_passes(self, unreadable: Box) -> None:
        proc = unreadable.run("preflight", "--all-vaults")
        assert proc.returncode == 0, proc.stdout + proc.stderr
        found = checklist(proc.stdout)
        assert not_passed(found) == {"destination capacity": "WARN", "destination quotas": "WARN"}
        assert "AccessDeniedException" in found["destination capacity"].detail
        quotas = found["destination quotas"]
        assert f"{AMIS}: AccessDeniedException: " in quotas.detail
        assert "servicequotas:GetServiceQuota" in quotas.fix
        # RDS tells its own quotas: those were read, and fit.
        assert "Manual DB instance snapshots" not in quotas.detail

    def test_copy_goes_on_and_copies_everything(self, unreadable: Box, tmp_path: Path) -> None:
        planned = sum(1 for vault in unreadable.vaults for _ in unreadable.points(SOURCE, vault))
        before = unreadable.started_copies()
        proc = unreadable.run(
            "copy", "--all-vaults", *COPY_FLAGS, "--state-file", str(tmp_path / "copy.jsonl")
        )
        assert proc.returncode == 0, proc.stderr
        assert unreadable.started_copies() - before == planned
        assert len(unreadable.completed_copies(REGION)) == planned


class TestResourceTypesFromBotocoresModel:
    def test_a_mistyped_type_is_one_error_line_with_the_type_meant(self, cramped: Box) -> None:
        proc = cramped.run("preflight", "--all-vaults", "--resource-type", "EBS,Auroa")
        assert proc.returncode == 1
        lines = proc.stderr.splitlines()
        assert len(lines) == 1 and proc.stdout == "", proc.stderr
        assert lines[0].startswith("error: --resource-type: unknown type 'Auroa'")
        assert "(did you mean Aurora?)" in lines[0]
        assert "EKS" in lines[0]  # as the installed botocore's AWS Backup model lists it

    def test_eks_is_a_type_to_select(self, cramped: Box) -> None:
        proc = cramped.run("filter", "--all-vaults", "--resource-type", "eks", "--output", "json")
        assert proc.returncode == 0, proc.stderr
        assert json.loads(proc.stdout)["items"] == []  # the sandbox seeds no EKS backups


@pytest.fixture(scope="class")
def exact(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Box]:
    """A destination allowed exactly as many AMIs as the seed has EC2 recovery points."""
    spec = SeedSpec(recovery_points=60, vaults=1, edge_case_share=0.0)
    with served(tmp_path_factory.mktemp("exact"), copy_config(3600.0, 3), spec, **BOX) as box:
        box.world.config = replace(box.world.config, dest_quotas={"amis": ec2_points(box)})
        yield box


class TestCopiesAlreadyInTheDestination:
    def test_a_plan_without_its_journal_does_not_count_what_it_adopts_twice(
        self, exact: Box, tmp_path: Path
    ) -> None:
        planned = ec2_points(exact)
        assert planned >= 1
        first = ("copy", "--all-vaults", "--resource-type", "EC2", *COPY_FLAGS)
        proc = exact.run(*first, "--state-file", str(tmp_path / "first.jsonl"))
        assert proc.returncode == 0, proc.stderr
        assert exact.started_copies() == planned
        # The destination now holds every AMI its quota allows; a new plan (no journal) adopts
        # them all, so nothing is left to count against the quota, and nothing is copied.
        proc = exact.run(*first, "--state-file", str(tmp_path / "again.jsonl"))
        assert proc.returncode == 0, proc.stderr
        assert exact.started_copies() == planned
        proc = exact.run("preflight", "--all-vaults", "--resource-type", "EC2")
        assert proc.returncode == 1  # preflight knows no journal: it counts the plan whole
        check = checklist(proc.stdout)["destination quotas"]
        assert f"AMIs: {planned} held + {planned} planned" in check.detail
