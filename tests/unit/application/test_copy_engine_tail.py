"""The progress the engine shows in a run's tail, on simulated time: what it waits for (the
chains left, the next job's end) instead of an ETA, a rate over a recent window, and never 100 %
for a run with failures."""

from __future__ import annotations

from .copy_fakes import chains, independent_items, make_rig

DENIED = "Access denied by the vault's access policy"  # permanent: no retry


def test_the_tail_names_the_chains_it_waits_for_and_the_next_end() -> None:
    # 40 single copies and one resource with 8 copies in a row: its chain is the run's tail.
    items = independent_items(40) + chains({"vol-tail": 8})
    rig = make_rig(items, workers=8)

    assert rig.run().reason == "finished"

    samples = [sample.progress for sample in rig.progress.samples]
    before = [p for p in samples if p.remaining > 8]
    tail = [p for p in samples if 0 < p.remaining <= 8]
    assert before and tail
    assert not any(p.draining for p in before)  # an ETA there, not the tail's words
    assert all(p.draining and p.chains_left is not None for p in tail)
    # At the very end only the one resource's chain is left, one job at a time.
    last = [p for p in tail if p.queued + p.in_flight == p.remaining and p.remaining <= 3]
    assert last and all(p.chains_left == 1 for p in last)
    assert any(p.next_done_in is not None and p.next_done_in >= 0 for p in tail)


def test_the_rate_is_measured_over_a_recent_window() -> None:
    # The chain of 20 takes about 20 minutes: longer than the 10-minute window.
    items = independent_items(40) + chains({"vol-tail": 20})
    rig = make_rig(items, workers=8)
    rig.run()
    samples = [sample.progress for sample in rig.progress.samples]
    measured = [p for p in samples if p.recent_per_hour is not None]
    assert measured, "no sample had a recent rate"
    assert all(0 < p.recent_window <= 600.0 for p in measured)
    assert measured[-1].recent_window == 600.0 < measured[-1].elapsed
    # In the tail one chain is left: the recent rate falls below the run's average.
    final = measured[-1]
    assert final.recent_per_hour is not None and final.recent_per_hour < final.per_hour


def test_a_run_with_failures_never_shows_100_percent() -> None:
    items = independent_items(12)
    rig = make_rig(items, workers=4)
    rig.gateway.fail_jobs(items[3].source_arn, DENIED)

    rig.run()

    final = rig.engine.snapshot()
    assert (final.done, final.failed) == (12, 1)
    assert final.percent == 99
    assert all(sample.progress.percent < 100 for sample in rig.progress.samples)
