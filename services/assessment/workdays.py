"""Working days for the assessment timescales: weekdays that are not public holidays in the
scheme's region, from the ``holidays`` package. (Stands in until shared/workdays.py lands.)"""

from __future__ import annotations

from datetime import date, timedelta

import holidays


def working_day_adder(country: str = "GB", subdivision: str | None = "ENG"):  # type: ignore[no-untyped-def]
    calendar = holidays.country_holidays(country, subdiv=subdivision)

    def add_working_days(start: date, days: int) -> date:
        day = start
        while days > 0:
            day += timedelta(days=1)
            if day.weekday() < 5 and day not in calendar:
                days -= 1
        return day

    return add_working_days
