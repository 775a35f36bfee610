"""The scheme's own measures after the template: the Tower Hamlets performance indicators the events
can answer (seed 004 section 15), the South Essex service standards as percentages met per stage
(seed 002), and spend against the annual budget and household target."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal

from services.reporting.report.facts import CaseFacts, Facts
from services.reporting.report.model import Kind, Row, Section, Value
from services.reporting.report.quarters import COLUMNS, Period, add_months
from services.reporting.report.settings import ReportSettings
from services.reporting.report.workdays import add_working_days

CHANNELS = ("telephone", "face to face", "letter", "other")
CONTACT_MADE = "contact made"


def percent_row(label: str, period: Period, samples: list[tuple[date | None, bool, str]]) -> Row:
    """Share of cases meeting a test, per quarter of ``date``; the cases that did not are listed."""
    num = dict.fromkeys(COLUMNS, 0)
    den = dict.fromkeys(COLUMNS, 0)
    missed: list[str] = []
    for day, met, case_id in samples:
        quarter = period.quarter_of(day)
        if not quarter:
            continue
        for column in (quarter, "Total"):
            den[column] += 1
            num[column] += int(met)
        if not met:
            missed.append(case_id)
    values: dict[str, Value] = {c: round(100 * num[c] / den[c], 1) if den[c] else None for c in COLUMNS}
    return Row(label, values, Kind.PERCENT, parts={c: (num[c], den[c]) for c in COLUMNS}, cases=missed)


def _count(label: str, period: Period, days: list[date | None]) -> Row:
    values: dict[str, Value] = dict.fromkeys(COLUMNS, 0)
    for day in days:
        quarter = period.quarter_of(day)
        if quarter:
            values[quarter] = int(values[quarter] or 0) + 1
            values["Total"] = int(values["Total"] or 0) + 1
    return Row(label, values, Kind.COUNT)


def _day(value: datetime | date | None) -> date | None:
    return value.date() if isinstance(value, datetime) else value


def performance_indicators(facts: Facts, period: Period) -> Section:
    cases = facts.cases
    ordered = [c for c in cases if c.row.get("works_order_at")]

    def first_made(c: CaseFacts) -> datetime | None:
        made = [m["attempted_at"] for m in c.contacts if m["outcome"] == CONTACT_MADE]
        return min(made) if made else None

    def within_24h(c: CaseFacts) -> bool:
        made = first_made(c)
        return made is not None and made - c.row["works_order_at"] <= timedelta(hours=24)

    offered = [c for c in cases if c.row.get("accepted_at")]
    done = [c for c in cases if c.row.get("completed_at")]
    contacts = [(m["channel"], _day(m["attempted_at"])) for c in cases for m in c.contacts]
    feedback = [f for c in cases for f in c.feedback]
    offered_feedback = [(c, f) for c in done for f in c.follow_ups if f.get("feedback_offered")]
    rows = [
        percent_row(
            "Percentage of clients contacted within 24 hours",
            period,
            [(c.day("works_order_at"), within_24h(c), c.case_id) for c in ordered],
        ),
        percent_row(
            "Percentage of clients the service was able to successfully contact",
            period,
            [(c.day("works_order_at"), first_made(c) is not None, c.case_id) for c in ordered],
        ),
        percent_row(
            "Percentage of clients taking up the service when offered",
            period,
            [(c.day("accepted_at"), not c.row.get("cancelled_on"), c.case_id) for c in offered],
        ),
        *(
            _count(f"Contacts by {channel}", period, [d for ch, d in contacts if ch == channel])
            for channel in CHANNELS
        ),
        _count(
            "Clients with children in household",
            period,
            [c.day("completed_at") for c in done if (c.row.get("children_count") or 0) > 0],
        ),
        Row(
            "Total number of children in households",
            _sum_by_quarter(
                period, [(c.day("completed_at"), int(c.row.get("children_count") or 0)) for c in done]
            ),
        ),
        _count("Complaints received", period, [x["received_on"] for x in facts.complaints]),
        _count(
            "Complaints resolved", period, [x["resolved_on"] for x in facts.complaints if x["resolved_on"]]
        ),
        _count(
            "Clients offered the opportunity to give feedback",
            period,
            [f["contact_on"] for _, f in offered_feedback],
        ),
        _count("Feedback forms completed", period, [f["received_on"] for f in feedback]),
        percent_row(
            "Percentage of clients giving feedback who were satisfied or very satisfied",
            period,
            [(f["received_on"], bool(f["satisfied"]), f["case_id"]) for f in feedback],
        ),
    ]
    for row in rows:
        if row.kind is Kind.PERCENT and "contacted" not in row.label and "successfully" not in row.label:
            row.cases = []
    return Section("Tower Hamlets performance indicators", rows)


def _sum_by_quarter(period: Period, samples: list[tuple[date | None, int]]) -> dict[str, Value]:
    values: dict[str, Value] = dict.fromkeys(COLUMNS, 0)
    for day, n in samples:
        quarter = period.quarter_of(day)
        if quarter and n:
            values[quarter] = int(values[quarter] or 0) + n
            values["Total"] = int(values["Total"] or 0) + n
    return values


def service_standards(facts: Facts, period: Period, settings: ReportSettings) -> Section:
    """Percentage of cases meeting each South Essex standard, by the quarter the clock started.
    A stage not yet reached counts as late once its due date has passed by the report's end."""
    ts = settings.timescales

    def wd(n: int) -> Callable[[date], date]:
        return lambda d: add_working_days(d, n, settings.country, settings.subdivision)

    def standard(label: str, start: str, end: str, due: Callable[[date], date]) -> Row:
        samples: list[tuple[date | None, bool, str]] = []
        for c in facts.cases:
            began, reached = c.day(start), c.day(end)
            if began is None:
                continue
            deadline = due(began)
            if reached is None and deadline >= period.end:
                continue  # still within time
            samples.append((began, reached is not None and reached <= deadline, c.case_id))
        return percent_row(label, period, samples)

    rows = [
        standard(
            "Referral to the Crime Reduction Officer within 1 working day of accepting the case",
            "accepted_at",
            "cpo_opened_at",
            wd(ts["referral_to_cpo_working_days"]),
        ),
        standard(
            "Assessment within 5 working days of receipt of the referral",
            "cpo_opened_at",
            "assessed_at",
            wd(ts["assessment_working_days"]),
        ),
        standard(
            "Works commenced within 2 working days of receiving the works order",
            "works_order_at",
            "works_started_at",
            wd(ts["works_start_working_days"]),
        ),
        standard(
            "Works completed within 7 working days of receiving the works order",
            "works_order_at",
            "completed_at",
            wd(ts["works_complete_working_days"]),
        ),
        standard(
            "Fire risk assessment within 10 working days of the works being completed",
            "completed_at",
            "fire_check_at",
            wd(ts["fire_check_working_days"]),
        ),
    ]
    visit_days = int(ts["follow_up_visit_days"])
    rows.append(
        _follow_up_row(
            facts,
            period,
            "Follow-up visit within 2 weeks of the works being completed",
            lambda d: (d, d + timedelta(days=visit_days)),
            "visit",
        )
    )
    for months in ts["follow_up_contact_months"]:
        rows.append(
            _follow_up_row(
                facts,
                period,
                f"Contact at {months} months after completion of works",
                _around(months),
                None,
            )
        )
    return Section(
        "South Essex service standards",
        rows,
        note="Percentage of cases meeting each standard; the coordinator's report lists the late cases.",
    )


