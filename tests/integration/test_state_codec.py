"""Journal lines are formatted by hand for speed: they must read back as the events written."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from shuffle_aws_vaults.domain.events import Event, Intent, JobEnded, Landed, Refused, Submitted
from shuffle_aws_vaults.infrastructure.state_codec import decode_event, encode_line

index = st.integers(min_value=0, max_value=10**7)
when = st.floats(min_value=0, max_value=4e9, allow_nan=False)
text = st.text(max_size=40)
events = st.one_of(
    st.builds(Intent, index, st.integers(min_value=1, max_value=255), when),
    st.builds(Submitted, index, text, when),
    st.builds(
        JobEnded,
        index,
        text,
        st.sampled_from(["COMPLETED", "FAILED", "ABORTED", "PARTIAL"]),
        when,
        st.none() | text,
        st.none() | text,
        st.booleans(),
    ),
    st.builds(Refused, index, text, text, when),
    st.builds(Landed, text, text, st.none() | text, st.none() | text, when),
)


@given(events)
def test_a_line_reads_back_as_its_event_with_time_to_the_millisecond(event: Event) -> None:
    line = encode_line(event)

    assert "\n" not in line
    decoded = decode_event(json.loads(line))
    assert decoded == event.__class__(**{**vars_of(event), "at": round(event.at, 3)})


def vars_of(event: Event) -> dict[str, object]:
    return {name: getattr(event, name) for name in event.__dataclass_fields__}
