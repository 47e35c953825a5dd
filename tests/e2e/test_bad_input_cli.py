"""Bad input to `list` and `filter`: one `error:` line on stderr, exit status 1, no traceback.

The CLI runs in a subprocess, as a user runs it, against a small served sandbox.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
from pathlib import Path

import pytest
from harness import DEST, SOURCE, Box, box_fixture, point_at
from harness import run_cli as harness_run_cli

from shuffle_aws_vaults.sandbox import SandboxConfig, SeedSpec

pytestmark = pytest.mark.e2e

CLI_TIMEOUT = 60.0
MAX_FIELD = 128 * 1024


box = box_fixture(
    "bad-input",
    SandboxConfig(time_scale=3600, source_account=SOURCE, dest_account=DEST),
    SeedSpec(recovery_points=300, vaults=3),
)


@pytest.fixture(autouse=True)
def sandbox_environment(isolated_aws: None, box: Box, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point this test's environment (and so the CLI's) at the module's sandbox."""
    point_at(box.sandbox, monkeypatch)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return harness_run_cli(*args, timeout=CLI_TIMEOUT)


SOURCE_FLAGS = ("--source-account", SOURCE, "--source-profile", "sandbox-source")
DEST_FLAGS = ("--dest-account", DEST, "--dest-profile", "sandbox-dest")


def list_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("list", *SOURCE_FLAGS, *args)


def filter_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("filter", *SOURCE_FLAGS, *DEST_FLAGS, *args)


def error_line(proc: subprocess.CompletedProcess[str], *fragments: str) -> str:
    """The one `error:` line of a failed run; it must contain every fragment."""
    assert proc.returncode == 1, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error:"), proc.stderr
    assert proc.stderr.endswith("\n")
    assert proc.stdout == ""
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def write(box: Box, name: str, content: bytes) -> Path:
    path = box.workdir / name
    path.write_bytes(content)
    return path


def seeded_rows(box: Box) -> list[list[str]]:
    with box.csv_path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


# -- the metadata CSV --------------------------------------------------------------------------

BAD_CSVS: dict[str, tuple[bytes | None, tuple[str, ...]]] = {
    "missing-file": (None, ("no such file",)),
    "empty-file": (b"", ("empty",)),
    "header-without-resourceArn": (
        b"ResourceArn,APMID\narn:aws:s3:::bucket,APM0001\n",
        (":1:", "no resourceArn column", "case-sensitive"),
    ),
    "row-with-too-many-fields": (
        b"resourceArn,APMID\narn:aws:s3:::a,APM0001\narn:aws:s3:::b,APM0002\n"
        b"arn:aws:s3:::c,APM0003,extra\narn:aws:s3:::d,APM0004\n",
        (":4:", "expected 2 fields, found 3"),
    ),
    "row-with-too-few-fields": (
        b"resourceArn,APMID,Owner\narn:aws:s3:::a,APM0001,Web-Team\narn:aws:s3:::b,APM0002\n",
        (":3:", "expected 3 fields, found 2"),
    ),
    "not-utf8": (b"resourceArn,APMID\narn:aws:s3:::caf\xe9,APM0001\n", ("not UTF-8", "0xe9")),
    "field-over-128KiB": (
        b"resourceArn,APMID\narn:aws:s3:::a,APM0001\narn:aws:s3:::b,"
        + b"x" * (MAX_FIELD + 1)
        + b"\n",
        (":3:", "longer than 131,072 characters"),
    ),
}


@pytest.mark.parametrize("kind", list(BAD_CSVS))
def test_a_metadata_csv_that_cannot_be_used_is_one_error_line_naming_the_file(
    box: Box, kind: str
) -> None:
    content, fragments = BAD_CSVS[kind]
    path = box.workdir / f"{kind}.csv"
    if content is not None:
        path.write_bytes(content)
    proc = filter_cli("--all-vaults", "--metadata-csv", str(path))
    error_line(proc, str(path), *fragments)


def test_a_byte_that_is_not_utf8_is_reported_at_its_own_line(box: Box) -> None:
    rows = b"".join(b"arn:aws:s3:::bucket-%d,APM0001\n" % n for n in range(5))
    path = write(box, "late-bad-byte.csv", b"resourceArn,APMID\n" + rows + b"arn:aws:s3:::\xff,X\n")
    error_line(filter_cli("--all-vaults", "--metadata-csv", str(path)), f"{path}:7:")


