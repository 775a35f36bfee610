"""Working days: weekdays that are not public holidays in the scheme's region (the ``holidays``
package; England by default). Service standards are counted in these (South Essex: referral to the
CPO within 1 working day, assessment within 5, works start within 2 and finish within 7)."""

from __future__ import annotations

from collections.abc import Container
from datetime import date, timedelta

import holidays


class WorkingDays:
    def __init__(self, country: str = "GB", subdivision: str | None = "ENG") -> None:
        self._holidays: Container[date] = holidays.country_holidays(country, subdiv=subdivision)

    @classmethod
    def of(cls, public_holidays: Container[date]) -> WorkingDays:
        """Over a calendar of public holidays already made (a ``holidays`` calendar)."""
        made = cls.__new__(cls)
        made._holidays = public_holidays
        return made

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self._holidays

    def add(self, start: date, days: int) -> date:
        """The date ``days`` working days after ``start`` (0: ``start`` itself, or the next working day)."""
        if days < 0:
            raise ValueError("days must not be negative")
        current = start
        while not self.is_working_day(current):
            current += timedelta(days=1)
        remaining = days
        while remaining:
            current += timedelta(days=1)
            if self.is_working_day(current):
                remaining -= 1
        return current

    def between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when ``end`` is not later)."""
        count = 0
        current = start
        while current < end:
            current += timedelta(days=1)
            if self.is_working_day(current):
                count += 1
        return count


def england() -> WorkingDays:
    return WorkingDays("GB", "ENG")
