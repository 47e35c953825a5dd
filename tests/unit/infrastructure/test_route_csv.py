"""--route-csv files: one refusal line naming the file and line, or the file itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from shuffle_aws_vaults.infrastructure.route_csv import RouteCsvError, load_route_csv

A = "222222222222"


def test_a_file_with_a_bom_and_a_header_is_read(tmp_path: Path) -> None:
    path = tmp_path / "routes.csv"
    path.write_text(f"\ufeffcolumn,value,dest_account,dest_vault\nAPMID,APM1,{A},finance\n")
    table = load_route_csv(path)
    assert table.accounts == (A,) and table.source == str(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (f"column,value,dest_account,dest_vault\nAPMID,APM1,{A}\n", ":2: expected column,value"),
        (f'APMID,APM1,{A},v1\nAPMID,"APM2\n', ":2: expected column,value"),
        ("# only a comment\n", ": no route rows"),
        (f"APMID,APM1,{A},v1\nAPMID,AP\x00M2,{A},v2\n", ":2: a NUL byte"),
    ],
)
def test_a_bad_file_is_one_line_naming_file_and_line(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "routes.csv"
    path.write_text(content)
    with pytest.raises(RouteCsvError) as refused:
        load_route_csv(path)
    assert message in str(refused.value) and str(path) in str(refused.value)
    assert "\n" not in str(refused.value)


def test_bytes_that_are_not_utf8_name_their_line(tmp_path: Path) -> None:
    path = tmp_path / "routes.csv"
    path.write_bytes(f"APMID,APM1,{A},v1\nAPMID,\xff,{A},v2\n".encode("latin-1"))
    with pytest.raises(RouteCsvError, match=r"routes.csv:2: not UTF-8 text"):
        load_route_csv(path)


def test_a_missing_file_or_a_directory_is_named(tmp_path: Path) -> None:
    with pytest.raises(RouteCsvError, match=r"--route-csv .*nope.csv: no such file"):
        load_route_csv(tmp_path / "nope.csv")
    with pytest.raises(RouteCsvError, match=r"is a directory"):
        load_route_csv(tmp_path)
