"""The progress board as people see it: bars on a terminal, lines elsewhere, one route or a
section per route."""

from __future__ import annotations

import io
from dataclasses import replace

from shuffle_aws_vaults.domain.progress import Progress
from shuffle_aws_vaults.infrastructure.progress_display import ProgressBoard, describe


def progress(done: int, total: int) -> Progress:
    return Progress(total, done, 0, 2, total - done - 2, 60.0, done)


def bar(out: io.StringIO) -> ProgressBoard:
    return ProgressBoard(["us-east-1"], 0.0, sectioned=False, bars=True, stream=out)


def test_the_bar_reads_done_of_total_then_its_figures_without_a_stray_comma() -> None:
    out = io.StringIO()
    sink = bar(out).sink("us-east-1", 952, 0)
    sink.update(progress(10, 952))
    sink.close(progress(10, 952))
    text = out.getvalue()
    assert "10/952, ok 10 failed 0" in text and " , " not in text


def test_the_bar_and_the_line_never_say_100_before_the_end() -> None:
    out = io.StringIO()
    sink = bar(out).sink("us-east-1", 678, 0)
    sink.update(progress(675, 678))
    sink.close(progress(675, 678))
    assert " 99%|" in out.getvalue() and "100%" not in out.getvalue()
    assert describe(progress(675, 678)).startswith("Progress: 99% (675/678)")


def test_one_route_draws_the_total_line_alone_and_its_last_line_when_it_ends() -> None:
    out = io.StringIO()
    board = ProgressBoard(["us-east-1"], 3600.0, sectioned=False, stream=out)
    sink = board.sink("us-east-1", 300, 0)
    sink.update(progress(150, 300))
    assert out.getvalue() == ""  # not before the interval
    sink.close(progress(300, 300))
    assert out.getvalue() == describe(progress(300, 300)) + "\n"
    board.close()  # drawn already: not again
    assert out.getvalue().count("\n") == 1


def test_routes_not_named_up_front_are_drawn_in_the_order_their_sinks_were_made() -> None:
    out = io.StringIO()
    board = ProgressBoard([], 3600.0, sectioned=True, stream=out)
    board.sink("eu-west-1", 100, 0).close(progress(100, 100))
    board.sink("us-east-1", 300, 0).close(progress(300, 300))
    board.close()
    lines = out.getvalue().splitlines()
    assert [line.split(":")[0].strip() for line in lines[:2]] == ["eu-west-1", "us-east-1"]
    assert lines[2] == describe(board.total()) and board.total().total == 400


def test_one_route_not_named_up_front_draws_its_own_figures() -> None:
    out = io.StringIO()
    sink = ProgressBoard([], 0.0, sectioned=False, stream=out).sink("us-east-1", 35, 0)
    sink.update(progress(10, 35))
    sink.close(progress(35, 35))
    assert out.getvalue().splitlines() == [describe(progress(10, 35)), describe(progress(35, 35))]


def test_several_regions_show_a_line_each_then_the_total_in_the_one_region_words() -> None:
    out = io.StringIO()
    board = ProgressBoard(["us-east-1", "eu-west-1"], 3600.0, sectioned=True, stream=out)
    east, west = board.sink("us-east-1", 300, 0), board.sink("eu-west-1", 100, 0)
    east.update(progress(150, 300))
    west.update(progress(25, 100))
    assert out.getvalue() == ""  # not before the interval
    west.close(progress(100, 100))
    east.close(progress(300, 300))
    board.close()
    board.close()  # once only
    assert out.getvalue().splitlines() == [
        "  us-east-1: " + describe(progress(300, 300)).removeprefix("Progress: "),
        "  eu-west-1: " + describe(progress(100, 100)).removeprefix("Progress: "),
        describe(board.total()),
    ]
    assert board.total().done == 400 and board.total().total == 400


def test_a_quiet_board_draws_nothing() -> None:
    out = io.StringIO()
    board = ProgressBoard(["us-east-1"], 0.0, sectioned=True, quiet=True, stream=out)
    board.sink("us-east-1", 10, 0).update(progress(5, 10))
    board.close()
    assert out.getvalue() == "" and board.total().done == 5


def test_several_regions_on_a_terminal_have_a_bar_each_and_a_total_bar() -> None:
    out = io.StringIO()
    bars = ProgressBoard(["us-east-1", "eu-west-1"], 0.0, sectioned=True, bars=True, stream=out)
    bars.sink("us-east-1", 300, 0).update(progress(150, 300))
    bars.sink("eu-west-1", 100, 0).update(progress(25, 100))
    bars.close()
    text = out.getvalue()
    assert "us-east-1  50%" in text and "eu-west-1  25%" in text
    assert "total      43%" in text and "175/400" in text


def test_the_tail_says_what_it_waits_for_and_shows_no_eta() -> None:
    tail = Progress(2000, 1997, 0, 1, 2, 600.0, 1997, 120.0, 60.0, 600.0, 1, 40.0)
    line = describe(tail)
    assert line.endswith(
        "Rate: 60 items/hour (last 10m 0s) | last copies: 1 resource's chain, 3 left, "
        "next done in ~40s"
    )
    assert "ETA" not in line
    several = replace(tail, chains_left=3, next_done_in=None)
    assert describe(several).endswith("last copies: 3 resources' chains, 3 left")


def test_the_bar_in_the_tail_shows_the_chains_and_the_recent_rate() -> None:
    out = io.StringIO()
    sink = bar(out).sink("us-east-1", 2000, 0)
    tail = Progress(2000, 1997, 0, 1, 2, 600.0, 1997, 120.0, 60.0, 600.0, 1, 40.0)
    sink.update(tail)
    sink.close(tail)
    text = out.getvalue()
    assert "60/h (last 10m 0s) last copies: 1 resource's chain, 3 left" in text
    assert "ETA" not in text and " 99%|" in text


def test_lines_come_on_the_boards_clock() -> None:
    out, now = io.StringIO(), [0.0]
    board = ProgressBoard(["us-east-1"], 60.0, sectioned=False, stream=out, clock=lambda: now[0])
    sink = board.sink("us-east-1", 10, 0)
    sink.update(progress(1, 10))
    assert out.getvalue() == ""  # the first line waits an interval
    now[0] = 60.0
    sink.update(progress(2, 10))
    now[0] = 90.0
    sink.update(progress(3, 10))  # not due yet
    assert out.getvalue().count("\n") == 1 and "(2/10)" in out.getvalue()
