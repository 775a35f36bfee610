"""The schemes' own measures from the day counts the read models keep (``measure_counts.py``): the
performance indicators (``performance.Indicators``) and the service standards (``standards.Standards``)
of the funders' report, by the same rules as in memory, for a cost that follows the number of days
and distinct answers rather than of cases.

The counts name no case, so they cannot list the late cases the coordinator's report shows: that
report asks the cases in SQL (``performance_sql``, ``standards_sql``), and so does any question the
counts do not keep (a contact deadline other than 24 hours, a stage no standard times).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy import and_, select
from sqlalchemy.engine import Connection

from services.reporting.monitoring.readmodel.tables import Tables
from services.reporting.monitoring.report import measure_counts as M
from services.reporting.monitoring.report.day_counts import decode
from services.reporting.monitoring.report.performance import Indicators, feedback_due
from services.reporting.monitoring.report.rows import PerQuarter, Shares
from services.reporting.monitoring.report.standards import STAGES, Due, Standards, Window, matches, waiting
from services.reporting.monitoring.report.tally import empty
from services.reporting.monitoring.report.tally_days import DayTally
from services.reporting.monitoring.report.tally_sql import as_date


def _day(value: object) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else None


class DayIndicators:
    def __init__(self, days: DayTally, cases: Indicators) -> None:
        self.days, self.rows, self.period, self._cases = days, days.rows, days.period, cases

    def _shares(self, kind: str, test: Callable[[date, tuple[object, ...]], bool | None]) -> Shares:
        """Counts of ``kind`` by quarter, whether ``test`` was met (None: left out)."""
        out = Shares()
        for day, answers, n in self.rows(kind):
            quarter = self.period.quarter_of(day)
            met = test(day, answers) if quarter else None
            if quarter and met is not None:
                out.add(quarter, n if met else 0, n)
        return out

    def contact(self, within: timedelta | None) -> Shares:
        if within not in (None, M.CONTACT_WITHIN):
            return self._cases.contact(within)
        last = self.period.end

        def test(day: date, answers: tuple[object, ...]) -> bool | None:
            made, in_time, given_up = answers
            # Still trying and not late yet: a 24-hour deadline passes within the period unless the
            # order came on its last day.
            if not made and not given_up and (within is None or day >= last):
                return None
            return bool(in_time if within else made)

        return self._shares(M.CONTACT, test)

    def take_up(self) -> Shares:
        return self._shares(M.TAKE_UP, lambda _, answers: bool(answers[0]))

    def channels(self) -> PerQuarter:
        return self.days.by_quarter(M.CHANNEL)

    def children(self) -> PerQuarter:
        return self.days.counts("completed", ("children_count",))

    def complaints(self) -> tuple[PerQuarter, PerQuarter]:
        return self._cases.complaints()  # their own small table, whose rows a resolution updates

    def feedback(self) -> PerQuarter:
        return self.days.by_quarter(M.FEEDBACK)

    def feedback_offered(self, months: int) -> Shares:
        end = self.period.end

        def test(completed: date, answers: tuple[object, ...]) -> bool | None:
            reached = bool(answers[0])
            return None if not reached and feedback_due(completed, months) >= end else reached

        return self._shares(M.FEEDBACK_OFFERED, test)

    def no_take_up(self) -> tuple[list[str], PerQuarter]:
        reasons = sorted({str(answers[0]) for _, answers, n in self.rows(M.NO_TAKE_UP_EVER) if n})
        declined = [(day, answers, n) for day, answers, n in self.rows(M.TAKE_UP) if not answers[0]]
        out = empty()
        for day, answers, n in declined:
            quarter = self.period.quarter_of(day)
            if quarter:
                out[quarter][(answers[1],)] += n
        return reasons, out

    def safety_outcomes(self) -> PerQuarter:
        return self.days.by_quarter(M.SAFETY_OUTCOME)


class DayStandards:
    def __init__(self, days: DayTally, conn: Connection, tables: Tables, cases: Standards) -> None:
        self.rows, self.period, self._cases = days.rows, days.period, cases
        self.conn, self.t = conn, tables
        self._follow_ups: list[tuple[date, tuple[object, ...], int]] | None = None

    def standard(self, start: str, end: str, due: Due) -> Shares:
        if (start, end) not in STAGES:
            return self._cases.standard(start, end, due)
        out = Shares()
        deadlines: dict[date, date] = {}
        for day, (reached_on, ended_on), n in self.rows(M.stage_kind(start, end)):
            quarter = self.period.quarter_of(day)
            if not quarter:
                continue
            if day not in deadlines:
                deadlines[day] = due(day)
            deadline = deadlines[day]
            reached = _day(reached_on)
            if waiting(reached, deadline, _day(ended_on), self.period.end):
                continue
            out.add(quarter, n if reached is not None and reached <= deadline else 0, n)
        return out

    def _completed(self) -> list[tuple[date, tuple[object, ...], int]]:
        """The follow-up counts of every installation completed by the end of the period: a window
        may open in the period a year or more after the installation."""
        if self._follow_ups is None:
            t = self.t.day_counts.c
            query = select(t.day, t.value, t.n).where(
                and_(t.kind == M.FOLLOW_UP, t.day <= self.period.end, t.n != 0)
            )
            self._follow_ups = [(as_date(d), decode(v), int(n)) for d, v, n in self.conn.execute(query)]
        return self._follow_ups

    def follow_up(self, window: Window, kind: str | None, needs_consent: bool) -> Shares:
        out = Shares()
        for completed, (refused, closed_on, contacts), n in self._completed():
            if needs_consent and refused:
                continue
            first, last = window(completed)
            quarter = self.period.quarter_of(first)
            closed = _day(closed_on)
            if not quarter or (closed is not None and closed < first):
                continue
            assert isinstance(contacts, list)
            met = any(matches(k, kind) and first <= date.fromisoformat(on) <= last for k, on in contacts)
            if not met and last >= self.period.end:
                continue  # not yet due
            out.add(quarter, n if met else 0, n)
        return out
