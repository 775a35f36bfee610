"""The service standards' samples from the read models in SQL (standards.Standards): each standard
one pass over the cases, grouped by quarter, and one more for the cases that missed it.

A stage's due date is worked out in Python for each day a clock started in the period (at most a
year's days), and joined to the cases as a small temporary table of (day, due date, quarter) keyed
by day (a table on the report's connection, dropped after the query): the working-day
calendar stays the scheme's own, and the cost follows the number of days rather than of cases.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from itertools import count
from typing import Any

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    MetaData,
    String,
    Table,
    and_,
    case,
    exists,
    func,
    literal,
    not_,
    or_,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from services.reporting.monitoring.readmodel.tables import Tables
from services.reporting.monitoring.report.quarters import Period
from services.reporting.monitoring.report.rows import Shares
from services.reporting.monitoring.report.standards import VISIT, Due, Window
from services.reporting.monitoring.report.tally_sql import as_date, day_of

_numbers = count()  # each calendar table its own name, so none is mistaken for another's


class SqlStandards:
    def __init__(self, conn: Connection, tables: Tables, period: Period) -> None:
        self.conn, self.t, self.period = conn, tables, period
        self._distinct_days: dict[str, list[date]] = {}

    def _day(self, column: str) -> ColumnElement[Any]:
        """The column's day (the UTC date of a moment, as CaseFacts.day)."""
        col = self.t.cases.c[column]
        return day_of(self.conn, col) if isinstance(col.type, DateTime) else col

    def _days(self, column: str) -> list[date]:
        """The distinct days of a column (a few hundred a year, whatever the number of cases), read
        once per column."""
        if column not in self._distinct_days:
            day = self._day(column)
            rows = self.conn.execute(select(day).where(day.isnot(None)).distinct())
            self._distinct_days[column] = [as_date(r[0]) for r in rows]
        return self._distinct_days[column]

    @contextmanager
    def _calendar(self, rows: list[tuple[date, date, date, str]]) -> Iterator[Table | None]:
        """(day, first, last, quarter) rows as a temporary table keyed by day (None: no rows), for
        the duration of the block: the cases are scanned once, each looking its day up."""
        if not rows:
            yield None
            return
        cal = Table(
            f"report_calendar_{next(_numbers)}",
            MetaData(),
            Column("day", Date, primary_key=True),
            Column("first", Date, nullable=False),
            Column("last", Date, nullable=False),
            Column("q", String(2), nullable=False),
            prefixes=["TEMPORARY"],
        )
        cal.create(self.conn)
        try:
            self.conn.execute(
                cal.insert(), [{"day": d, "first": f, "last": la, "q": q} for d, f, la, q in rows]
            )
            yield cal
        finally:
            cal.drop(self.conn)

    def _shares(
        self,
        start: str,
        cal: Table,
        days: tuple[date, date],
        keep: ColumnElement[bool],
        met: ColumnElement[bool],
        unmet_kept: ColumnElement[bool] | None = None,
    ) -> Shares:
        """Cases joined to ``cal`` on the day of their ``start`` column (within ``days``, the
        calendar's first and last: a range the column's index answers where it has one): those kept,
        by quarter and whether they met the test, in one pass that also names the ones that missed it
        (grouped by case, so one row each; those that met it are grouped by quarter alone).

        ``unmet_kept``: a case that did not meet the test is kept only if this holds too. With it,
        the test is worked out once per case into a materialised table first (a test that looks up
        other rows would otherwise be worked out again for each place it is used)."""
        c = self.t.cases.c
        column = c[start]
        first, last = days
        if isinstance(column.type, DateTime):
            after = datetime(last.year, last.month, last.day) + timedelta(days=1)
            in_range = and_(column >= datetime(first.year, first.month, first.day), column < after)
        else:
            in_range = and_(column >= first, column <= last)
        joined = self.t.cases.join(cal, cal.c.day == self._day(start))
        if unmet_kept is None:
            was_met = case((met, 1), else_=0).label("met")
            missed_by = case((met, literal(None, String)), else_=c.case_id).label("missed_by")
            inner = select(cal.c.q, was_met, missed_by).select_from(joined).where(in_range, keep).subquery()
        else:
            flags = [case((met, 1), else_=0).label("met"), case((unmet_kept, 1), else_=0).label("due")]
            tested = (
                select(cal.c.q, *flags, c.case_id.label("case_id"))
                .select_from(joined)
                .where(in_range, keep)
                .cte(f"report_tested_{next(_numbers)}")
                .prefix_with("MATERIALIZED")
            )
            t = tested.c
            missed_by = case((t.met == 1, literal(None, String)), else_=t.case_id).label("missed_by")
            inner = select(t.q, t.met, missed_by).where(or_(t.met == 1, t.due == 1)).subquery()
        i = inner.c
        grouped = select(i.q, i.met, i.missed_by, func.count()).group_by(i.q, i.met, i.missed_by)
        out = Shares()
        missed: list[str] = []
        for quarter, met_n, case_id, n in self.conn.execute(grouped):
            out.add(str(quarter), int(n) if met_n else 0, int(n))
            if not met_n:
                missed.append(str(case_id))
        # Sorted here: PostgreSQL's collation need not order case references as Python does.
        out.missed = sorted(missed)
        return out

    def standard(self, start: str, end: str, due: Due) -> Shares:
        c = self.t.cases.c
        rows = []
        for day in self._days(start):
            quarter = self.period.quarter_of(day)
            if quarter:
                rows.append((day, due(day), due(day), quarter))
        with self._calendar(rows) as cal:
            if cal is None:
                return Shares()
            reached, deadline = self._day(end), cal.c.first
            ended_by = or_(
                and_(c.cancelled_on.isnot(None), c.cancelled_on <= deadline),
                and_(c.closed_on.isnot(None), c.closed_on <= deadline),
            )
            # Left out while still within time, and when the case ended before the stage fell due.
            waiting = and_(reached.is_(None), or_(deadline >= self.period.end, ended_by))
            met = and_(reached.isnot(None), reached <= deadline)
            return self._shares(start, cal, _span(rows), not_(waiting), met)

    def follow_up(self, window: Window, kind: str | None, needs_consent: bool) -> Shares:
        c, f = self.t.cases.c, self.t.follow_ups.c
        rows = []
        for day in self._days("completed_at"):
            first, last = window(day)
            quarter = self.period.quarter_of(first)
            if quarter:
                rows.append((day, first, last, quarter))
        with self._calendar(rows) as cal:
            if cal is None:
                return Shares()
            matches = f.kind == kind if kind else f.kind != VISIT
            met = exists().where(
                f.case_id == c.case_id, matches, f.contact_on >= cal.c.first, f.contact_on <= cal.c.last
            )
            keep = and_(
                # Left out: consent refused or withdrawn, closed before the window opened, not yet due.
                or_(c.follow_up_consent.is_(None), c.follow_up_consent.is_(True))
                if needs_consent
                else literal(True),
                or_(c.closed_on.is_(None), c.closed_on >= cal.c.first),
            )
            not_due = cal.c.last < self.period.end
            return self._shares("completed_at", cal, _span(rows), keep, met, unmet_kept=not_due)


def _span(rows: list[tuple[date, date, date, str]]) -> tuple[date, date]:
    """The first and last day of a calendar's rows."""
    days = [row[0] for row in rows]
    return min(days), max(days)
