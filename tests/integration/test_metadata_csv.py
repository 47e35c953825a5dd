"""The CSV metadata index against real files."""

from __future__ import annotations

from pathlib import Path

import pytest

from shuffle_aws_vaults.infrastructure.metadata_csv import (
    MAX_FIELD,
    MetadataCsvError,
    load_metadata_csv,
)

HEADER = "resourceArn,APMID,Environment,Owner,CostCenter"


def write(tmp_path: Path, text: str | bytes, name: str = "meta.csv") -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8", newline="")
    else:
        path.write_bytes(text)
    return path


def test_rows_are_found_by_resource_arn_with_every_other_column_as_metadata(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, f"{HEADER}\narn:1,APM1,Prod,Team,CC-1\narn:2,APM2,Dev,Other,CC-2\n")
    index = load_metadata_csv(path)
    assert index.columns == ("APMID", "Environment", "Owner", "CostCenter")
    assert index.get("arn:2") == {
        "APMID": "APM2",
        "Environment": "Dev",
        "Owner": "Other",
        "CostCenter": "CC-2",
    }
    assert index.get("arn:3") is None
    assert len(index) == 2


def test_the_arn_column_may_stand_anywhere(tmp_path: Path) -> None:
    index = load_metadata_csv(write(tmp_path, "APMID,resourceArn\nAPM9,arn:9\n"))
    assert index.get("arn:9") == {"APMID": "APM9"}


def test_a_bom_and_crlf_line_ends_are_accepted(tmp_path: Path) -> None:
    data = "\ufeff" + f"{HEADER}\r\narn:1,APM1,Prod,Team,CC-1\r\n"
    index = load_metadata_csv(write(tmp_path, data.encode("utf-8")))
    assert index.columns[0] == "APMID"
    assert index.get("arn:1") is not None and index.get("arn:1")["CostCenter"] == "CC-1"


def test_quoted_fields_may_hold_commas_and_line_breaks(tmp_path: Path) -> None:
    path = write(tmp_path, 'resourceArn,Owner\narn:1,"Data, Team"\narn:2,"two\nlines"\narn:3,x\n')
    index = load_metadata_csv(path)
    assert index.get("arn:1") == {"Owner": "Data, Team"}
    assert index.get("arn:2") == {"Owner": "two\nlines"}


def test_duplicates_are_counted_with_line_numbers_and_the_first_row_wins(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "resourceArn,APMID\narn:1,APM1\narn:2,APM2\narn:1,APM1\narn:2,APM9\n",
    )
    index = load_metadata_csv(path)
    assert index.get("arn:2") == {"APMID": "APM2"}
    assert index.duplicates.count == 2
    assert index.duplicates.examples == [("arn:1", 2, 4), ("arn:2", 3, 5)]
    assert index.duplicates.conflicting == 1
    text = index.duplicates.describe(path)
    assert "2 duplicate resourceArn rows (lines 2 and 4, 3 and 5)" in text
    assert "arn:2 at lines 3 and 5 differ in APMID" in text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "the file is empty"),
        ("APMID,Owner\nAPM1,x\n", ":1: no resourceArn column"),
        ("resourcearn,APMID\n", "found 'resourcearn': the name is case-sensitive"),
        ("resourceArn,APMID,APMID\n", "column 'APMID' appears more than once"),
        ("resourceArn,APMID\narn:1,APM1\narn:2\n", ":3: expected 2 fields, found 1"),
        ("resourceArn,APMID\narn:1,APM1,extra\n", ":2: expected 2 fields, found 3"),
        ("resourceArn,APMID\n,APM1\n", ":2: empty resourceArn"),
    ],
)
def test_bad_files_are_refused_naming_the_file_and_line(
    tmp_path: Path, content: str, message: str
) -> None:
    path = write(tmp_path, content)
    with pytest.raises(MetadataCsvError) as caught:
        load_metadata_csv(path)
    assert str(caught.value).startswith(str(path))
    assert message in str(caught.value)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(MetadataCsvError, match=r"nope\.csv: no such file"):
        load_metadata_csv(tmp_path / "nope.csv")


def test_a_directory_is_not_a_csv(tmp_path: Path) -> None:
    with pytest.raises(MetadataCsvError, match="is a directory"):
        load_metadata_csv(tmp_path)


def test_bytes_that_are_not_utf8_are_refused_near_their_line(tmp_path: Path) -> None:
    path = write(tmp_path, b"resourceArn,Owner\narn:1,caf\xe9\n")
    with pytest.raises(MetadataCsvError, match=r"not UTF-8 \(byte 0xe9\)"):
        load_metadata_csv(path)


def test_a_huge_field_is_refused_instead_of_filling_memory(tmp_path: Path) -> None:
    path = write(tmp_path, "resourceArn,Owner\narn:1," + "x" * (MAX_FIELD + 1) + "\n")
    with pytest.raises(MetadataCsvError, match=":2: a field is longer than 131,072 characters"):
        load_metadata_csv(path)


def test_blank_lines_are_skipped(tmp_path: Path) -> None:
    index = load_metadata_csv(write(tmp_path, "resourceArn,APMID\n\narn:1,APM1\n\n"))
    assert len(index) == 1


@pytest.mark.parametrize(("separator", "named"), [(";", ";"), ("\t", "tab"), ("|", "|")])
def test_a_file_delimited_otherwise_than_by_commas_is_named_as_such(
    tmp_path: Path, separator: str, named: str
) -> None:
    path = write(tmp_path, f"resourceArn{separator}APMID\narn:1{separator}APM1\n")
    with pytest.raises(MetadataCsvError) as refused:
        load_metadata_csv(path)
    assert str(refused.value) == (
        f"{path}:1: no resourceArn column in the header (the file looks {named}-delimited; "
        "it must be comma-separated)"
    )


def test_a_header_without_rows_loads_with_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path, f"{HEADER}\n")
    index = load_metadata_csv(path)
    assert len(index) == 0
    assert index.warning() == f"{path} has a header but no rows: no recovery point gets metadata"
