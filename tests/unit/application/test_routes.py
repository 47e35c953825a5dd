"""Which source Regions a run works in: --regions as given, --all-regions from the catalog
narrowed to the Regions holding vaults that match the selection."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shuffle_aws_vaults.application.discovery import UnknownVault
from shuffle_aws_vaults.application.errors import RequestRefused
from shuffle_aws_vaults.application.routes import Route, RouteRequest, open_routes, region_routes
from shuffle_aws_vaults.application.selection_stage import SelectionRequest
from shuffle_aws_vaults.domain.errors import AccessDenied, AwsError, CredentialsError
from shuffle_aws_vaults.domain.recovery_point import RecoveryPoint, Vault
from shuffle_aws_vaults.domain.regions import RegionError, RegionsUnknown
from shuffle_aws_vaults.domain.selection import Selection
from tests.unit.application.route_fakes import Catalog, FakeAccounts, RecordingNotices

ACCOUNT = "111111111111"


class RegionVaults:
    """A BackupGateway fake of one Region: its vaults, or the error listing them meets."""

    def __init__(self, region: str, names: list[str], error: AwsError | None = None) -> None:
        self._region = region
        self.names = names
        self.error = error

    @property
    def account_id(self) -> str:
        return ACCOUNT

    @property
    def region(self) -> str:
        return self._region

    def list_vaults(self) -> list[Vault]:
        if self.error is not None:
            raise self.error
        return [
            Vault(name, f"arn:aws:backup:{self._region}:{ACCOUNT}:backup-vault:{name}", 1)
            for name in self.names
        ]

    def iter_recovery_points(
        self, vault_name: str, *, resource_arn: str | None = None
    ) -> Iterator[RecoveryPoint]:
        return iter(())


WORLD = {
    "us-east-1": RegionVaults("us-east-1", ["prod", "dev"]),
    "eu-west-1": RegionVaults("eu-west-1", ["prod"]),
    "ap-south-1": RegionVaults("ap-south-1", []),
    "ap-east-1": RegionVaults(
        "ap-east-1", [], AwsError("UnrecognizedClientException", "invalid token", "ListVaults")
    ),
}


def scopes(
    regions: RouteRequest,
    request: SelectionRequest,
    catalog: Catalog | None = None,
    warnings: list[str] | None = None,
    world: dict[str, RegionVaults] | None = None,
) -> list[tuple[str, str, tuple[str, ...], tuple[str, ...]]]:
    found = region_routes(
        regions,
        request,
        account=ACCOUNT,
        catalog=catalog or Catalog(list(WORLD)),
        gateway_for=(world or WORLD).__getitem__,
        warn=(warnings if warnings is not None else []).append,
    )
    return [
        (s.region, s.dest_region, s.request.vault_names, tuple(v.name for v in s.vaults))
        for s in found
    ]


def named(*names: str) -> SelectionRequest:
    return SelectionRequest(names, False, Selection())


EVERY = SelectionRequest((), True, Selection())
LISTING = SelectionRequest((), False, Selection())


def test_given_regions_are_kept_in_order_each_to_itself() -> None:
    got = scopes(RouteRequest(("eu-west-1", "us-east-1"), False), EVERY)
    assert got == [
        ("eu-west-1", "eu-west-1", (), ("prod",)),
        ("us-east-1", "us-east-1", (), ("prod", "dev")),
    ]


def test_a_given_region_without_the_named_vaults_selects_nothing_there_with_a_warning() -> None:
    warnings: list[str] = []
    got = scopes(RouteRequest(("us-east-1", "eu-west-1"), False), named("dev"), None, warnings)
    assert got == [
        ("us-east-1", "us-east-1", ("dev",), ("dev",)),
        ("eu-west-1", "eu-west-1", (), ()),
    ]
    assert warnings == ["no vault named dev in Region eu-west-1"]


def test_a_vault_no_region_holds_is_refused_naming_the_regions() -> None:
    with pytest.raises(UnknownVault, match=r"no vault named nope .* Region us-east-1, eu-west-1"):
        scopes(RouteRequest(("us-east-1", "eu-west-1"), False), named("prod", "nope"))


def test_all_regions_keeps_the_enabled_regions_holding_matching_vaults() -> None:
    warnings: list[str] = []
    got = scopes(RouteRequest((), True), named("prod"), None, warnings)
    assert [(region, vaults) for region, _, _, vaults in got] == [
        ("us-east-1", ("prod",)),
        ("eu-west-1", ("prod",)),
    ]
    assert warnings == [
        "Region ap-east-1 skipped: listing its vaults was refused (UnrecognizedClientException)"
    ]


def test_all_regions_with_every_vault_skips_regions_without_vaults() -> None:
    got = scopes(RouteRequest((), True), EVERY)
    assert [region for region, *_ in got] == ["us-east-1", "eu-west-1"]


def test_all_regions_listing_vaults_keeps_every_vault_of_each_region() -> None:
    got = scopes(RouteRequest((), True), LISTING)
    assert [vaults for *_, vaults in got] == [("prod", "dev"), ("prod",)]


def test_all_regions_maps_destination_regions_given_by_a_mapping() -> None:
    got = scopes(RouteRequest((), True, "eu-west-1=eu-central-1"), EVERY)
    assert [(region, dest) for region, dest, *_ in got] == [
        ("us-east-1", "us-east-1"),
        ("eu-west-1", "eu-central-1"),
    ]


def test_an_explicit_region_whose_listing_is_refused_is_an_error_not_a_skip() -> None:
    with pytest.raises(AwsError, match="UnrecognizedClientException"):
        scopes(RouteRequest(("ap-east-1",), False), EVERY)


def test_a_region_denied_by_policy_is_skipped_under_all_regions() -> None:
    denied = AccessDenied("AccessDeniedException", "explicit deny in an SCP", "ListVaults")
    world = {**WORLD, "us-east-1": RegionVaults("us-east-1", ["prod"], denied)}
    warnings: list[str] = []
    got = scopes(RouteRequest((), True), EVERY, None, warnings, world)
    assert [region for region, *_ in got] == ["eu-west-1"]
    assert warnings[0] == (
        "Region us-east-1 skipped: listing its vaults was refused (AccessDeniedException)"
    )


def test_no_region_holding_matching_vaults_is_refused() -> None:
    with pytest.raises(RequestRefused, match="no Region enabled for account 111111111111"):
        scopes(RouteRequest((), True), EVERY, Catalog(["ap-south-1"]))


def test_a_catalog_that_cannot_tell_passes_its_error_on() -> None:
    with pytest.raises(RegionsUnknown, match="give --regions"):
        scopes(RouteRequest((), True), EVERY, Catalog(None))


def test_a_mapping_naming_a_region_not_among_the_sources_is_refused() -> None:
    with pytest.raises(RegionError, match="ap-south-1 is not a source Region"):
        scopes(RouteRequest(("us-east-1",), False, "ap-south-1=eu-west-1"), EVERY)


def kept(regions: RouteRequest, request: SelectionRequest, warnings: list[str]) -> list:
    return region_routes(
        regions,
        request,
        account=ACCOUNT,
        catalog=Catalog(list(WORLD)),
        gateway_for=WORLD.__getitem__,
        warn=warnings.append,
        keep_refused=True,
    )


def test_keep_refused_keeps_a_region_whose_listing_fails_with_its_error_and_nothing_selected():
    warnings: list[str] = []
    found = kept(RouteRequest(("ap-east-1", "eu-west-1"), False), named("prod"), warnings)
    refused, west = found
    assert (refused.region, refused.vaults, refused.request.vault_names) == ("ap-east-1", (), ())
    assert not refused.request.all_vaults
    assert refused.refused is not None and refused.refused.code == "UnrecognizedClientException"
    assert (west.region, west.refused, [v.name for v in west.vaults]) == (
        "eu-west-1",
        None,
        ["prod"],
    )
    assert warnings == []


def test_keep_refused_does_not_refuse_a_vault_the_refused_region_may_hold() -> None:
    found = kept(RouteRequest(("ap-east-1", "ap-south-1"), False), named("only-there"), [])
    assert [(s.region, s.refused is not None) for s in found] == [
        ("ap-east-1", True),
        ("ap-south-1", False),
    ]


def test_keep_refused_still_skips_a_region_off_for_the_account_under_all_regions() -> None:
    warnings: list[str] = []
    found = kept(RouteRequest((), True), EVERY, warnings)
    assert "ap-east-1" not in [s.region for s in found]
    assert warnings == [
        "Region ap-east-1 skipped: listing its vaults was refused (UnrecognizedClientException)"
    ]


def test_with_failed_a_given_region_whose_listing_fails_stops_only_itself() -> None:
    denied = AccessDenied("AccessDeniedException", "no", "ListBackupVaults")
    world = {**WORLD, "eu-west-1": RegionVaults("eu-west-1", ["only-here"], denied)}
    stopped: list[tuple[str, str, str]] = []
    found = region_routes(
        RouteRequest(("us-east-1", "eu-west-1"), False, "eu-west-1=eu-central-1"),
        named("prod", "only-here"),  # only-here may be in the Region that failed: not refused
        account=ACCOUNT,
        catalog=Catalog(list(WORLD)),
        gateway_for=world.__getitem__,
        warn=[].append,
        failed=lambda route: stopped.append(
            (route.region, route.dest_region, getattr(route.refused, "code", None))
        ),
    )
    assert [(s.region, s.request.vault_names) for s in found] == [("us-east-1", ("prod",))]
    assert stopped == [("eu-west-1", "eu-central-1", "AccessDeniedException")]


def test_with_failed_every_region_failing_leaves_no_scope_and_no_refusal() -> None:
    stopped: list[str] = []
    found = region_routes(
        RouteRequest(("ap-east-1",), False),
        EVERY,
        account=ACCOUNT,
        catalog=Catalog(list(WORLD)),
        gateway_for=WORLD.__getitem__,
        warn=[].append,
        failed=lambda route: stopped.append(route.region),
    )
    assert found == [] and stopped == ["ap-east-1"]


class Listed(RegionVaults):
    """A Region's gateway that counts its vault listings."""

    def __init__(self, region: str, names: list[str]) -> None:
        super().__init__(region, names)
        self.listings = 0

    def list_vaults(self) -> list[Vault]:
        self.listings += 1
        return super().list_vaults()


