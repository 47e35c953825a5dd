"""The copy-job clock: quota, one job per resource, arrival order, exact end times."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from shuffle_aws_vaults.sandbox.copy_queue import CopyQueue
from shuffle_aws_vaults.sandbox.records import CopyJob

T0 = 1_700_000_000.0


def job(seq: int, resource: str, duration: float) -> CopyJob:
    return CopyJob(
        seq=seq,
        copy_job_id=f"JOB-{seq}",
        account_id="111111111111",
        source_vault_arn="arn:aws:backup:us-east-1:111111111111:backup-vault:v",
        source_recovery_point_arn=f"arn:aws:backup:us-east-1:111111111111:recovery-point:{seq}",
        dest_vault_arn="arn:aws:backup:us-east-1:222222222222:backup-vault:v",
        resource_arn=resource,
        resource_type="EFS",
        resource_name=resource,
        size=1,
        iam_role_arn="arn:aws:iam::111111111111:role/r",
        creation_date=T0,
        duration=duration,
    )


class Recorder:
    def __init__(self) -> None:
        self.finished: list[tuple[str, float]] = []

    def __call__(self, finished: CopyJob, at: float) -> None:
        finished.state = "COMPLETED"
        finished.completion_date = at
        self.finished.append((finished.copy_job_id, at))


def test_a_job_admitted_with_a_free_slot_starts_running_at_once() -> None:
    queue = CopyQueue(2, Recorder())
    first = job(1, "r1", 100.0)
    queue.admit(first, T0)
    assert first.state == "RUNNING"
    assert first.start_date == T0
    assert (queue.running, queue.waiting, queue.active) == (1, 0, 1)


def test_no_more_than_quota_jobs_run_and_the_rest_wait_in_created() -> None:
    queue = CopyQueue(3, Recorder())
    jobs = [job(n, f"r{n}", 100.0) for n in range(1, 8)]
    for each in jobs:
        queue.admit(each, T0)
    assert [j.state for j in jobs] == ["RUNNING"] * 3 + ["CREATED"] * 4
    assert (queue.running, queue.waiting) == (3, 4)
    queue.advance(T0 + 1000.0)
    assert all(j.state == "COMPLETED" for j in jobs)
    assert queue.peak_running == 3


def test_waiting_jobs_start_in_freed_slots_at_the_exact_end_time_however_late_the_poll() -> None:
    recorder = Recorder()
    queue = CopyQueue(1, recorder)
    jobs = [job(n, f"r{n}", 60.0) for n in range(1, 4)]
    for each in jobs:
        queue.admit(each, T0)
    queue.advance(T0 + 10_000.0)  # one late poll finishes the whole chain
    assert recorder.finished == [("JOB-1", T0 + 60), ("JOB-2", T0 + 120), ("JOB-3", T0 + 180)]
    assert [j.start_date for j in jobs] == [T0, T0 + 60, T0 + 120]


def test_the_makespan_does_not_depend_on_how_often_the_clock_is_polled() -> None:
    def run(poll_every: float) -> list[tuple[str, float]]:
        recorder = Recorder()
        queue = CopyQueue(2, recorder)
        for n, duration in enumerate((50.0, 70.0, 20.0, 90.0, 10.0), start=1):
            queue.admit(job(n, f"r{n % 3}", duration), T0)
        now = T0
        while queue.active:
            now += poll_every
            queue.advance(now)
        return recorder.finished

    assert run(1.0) == run(7.0) == run(1000.0)


def test_a_second_job_for_the_same_resource_waits_until_the_first_ends() -> None:
    queue = CopyQueue(10, Recorder())
    first, second, other = job(1, "same", 100.0), job(2, "same", 30.0), job(3, "other", 30.0)
    for each in (first, second, other):
        queue.admit(each, T0)
    assert (first.state, second.state, other.state) == ("RUNNING", "CREATED", "RUNNING")
    queue.advance(T0 + 99.0)
    assert second.state == "CREATED"
    queue.advance(T0 + 100.0)
    assert first.state == "COMPLETED"
    assert second.state == "RUNNING"
    assert second.start_date == T0 + 100.0
    queue.advance(T0 + 130.0)
    assert second.completion_date == T0 + 130.0


def test_a_busy_resource_does_not_block_later_jobs_of_other_resources() -> None:
    queue = CopyQueue(2, Recorder())
    jobs = [job(1, "a", 100.0), job(2, "a", 100.0), job(3, "b", 100.0), job(4, "c", 100.0)]
    for each in jobs:
        queue.admit(each, T0)
    assert [j.state for j in jobs] == ["RUNNING", "CREATED", "RUNNING", "CREATED"]
    queue.advance(T0 + 100.0)
    # Both slots free at once: job 2 (resource a now idle) and job 4 start, in arrival order.
    assert [j.state for j in jobs] == ["COMPLETED", "RUNNING", "COMPLETED", "RUNNING"]


def test_jobs_ending_at_the_same_time_finish_in_seq_order() -> None:
    recorder = Recorder()
    queue = CopyQueue(3, recorder)
    for n in (1, 2, 3):
        queue.admit(job(n, f"r{n}", 42.0), T0)
    queue.advance(T0 + 42.0)
    assert [name for name, _ in recorder.finished] == ["JOB-1", "JOB-2", "JOB-3"]


def test_peak_running_remembers_the_highest_concurrency_seen() -> None:
    queue = CopyQueue(5, Recorder())
    for n in (1, 2, 3):
        queue.admit(job(n, f"r{n}", 10.0), T0)
    queue.advance(T0 + 10.0)
    queue.admit(job(4, "r4", 10.0), T0 + 10.0)
    assert queue.running == 1
    assert queue.peak_running == 3


def simulate(
    quota: int, specs: list[tuple[int, int, int]], polls: list[int]
) -> dict[str, tuple[float, float]]:
    """Admit (resource, duration, arrival) jobs, polling at `polls` too; (start, end) per job."""
    recorder = Recorder()
    queue = CopyQueue(quota, recorder)
    jobs = []
    events = sorted([(arrival, 0, n) for n, (_, _, arrival) in enumerate(specs)])
    events += [(at, 1, -1) for at in polls]
    for at, kind, n in sorted(events):
        if kind == 0:
            resource, duration, _ = specs[n]
            jobs.append(job(n + 1, f"r{resource}", float(duration)))
            jobs[-1].creation_date = T0 + at
            queue.admit(jobs[-1], T0 + at)
        else:
            queue.advance(T0 + at)
    queue.advance(T0 + 10**6)
    assert queue.active == 0
    return {j.copy_job_id: (j.start_date or 0.0, j.completion_date or 0.0) for j in jobs}


job_specs = st.lists(
    st.tuples(st.integers(0, 3), st.integers(1, 50), st.integers(0, 200)), min_size=1, max_size=25
)


@settings(max_examples=150, deadline=None)
@given(quota=st.integers(1, 4), specs=job_specs, polls=st.lists(st.integers(0, 400), max_size=30))
def test_for_any_jobs_and_any_polling_quota_and_resource_rules_hold_and_timing_is_the_same(
    quota: int, specs: list[tuple[int, int, int]], polls: list[int]
) -> None:
    timing = simulate(quota, specs, polls)
    assert timing == simulate(quota, specs, [])  # polling never changes what happens
    intervals = [
        (start, end, specs[int(name.split("-")[1]) - 1]) for name, (start, end) in timing.items()
    ]
    for start, end, (resource, duration, arrival) in intervals:
        assert start >= T0 + arrival
        assert end == start + duration
        running = [other for other in intervals if other[0] <= start < other[1]]
        assert len(running) <= quota
        assert sum(other[2][0] == resource for other in running) == 1
