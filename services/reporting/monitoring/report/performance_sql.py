"""The performance indicators' counts from the read models in SQL (performance.Indicators): each
grouped by day (and the values a row is about), then put in quarters here, so the cost follows the
number of days rather than of cases; the clients not reached in time are listed from one more query.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from itertools import count
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    case,
    exists,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from services.reporting.monitoring.readmodel.tables import Tables
from services.reporting.monitoring.report.performance import (
    CONTACT_MADE,
    FOLLOW_UP_MADE,
    capitalised,
    feedback_due,
)
from services.reporting.monitoring.report.quarters import Period
from services.reporting.monitoring.report.rows import PerQuarter, Shares
from services.reporting.monitoring.report.tally import empty
from services.reporting.monitoring.report.tally_sql import as_date, day_of

_numbers = count()  # each temporary table its own name


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)


class SqlIndicators:
    def __init__(self, conn: Connection, tables: Tables, period: Period) -> None:
        self.conn, self.t, self.period = conn, tables, period
        self._after = _midnight(period.end) + timedelta(days=1)  # the first moment after the period
        self._ordered: Table | None = None

    def _day(self, moment: ColumnElement[Any]) -> ColumnElement[Any]:
        return day_of(self.conn, moment)

    def _moment_in_period(self, moment: ColumnElement[Any]) -> ColumnElement[bool]:
        return and_(moment >= _midnight(self.period.start), moment < self._after)

    def _day_in_period(self, day: ColumnElement[Any]) -> ColumnElement[bool]:
        return and_(day >= self.period.start, day <= self.period.end)

    def _quarters(self, rows: Iterable[Any]) -> PerQuarter:
        """Rows of (day, *key, count) by quarter of the day and key."""
        out = empty()
        for day, *key, n in rows:
            quarter = self.period.quarter_of(as_date(day) if day is not None else None)
            if quarter:
                out[quarter][tuple(key)] += int(n)
        return out

    def _grouped(self, *columns: ColumnElement[Any], where: Any) -> PerQuarter:
        return self._quarters(
            self.conn.execute(select(*columns, func.count()).where(where).group_by(*columns))
        )

    def _plus(self, moment: ColumnElement[Any], span: timedelta) -> ColumnElement[Any]:
        """``moment`` + ``span`` (whole seconds), compared exactly with other moments: SQLite holds
        moments as text to the microsecond, which its datetime() drops, so the fraction is kept."""
        if self.conn.dialect.name == "sqlite":
            shifted = func.datetime(moment, f"+{int(span.total_seconds())} seconds")
            return shifted.concat(func.substr(moment, 20))
        return moment + span

    def _orders(self) -> Table:
        """The works orders of the period, each with its first contact made and whether contact was
        given up on: worked out once (a pass over every contact) into a temporary table on the
        report's connection, which both contact tests then read (it goes with the connection)."""
        if self._ordered is not None:
            return self._ordered
        c, k = self.t.cases.c, self.t.contacts.c
        # Each case's first contact made, in one pass over the contacts (joined, not looked up per case).
        first = (
            select(k.case_id, func.min(k.attempted_at).label("made"))
            .where(k.outcome == CONTACT_MADE)
            .group_by(k.case_id)
            .subquery()
        )
        given_up = or_(c.contact_not_established.is_(True), c.cancelled_on.isnot(None))
        orders = Table(
            f"report_orders_{next(_numbers)}",
            MetaData(),
            Column("case_id", String(64), nullable=False),
            Column("ordered", DateTime, nullable=False),
            Column("made", DateTime),
            Column("given_up", Integer, nullable=False),
            prefixes=["TEMPORARY"],
        )
        orders.create(self.conn)
        ordered = (
            select(c.case_id, c.works_order_at, first.c.made, case((given_up, 1), else_=0))
            .select_from(self.t.cases.outerjoin(first, first.c.case_id == c.case_id))
            .where(self._moment_in_period(c.works_order_at))
        )
        self.conn.execute(orders.insert().from_select(["case_id", "ordered", "made", "given_up"], ordered))
        self._ordered = orders
        return orders

    def contact(self, within: timedelta | None) -> Shares:
        ordered = self._orders()
        o = ordered.c
        met: ColumnElement[bool] = o.made.isnot(None)
        # Left out: still being tried (no contact made, none given up on) and not late yet.
        settled = [o.made.isnot(None), o.given_up == 1]
        if within is not None:
            met = and_(met, o.made <= self._plus(o.ordered, within))
            settled.append(o.ordered < self._after - within)
        keep = or_(*settled)
        # One pass: by day and whether it was met, and the cases that missed it one row each.
        was_met = case((met, 1), else_=0).label("met")
        missed_by = case((met, literal(None, String)), else_=o.case_id).label("missed_by")
        tested = select(self._day(o.ordered).label("day"), was_met, missed_by).where(keep).subquery()
        t = tested.c
        rows = self.conn.execute(
            select(t.day, t.met, t.missed_by, func.count()).group_by(t.day, t.met, t.missed_by)
        )
        out = Shares()
        missed: list[str] = []
        for day, met_n, case_id, n in rows:
            quarter = self.period.quarter_of(as_date(day) if day is not None else None)
            if not quarter:
                continue
            out.add(quarter, int(n) if met_n else 0, int(n))
            if not met_n:
                missed.append(str(case_id))
        # Sorted here: PostgreSQL's collation need not order case references as Python does.
        out.missed = sorted(missed)
        return out

    def take_up(self) -> Shares:
        c = self.t.cases.c
        took = case(
            (c.completed_at.isnot(None), 1),
            (or_(c.cancelled_on.isnot(None), c.closed_on.isnot(None)), 0),
            (c.works_started_at.isnot(None), 1),
            else_=literal(None, Integer),
        )
        offered = select(c.accepted_on.label("day"), took.label("took")).subquery()
        tallied = self._grouped(
            offered.c.day,
            offered.c.took,
            where=and_(self._day_in_period(offered.c.day), offered.c.took.isnot(None)),
        )
        out = Shares()
        for quarter, counter in tallied.items():
            for (took_up,), n in counter.items():
                out.add(quarter, n if took_up else 0, n)
        return out

    def channels(self) -> PerQuarter:
        k, f = self.t.contacts.c, self.t.follow_ups.c
        attempts = self._grouped(
            self._day(k.attempted_at), k.channel, where=self._moment_in_period(k.attempted_at)
        )
        follow_ups = self._grouped(f.contact_on, f.channel, where=self._day_in_period(f.contact_on))
        for quarter, counter in follow_ups.items():
            attempts[quarter].update(counter)
        return attempts

    def children(self) -> PerQuarter:
        c = self.t.cases.c
        return self._grouped(
            self._day(c.completed_at), c.children_count, where=self._moment_in_period(c.completed_at)
        )

    def complaints(self) -> tuple[PerQuarter, PerQuarter]:
        x = self.t.complaints.c
        received = self._grouped(x.received_on, where=self._day_in_period(x.received_on))
        resolved = self._grouped(x.resolved_on, x.within_procedure, where=self._day_in_period(x.resolved_on))
        return received, resolved

    def feedback(self) -> PerQuarter:
        f = self.t.feedback.c
        forms = self._grouped(f.received_on, f.satisfied, where=self._day_in_period(f.received_on))
        out = empty()
        for quarter, counter in forms.items():
            for (satisfied,), n in counter.items():
                out[quarter][(bool(satisfied),)] += n
        return out

    def feedback_offered(self, months: int) -> Shares:
        c, f, fb = self.t.cases.c, self.t.follow_ups.c, self.t.feedback.c
        completed = self._day(c.completed_at)
        reached = or_(
            exists().where(f.case_id == c.case_id, f.outcome == FOLLOW_UP_MADE, f.contact_on >= completed),
            exists().where(fb.case_id == c.case_id),
        )
        consented = or_(c.follow_up_consent.is_(None), c.follow_up_consent.is_(True))
        inner = (
            select(completed.label("day"), case((reached, 1), else_=0).label("reached"))
            .where(self._moment_in_period(c.completed_at), consented)
            .subquery()
        )
        rows = self.conn.execute(
            select(inner.c.day, inner.c.reached, func.count()).group_by(inner.c.day, inner.c.reached)
        )
        out = Shares()
        for day, was_reached, n in rows:
            completed_on = as_date(day)
            quarter = self.period.quarter_of(completed_on)
            if not quarter or (not was_reached and feedback_due(completed_on, months) >= self.period.end):
                continue  # not due yet
            out.add(quarter, int(n) if was_reached else 0, int(n))
        return out

    def no_take_up(self) -> tuple[list[str], PerQuarter]:
        c = self.t.cases.c
        declined = and_(
            c.accepted_on.isnot(None),
            c.completed_at.is_(None),
            or_(c.cancelled_on.isnot(None), c.closed_on.isnot(None)),
        )
        columns = (c.accepted_on, c.cancellation_reason, c.closure_reason)
        rows = self.conn.execute(select(*columns, func.count()).where(declined).group_by(*columns))
        by_reason = [
            (day, capitalised(str(cancelled or closed or "Other")), n) for day, cancelled, closed, n in rows
        ]
        return sorted({reason for _, reason, _ in by_reason}), self._quarters(by_reason)

    def safety_outcomes(self) -> PerQuarter:
        c = self.t.cases.c
        return self._grouped(
            c.closed_on,
            c.safety_outcome,
            where=and_(c.completed_at.isnot(None), self._day_in_period(c.closed_on)),
        )