class WarningMetadata:
    columns = ("APMID",)

    def get(self, resource_arn: str) -> None:
        return None

    def warning(self) -> str:
        return "meta.csv: 1 duplicate resourceArn rows"


def test_one_region_is_one_route_of_the_sessions_regions_without_a_listing() -> None:
    east = Listed("us-east-1", ["a"])
    accounts = FakeAccounts({"us-east-1": east}, {"eu-west-1": object()}, home="us-east-1")
    accounts.dest_home = "eu-west-1"
    (route,) = open_routes(RouteRequest(), named("a"), accounts, RecordingNotices())
    assert (route.region, route.dest_region, route.vaults) == ("us-east-1", "eu-west-1", None)
    assert route.holds_vaults and east.listings == 0


def test_the_metadata_warning_is_passed_on_once_however_many_routes() -> None:
    regions = {name: Listed(name, ["a"]) for name in ("us-east-1", "eu-west-1", "ap-south-1")}
    accounts = FakeAccounts(regions, wiring={"metadata": WarningMetadata()})
    notices = RecordingNotices()
    routes = open_routes(RouteRequest(tuple(regions)), named("a"), accounts, notices)
    assert [route.region for route in routes] == list(regions)
    assert notices.warnings == ["meta.csv: 1 duplicate resourceArn rows"]
    assert all(gateway.listings == 1 for gateway in regions.values())