def test_a_field_of_exactly_128_kib_is_accepted(box: Box) -> None:
    path = write(box, "big-field.csv", b"resourceArn,Note\narn:aws:s3:::a," + b"x" * MAX_FIELD)
    proc = list_cli("--metadata-csv", str(path))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""


def test_a_csv_with_a_utf8_bom_and_crlf_line_ends_selects_as_the_plain_csv_does(box: Box) -> None:
    text = box.csv_path.read_text(encoding="utf-8")
    assert "\r" not in text
    path = write(box, "bom-crlf.csv", ("\ufeff" + text.replace("\n", "\r\n")).encode("utf-8"))
    apmids = "APM0001,APM0002,APM0003,APM0004,APM0005,APM0006,APM0007,APM0008"
    outputs = []
    for csv_path in (box.csv_path, path):
        proc = filter_cli(
            "--all-vaults",
            "--metadata-csv",
            str(csv_path),
            "--allowed-apmids",
            apmids,
            "--output",
            "json",
        )
        assert proc.returncode == 0, proc.stderr
        assert proc.stderr == ""
        outputs.append(json.loads(proc.stdout))
    plain, bom = outputs
    assert bom == plain
    assert bom["summary"]["included"] > 0
    assert "apmid-not-allowed" in bom["summary"]["excluded_by_reason"]


def test_duplicate_resource_arns_with_conflicting_values_warn_with_line_numbers_and_succeed(
    box: Box,
) -> None:
    header, *rows = seeded_rows(box)
    vault = box.vaults[0]
    assert box.sandbox.seeded is not None
    in_vault = {r.arn for r in box.sandbox.seeded.resources if r.vault == vault and r.in_metadata}
    at = next(i for i, row in enumerate(rows) if row[0] in in_vault)
    arn, apmid = rows[at][0], rows[at][header.index("APMID")]
    conflicting = list(rows[at])
    conflicting[header.index("APMID")] = "APM9999"
    first_line, again_line = at + 2, len(rows) + 2
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *rows, conflicting])
    path = write(box, "duplicates.csv", out.getvalue().encode("utf-8"))

    proc = list_cli("--vault", vault, "--metadata-csv", str(path), "--output", "json")

    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    warnings = proc.stderr.splitlines()
    assert len(warnings) == 1, proc.stderr
    assert warnings[0].startswith("warning:")
    for fragment in (str(path), arn, f"lines {first_line} and {again_line}", "APMID"):
        assert fragment in warnings[0], (fragment, warnings[0])
    items = [item for item in json.loads(proc.stdout) if item["resource_arn"] == arn]
    assert items, "the duplicated resource has recovery points in the vault"
    assert {item["APMID"] for item in items} == {apmid}  # the first row wins


# -- accounts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "account",
    ["11111111111", "1111111111111", "11111111111a", "1111-1111-1111", ""],
    ids=["eleven-digits", "thirteen-digits", "a-letter", "dashes", "empty"],
)
def test_a_source_account_that_is_not_twelve_digits_is_refused(box: Box, account: str) -> None:
    proc = run_cli("list", "--source-account", account, "--source-profile", "sandbox-source")
    error_line(proc, "--source-account must be a 12-digit account ID", repr(account))


def test_a_destination_account_that_is_not_twelve_digits_is_refused(box: Box) -> None:
    proc = run_cli(
        "filter", *SOURCE_FLAGS, "--dest-account", "2222222222", "--all-vaults"
    )  # ten digits
    error_line(proc, "--dest-account must be a 12-digit account ID", "'2222222222'")


def test_an_account_id_in_non_ascii_digits_is_refused_as_not_twelve_digits(box: Box) -> None:
    account = "\u0661" * 12  # ARABIC-INDIC DIGIT ONE, twelve times
    proc = run_cli("list", "--source-account", account, "--source-profile", "sandbox-source")
    error_line(proc, "--source-account must be a 12-digit account ID")


def test_an_account_id_with_a_trailing_newline_is_refused_in_one_line(box: Box) -> None:
    proc = run_cli("list", "--source-account", SOURCE + "\n", "--source-profile", "sandbox-source")
    error_line(proc, "--source-account must be a 12-digit account ID")


