"""Working days for the report's timescales: weekdays that are not bank holidays (``holidays``
package, England by default). Replace with shared.workdays once it exists (same rules)."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=16)
def _bank_holidays(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, subdiv=subdivision, years=year).keys())


def is_working_day(day: date, country: str = "GB", subdivision: str | None = "ENG") -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(country, subdivision, day.year)


def working_days_between(start: date, end: date, country: str = "GB", subdivision: str | None = "ENG") -> int:
    """Working days after ``start`` up to and including ``end`` (0 for the same day)."""
    if end <= start:
        return 0
    return sum(
        1
        for n in range(1, (end - start).days + 1)
        if is_working_day(start + timedelta(days=n), country, subdivision)
    )


def add_working_days(start: date, days: int, country: str = "GB", subdivision: str | None = "ENG") -> date:
    day = start
    while days > 0:
        day += timedelta(days=1)
        if is_working_day(day, country, subdivision):
            days -= 1
    return day