def fleet(**holdings: list[str]) -> FakeAccounts:
    """Source accounts by ID, each holding these vaults in us-east-1; the first is the one the
    flags name, the others reached through `of`. A holding of None cannot be reached."""
    first, *rest = holdings
    accounts = FakeAccounts(
        {"us-east-1": RegionVaults("us-east-1", holdings[first])}, account=first
    )
    for account in rest:
        accounts.others[account] = FakeAccounts(
            {"us-east-1": RegionVaults("us-east-1", holdings[account])}, account=account
        )
    accounts.organization = list(holdings)
    return accounts


class Unreachable(FakeAccounts):
    """An account whose role cannot be assumed: it fails when first used."""

    @property
    def home(self) -> str:
        raise CredentialsError("source 111111111113 credentials were refused: AccessDenied")


def test_source_accounts_give_a_route_each_named_by_account_and_region() -> None:
    accounts = fleet(**{"111111111111": ["a"], "111111111112": ["a", "b"]})
    routes = open_routes(
        RouteRequest(accounts=("111111111111", "111111111112")),
        named("a"),
        accounts,
        RecordingNotices(),
    )
    assert [route.key for route in routes] == ["111111111111/us-east-1", "111111111112/us-east-1"]
    assert all(route.request.vault_names == ("a",) for route in routes)
    assert routes[1].label == "account 111111111112, Region us-east-1"


def test_an_account_that_cannot_be_reached_stops_alone_and_is_named() -> None:
    accounts = fleet(**{"111111111111": ["a"], "111111111112": ["a"]})
    accounts.others["111111111113"] = Unreachable({"us-east-1": None}, account="111111111113")
    stopped: list[Route] = []
    routes = open_routes(
        RouteRequest(accounts=("111111111111", "111111111112", "111111111113")),
        named("a"),
        accounts,
        RecordingNotices(),
        failed=stopped.append,
    )
    assert [route.key for route in routes] == ["111111111111/us-east-1", "111111111112/us-east-1"]
    (lost,) = stopped
    assert lost.key == "111111111113" and lost.label == "account 111111111113"
    assert isinstance(lost.refused, CredentialsError)


def test_the_organization_keeps_the_members_holding_the_selection_less_those_excluded() -> None:
    accounts = fleet(**{"111111111111": ["a"], "111111111112": ["b"], "111111111114": ["a"]})
    notices = RecordingNotices()
    request = RouteRequest(organization=True, exclude_accounts=("111111111114", "999999999999"))
    routes = open_routes(request, named("a"), accounts, notices)
    assert [route.key for route in routes] == ["111111111111/us-east-1"]
    assert notices.warnings == ["--exclude-accounts: 999999999999 not among the source accounts"]


def test_a_vault_no_account_holds_is_refused() -> None:
    accounts = fleet(**{"111111111111": ["a"], "111111111112": ["b"]})
    with pytest.raises(UnknownVault, match="no vault named c"):
        open_routes(
            RouteRequest(accounts=("111111111111", "111111111112")),
            named("c"),
            accounts,
            RecordingNotices(),
        )