def test_an_unknown_profile_is_named_in_one_line(box: Box) -> None:
    proc = run_cli("list", "--source-account", SOURCE, "--source-profile", "no-such-profile")
    error_line(proc, "source: ", "no-such-profile")


def test_a_source_account_other_than_the_credentials_account_names_both_ids(box: Box) -> None:
    proc = run_cli("list", "--source-account", DEST, "--source-profile", "sandbox-source")
    error_line(proc, SOURCE, DEST, "--source-account")


def test_a_destination_account_other_than_the_credentials_account_names_both_ids(
    box: Box,
) -> None:
    proc = run_cli(
        "filter",
        *SOURCE_FLAGS,
        "--dest-account",
        DEST,
        "--dest-profile",
        "sandbox-source",
        "--all-vaults",
    )
    error_line(proc, SOURCE, DEST, "--dest-account")


# -- vaults ------------------------------------------------------------------------------------


def test_an_unknown_vault_is_named_with_the_vaults_that_exist(box: Box) -> None:
    proc = list_cli("--vault", f"{box.vaults[0]},no-such-vault")
    error_line(proc, "no-such-vault", SOURCE, *box.vaults)


def test_vault_and_all_vaults_together_are_refused(box: Box) -> None:
    error_line(filter_cli("--vault", box.vaults[0], "--all-vaults"), "--vault", "--all-vaults")


def test_filter_without_vaults_asks_for_them(box: Box) -> None:
    error_line(filter_cli(), "--vault", "--all-vaults")


def test_list_with_selection_flags_but_no_vault_asks_for_one(box: Box) -> None:
    error_line(list_cli("--resource-type", "EBS"), "--vault", "--all-vaults")


# -- selection flags ---------------------------------------------------------------------------


@pytest.mark.parametrize("when", ["yesterday", "2026-02-30", "31/01/2026"])
def test_a_created_after_that_is_not_an_iso_date_is_refused(box: Box, when: str) -> None:
    error_line(filter_cli("--all-vaults", "--created-after", when), "--created-after", repr(when))


def test_a_created_after_later_than_created_before_is_refused(box: Box) -> None:
    proc = list_cli(
        "--all-vaults", "--created-after", "2026-03-02", "--created-before", "2026-03-01T12:00:00Z"
    )
    error_line(proc, "--created-after", "--created-before")


@pytest.mark.parametrize(
    "flags",
    [
        ("--allowed-apmids", "APM0001"),
        ("--excluded-apmids", "APM0001"),
        ("--where", "Environment=Production"),
    ],
    ids=["allowed-apmids", "excluded-apmids", "where"],
)
def test_a_metadata_filter_without_a_metadata_csv_is_refused(
    box: Box, flags: tuple[str, str]
) -> None:
    error_line(filter_cli("--all-vaults", *flags), flags[0], "--metadata-csv")


def test_a_where_without_an_equals_sign_is_refused(box: Box) -> None:
    proc = filter_cli("--all-vaults", "--metadata-csv", str(box.csv_path), "--where", "Environment")
    error_line(proc, "--where", "COLUMN=VALUE", "'Environment'")


def test_a_where_on_a_column_the_csv_does_not_have_names_the_columns_it_has(box: Box) -> None:
    proc = list_cli("--all-vaults", "--metadata-csv", str(box.csv_path), "--where", "Team=Web-Team")
    error_line(proc, "'Team'", "APMID", "Environment", "Owner", "CostCenter")


def test_an_unknown_resource_type_is_named_with_the_known_ones(box: Box) -> None:
    proc = filter_cli("--all-vaults", "--resource-type", "EBS,Lambda")
    error_line(proc, "--resource-type", "'Lambda'", "DynamoDB", "EBS")


# -- the command line itself -------------------------------------------------------------------


def test_a_mistyped_flag_suggests_the_one_meant(box: Box) -> None:
    error_line(list_cli("--vualt", box.vaults[0]), "--vualt", "did you mean --vault?")


@pytest.mark.parametrize("command", ["list", "filter"])
def test_a_missing_source_account_is_named(box: Box, command: str) -> None:
    proc = run_cli(command, "--source-profile", "sandbox-source", "--all-vaults")
    error_line(proc, "required", "--source-account")
