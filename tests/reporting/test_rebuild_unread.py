"""A rebuild leaves out an event of a type the projection ignores without parsing it, and only
when its bytes say for certain that the record is of that type (the live reader would project
anything else, so the rebuild must read it)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from services.reporting.monitoring.projecting import _ignored_unread
from services.reporting.monitoring.readmodel.projection import PROJECTED_TYPES
from shared.codec import canonical

IGNORED = "EligibilityEvaluated"  # a referral event the monitoring projection does not read
PROJECTED = "ReferralSubmitted"


def stored(record: dict[str, Any]) -> bytes:
    return canonical(record)


def subject(type_name: str) -> str:
    return f"case.C-1.referral.{type_name}"


def test_the_types_named_are_ignored_and_projected() -> None:
    assert IGNORED not in PROJECTED_TYPES and PROJECTED in PROJECTED_TYPES


def test_a_stored_record_of_an_ignored_type_is_left_out_unread() -> None:
    data = stored({"case_id": "C-1", "payload": {"type": "x"}, "type": IGNORED})
    assert _ignored_unread(subject(IGNORED), data, PROJECTED_TYPES)


def test_a_record_of_a_projected_type_is_read() -> None:
    data = stored({"case_id": "C-1", "payload": {}, "type": PROJECTED})
    assert not _ignored_unread(subject(PROJECTED), data, PROJECTED_TYPES)


def test_a_record_whose_type_is_not_the_subjects_is_read() -> None:
    data = stored({"case_id": "C-1", "payload": {}, "type": PROJECTED})
    assert not _ignored_unread(subject(IGNORED), data, PROJECTED_TYPES)


def test_the_type_must_be_the_records_own_last_member() -> None:
    nested = stored({"payload": {"case_id": "C-1", "type": IGNORED}})
    inside_a_string = json.dumps({"type": PROJECTED, "z": f'","type":"{IGNORED}'}).encode()
    not_last = stored({"type": IGNORED, "zz": 1})
    without_a_comma = f'{{"type":"{IGNORED}"}}'.encode()  # a record of only a type is no record
    for data in (nested, inside_a_string, not_last, without_a_comma):
        assert not _ignored_unread(subject(IGNORED), data, PROJECTED_TYPES)


def test_a_subject_whose_last_part_is_no_name_is_read() -> None:
    odd = 'Eligibility"Evaluated'
    data = stored({"case_id": "C-1", "type": odd})
    assert not _ignored_unread(f"case.C-1.referral.{odd}", data, PROJECTED_TYPES)


keys = st.text(min_size=1, max_size=6) | st.sampled_from(["type", "payload", "case_id"])
values = st.recursive(
    st.none() | st.integers() | st.text(max_size=8) | st.sampled_from([IGNORED, PROJECTED, '"type"']),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
    max_leaves=12,
)


@settings(max_examples=500, deadline=None)
@given(
    st.dictionaries(keys, values, max_size=5),
    st.sampled_from([None, IGNORED, PROJECTED]),
    st.booleans(),
)
def test_whatever_is_left_out_unread_is_of_the_ignored_type(
    record: dict[str, Any], last_type: str | None, compact: bool
) -> None:
    if last_type is not None:
        record = {**{k: v for k, v in record.items() if k != "type"}, "type": last_type}
    separators = (",", ":") if compact else (", ", ": ")
    data = json.dumps(record, separators=separators, ensure_ascii=False).encode()
    if _ignored_unread(subject(IGNORED), data, PROJECTED_TYPES):
        assert json.loads(data)["type"] == IGNORED
