"""The pre-flight over a run's routes: account-wide checks once, each route's checks on its own
(the one-Region checklist in its order), and a route whose checks cannot be made failing
alone."""

from __future__ import annotations

import io
from collections.abc import Callable

from shuffle_aws_vaults.application.checklist import (
    UNCHECKED,
    AccountChecks,
    Checklist,
    RouteChecklist,
    contained,
    verdict,
)
from shuffle_aws_vaults.application.discovery import Candidate
from shuffle_aws_vaults.application.preflight import (
    PlanFacts,
    destination_checks,
    identity_checks,
    plan_checks,
    role_check,
    run_preflight,
)
from shuffle_aws_vaults.application.routes import Route
from shuffle_aws_vaults.application.selection_stage import SelectionRequest
from shuffle_aws_vaults.cli.checklist import print_sections, verdict_line
from shuffle_aws_vaults.domain.errors import AccessDenied, AwsError
from shuffle_aws_vaults.domain.lifecycle import LifecyclePolicy
from shuffle_aws_vaults.domain.preflight import CheckResult, Outcome
from shuffle_aws_vaults.domain.reasons import Reason
from shuffle_aws_vaults.domain.selection import Selection

from ..domain.factories import rp
from .test_preflight_key_facts import DEST, ROLE, SOURCE, FakeDestination, FakeSourceChecks

ONE_REGION_ORDER = [
    "identities",
    "cross-account backup",
    "destination not Default",
    "destination vaults exist",
    "destination vault types",
    "destination access policies",
    "copy role",
    "source key policies",
    "recovery points AWS cannot copy",
    "destination capacity",
    "destination vault locks",
    "copies' lifecycles",
]
NATIVE_DDB = "arn:aws:dynamodb:us-east-1:111111111111:table/t/backup/01547087347000-c8b6kdk3"


def facts(*candidates: Candidate, dest_vault: str = "prod") -> PlanFacts:
    found = PlanFacts({"production-backups": dest_vault})
    for _ in found.watch(candidates):
        pass
    return found


def regional(plan: PlanFacts, region: str = "us-east-1", dest: str = "us-east-1") -> RouteChecklist:
    gateway = FakeDestination(DEST)
    existing = {vault.name: vault for vault in gateway.list_vaults()}
    vaults = destination_checks(SOURCE, gateway, plan, existing, create=False)  # type: ignore[arg-type]
    checks = plan_checks(
        SOURCE,
        FakeSourceChecks({}),
        DEST,
        plan,
        existing,
        lifecycle=LifecyclePolicy(),
        opt_ins=None,
    )
    return RouteChecklist(region, dest, tuple(vaults), tuple(checks))


def account(name: str | None = None) -> tuple[AccountChecks, ...]:
    identity = tuple(identity_checks(SOURCE, DEST, FakeSourceChecks({})))
    return (AccountChecks(name, identity, role_check(FakeSourceChecks({}), ROLE)),)


def route(region: str, dest: str, refused: AwsError | None = None) -> Route:
    return Route(region, dest, SelectionRequest((), True, Selection()), None, refused)


def checked_route(
    region: str, dest: str, check: Callable[[], RouteChecklist], refused: AwsError | None = None
) -> RouteChecklist:
    return contained(route(region, dest, refused), check, disabled_for=None)


def test_one_region_keeps_its_checklist_and_order() -> None:
    plan = facts(Candidate(rp(encryption_key_arn=None), None, None))
    results = run_preflight(
        source_account=SOURCE,
        source=FakeSourceChecks({}),
        dest=FakeDestination(DEST),  # type: ignore[arg-type]
        facts=plan,
        role_arn=ROLE,
        create=False,
        lifecycle=LifecyclePolicy(),
    )
    assert [r.name for r in results] == ONE_REGION_ORDER


def test_account_and_route_checks_make_the_one_region_checklist_in_its_order() -> None:
    region = regional(facts(Candidate(rp(encryption_key_arn=None), None, None)))
    checklist = Checklist(account(), (region,))
    assert [r.name for r in checklist.account] == [
        "identities",
        "cross-account backup",
        "copy role",
    ]
    assert [r.name for r in checklist.one_route()] == ONE_REGION_ORDER


