"""Reporting periods: up to twelve months from a start date, split into four three-month quarters.

Quarters are counted from the start date (a UK financial year starts on 1 April, so a report
from 1 April has Q1 = April-June). Dates are inclusive. Months are added with ``relativedelta``,
which keeps to the last day of a shorter month (31 January + 1 month is 28 or 29 February), and
each quarter's bounds are counted from the start date, not from the quarter before, so that the
four quarters meet without a gap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property

from dateutil.relativedelta import relativedelta

from shared.errors import CommandRejected, Problem

QUARTERS = ("Q1", "Q2", "Q3", "Q4")
COLUMNS = (*QUARTERS, "Total")


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @classmethod
    def of(cls, start: date, end: date) -> Period:
        """A period, refused with a clear error when it runs backwards or beyond twelve months."""
        problems = []
        if end < start:
            problems.append(Problem(field="to", problem="must not be before the 'from' date"))
        elif end >= start + relativedelta(months=12):
            problems.append(
                Problem(
                    field="to", problem="a monitoring report covers at most twelve months (four quarters)"
                )
            )
        if problems:
            raise CommandRejected(problems)
        return cls(start, end)

    def quarter_bounds(self) -> list[tuple[date, date]]:
        return list(self._bounds)

    @cached_property
    def _bounds(self) -> tuple[tuple[date, date], ...]:
        # Worked out once: quarter_of asks for every case.
        bounds = []
        for i in range(4):
            first = self.start + relativedelta(months=3 * i)
            last = self.start + relativedelta(months=3 * (i + 1)) - timedelta(days=1)
            bounds.append((first, min(last, self.end)))
        return tuple(bounds)

    def quarters(self) -> tuple[str, ...]:
        """The quarters the period reaches (all four for a year; Q1 alone for three months)."""
        return tuple(
            name
            for name, (first, _) in zip(QUARTERS, self.quarter_bounds(), strict=True)
            if first <= self.end
        )

    def quarter_of(self, day: date | None) -> str | None:
        """The quarter a date falls in, or None when it is outside the period (or unknown)."""
        if day is None or day < self.start or day > self.end:
            return None
        for name, (first, last) in zip(QUARTERS, self._bounds, strict=True):
            if first <= day <= last:
                return name
        return None
