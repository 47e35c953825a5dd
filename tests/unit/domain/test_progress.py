from __future__ import annotations

import pytest

from shuffle_aws_vaults.domain.progress import Progress, format_duration


def progress(**fields: float) -> Progress:
    values = {
        "total": 1000,
        "completed": 0,
        "failed": 0,
        "in_flight": 0,
        "queued": 1000,
        "elapsed": 0.0,
        "completed_this_run": 0,
    }
    values.update(fields)
    return Progress(
        total=int(values["total"]),
        completed=int(values["completed"]),
        failed=int(values["failed"]),
        in_flight=int(values["in_flight"]),
        queued=int(values["queued"]),
        elapsed=float(values["elapsed"]),
        completed_this_run=int(values["completed_this_run"]),
    )


def test_the_rate_counts_only_this_runs_completions() -> None:
    p = progress(completed=500, completed_this_run=100, elapsed=1800.0)
    assert p.per_hour == pytest.approx(200.0)


def test_the_rate_is_zero_before_any_time_has_passed() -> None:
    assert progress(completed_this_run=5, elapsed=0.0).per_hour == 0.0


def test_the_eta_extrapolates_this_runs_pace_over_what_remains() -> None:
    p = progress(completed=400, failed=100, completed_this_run=250, elapsed=1000.0)
    assert p.done == 500
    assert p.eta_seconds == pytest.approx(500 * 1000.0 / 250)


def test_the_eta_is_unknown_until_this_run_completes_something() -> None:
    assert progress(completed=300, elapsed=60.0).eta_seconds is None
    assert progress(completed_this_run=3, elapsed=0.0).eta_seconds is None


def test_the_eta_is_zero_when_everything_is_done() -> None:
    assert progress(completed=990, failed=10).eta_seconds == 0.0


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "?"),
        (0, "0s"),
        (12.4, "12s"),
        (59.6, "1m 0s"),
        (45 * 60 + 10, "45m 10s"),
        (2 * 3600 + 15 * 60 + 59, "2h 15m"),
        (86_400 * 3 + 3600 * 5 + 1800, "3d 5h"),
    ],
)
def test_durations_are_written_in_their_two_largest_units(seconds: float | None, text: str) -> None:
    assert format_duration(seconds) == text
