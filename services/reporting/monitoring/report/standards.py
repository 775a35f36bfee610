"""The South Essex service standards (seed 002) as the percentage of cases meeting each, by the quarter
its clock started; the coordinator's report lists the late cases. Timescales come from the scheme
configuration and working days from shared.workdays (the scheme's region's bank holidays).

A stage not reached yet counts as late once its due date has passed by the end of the period; it is
left out while still within time, and when the case was cancelled or closed before it fell due.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Protocol

from dateutil.relativedelta import relativedelta

from services.reporting.monitoring.report.calendar import working_days
from services.reporting.monitoring.report.facts import CaseFacts, Facts
from services.reporting.monitoring.report.model import Row, Section
from services.reporting.monitoring.report.quarters import Period
from services.reporting.monitoring.report.rows import Shares, shares_of, shares_row
from shared.contracts import referral as R
from shared.scheme import SchemeConfig

VISIT = R.FollowUpKind.VISIT_AFTER_INSTALLATION.value
KIND_OF_MONTHS = {
    3: R.FollowUpKind.MONTHS_3.value,
    6: R.FollowUpKind.MONTHS_6.value,
    12: R.FollowUpKind.MONTHS_12.value,
}
WINDOW = timedelta(days=14)  # a contact "at N months" may fall up to two weeks either side
# The stages the standards time: (the column whose day starts the clock, the one whose day stops it).
CPO_REFERRAL = ("accepted_on", "cpo_opened_at")
ASSESSMENT = ("cpo_opened_at", "assessed_at")
WORKS_STARTED = ("works_order_at", "works_started_at")
WORKS_COMPLETED = ("works_order_at", "completed_at")
FIRE_CHECK = ("completed_at", "fire_check_at")
STAGES = (CPO_REFERRAL, ASSESSMENT, WORKS_STARTED, WORKS_COMPLETED, FIRE_CHECK)


Due = Callable[[date], date]  # the day a stage falls due, from the day its clock started
Window = Callable[[date], tuple[date, date]]  # a follow-up's first and last day, from completion


class Standards(Protocol):
    """The samples of each standard: from the read models in SQL (standards_sql.SqlStandards) or
    from cases in memory (FactsStandards), by the same rules."""

    def standard(self, start: str, end: str, due: Due) -> Shares:
        """Cases whose ``start`` column is in the period, by whether ``end`` was reached by ``due``."""
        ...

    def follow_up(self, window: Window, kind: str | None, needs_consent: bool) -> Shares:
        """Completed cases whose follow-up window opens in the period, by whether a follow-up of
        ``kind`` was recorded inside it."""
        ...


def standards_title(scheme: SchemeConfig) -> str:
    return f"{scheme.name} service standards"


def service_standards(source: Standards, period: Period, scheme: SchemeConfig) -> Section:
    ts = scheme.timescales
    workdays = working_days(scheme)

    def wd(n: int) -> Due:
        return lambda d: workdays.add(d, n)

    def standard(label: str, stage: tuple[str, str], due: Due) -> Row:
        return shares_row(label, source.standard(*stage, due))

    n = ts.referral_to_cpo_working_days
    rows = [
        standard(
            f"Referral to the Crime Reduction Officer within {n} working day{'s' if n != 1 else ''} "
            "of accepting the case",
            CPO_REFERRAL,
            wd(n),
        ),
        standard(
            f"Assessment within {ts.assessment_working_days} working days of receipt of the referral",
            ASSESSMENT,
            wd(ts.assessment_working_days),
        ),
        standard(
            f"Works commenced within {ts.works_start_working_days} working days of receiving the works order",
            WORKS_STARTED,
            wd(ts.works_start_working_days),
        ),
        standard(
            f"Works completed within {ts.works_complete_working_days} working days "
            "of receiving the works order",
            WORKS_COMPLETED,
            # The same rule as the contractor's InstallationVisitBooked.completion_due_by.
            lambda d: ts.works_complete_due_by(workdays, d),
        ),
        standard(
            f"Fire risk assessment within {ts.fire_check_working_days} working days "
            "of the works being completed",
            FIRE_CHECK,
            wd(ts.fire_check_working_days),
        ),
    ]
    days = ts.follow_up_visit_days
    rows.append(
        shares_row(
            f"Follow-up visit within {days} days of the works being completed",
            source.follow_up(lambda d: (d, d + timedelta(days=days)), VISIT, needs_consent=False),
        )
    )
    for months in ts.follow_up_contact_months:
        rows.append(
            shares_row(
                f"Contact at {months} months after completion of works",
                source.follow_up(around(months), KIND_OF_MONTHS.get(months), needs_consent=True),
            )
        )
    return Section(
        standards_title(scheme),
        rows,
        note="Percentage of cases meeting each standard; the coordinator's report lists the late cases.",
    )


def ended_on(c: CaseFacts) -> date | None:
    """The day the case was cancelled or closed, whichever came first (None: neither)."""
    return min((d for d in (c.day("cancelled_on"), c.day("closed_on")) if d is not None), default=None)


def waiting(reached: date | None, deadline: date, ended: date | None, period_end: date) -> bool:
    """Left out of a standard: not reached and still within time at the end of the period, or the
    case ended (cancelled, closed) before the stage fell due."""
    return reached is None and (deadline >= period_end or (ended is not None and ended <= deadline))


def around(months: int) -> Callable[[date], tuple[date, date]]:
    """Two weeks either side of the day a contact falls due, ``months`` after completion."""

    def window(completed: date) -> tuple[date, date]:
        due = completed + relativedelta(months=months)
        return due - WINDOW, due + WINDOW

    return window


class FactsStandards:
    def __init__(self, facts: Facts, period: Period) -> None:
        self.cases, self.period = facts.cases, period

    def standard(self, start: str, end: str, due: Due) -> Shares:
        samples: list[tuple[date | None, bool, str]] = []
        for c in self.cases:
            began, reached = c.day(start), c.day(end)
            if began is None:
                continue
            deadline = due(began)
            if waiting(reached, deadline, ended_on(c), self.period.end):
                continue
            samples.append((began, reached is not None and reached <= deadline, c.case_id))
        return shares_of(self.period, samples)

    def follow_up(self, window: Window, kind: str | None, needs_consent: bool) -> Shares:
        """A follow-up of ``kind`` (any but the visit when the scheme's month has no kind of its own)
        recorded inside the window, by the quarter the window opens. Left out: clients who refused or
        withdrew consent to follow-up contact, and cases closed before the window opened."""
        samples: list[tuple[date | None, bool, str]] = []
        for c in self.cases:
            completed = c.day("completed_at")
            if completed is None or (needs_consent and c.row.get("follow_up_consent") is False):
                continue
            first, last = window(completed)
            closed = c.day("closed_on")
            if closed is not None and closed < first:
                continue
            met = any(first <= f["contact_on"] <= last for f in c.follow_ups if _matches(f, kind))
            if not met and last >= self.period.end:
                continue  # not yet due
            samples.append((first, met, c.case_id))
        return shares_of(self.period, samples)


def _matches(follow_up: dict[str, object], kind: str | None) -> bool:
    return matches(follow_up["kind"], kind)


def matches(recorded: object, wanted: str | None) -> bool:
    """A follow-up of the kind wanted; with none, any follow-up but the visit."""
    return recorded == wanted if wanted else recorded != VISIT
