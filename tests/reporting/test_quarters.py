"""Dates of a reporting period: months added keep to the last day of a shorter month, and the four
quarters of any period meet without a gap or an overlap."""

from __future__ import annotations

import calendar
import itertools
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.reporting.monitoring.report.quarters import Period
from services.reporting.monitoring.report.standards import around
from shared.errors import CommandRejected


@pytest.mark.parametrize(
    ("start", "quarter_ends"),
    [
        ("2024-04-01", ("2024-06-30", "2024-09-30", "2024-12-31", "2025-03-31")),
        ("2025-01-01", ("2025-03-31", "2025-06-30", "2025-09-30", "2025-12-31")),
        # each quarter counted from the start, so a short month does not shift the ones after it
        ("2025-01-31", ("2025-04-29", "2025-07-30", "2025-10-30", "2026-01-30")),
        ("2024-02-29", ("2024-05-28", "2024-08-28", "2024-11-28", "2025-02-27")),
    ],
)
def test_the_bounds_of_each_quarter(start: str, quarter_ends: tuple[str, ...]) -> None:
    ends = [date.fromisoformat(end) for end in quarter_ends]
    starts = [date.fromisoformat(start)] + [end + timedelta(days=1) for end in ends[:-1]]
    assert Period.of(starts[0], ends[-1]).quarter_bounds() == list(zip(starts, ends, strict=True))
    with pytest.raises(CommandRejected):
        Period.of(starts[0], ends[-1] + timedelta(days=1))  # a day beyond twelve months


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)))
def test_the_quarters_of_any_year_meet_without_a_gap(start: date) -> None:
    end = start + timedelta(days=364)  # within twelve months from any start
    bounds = Period.of(start, end).quarter_bounds()
    assert bounds[0][0] == start and bounds[-1][1] == end
    for (_, last), (first, _) in itertools.pairwise(bounds):
        assert first == last + timedelta(days=1)
    for i, (first, _) in enumerate(bounds):  # three months on, or that month's last day
        month = start.month - 1 + 3 * i
        assert (first.year, first.month) == (start.year + month // 12, month % 12 + 1)
        assert first.day == min(start.day, calendar.monthrange(first.year, first.month)[1])


def test_a_short_quarter_ends_with_the_period() -> None:
    period = Period.of(date(2024, 4, 1), date(2024, 8, 15))
    assert period.quarter_bounds()[1] == (date(2024, 7, 1), date(2024, 8, 15))
    assert period.quarters() == ("Q1", "Q2")


def test_a_follow_up_due_a_month_after_31_january_falls_on_the_last_day_of_february() -> None:
    assert around(1)(date(2025, 1, 31)) == (date(2025, 2, 14), date(2025, 3, 14))
    assert around(1)(date(2024, 1, 31)) == (date(2024, 2, 15), date(2024, 3, 14))
    assert around(12)(date(2024, 2, 29)) == (date(2025, 2, 14), date(2025, 3, 14))
