from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from shuffle_aws_vaults.domain.reasons import Reason
from shuffle_aws_vaults.domain.selection import Selection, SelectionTally, decide, filter_reason

from .factories import NOW, rp

META = {"APMID": "APM0001", "Environment": "Production", "Owner": "Data-Team"}
apmids = st.sampled_from([f"APM{i:04d}" for i in range(8)])
moments = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
)


def test_no_selection_includes_everything_copyable() -> None:
    assert decide(Selection(), rp(), None, now=NOW, cross_account=True) is None


def test_a_resource_missing_from_the_csv_is_excluded_under_an_apmid_filter() -> None:
    selection = Selection(allowed_apmids=frozenset({"APM0001"}))
    assert filter_reason(selection, rp(), None) is Reason.NO_METADATA


def test_a_resource_missing_from_the_csv_is_fine_without_metadata_filters() -> None:
    assert filter_reason(Selection(resource_types=frozenset({"EBS"})), rp(), None) is None


@given(apmid=apmids, allowed=st.frozensets(apmids))
def test_allow_list_includes_exactly_the_listed_apmids(apmid: str, allowed: frozenset[str]) -> None:
    reason = filter_reason(Selection(allowed_apmids=allowed), rp(), {"APMID": apmid})
    assert (reason is None) == (apmid in allowed)
    if reason is not None:
        assert reason is Reason.APMID_NOT_ALLOWED


@given(apmid=apmids, denied=st.frozensets(apmids))
def test_deny_list_excludes_exactly_the_listed_apmids(apmid: str, denied: frozenset[str]) -> None:
    reason = filter_reason(Selection(excluded_apmids=denied), rp(), {"APMID": apmid})
    assert (reason is Reason.APMID_EXCLUDED) == (apmid in denied)
    assert reason in (None, Reason.APMID_EXCLUDED)


@given(apmid=apmids, allowed=st.frozensets(apmids), denied=st.frozensets(apmids))
def test_deny_wins_over_allow(apmid: str, allowed: frozenset[str], denied: frozenset[str]) -> None:
    selection = Selection(allowed_apmids=allowed, excluded_apmids=denied)
    included = filter_reason(selection, rp(), {"APMID": apmid}) is None
    assert included == (apmid in allowed and apmid not in denied)


@given(created=moments, after=st.none() | moments, before=st.none() | moments)
def test_dates_are_after_inclusive_and_before_exclusive(
    created: datetime, after: datetime | None, before: datetime | None
) -> None:
    selection = Selection(created_after=after, created_before=before)
    included = filter_reason(selection, rp(creation_date=created), None) is None
    expected = (after is None or created >= after) and (before is None or created < before)
    assert included == expected


def test_the_window_edges_name_the_side_that_excluded() -> None:
    edge = datetime(2026, 1, 1, tzinfo=UTC)
    selection = Selection(created_after=edge, created_before=edge + timedelta(days=1))
    assert filter_reason(selection, rp(creation_date=edge), None) is None
    early = rp(creation_date=edge - timedelta(microseconds=1))
    late = rp(creation_date=edge + timedelta(days=1))
    assert filter_reason(selection, early, None) is Reason.CREATED_BEFORE_WINDOW
    assert filter_reason(selection, late, None) is Reason.CREATED_AFTER_WINDOW


def test_where_needs_every_column_to_match_one_of_its_values() -> None:
    selection = Selection(
        where=(
            ("Environment", frozenset({"Production", "Staging"})),
            ("Owner", frozenset({"Data-Team"})),
        )
    )
    assert filter_reason(selection, rp(), META) is None
    assert filter_reason(selection, rp(), {**META, "Owner": "Web-Team"}) is Reason.WHERE_MISMATCH
    assert filter_reason(selection, rp(), {"APMID": "APM1"}) is Reason.WHERE_MISMATCH


def test_resource_types_filter_by_aws_name() -> None:
    selection = Selection(resource_types=frozenset({"RDS", "EBS"}))
    assert filter_reason(selection, rp(resource_type="EBS"), None) is None
    assert filter_reason(selection, rp(resource_type="S3"), None) is Reason.RESOURCE_TYPE


def test_the_operators_filters_come_before_awss_rules() -> None:
    selection = Selection(resource_types=frozenset({"RDS"}))
    reason = decide(selection, rp(status="PARTIAL"), None, now=NOW, cross_account=True)
    assert reason is Reason.RESOURCE_TYPE


def test_a_tally_splits_exclusions_into_not_selected_and_ineligible() -> None:
    tally = SelectionTally()
    tally.add(rp(size_bytes=5), None)
    tally.add(rp(), Reason.APMID_EXCLUDED)
    tally.add(rp(), Reason.COLD_STORAGE)
    tally.add(rp(), Reason.COLD_STORAGE)
    assert (tally.total, tally.included, tally.included_bytes) == (4, 1, 5)
    assert (tally.not_selected, tally.ineligible, tally.excluded_total) == (1, 2, 3)
