"""Region names, --regions lists and --dest-region mappings."""

from __future__ import annotations

import pytest

from shuffle_aws_vaults.domain.regions import (
    RegionError,
    RegionPlan,
    check_region,
    parse_regions,
    plan_regions,
)


@pytest.mark.parametrize(
    "name",
    [
        "us-east-1",
        "eu-west-1",
        "us-gov-west-1",
        "ap-southeast-5",
        "us-isob-east-1",
        "eu-isoe-west-1",
        "cn-north-1",
        "il-central-1",
        "eusc-de-east-1",
    ],
)
def test_aws_region_names_are_taken(name: str) -> None:
    assert check_region("--regions", name) == name


@pytest.mark.parametrize("name", ["US-EAST-1", "us-east", "useast1", "us-east-1a", "eu_west_1", ""])
def test_malformed_region_names_are_refused_naming_flag_and_name(name: str) -> None:
    with pytest.raises(RegionError, match=f"--regions: {name!r} is not a Region name"):
        check_region("--regions", name)


def test_regions_are_comma_lists_repeatable_deduplicated_in_order() -> None:
    given = ["eu-west-1, us-east-1", "us-east-1,ap-south-1", " eu-west-1 ,"]
    assert parse_regions(given) == ("eu-west-1", "us-east-1", "ap-south-1")


def test_an_empty_region_list_is_refused() -> None:
    with pytest.raises(RegionError, match="no Region given"):
        parse_regions([" , "])


def test_without_dest_region_each_region_copies_to_itself() -> None:
    plan = plan_regions(("us-east-1", "eu-west-1"), None)
    assert plan.pairs == (("us-east-1", "us-east-1"), ("eu-west-1", "eu-west-1"))
    assert plan.sources == ("us-east-1", "eu-west-1")


def test_a_single_dest_region_goes_with_one_source_region() -> None:
    assert plan_regions(("us-east-1",), "eu-west-1").dest_of("us-east-1") == "eu-west-1"


def test_a_single_dest_region_with_several_source_regions_asks_for_a_mapping() -> None:
    with pytest.raises(RegionError, match="give a mapping SRC=DST"):
        plan_regions(("us-east-1", "eu-west-1"), "eu-west-2")


def test_a_mapping_maps_some_regions_and_leaves_the_rest_to_themselves() -> None:
    plan = plan_regions(("us-east-1", "eu-west-1"), "us-east-1=us-west-2")
    assert plan.pairs == (("us-east-1", "us-west-2"), ("eu-west-1", "eu-west-1"))


def test_a_mapping_naming_a_region_not_selected_is_refused() -> None:
    with pytest.raises(RegionError, match="ap-south-1 is not a source Region"):
        plan_regions(("us-east-1",), "ap-south-1=eu-west-1")


@pytest.mark.parametrize("text", ["us-east-1=", "=eu-west-1", "us-east-1=eu-west-1,junk=x"])
def test_malformed_mappings_are_refused(text: str) -> None:
    with pytest.raises(RegionError, match="--dest-region"):
        plan_regions(("us-east-1", "eu-west-1"), text)


def test_a_region_mapped_twice_to_different_regions_is_refused() -> None:
    with pytest.raises(RegionError, match="mapped twice"):
        plan_regions(("us-east-1",), "us-east-1=eu-west-1,us-east-1=eu-west-2")


def test_a_plan_keeps_some_of_its_regions_in_its_own_order() -> None:
    plan = RegionPlan((("a", "x"), ("b", "y"), ("c", "z")))
    assert plan.only(["c", "a"]).pairs == (("a", "x"), ("c", "z"))
