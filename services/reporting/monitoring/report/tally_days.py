"""The template's tallies from the day counts the read models keep (``day_counts.py``): what
``sanctuary report`` runs. One query reads the period's days (and the stocks still open in it), and
each quarter is the sum of its days, so the cost follows days and distinct answers, not cases.
Anything the day counts do not keep (a count by other answers, the list of cancelled cases) is
asked of the cases in SQL (``tally_sql.SqlTally``). The same figures as ``tally.FactsTally``."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.engine import Connection

from services.reporting.monitoring.readmodel.tables import Tables
from services.reporting.monitoring.report import day_counts as D
from services.reporting.monitoring.report.measure_counts import FOLLOW_UP
from services.reporting.monitoring.report.quarters import Period
from services.reporting.monitoring.report.tally import EVER, PerQuarter, empty
from services.reporting.monitoring.report.tally_sql import SqlTally, as_date


class DayTally:
    def __init__(self, conn: Connection, tables: Tables, period: Period) -> None:
        self.period = period
        self._cases = SqlTally(conn, tables, period)
        self._days: dict[str, list[tuple[date, tuple[object, ...], int]]] = defaultdict(list)
        self._stocks: dict[str, list[tuple[date, date, int, Decimal]]] = defaultdict(list)
        t = tables.day_counts.c
        in_period = and_(t.day >= period.start, t.day <= period.end)
        open_in_period = and_(
            t.kind.in_((D.DECISION, D.APPROVED)), t.day <= period.end, t.until >= period.start
        )
        # The follow-up counts are read where they are used: they reach back before the period.
        query = select(t.kind, t.day, t.value, t.until, t.n, t.amount).where(
            t.n != 0, t.kind != FOLLOW_UP, or_(in_period, t.day == D.NO_DAY, open_in_period)
        )
        for kind, day, value, until, n, amount in conn.execute(query):
            day, until = as_date(day), as_date(until)
            if kind in (D.DECISION, D.APPROVED):
                self._stocks[kind].append((day, until, int(n), Decimal(str(amount))))
            else:
                self._days[kind].append((day, D.decode(value), int(n)))

    def rows(self, kind: str) -> list[tuple[date, tuple[object, ...], int]]:
        """The period's counts of ``kind``: (day, answers, count) each."""
        return self._days[kind]

    def by_quarter(self, kind: str, key: Any = lambda v: v) -> PerQuarter:
        """The period's counts of ``kind`` by quarter and ``key`` of their answers."""
        out = empty()
        for day, value, n in self._days[kind]:
            quarter = self.period.quarter_of(day)
            if quarter:
                out[quarter][key(value)] += n
        return out

    def prefetch(self, when: str, wanted: dict[str, tuple[object, ...] | str]) -> None:
        return None  # every count the template asks for is kept already

    def counts(self, when: str, keys: tuple[str, ...] = ()) -> PerQuarter:
        if keys not in D.KEPT.get(when, ()):
            return self._cases.counts(when, keys)
        kind = D.counts_kind(when, keys)
        if when in EVER:
            return {"all": Counter({value: n for _, value, n in self._days[kind] if n})}
        return self.by_quarter(kind)

    def case_ids(self, when: str, key: str | None = None, value: object = None) -> list[str]:
        return self._cases.case_ids(when, key, value)

    def units(self) -> PerQuarter:
        return self.by_quarter(D.UNITS, lambda v: v[0])

    def spends(self) -> PerQuarter:
        return self.by_quarter(D.SPEND, lambda v: Decimal(str(v[0])))

    def waits(self) -> PerQuarter:
        out = empty()
        for day, value, n in self._days[D.WAIT]:
            quarter = self.period.quarter_of(day)
            if quarter:
                out[quarter][(date.fromisoformat(str(value[0])), day)] += n
        return out

    def disabilities(self) -> tuple[PerQuarter, Counter[str]]:
        unknown = self.by_quarter(D.NO_DISABILITY)
        return self.by_quarter(D.DISABILITY, lambda v: v[0]), Counter(
            {q: c.total() for q, c in unknown.items() if c.total()}
        )

    def child_ages(self) -> PerQuarter:
        return self.by_quarter(D.CHILD_AGE, lambda v: v[0])

    def undecided(self, day: date, before: bool) -> int:
        """Received before (by) ``day`` and not decided before (by) it."""
        if before:
            return sum(n for received, decided, n, _ in self._stocks[D.DECISION] if received < day <= decided)
        return sum(n for received, decided, n, _ in self._stocks[D.DECISION] if received <= day < decided)

    def approved_waiting(self, end: date) -> tuple[Decimal, int]:
        stock = self._stocks[D.APPROVED]
        waiting = [(n, pounds) for approved, done, n, pounds in stock if approved <= end < done]
        total = sum((pounds for _, pounds in waiting), Decimal(0))
        return total.quantize(Decimal("0.01")) if waiting else Decimal(0), sum(n for n, _ in waiting)
