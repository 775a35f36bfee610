"""Working days for the contractor's timescales, from the ``holidays`` package (region from the scheme).

Used until the shared working-day module (shared/workdays.py) is available; same rule: weekdays
that are not public holidays in the scheme's region.
"""

from __future__ import annotations

from datetime import date, timedelta

import holidays


class HolidayCalendar:
    def __init__(self, country: str = "GB", subdivision: str | None = "ENG") -> None:
        self._holidays = holidays.country_holidays(country, subdiv=subdivision)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self._holidays

    def add_working_days(self, start: date, days: int) -> date:
        day = start
        while days > 0:
            day += timedelta(days=1)
            days -= self.is_working_day(day)
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 on the same day)."""
        return sum(self.is_working_day(start + timedelta(days=i)) for i in range(1, (end - start).days + 1))
