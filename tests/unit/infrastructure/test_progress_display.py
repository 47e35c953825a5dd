"""The progress bar and line as people see them."""

from __future__ import annotations

import io

from shuffle_aws_vaults.domain.progress import Progress
from shuffle_aws_vaults.infrastructure.progress_display import TqdmProgress, describe


def progress(done: int, total: int) -> Progress:
    return Progress(total, done, 0, 2, total - done - 2, 60.0, done)


def test_the_bar_reads_done_of_total_then_its_figures_without_a_stray_comma() -> None:
    out = io.StringIO()
    bar = TqdmProgress(952, 0, stream=out)
    bar.update(progress(10, 952))
    bar.close(progress(10, 952))
    text = out.getvalue()
    assert "10/952, ok 10 failed 0" in text and " , " not in text


def test_the_bar_and_the_line_never_say_100_before_the_end() -> None:
    out = io.StringIO()
    bar = TqdmProgress(678, 0, stream=out)
    bar.update(progress(675, 678))
    bar.close(progress(675, 678))
    assert " 99%|" in out.getvalue() and "100%" not in out.getvalue()
    assert describe(progress(675, 678)).startswith("Progress: 99% (675/678)")
