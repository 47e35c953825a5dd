"""filter's text summary keeps each "Included by" list to a line a person reads: the largest
ten, then how many more (the JSON summary keeps them all)."""

from __future__ import annotations

import io

from shuffle_aws_vaults.cli.discovery_rows import counted_list, print_summary


def test_a_short_list_is_shown_whole_in_its_order() -> None:
    assert counted_list({"b": 1, "a": 5, "": 2}) == "b 1, a 5, (none) 2"


def test_a_long_list_shows_the_largest_and_how_many_more() -> None:
    counts = {f"APM{i:04d}": i for i in range(1, 61)}
    line = counted_list(counts)
    assert line.startswith("APM0060 60, APM0059 59, ")
    assert line.endswith("APM0051 51, and 50 more")
    assert line.count(",") == 10


def test_ties_are_broken_by_name() -> None:
    assert counted_list({"c": 1, "b": 1, "a": 1}, at_most=2) == "a 1, b 1, and 1 more"


def test_the_summary_prints_the_capped_apmid_line() -> None:
    data = {
        "included": 60,
        "total": 60,
        "included_bytes": 0,
        "already_copied": 0,
        "excluded": 0,
        "included_by_vault": {"prod": 60},
        "included_by_apmid": {f"APM{i:04d}": 1 for i in range(60)},
    }
    out = io.StringIO()
    print_summary(data, out)
    (apmid,) = [line for line in out.getvalue().splitlines() if "by apmid" in line]
    assert apmid.endswith(", and 50 more") and len(apmid) < 200
