"""The retention rule: which closed cases are due for erasure on a given day."""

from __future__ import annotations

from datetime import UTC, date, datetime

from services.reporting.audit.retention import due_for_erasure


def test_a_case_is_due_on_the_anniversary_of_closure_and_not_before():
    closed = {
        "OLD": datetime(2019, 6, 30, 15, tzinfo=UTC),
        "EDGE": datetime(2020, 1, 15, tzinfo=UTC),
        "RECENT": datetime(2024, 1, 1, tzinfo=UTC),
        "GONE": datetime(2010, 1, 1, tzinfo=UTC),
    }
    due = due_for_erasure(closed, erased={"GONE"}, years=6, as_of=date(2026, 1, 15))
    assert [d.case_id for d in due] == ["EDGE", "OLD"]
    assert "EDGE" not in {d.case_id for d in due_for_erasure(closed, set(), 6, date(2026, 1, 14))}


def test_a_leap_day_closure_runs_to_the_28th():
    closed = {"LEAP": datetime(2020, 2, 29, 12, tzinfo=UTC), "MARCH": datetime(2020, 3, 1, tzinfo=UTC)}
    assert due_for_erasure(closed, set(), 6, date(2026, 2, 27)) == []
    assert [d.case_id for d in due_for_erasure(closed, set(), 6, date(2026, 2, 28))] == ["LEAP"]
    assert [d.case_id for d in due_for_erasure(closed, set(), 6, date(2026, 3, 1))] == ["LEAP", "MARCH"]
    assert [d.case_id for d in due_for_erasure(closed, set(), 4, date(2024, 2, 29))] == ["LEAP"]
    assert [d.case_id for d in due_for_erasure(closed, set(), 1, date(2021, 2, 28))] == ["LEAP"]
