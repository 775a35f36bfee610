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
from datetime import date
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

    def _day(self, column: str) -> ColumnElement[Any]:
        """The column's day (the UTC date of a moment, as CaseFacts.day)."""
        col = self.t.cases.c[column]
        return day_of(self.conn, col) if isinstance(col.type, DateTime) else col

    def _days(self, column: str) -> list[date]:
        """The distinct days of a column (a few hundred a year, whatever the number of cases)."""
        day = self._day(column)
        rows = self.conn.execute(select(day).where(day.isnot(None)).distinct())
        return [as_date(r[0]) for r in rows]

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
        self, day: ColumnElement[Any], cal: Table, keep: ColumnElement[bool], met: ColumnElement[bool]
    ) -> Shares:
        """Cases joined to ``cal`` on ``day``: those kept, by quarter and whether they met the test."""
        c = self.t.cases.c
        joined = self.t.cases.join(cal, cal.c.day == day)
        out = Shares()
        tested = (
            select(cal.c.q, func.count(), func.coalesce(func.sum(case((met, 1), else_=0)), 0))
            .select_from(joined)
            .where(keep)
            .group_by(cal.c.q)
        )
        for quarter, n, met_n in self.conn.execute(tested):
            out.add(str(quarter), int(met_n), int(n))
        missed = select(c.case_id).select_from(joined).where(keep, not_(met))
        # Sorted here: PostgreSQL's collation need not order case references as Python does.
        out.missed = sorted(str(r[0]) for r in self.conn.execute(missed))
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
            return self._shares(self._day(start), cal, not_(waiting), met)

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
                or_(met, cal.c.last < self.period.end),
            )
            return self._shares(self._day("completed_at"), cal, keep, met)
