from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from shuffle_aws_vaults.domain.events import Intent, Submitted
from shuffle_aws_vaults.domain.migration import MigrationState
from shuffle_aws_vaults.domain.plan import PlanItem
from shuffle_aws_vaults.domain.scheduler import Scheduler

from ..application.copy_fakes import chains, plan_item, state_after


def resource(item: PlanItem) -> str:
    return item.resource_arn.rsplit("/", 1)[1]


def scheduler_for(items: list[PlanItem]) -> tuple[Scheduler, list[PlanItem]]:
    return Scheduler(MigrationState(items)), items


def test_one_resource_never_gets_a_second_item_while_one_is_in_flight() -> None:
    scheduler, items = scheduler_for(chains({"vol-a": 3, "vol-b": 2}))

    first = scheduler.take(10, now=0.0)

    assert sorted(resource(items[i]) for i in first) == ["vol-a", "vol-b"]
    assert scheduler.take(10, now=0.0) == []


def test_a_released_item_lets_its_resource_hand_out_the_next_one_in_plan_order() -> None:
    scheduler, _ = scheduler_for(chains({"vol-a": 3}))

    handed = []
    for _ in range(3):
        (i,) = scheduler.take(5, now=0.0)
        handed.append(i)
        assert scheduler.take(5, now=0.0) == []
        scheduler.release(i)

    assert handed == [0, 1, 2]  # oldest first
    assert scheduler.take(5, now=0.0) == []


def test_the_longest_remaining_chain_goes_first() -> None:
    scheduler, items = scheduler_for(chains({"vol-short": 1, "vol-long": 4, "vol-mid": 2}))

    order = [resource(items[i]) for i in scheduler.take(3, now=0.0)]

    assert order == ["vol-long", "vol-mid", "vol-short"]


def test_weight_counts_bytes_not_just_the_number_of_recovery_points() -> None:
    items = [
        plan_item("a1", resource="vol-a", size_gib=0),
        plan_item("a2", resource="vol-a", size_gib=0),
        plan_item("b1", resource="vol-b", size_gib=200),
    ]
    scheduler, _ = scheduler_for(items)
    assert [resource(items[i]) for i in scheduler.take(1, now=0.0)] == ["vol-b"]


def test_a_chain_that_has_shrunk_below_another_yields_to_it() -> None:
    # weights (size + 12 GiB overhead): vol-a 3 x 22 GiB = 66, vol-b 2 x 32 GiB = 64
    items = [plan_item(f"a{n}", resource="vol-a", size_gib=10, created=n) for n in range(3)]
    items += [plan_item(f"b{n}", resource="vol-b", size_gib=20, created=n) for n in range(2)]
    scheduler, _ = scheduler_for(items)

    order = []
    for _ in range(5):
        (i,) = scheduler.take(1, now=0.0)
        order.append(items[i].source_arn.rsplit("/", 1)[1])
        scheduler.release(i)

    # 66 > 64; then 44 < 64; 44 > 32; 22 < 32; then what is left
    assert order == ["a0", "b0", "a1", "b1", "a2"]


def test_at_most_the_requested_count_is_handed_out() -> None:
    scheduler, _ = scheduler_for(chains({f"vol-{n}": 1 for n in range(10)}))
    assert len(scheduler.take(4, now=0.0)) == 4
    assert len(scheduler.take(0, now=0.0)) == 0
    assert len(scheduler.take(100, now=0.0)) == 6


def test_retry_at_keeps_the_resource_waiting_until_that_time() -> None:
    scheduler, items = scheduler_for(chains({"vol-a": 2, "vol-b": 1}))
    taken = scheduler.take(2, now=0.0)
    a_first = next(i for i in taken if resource(items[i]) == "vol-a")
    b_only = next(i for i in taken if resource(items[i]) == "vol-b")

    scheduler.release(a_first, retry_at=100.0)
    scheduler.release(b_only)

    assert scheduler.next_ready_at(now=0.0) == 100.0
    assert scheduler.take(5, now=99.9) == []
    assert scheduler.take(5, now=100.0) == [a_first]  # the retried item goes first again
    assert scheduler.next_ready_at(now=100.0) is None
    scheduler.release(a_first)
    assert scheduler.take(5, now=100.0) == [a_first + 1]


def test_a_waiting_resource_does_not_hold_back_the_others() -> None:
    scheduler, items = scheduler_for(chains({"vol-a": 3, "vol-b": 1}))
    (a,) = scheduler.take(1, now=0.0)
    scheduler.release(a, retry_at=500.0)

    assert [resource(items[i]) for i in scheduler.take(5, now=10.0)] == ["vol-b"]


def test_on_resume_resources_with_an_item_in_flight_are_busy() -> None:
    items = chains({"vol-a": 2, "vol-b": 2})
    state = state_after(items, [Intent(0, 1, 1.0), Intent(2, 1, 1.0), Submitted(2, "j", 2.0)])
    scheduler = Scheduler(state)

    assert scheduler.take(5, now=0.0) == []
    scheduler.release(0)
    assert scheduler.take(5, now=0.0) == [1]


def test_on_resume_an_item_in_flight_handed_back_for_a_retry_goes_before_its_chain() -> None:
    items = chains({"vol-a": 3})
    scheduler = Scheduler(state_after(items, [Intent(1, 1, 1.0), Submitted(1, "j", 2.0)]))

    scheduler.release(1, retry_at=10.0)

    assert scheduler.take(5, now=10.0) == [1]
    scheduler.release(1)
    assert scheduler.take(5, now=10.0) == [0]
    scheduler.release(0, retry_at=20.0)
    assert scheduler.take(5, now=20.0) == [0]
    scheduler.release(0)
    assert scheduler.take(5, now=20.0) == [2]
    scheduler.release(2)
    assert scheduler.take(5, now=20.0) == []


@settings(max_examples=200, deadline=None, database=None)
@given(
    lengths=st.lists(st.integers(min_value=1, max_value=4), min_size=1, max_size=5),
    steps=st.lists(
        st.tuples(
            st.sampled_from(["take", "release", "retry"]),
            st.integers(min_value=0, max_value=6),
        ),
        max_size=60,
    ),
)
def test_random_takes_and_releases_never_exceed_the_count_or_double_up_a_resource(
    lengths: list[int], steps: list[tuple[str, int]]
) -> None:
    items = chains({f"vol-{n}": length for n, length in enumerate(lengths)})
    scheduler = Scheduler(MigrationState(items))
    busy: list[int] = []
    handed: Counter[int] = Counter()
    retried: set[int] = set()
    now = 0.0
    for action, number in steps:
        now += 1.0
        if action == "take":
            picked = scheduler.take(number, now)
            assert len(picked) <= number
            busy += picked
            handed.update(picked)
            in_flight = Counter(items[i].resource_arn for i in busy)
            assert max(in_flight.values(), default=0) <= 1
        elif busy:
            i = busy.pop(number % len(busy))
            if action == "retry":
                retried.add(i)
                scheduler.release(i, retry_at=now + number)
            else:
                scheduler.release(i)
    # only retried items are ever handed out twice
    assert {i for i, n in handed.items() if n > 1} <= retried
    # and once everything is released, every item is handed out in the end
    for i in busy:
        scheduler.release(i)
    while picked := scheduler.take(10, now + 1000.0):
        handed.update(picked)
        for i in picked:
            scheduler.release(i)
    assert set(handed) == set(range(len(items)))
