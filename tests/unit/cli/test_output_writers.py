"""Tables for people and text for scripts."""

from __future__ import annotations

import io

from shuffle_aws_vaults.cli.output import TableWriter, TextRowWriter, print_document


def test_a_table_sizes_its_columns_from_every_row_even_the_last() -> None:
    out = io.StringIO()
    table = TableWriter(out, ["vault", "recovery_points"], right=["recovery_points"])
    for n in range(500):
        table.write({"vault": f"v{n}", "recovery_points": n})
    table.write({"vault": "a-much-longer-vault-name-at-the-end", "recovery_points": 7})
    table.close()
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("VAULT") and len(lines) == 502
    # The count column is right-aligned: every line ends at the same place, the first too.
    assert len({len(line) for line in lines}) == 1


def test_an_empty_table_says_none() -> None:
    out = io.StringIO()
    table = TableWriter(out, ["vault"])
    table.close()
    assert out.getvalue() == "(none)\n"


def test_text_rows_are_tab_separated_without_a_header() -> None:
    out = io.StringIO()
    writer = TextRowWriter(out, ["vault", "locked", "count"])
    writer.write({"vault": "a", "locked": False, "count": 3})
    writer.write({"vault": "b", "locked": True, "count": None})
    writer.close()
    assert out.getvalue() == "a\tFalse\t3\nb\tTrue\t\n"


def test_a_document_as_text_flattens_as_the_aws_cli_does() -> None:
    out = io.StringIO()
    document = {"total": 2, "state": "ok", "items": [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]}
    print_document(document, "text", None, out)
    assert out.getvalue() == "2\tok\n1\tx\n2\ty\n"


def test_a_query_picks_from_the_document() -> None:
    out = io.StringIO()
    print_document({"items": [{"a": 1}, {"a": 2}]}, "json", "items[].a", out)
    assert out.getvalue() == "[\n  1,\n  2\n]\n"
