"""Several Regions' progress as one line: counts added, the ETA at least the slowest's."""

from __future__ import annotations

from shuffle_aws_vaults.domain.progress import Progress, combined


def test_counts_add_up_and_the_eta_is_at_least_the_slowest_regions() -> None:
    fast = Progress(100, 90, 0, 5, 5, 600.0, 90)  # 10 left at 9 a minute: about a minute
    slow = Progress(100, 10, 2, 5, 83, 600.0, 10)  # 88 left at 1 a minute: 88 minutes
    total = combined([fast, slow])
    assert (total.total, total.completed, total.failed, total.in_flight, total.queued) == (
        200,
        100,
        2,
        10,
        88,
    )
    assert total.completed_this_run == 100 and total.elapsed == 600.0
    assert slow.eta_seconds is not None and total.eta_seconds is not None
    assert total.eta_seconds >= slow.eta_seconds > 60 * 80
    assert total.per_hour == fast.per_hour + slow.per_hour


def test_a_region_without_an_estimate_yet_leaves_the_others_to_set_it() -> None:
    started = Progress(50, 0, 0, 5, 45, 10.0, 0)  # nothing finished yet: no estimate
    going = Progress(50, 25, 0, 5, 20, 100.0, 25)
    assert started.eta_seconds is None
    total = combined([started, going])
    assert total.eta_seconds is not None and total.eta_seconds >= (going.eta_seconds or 0)
    assert combined([]).total == 0 and combined([]).percent == 100