def _around(months: int) -> Callable[[date], tuple[date, date]]:
    """Fourteen days either side of the date a contact falls due, ``months`` after completion."""

    def window(completed: date) -> tuple[date, date]:
        due = add_months(completed, months)
        return due - timedelta(days=14), due + timedelta(days=14)

    return window


def _follow_up_row(
    facts: Facts, period: Period, label: str, window: Callable[[date], tuple[date, date]], kind: str | None
) -> Row:
    samples: list[tuple[date | None, bool, str]] = []
    for c in facts.cases:
        completed = c.day("completed_at")
        if completed is None:
            continue
        first, last = window(completed)
        contacts = [f["contact_on"] for f in c.follow_ups if kind is None or f["kind"] == kind]
        met = any(first <= d <= last for d in contacts)
        if not met and last >= period.end:
            continue  # not yet due
        samples.append((first if kind is None else completed, met, c.case_id))
    return percent_row(label, period, samples)


def budget(facts: Facts, period: Period, settings: ReportSettings) -> Section:
    done = [c for c in facts.cases if c.row.get("completed_at")]
    spend: dict[str, Value] = dict.fromkeys(COLUMNS, 0.0)
    households: dict[str, Value] = dict.fromkeys(COLUMNS, 0)
    total = Decimal(0)
    for c in done:
        quarter = period.quarter_of(c.day("completed_at"))
        if quarter:
            for column in (quarter, "Total"):
                spend[column] = float(Decimal(str(spend[column])) + c.spend)
                households[column] = int(households[column] or 0) + 1
            total += c.spend
    only_total: Callable[[Value], dict[str, Value]] = lambda v: {**dict.fromkeys(COLUMNS), "Total": v}  # noqa: E731
    reached = int(households["Total"] or 0)
    return Section(
        "Spend against budget and household target",
        [
            Row("Spend on measures installed", spend, Kind.MONEY),
            Row("Annual budget", only_total(float(settings.annual_budget_gbp)), Kind.MONEY),
            Row("Budget remaining", only_total(float(settings.annual_budget_gbp - total)), Kind.MONEY),
            Row("Households with installations completed", households, Kind.COUNT),
            Row("Household target", only_total(settings.household_target), Kind.MONEY),
            Row(
                "Percentage of household target reached",
                only_total(
                    round(100 * reached / settings.household_target, 1) if settings.household_target else None
                ),
                Kind.MONEY,
            ),
        ],
        note="Pounds; households counted in the quarter their installation was completed.",
    )


def scheme_sections(facts: Facts, period: Period, settings: ReportSettings) -> list[Section]:
    return [
        performance_indicators(facts, period),
        service_standards(facts, period, settings),
        budget(facts, period, settings),
    ]
