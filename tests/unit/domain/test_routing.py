"""--route-csv's table: parsing (each refusal names its line) and the choice of destination."""

from __future__ import annotations

import pytest

from shuffle_aws_vaults.domain.routing import Destination, RouteFileError, route_table

A, B, C = "222222222222", "222222222223", "222222222224"


def rows(*lines: str) -> list[tuple[int, list[str]]]:
    return [(n, line.split(",")) for n, line in enumerate(lines, start=1)]


def test_the_first_matching_row_routes_and_the_default_takes_the_rest() -> None:
    table = route_table(
        rows(
            "column,value,dest_account,dest_vault,dest_region",
            f"APMID,APM0001,{A},finance",
            f"Owner,Web-Team,{B},web,eu-west-1",
            f"APMID,*,{C},everything-else",
        ),
        "routes.csv",
    )
    assert table.destination_of({"APMID": "APM0001", "Owner": "Web-Team"}) == Destination(
        A, "finance"
    )
    assert table.destination_of({"APMID": "APM0002", "Owner": "Web-Team"}) == Destination(
        B, "web", "eu-west-1"
    )
    assert table.destination_of({"APMID": "APM0002"}) == Destination(C, "everything-else")
    assert table.destination_of(None) == Destination(C, "everything-else")
    assert table.accounts == (A, B, C)
    assert table.source == "routes.csv"
    assert Destination(B, "web", "eu-west-1").vault_arn("us-east-1") == (
        f"arn:aws:backup:eu-west-1:{B}:backup-vault:web"
    )


def test_without_a_default_row_an_unmatched_item_has_no_route() -> None:
    table = route_table(rows(f"APMID,APM0001,{A},finance"))
    assert table.destination_of({"APMID": "APM0009"}) is None
    assert table.destination_of(None) is None


def test_blank_lines_and_comments_are_skipped_and_the_describe_is_stable() -> None:
    table = route_table(rows("", "# split by application", f" APMID , APM0001 , {A} , v1 "))
    assert table.describe() == [["APMID", "APM0001", A, "v1", ""]]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (f"APMID,APM0001,{A}", "2: expected column,value,dest_account,dest_vault"),
        ("APMID,APM0001,12345,v1", "2: dest_account '12345' is not a 12-digit account ID"),
        (f"APMID,APM0001,{A},a b", "2: dest_vault 'a b': a vault name is 2 to 50"),
        (f"APMID,APM0001,{A},Default", "2: dest_vault Default"),
        (f"APMID,APM0001,{A},v1,mars-1", "2: dest_region 'mars-1' is not a Region name"),
        (f",APM0001,{A},v1", "2: the metadata column is empty"),
        (f"APMID,,{A},v1", "2: the value for APMID is empty (use * for the default)"),
        (f"APMID,APM0000,{B},v2", "2: APMID=APM0000 is routed already at line 1"),
    ],
)
def test_a_bad_row_is_refused_naming_its_line(line: str, message: str) -> None:
    with pytest.raises(RouteFileError) as refused:
        route_table(rows(f"APMID,APM0000,{A},v1", line))
    assert str(refused.value).startswith(message)
    assert refused.value.line == 2


def test_a_second_default_row_and_an_empty_table_are_refused() -> None:
    with pytest.raises(RouteFileError, match=r"^3: a second default row \(the first at line 2\)"):
        route_table(rows("column,value,dest_account,dest_vault", f"x,*,{A},v1", f"y,*,{B},v2"))
    with pytest.raises(RouteFileError, match="no route rows"):
        route_table(rows("column,value,dest_account,dest_vault", "# nothing"))
