"""The ETA the engine shows, on simulated time: a tail-heavy plan's last minutes are not shown
as seconds, and the percentage never says 100 before the end."""

from __future__ import annotations

from .copy_fakes import chains, independent_items, make_rig


def test_the_eta_of_a_tail_heavy_run_is_never_far_below_the_time_really_left() -> None:
    # 40 single copies and one resource with 8 copies in a row: its chain is the run's tail.
    items = independent_items(40) + chains({"vol-tail": 8})
    rig = make_rig(items, workers=8)

    outcome = rig.run()

    assert outcome.reason == "finished"
    end = rig.progress.samples[-1].at
    late = [
        sample
        for sample in rig.progress.samples
        if sample.progress.completed_this_run >= 5 and sample.progress.done < len(items)
    ]
    assert late, "the run showed no progress after its first copies"
    for sample in late:
        left = end - sample.at
        eta = sample.progress.eta_seconds
        assert eta is not None
        assert eta >= 0.5 * left, (sample.at, sample.progress, left)
    assert all(
        sample.progress.percent < 100
        for sample in rig.progress.samples
        if sample.progress.done < len(items)
    )