def test_a_region_whose_listing_was_refused_fails_alone_naming_it() -> None:
    refused = AwsError("UnrecognizedClientException", "invalid token", "ListBackupVaults")
    calls: list[str] = []

    def gather() -> RouteChecklist:
        calls.append("gathered")
        return RouteChecklist("ap-east-1", "ap-east-1", (), ())

    checked = checked_route("ap-east-1", "ap-east-1", gather, refused)
    assert calls == []
    (only,) = checked.results
    assert (only.name, only.outcome) == (UNCHECKED, Outcome.FAIL)
    assert only.detail.startswith("ap-east-1 -> ap-east-1 could not be checked: ListBackupVaults")
    assert "enable ap-east-1" in only.fix


def test_an_aws_error_while_checking_a_region_fails_that_region_only() -> None:
    def denied() -> RouteChecklist:
        raise AccessDenied("AccessDeniedException", "explicit deny", "ListRecoveryPoints")

    bad = checked_route("eu-west-1", "eu-west-2", denied)
    good = checked_route("us-east-1", "us-east-1", lambda: regional(facts()))
    checked = Checklist(account(), (good, bad))
    assert bad.verdict is Outcome.FAIL and "iam-policy" in bad.results[0].fix
    assert good.verdict is Outcome.PASS
    assert checked.failed and checked.failed_regions == ["eu-west-1"]


def test_the_document_keeps_each_regions_checks_in_the_one_region_shape() -> None:
    west = regional(
        facts(Candidate(rp(), None, Reason.CROSS_REGION_UNSUPPORTED)), "eu-west-1", "eu-west-2"
    )
    role = CheckResult("copy role", Outcome.PASS, "")
    checked = Checklist((AccountChecks(None, (), role),), (west,))
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
    def failing() -> RouteChecklist:
        raise AwsError("ThrottlingException", "slow down", "ListBackupVaults")

    checked = Checklist(
        account(),
        (
            checked_route("us-east-1", "us-east-1", lambda: regional(facts())),
            checked_route("eu-west-1", "eu-west-1", failing),
        ),
    )
    out = io.StringIO()
    print_sections(checked, out)
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
    def gather() -> RouteChecklist:
        raise AssertionError("a disabled Region is not checked")

    checked = contained(route("af-south-1", "af-south-1"), gather, disabled_for=SOURCE)
    (only,) = checked.results
    assert (only.name, only.outcome) == (UNCHECKED, Outcome.FAIL)
    assert only.detail.endswith(f"af-south-1 is not enabled for account {SOURCE}")
    assert "leave it out of --regions" in only.fix


def test_several_accounts_have_a_section_each_and_name_the_failing_one() -> None:
    denied = CheckResult("copy role", Outcome.FAIL, "no such role", "create it")
    identity = tuple(identity_checks(SOURCE, DEST, FakeSourceChecks({})))
    checked = Checklist(
        (*account("111111111111"), AccountChecks("111111111112", identity, denied)),
        (
            RouteChecklist("us-east-1", "us-east-1", (), (), "111111111111"),
            RouteChecklist("us-east-1", "us-east-1", (), (), "111111111112"),
        ),
    )
    out = io.StringIO()
    print_sections(checked, out)
    headings = [line for line in out.getvalue().splitlines() if not line.startswith(" ")]
    assert headings == [
        "Preflight, account 111111111111:",
        "Preflight, account 111111111112:",
        "Account 111111111111, Region us-east-1 -> us-east-1:",
        "Account 111111111112, Region us-east-1 -> us-east-1:",
        "Preflight: FAIL (failed in account 111111111112)",
    ]
    document = checked.document()
    assert list(document["accounts"]) == ["111111111111", "111111111112"]
    assert list(document["regions"]) == ["111111111111/us-east-1", "111111111112/us-east-1"]


def test_one_region_gets_the_same_verdict_line_as_several() -> None:
    one = Checklist(
        account(), (checked_route("us-east-1", "us-east-1", lambda: regional(facts())),)
    )
    line = verdict_line(one)
    assert line == f"Preflight: {one.verdict.value} (1 Region checked)"
    denied = CheckResult("copy role", Outcome.FAIL, "no such role", "create it")
    identity = tuple(identity_checks(SOURCE, DEST, FakeSourceChecks({})))
    refused = Checklist(
        (AccountChecks(None, identity, denied),),
        (RouteChecklist("us-east-1", "us-east-1", (), ()),),
    )
    assert verdict_line(refused) == "Preflight: FAIL (failed in account-wide)"
