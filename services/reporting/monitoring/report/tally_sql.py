"""The template's tallies from the read models in SQL (what ``sanctuary report`` runs): GROUP BY
quarter and category, so the cost follows the number of distinct answers rather than the number
of cases. The same figures as ``tally.FactsTally`` gives case by case."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Date,
    Numeric,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from services.reporting.monitoring.readmodel.tables import Tables
from services.reporting.monitoring.report.quarters import QUARTERS, Period
from services.reporting.monitoring.report.tally import (
    DECLINED,
    EVER,
    OTHER,
    PREFER_NOT_TO_SAY,
    SUM,
    PerQuarter,
    empty,
)

Money = Numeric(12, 2)
# The dates the cases table indexes: counted a quarter at a time (``SqlTally._each_quarter``).
INDEXED = frozenset({"received", "completed"})


class SqlTally:
    """Each tally one query, grouped by quarter and the values asked for. ``conn`` stays open
    while the report is computed (one snapshot of the live tables on PostgreSQL's default
    isolation is not promised: the live reader may commit between two queries, as before)."""

    def __init__(self, conn: Connection, tables: Tables, period: Period) -> None:
        self.conn, self.t, self.period = conn, tables, period
        c = tables.cases.c
        not_accepted = case(
            (c.accepted_on.isnot(None), literal(None, Date)),
            (c.declined_on.isnot(None), c.declined_on),
            else_=c.safeguarding_on,
        )
        self._when: dict[str, tuple[ColumnElement[Any], bool]] = {
            "received": (c.referral_received_on, False),
            "accepted": (c.accepted_on, False),
            "not_accepted": (not_accepted, False),
            "cancelled": (c.cancelled_on, False),
            "completed": (c.completed_at, True),
        }
        self._counted: dict[tuple[str, tuple[str, ...]], PerQuarter] = {}
        self._spends: PerQuarter | None = None
        self._case_ids: dict[str, list[tuple[str, object]]] = {}
        self._undecided: dict[tuple[date, bool], int] = {}
        # SQLite joins by looking rows up, one case at a time: a quarter at a time each reads its own
        # range of the index and sorts no more than it must. PostgreSQL hashes the whole table it
        # joins: once, for the period's cases grouped by their quarter.
        self._by_quarter = conn.dialect.name == "sqlite"

    def prefetch(self, when: str, wanted: dict[str, tuple[object, ...] | str]) -> None:
        """One pass: per quarter, the number of cases (and for each column, of each value asked for,
        or the column's total) as SUM(CASE ...) columns."""
        c = self.t.cases.c
        parts: list[ColumnElement[Any]] = [func.count()]
        slots: list[tuple[str, object]] = []
        for column, values in wanted.items():
            col = c[column]
            if isinstance(values, str):  # SUM
                parts.append(func.coalesce(func.sum(col), 0))
                slots.append((column, None))
                continue
            assert isinstance(values, tuple)
            for value in values:
                parts.append(func.coalesce(func.sum(case((col == value, 1), else_=0)), 0))
                slots.append((column, value))
        totals = empty()
        by_column: dict[str, PerQuarter] = {column: empty() for column in wanted}
        for row in self._each_quarter(when, lambda q, inside: select(q, *parts).where(inside)):
            q = row[0]
            if not row[1]:
                continue
            totals[q][()] += int(row[1])
            # Any other value (NULL included): the cases not counted under a value asked for.
            others = {column: int(row[1]) for column in wanted if wanted[column] != SUM}
            counted: set[tuple[str, object]] = set()
            for (column, value), n in zip(slots, row[2:], strict=True):
                if wanted[column] == SUM:
                    by_column[column][q][(1,)] += int(n)
                    continue
                if (column, value) not in counted:
                    counted.add((column, value))
                    others[column] -= int(n)
                if n:
                    by_column[column][q][(value,)] += int(n)
            for column, n in others.items():
                if n:
                    by_column[column][q][(OTHER,)] += n
        self._counted[(when, ())] = totals
        for column, tallied in by_column.items():
            self._counted[(when, (column,))] = tallied

    def _each_quarter(self, when: str, make: Callable[[ColumnElement[Any], ColumnElement[bool]], Any]) -> Any:
        """The rows of ``make(quarter, inside)`` for each quarter of the period, in one statement: a
        SELECT per quarter (``quarter`` its name as a column, ``inside`` the case's ``when`` date in
        that quarter) joined by UNION ALL. For a date the cases table indexes, each SELECT reads that
        quarter's range of the index only, and none sorts its cases by quarter to group them."""
        quarters = self._in_quarters(when)
        selects = [make(literal_column(f"'{name}'", String).label("q"), inside) for name, inside in quarters]
        if not selects:
            return []
        statement: Any = selects[0] if len(selects) == 1 else union_all(*selects)
        return self.conn.execute(statement)

    def _in_quarters(self, when: str) -> list[tuple[str, ColumnElement[bool]]]:
        """Each quarter's name and the condition that the case's ``when`` date is in it."""
        expr, is_moment = self._when[when]
        out = []
        for name, (first, last) in zip(QUARTERS, self.period.quarter_bounds(), strict=True):
            if first > self.period.end:
                continue
            if is_moment:
                start = datetime(first.year, first.month, first.day)
                after = datetime(last.year, last.month, last.day) + timedelta(1)
                out.append((name, and_(expr >= start, expr < after)))
            else:
                out.append((name, and_(expr >= first, expr <= last)))
        return out

    def _in_period(self, when: str) -> ColumnElement[bool]:
        """The case's ``when`` date is in the period: a range the date's index answers."""
        expr, is_moment = self._when[when]
        start, end = self.period.start, self.period.end
        if is_moment:
            after = datetime(end.year, end.month, end.day) + timedelta(1)
            return and_(expr >= datetime(start.year, start.month, start.day), expr < after)
        return and_(expr >= start, expr <= end)

    def _quarter(self, when: str) -> ColumnElement[Any]:
        """The quarter of the case's ``when`` date, or NULL outside the period."""
        expr, is_moment = self._when[when]
        whens = []
        for name, (first, last) in zip(QUARTERS, self.period.quarter_bounds(), strict=True):
            if first > self.period.end:
                continue
            if is_moment:
                start = datetime(first.year, first.month, first.day)
                inside = and_(expr >= start, expr < datetime(last.year, last.month, last.day) + timedelta(1))
            else:
                inside = and_(expr >= first, expr <= last)
            whens.append((inside, literal(name)))
        return case(*whens, else_=literal(None))

    def _key(self, key: str) -> ColumnElement[Any]:
        c = self.t.cases.c
        if key == DECLINED:
            return case((c.declined_on.isnot(None), literal(True)), else_=literal(False))
        return c[key]

    def _grouped(self, columns: list[ColumnElement[Any]], where: Any = None) -> Any:
        """SELECT q, columns..., count(*) over the inner query's rows that fall in a quarter (q, the
        first column; grouped in an outer query so that PostgreSQL groups by the same expression)."""
        inner = select(*columns)
        if where is not None:
            inner = inner.where(where)
        cols = list(inner.subquery().c)
        return self.conn.execute(select(*cols, func.count()).where(cols[0].isnot(None)).group_by(*cols))

    def counts(self, when: str, keys: tuple[str, ...] = ()) -> PerQuarter:
        labels = [self._key(k).label(f"k{i}") for i, k in enumerate(keys)]
        if when in EVER:
            query = select(*labels, func.count()).select_from(self.t.cases).group_by(*labels)
            if when == "not_accepted_ever":
                query = query.where(self._when["not_accepted"][0].isnot(None))
            return {"all": Counter({tuple(r[:-1]): int(r[-1]) for r in self.conn.execute(query)})}
        if (when, keys) in self._counted:
            return self._counted[(when, keys)]
        if not keys:  # the total of a breakdown of the same date already counted
            for (counted, by), tallied in self._counted.items():
                if counted == when and by:
                    return {q: Counter({(): c.total()}) for q, c in tallied.items()}
        out = empty()
        if when in INDEXED and self._by_quarter:
            rows = self._each_quarter(
                when, lambda q, inside: select(q, *labels, func.count()).where(inside).group_by(*labels)
            )
        else:
            rows = self._grouped([self._quarter(when).label("q"), *labels], self._in_period(when))
        for r in rows:
            out[r[0]][tuple(r[1:-1])] += int(r[-1])
        self._counted[(when, keys)] = out
        return out

    def case_ids(self, when: str, key: str | None = None, value: object = None) -> list[str]:
        """One query per ``when`` (the cases with the key's column), filtered here."""
        slot = f"{when}:{key}"
        if key is None:  # every case of the date: any list of them already read will do
            slot = next((k for k in self._case_ids if k.startswith(f"{when}:")), slot)
        if slot not in self._case_ids:
            c = self.t.cases.c
            q = self._quarter(when)
            column = self._key(key) if key is not None else literal(None)
            query = select(c.case_id, column).where(self._in_period(when), q.isnot(None)).order_by(c.case_id)
            self._case_ids[slot] = [(str(r[0]), r[1]) for r in self.conn.execute(query)]
        return [case_id for case_id, v in self._case_ids[slot] if key is None or v == value]

    def units(self) -> PerQuarter:
        if not self._by_quarter:
            return self._units_joined()
        c, m = self.t.cases.c, self.t.measures
        rows = self._each_quarter(
            "completed",
            lambda q, inside: (
                select(q, m.c.category, func.sum(m.c.quantity))
                .join_from(self.t.cases, m, m.c.case_id == c.case_id)
                .where(inside)
                .group_by(m.c.category)
            ),
        )
        out = empty()
        for q, category, units in rows:
            out[q][category] += int(units or 0)
        return out

    def spends(self) -> PerQuarter:
        if self._spends is None:
            self._spends = self._spent()
        return self._spends

    def _spent(self) -> PerQuarter:
        """Each completed case's spend (its measures' total, looked up by case), counted by amount."""
        if not self._by_quarter:
            return self._spent_joined()
        c, m = self.t.cases.c, self.t.measures.c
        spent = select(func.sum(m.total_gbp)).where(m.case_id == c.case_id).scalar_subquery()

        def per_case(q: ColumnElement[Any], inside: ColumnElement[bool]) -> Any:
            spend = type_coerce(func.coalesce(spent, 0), Money).label("spend")
            one = select(q, spend).where(inside).subquery()
            return select(one.c.q, one.c.spend, func.count()).group_by(one.c.q, one.c.spend)

        out = empty()
        for q, amount, n in self._each_quarter("completed", per_case):
            out[q][Decimal(str(amount)).quantize(Decimal("0.01"))] += int(n)
        return out

    def _day(self, moment: ColumnElement[Any]) -> ColumnElement[Any]:
        return day_of(self.conn, moment)

    def waits(self) -> PerQuarter:
        c = self.t.cases.c
        received, completed = c.referral_received_on, self._day(c.completed_at)
        if self._by_quarter:
            rows = self._each_quarter(
                "completed",
                lambda q, inside: (
                    select(q, received, completed, func.count())
                    .where(inside, received.isnot(None))
                    .group_by(received, completed)
                ),
            )
        else:
            rows = self._grouped(
                [
                    self._quarter("completed").label("q"),
                    received.label("received"),
                    completed.label("completed"),
                ],
                where=and_(self._in_period("completed"), received.isnot(None)),
            )
        out = empty()
        for q, received_on, completed_on, n in rows:
            out[q][(as_date(received_on), as_date(completed_on))] += int(n)
        return out

    def disabilities(self) -> tuple[PerQuarter, Counter[str]]:
        if not self._by_quarter:
            return self._disabilities_joined()
        c, d = self.t.cases.c, self.t.disabilities.c
        rows = self._each_quarter(
            "completed",
            lambda q, inside: (
                select(q, d.disability, func.count())
                .join_from(self.t.cases, self.t.disabilities, d.case_id == c.case_id)
                .where(inside)
                .group_by(d.disability)
            ),
        )
        out = empty()
        for q, disability, n in rows:
            out[q][disability] += int(n)
        answered = exists().where(d.case_id == c.case_id, d.disability != PREFER_NOT_TO_SAY)
        unknown = self._each_quarter(
            "completed", lambda q, inside: select(q, func.count()).where(inside, not_(answered))
        )
        return out, Counter({q: int(n) for q, n in unknown if n})

    def child_ages(self) -> PerQuarter:
        if not self._by_quarter:
            return self._child_ages_joined()
        c, ch = self.t.cases.c, self.t.children.c
        rows = self._each_quarter(
            "completed",
            lambda q, inside: (
                select(q, ch.age, func.count())
                .join_from(self.t.cases, self.t.children, ch.case_id == c.case_id)
                .where(inside, ch.age.isnot(None))
                .group_by(ch.age)
            ),
        )
        out = empty()
        for q, age, n in rows:
            out[q][int(age)] += int(n)
        return out

    # -- PostgreSQL: a join of the period's cases with the whole table, hashed once -----------------

    def _done_cases(self) -> Any:
        """The completed cases in the period and their quarter, as a subquery."""
        c = self.t.cases.c
        return (
            select(c.case_id, self._quarter("completed").label("q"))
            .where(self._in_period("completed"))
            .subquery()
        )

    def _units_joined(self) -> PerQuarter:
        done, m = self._done_cases(), self.t.measures
        rows = self.conn.execute(
            select(done.c.q, m.c.category, func.sum(m.c.quantity))
            .join_from(done, m, m.c.case_id == done.c.case_id)
            .where(done.c.q.isnot(None))
            .group_by(done.c.q, m.c.category)
        )
        out = empty()
        for q, category, units in rows:
            out[q][category] += int(units or 0)
        return out

    def _spent_joined(self) -> PerQuarter:
        m = self.t.measures
        spent = (
            select(m.c.case_id, type_coerce(func.sum(m.c.total_gbp), Money).label("spend"))
            .group_by(m.c.case_id)
            .subquery()
        )
        done = self._done_cases()
        spend = type_coerce(func.coalesce(spent.c.spend, 0), Money)
        rows = self.conn.execute(
            select(done.c.q, spend, func.count())
            .join_from(done, spent, spent.c.case_id == done.c.case_id, isouter=True)
            .where(done.c.q.isnot(None))
            .group_by(done.c.q, spend)
        )
        out = empty()
        for q, amount, n in rows:
            out[q][Decimal(str(amount)).quantize(Decimal("0.01"))] += int(n)
        return out

    def _disabilities_joined(self) -> tuple[PerQuarter, Counter[str]]:
        d, done = self.t.disabilities, self._done_cases()
        rows = self.conn.execute(
            select(done.c.q, d.c.disability, func.count())
            .join_from(done, d, d.c.case_id == done.c.case_id)
            .where(done.c.q.isnot(None))
            .group_by(done.c.q, d.c.disability)
        )
        out = empty()
        for q, disability, n in rows:
            out[q][disability] += int(n)
        answered = exists().where(d.c.case_id == done.c.case_id, d.c.disability != PREFER_NOT_TO_SAY)
        unknown = self.conn.execute(
            select(done.c.q, func.count()).where(done.c.q.isnot(None), not_(answered)).group_by(done.c.q)
        )
        return out, Counter({q: int(n) for q, n in unknown})

    def _child_ages_joined(self) -> PerQuarter:
        ch, done = self.t.children, self._done_cases()
        rows = self.conn.execute(
            select(done.c.q, ch.c.age, func.count())
            .join_from(done, ch, ch.c.case_id == done.c.case_id)
            .where(done.c.q.isnot(None), ch.c.age.isnot(None))
            .group_by(done.c.q, ch.c.age)
        )
        out = empty()
        for q, age, n in rows:
            out[q][int(age)] += int(n)
        return out

    def undecided(self, day: date, before: bool) -> int:
        if (day, before) not in self._undecided:
            self._count_undecided()
        return self._undecided[(day, before)]

    def _count_undecided(self) -> None:
        """Every day the awaiting rows ask about (each quarter's first and last, the period's), in
        one pass."""
        c = self.t.cases.c
        not_accepted = self._when["not_accepted"][0]
        bounds = [b for b in self.period.quarter_bounds() if b[0] <= self.period.end]
        days = sorted(
            {(first, True) for first, _ in bounds}
            | {(last, False) for _, last in bounds}
            | {(self.period.start, True), (self.period.end, False)}
        )

        def by(expr: ColumnElement[Any], day: date, before: bool) -> ColumnElement[bool]:
            return and_(expr.isnot(None), expr < day if before else expr <= day)

        sums = [
            func.coalesce(
                func.sum(
                    case(
                        (
                            and_(
                                by(c.referral_received_on, day, before),
                                not_(or_(by(c.accepted_on, day, before), by(not_accepted, day, before))),
                            ),
                            1,
                        ),
                        else_=0,
                    )
                ),
                0,
            )
            for day, before in days
        ]
        row = self.conn.execute(select(*sums).select_from(self.t.cases)).one()
        self._undecided = {key: int(n) for key, n in zip(days, row, strict=True)}

    def approved_waiting(self, end: date) -> tuple[Decimal, int]:
        c = self.t.cases.c
        after = datetime(end.year, end.month, end.day) + timedelta(1)
        query = select(type_coerce(func.sum(c.approved_cost_gbp), Money), func.count()).where(
            c.approved_on.isnot(None),
            c.approved_on <= end,
            or_(c.completed_at.is_(None), c.completed_at >= after),
            or_(c.cancelled_on.is_(None), c.cancelled_on > end),
            or_(c.closed_on.is_(None), c.closed_on > end),
        )
        total, n = self.conn.execute(query).one()
        return (Decimal(str(total)).quantize(Decimal("0.01")) if total is not None else Decimal(0)), int(n)


def day_of(conn: Connection, moment: ColumnElement[Any]) -> ColumnElement[Any]:
    """The (UTC) day of a moment column, as CaseFacts.day: SQLite holds moments as text."""
    if conn.dialect.name == "sqlite":
        return func.date(moment)
    return cast(moment, Date)


def as_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
