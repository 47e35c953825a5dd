"""The pre-flight over several Regions: account-wide checks once, each Region's checks on its
own, and a Region whose checks cannot be made failing alone."""

from __future__ import annotations

import io

from shuffle_aws_vaults.application.discovery import Candidate
from shuffle_aws_vaults.application.preflight import (
    PlanFacts,
    account_checks,
    region_checks,
    run_preflight,
)
from shuffle_aws_vaults.application.regional_preflight import (
    UNCHECKED,
    RegionalChecklist,
    check_region,
    verdict,
)
from shuffle_aws_vaults.cli.checklist import print_regional_checklist
from shuffle_aws_vaults.domain.errors import AccessDenied, AwsError
from shuffle_aws_vaults.domain.preflight import CheckResult, Outcome
from shuffle_aws_vaults.domain.reasons import Reason

from ..domain.factories import rp
from .test_preflight_key_facts import DEST, ROLE, SOURCE, FakeDestination, FakeSourceChecks

ONE_REGION_ORDER = [
    "identities",
    "cross-account backup",
    "destination not Default",
    "destination vaults exist",
    "destination access policies",
    "copy role",
    "source key policies",
    "recovery points AWS cannot copy",
    "destination capacity",
    "destination vault locks",
]
NATIVE_DDB = "arn:aws:dynamodb:us-east-1:111111111111:table/t/backup/01547087347000-c8b6kdk3"


def facts(*candidates: Candidate, dest_vault: str = "prod") -> PlanFacts:
    found = PlanFacts({"production-backups": dest_vault})
    for _ in found.watch(candidates):
        pass
    return found


def regional(plan: PlanFacts) -> list[CheckResult]:
    return region_checks(
        source_account=SOURCE,
        source=FakeSourceChecks({}),
        dest=FakeDestination(DEST),  # type: ignore[arg-type]
        facts=plan,
        create=False,
        delete_after_days=None,
    )


def test_one_region_keeps_its_checklist_and_order() -> None:
    plan = facts(Candidate(rp(encryption_key_arn=None), None, None))
    results = run_preflight(
        source_account=SOURCE,
        source=FakeSourceChecks({}),
        dest=FakeDestination(DEST),  # type: ignore[arg-type]
        facts=plan,
        role_arn=ROLE,
        create=False,
        delete_after_days=None,
    )
    assert [r.name for r in results] == ONE_REGION_ORDER


def test_account_and_region_checks_split_the_one_region_checklist() -> None:
    account = account_checks(SOURCE, DEST, FakeSourceChecks({}), ROLE)
    region = regional(facts(Candidate(rp(encryption_key_arn=None), None, None)))
    assert [r.name for r in account] == ["identities", "cross-account backup", "copy role"]
    assert sorted(r.name for r in [*account, *region]) == sorted(ONE_REGION_ORDER)


def test_a_region_whose_listing_was_refused_fails_alone_naming_it() -> None:
    refused = AwsError("UnrecognizedClientException", "invalid token", "ListBackupVaults")
    calls: list[str] = []

    def gather() -> list[CheckResult]:
        calls.append("gathered")
        return []

    checked = check_region("ap-east-1", "ap-east-1", gather, refused)
    assert calls == []
    (only,) = checked.results
    assert (only.name, only.outcome) == (UNCHECKED, Outcome.FAIL)
    assert only.detail.startswith("ap-east-1 -> ap-east-1 could not be checked: ListBackupVaults")
    assert "enable ap-east-1" in only.fix


def test_an_aws_error_while_checking_a_region_fails_that_region_only() -> None:
    def denied() -> list[CheckResult]:
        raise AccessDenied("AccessDeniedException", "explicit deny", "ListRecoveryPoints")

    bad = check_region("eu-west-1", "eu-west-2", denied)
    good = check_region("us-east-1", "us-east-1", lambda: regional(facts()))
    checked = RegionalChecklist(
        tuple(account_checks(SOURCE, DEST, FakeSourceChecks({}), ROLE)), (good, bad)
    )
    assert bad.verdict is Outcome.FAIL and "iam-policy" in bad.results[0].fix
    assert good.verdict is Outcome.PASS
    assert checked.failed and checked.failed_regions == ["eu-west-1"]


def test_the_document_keeps_each_regions_checks_in_the_one_region_shape() -> None:
    west = check_region(
        "eu-west-1",
        "eu-west-2",
        lambda: regional(facts(Candidate(rp(), None, Reason.CROSS_REGION_UNSUPPORTED))),
    )
    checked = RegionalChecklist((), (west,))
    document = checked.document()
    assert document["verdict"] == "WARN" and document["failed_regions"] == []
    region = document["regions"]["eu-west-1"]
    assert (region["dest_region"], region["verdict"]) == ("eu-west-2", "WARN")
    assert all(set(row) == {"check", "outcome", "detail", "fix"} for row in region["checks"])
    (warned,) = [row for row in region["checks"] if row["outcome"] == "WARN"]
    assert warned["check"] == "recovery points AWS cannot copy"
    assert warned["detail"].startswith("excluded from the plan: 1 cross-region-unsupported")
    assert "advanced DynamoDB features" in warned["fix"]


def test_the_verdict_is_the_worst_outcome() -> None:
    def result(outcome: Outcome) -> CheckResult:
        return CheckResult("c", outcome, "")

    assert verdict([]) is Outcome.PASS
    assert verdict([result(Outcome.PASS), result(Outcome.WARN)]) is Outcome.WARN
    assert verdict([result(Outcome.FAIL), result(Outcome.WARN)]) is Outcome.FAIL


def test_the_table_has_the_account_section_once_a_heading_per_region_and_the_verdict() -> None:
    def failing() -> list[CheckResult]:
        raise AwsError("ThrottlingException", "slow down", "ListBackupVaults")

    checked = RegionalChecklist(
        tuple(account_checks(SOURCE, DEST, FakeSourceChecks({}), ROLE)),
        (
            check_region("us-east-1", "us-east-1", lambda: regional(facts())),
            check_region("eu-west-1", "eu-west-1", failing),
        ),
    )
    out = io.StringIO()
    print_regional_checklist(checked, out)
    lines = out.getvalue().splitlines()
    headings = [line for line in lines if not line.startswith(" ")]
    assert headings == [
        "Preflight, account-wide:",
        "Region us-east-1 -> us-east-1:",
        "Region eu-west-1 -> eu-west-1:",
        "Preflight: FAIL (failed in eu-west-1)",
    ]
    assert sum(line.strip().startswith("PASS  identities") for line in lines) == 1
    assert "  FAIL  Region checks: eu-west-1 -> eu-west-1 could not be checked: " in out.getvalue()


def test_a_region_not_enabled_for_the_account_fails_without_being_checked() -> None:
    def gather() -> list[CheckResult]:
        raise AssertionError("a disabled Region is not checked")

    checked = check_region("af-south-1", "af-south-1", gather, disabled_for=SOURCE)
    (only,) = checked.results
    assert (only.name, only.outcome) == (UNCHECKED, Outcome.FAIL)
    assert only.detail.endswith(f"af-south-1 is not enabled for account {SOURCE}")
    assert "leave it out of --regions" in only.fix
