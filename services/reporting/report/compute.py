"""Compute the monitoring report from the read models: the template's tables, the guidance's other
outputs, then the scheme's own measures. Exact figures; the funder view is anonymised afterwards.

Which date puts a case in a quarter: referrals by the day received (accepted / not accepted by the
day decided); installations, measures, spend and every client, household and safety table by the
day the installation was completed (the template describes the clients receiving an installation).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from services.reporting.readmodel.store import ReadModelStore
from services.reporting.report import template as T
from services.reporting.report.anonymise import apply_audience
from services.reporting.report.facts import CaseFacts, Facts, load_facts
from services.reporting.report.model import Audience, Kind, Relation, Report, Row, Section, Value
from services.reporting.report.quarters import COLUMNS, QUARTERS, Period
from services.reporting.report.scheme_measures import scheme_sections
from services.reporting.report.settings import ReportSettings
from services.reporting.report.workdays import working_days_between

When = Callable[[CaseFacts], date | None]


def count_row(
    label: str, period: Period, cases: Iterable[CaseFacts], when: When, weight: Callable[[CaseFacts], int]
) -> Row:
    values: dict[str, Value] = dict.fromkeys(COLUMNS, 0)
    refs: list[str] = []
    for case in cases:
        quarter = period.quarter_of(when(case))
        n = weight(case) if quarter else 0
        if quarter and n:
            values[quarter] = int(values[quarter] or 0) + n
            values["Total"] = int(values["Total"] or 0) + n
            refs.append(case.case_id)
    return Row(label, values, Kind.COUNT, cases=refs)


def average_row(
    label: str,
    period: Period,
    samples: Iterable[tuple[date | None, float]],
    how: str = "mean",
    places: int = 1,
) -> Row:
    by: dict[str, list[float]] = {c: [] for c in COLUMNS}
    for day, value in samples:
        quarter = period.quarter_of(day)
        if quarter:
            by[quarter].append(value)
            by["Total"].append(value)
    values: dict[str, Value] = {}
    for column, xs in by.items():
        if not xs:
            values[column] = None
        elif how == "min":
            values[column] = _round(min(xs), places)
        elif how == "max":
            values[column] = _round(max(xs), places)
        else:
            values[column] = _round(sum(xs) / len(xs), places)
    return Row(label, values, Kind.AVERAGE, basis={c: len(xs) for c, xs in by.items()})


def _round(x: float, places: int) -> float:
    return float(Decimal(str(x)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def _is(column: str, value: object) -> Callable[[CaseFacts], int]:
    return lambda c: int(c.row.get(column) == value)


def _units(category: str) -> Callable[[CaseFacts], int]:
    return lambda c: sum(int(m["quantity"]) for m in c.measures if m["category"] == category)


def _has_disability(disability: str) -> Callable[[CaseFacts], int]:
    return lambda c: int(disability in c.disabilities)


def _in_group(members: tuple[str, ...]) -> Callable[[CaseFacts], int]:
    return lambda c: int(c.row.get("ethnicity") in members)


def _completed(c: CaseFacts) -> date | None:
    return c.day("completed_at")


def compute_report(
    store: ReadModelStore, period: Period, audience: Audience, settings: ReportSettings
) -> Report:
    facts = load_facts(store)
    report = Report(
        period.start, period.end, audience, settings.scheme, template_sections(facts, period, settings)
    )
    report.sections += scheme_sections(facts, period, settings)
    return apply_audience(report, settings.suppression_threshold)


def template_sections(facts: Facts, period: Period, settings: ReportSettings) -> list[Section]:
    cases = facts.cases
    done = [c for c in cases if c.row.get("completed_at")]

    def rows(column: str, labels: Iterable[str], unknown: bool) -> list[Row]:
        out = [count_row(label, period, done, _completed, _is(column, label)) for label in labels]
        if unknown:
            known = set(labels)
            out.append(
                count_row(T.UNKNOWN, period, done, _completed, lambda c: int(c.row.get(column) not in known))
            )
        return out

    def breakdown(title: str, column: str, labels: tuple[str, ...], unknown: bool) -> Section:
        body = rows(column, labels, unknown)
        return Section(title, body, [Relation(f"{T.REFERRALS}::{T.COMPLETED}", tuple(r.label for r in body))])

    referrals = Section(
        T.REFERRALS,
        [
            count_row(T.RECEIVED, period, cases, lambda c: c.day("referral_received_on"), lambda c: 1),
            count_row(T.ACCEPTED, period, cases, lambda c: c.day("accepted_at"), lambda c: 1),
            count_row(T.NOT_ACCEPTED, period, cases, lambda c: c.day("declined_on"), lambda c: 1),
            count_row(T.CANCELLED, period, cases, lambda c: c.day("cancelled_on"), lambda c: 1),
            count_row(T.COMPLETED, period, done, _completed, lambda c: 1),
        ],
    )
    for row in referrals.rows:
        if row.label != T.CANCELLED:
            row.cases = []
    sources = Section(
        "Referral sources",
        [
            count_row(s, period, cases, lambda c: c.day("referral_received_on"), _is("referral_source", s))
            for s in T.REFERRAL_SOURCES
        ],
        [Relation(f"{T.REFERRALS}::{T.RECEIVED}", T.REFERRAL_SOURCES)],
    )
    measures = Section(
        "Measures installed",
        [
            count_row(
                label,
                period,
                done,
                _completed,
                _units(label),
            )
            for label in T.MEASURES
        ],
        note="Units fitted, counted in the quarter the installation was completed.",
    )
    spend = [(_completed(c), float(c.spend)) for c in done]
    spend_section = Section(
        "Spend per household",
        [
            average_row("Lowest spend", period, spend, "min", 2),
            average_row("Highest spend", period, spend, "max", 2),
            average_row("Average spend per household", period, spend, "mean", 2),
        ],
        note="Pounds, on measures installed, per household whose installation was completed.",
    )
    days = Section(
        "Days between referral and installation",
        [
            average_row(
                "Average number of days between referral and installation",
                period,
                [
                    (
                        _completed(c),
                        float(
                            working_days_between(
                                c.day("referral_received_on") or date.min,
                                _completed(c) or date.min,
                                settings.country,
                                settings.subdivision,
                            )
                        ),
                    )
                    for c in done
                    if c.day("referral_received_on")
                ],
            )
        ],
        note="Working days, weekends and bank holidays excluded.",
    )
    gender = breakdown("Gender", "gender", T.GENDERS, True)
    identity = Section(
        "Gender identity",
        [
            count_row(
                T.GENDER_IDENTITY_DIFFERS, period, done, _completed, _is("gender_identity_differs", True)
            )
        ],
    )
    disability = Section(
        "Disability",
        [
            *(count_row(d, period, done, _completed, _has_disability(d)) for d in T.DISABILITIES),
            count_row(T.UNKNOWN, period, done, _completed, lambda c: int(not c.disabilities)),
        ],
    )
    ethnicity_rows: list[Row] = []
    relations: list[Relation] = []
    for heading, members in T.ETHNIC_GROUPS:
        member_rows = [count_row(m, period, done, _completed, _is("ethnicity", m)) for m in members]
        head = count_row(heading, period, done, _completed, _in_group(members))
        head.kind = Kind.HEADING
        ethnicity_rows += [head, *member_rows]
        relations.append(Relation(heading, members))
    known = {m for _, ms in T.ETHNIC_GROUPS for m in ms}
    ethnicity_rows.append(
        count_row(T.UNKNOWN, period, done, _completed, lambda c: int(c.row.get("ethnicity") not in known))
    )
    relations.append(Relation(f"{T.REFERRALS}::{T.COMPLETED}", (*(h for h, _ in T.ETHNIC_GROUPS), T.UNKNOWN)))
    ethnicity = Section("Ethnicity", ethnicity_rows, relations)
    interpreter = Section(
        T.INTERPRETER_NEEDED,
        [count_row(T.INTERPRETER_NEEDED, period, done, _completed, _is("interpreter_needed", True))],
    )
    age = breakdown("Age", "age_band", T.AGE_BANDS, True)
    support = Section(
        "Additional support",
        [
            count_row(T.ADDITIONAL_SUPPORT[0], period, done, _completed, _is("nrpf", True)),
            count_row(T.ADDITIONAL_SUPPORT[1], period, done, _completed, _is("pregnant", True)),
            count_row(T.ADDITIONAL_SUPPORT[2], period, done, _completed, _is("other_support_needs", True)),
        ],
    )
    accommodation = breakdown("Accommodation type", "accommodation_type", T.ACCOMMODATION_TYPES, False)
    tenure = breakdown("Tenure type", "tenure_type", T.TENURE_TYPES, False)
    children = Section(
        "Number of dependent children",
        [
            count_row(
                "Number of dependent children",
                period,
                done,
                _completed,
                lambda c: int(c.row.get("children_count") or 0),
            )
        ],
    )
    child_ages = Section(
        "Average age of children",
        [
            average_row(
                "Average age of children",
                period,
                [(_completed(c), float(a)) for c in done for a in c.child_ages if a is not None],
            )
        ],
    )
    risk_rows = [
        count_row(level, period, done, _completed, _is("risk_level", level)) for level in T.RISK_LEVELS
    ]
    safety = Section(
        "Client safety",
        [
            *risk_rows,
            count_row(T.MARAC, period, done, _completed, _is("marac_referral", True)),
            count_row(T.ARSON, period, done, _completed, _is("arson_risk", True)),
        ],
        [Relation(f"{T.REFERRALS}::{T.COMPLETED}", T.RISK_LEVELS)],
        note="Risk level from the DASH risk identification checklist.",
    )
    return [
        referrals,
        sources,
        measures,
        spend_section,
        days,
        gender,
        identity,
        disability,
        ethnicity,
        interpreter,
        age,
        support,
        accommodation,
        tenure,
        children,
        child_ages,
        safety,
        *guidance_sections(facts, period),
    ]


def guidance_sections(facts: Facts, period: Period) -> list[Section]:
    """The monitoring guidance's other outputs: reasons for non-acceptance and cancellation, costs."""
    cases = facts.cases
    declined = sorted({str(c.row["decline_reason"]) for c in cases if c.row.get("decline_reason")})
    cancelled = sorted({str(c.row["cancellation_reason"]) for c in cases if c.row.get("cancellation_reason")})
    reasons = Section(
        "Reasons for non-acceptance",
        [
            count_row(r, period, cases, lambda c: c.day("declined_on"), _is("decline_reason", r))
            for r in declined
        ],
        [Relation(f"{T.REFERRALS}::{T.NOT_ACCEPTED}", tuple(declined))],
    )
    for row in reasons.rows:
        row.cases = []
    cancellations = Section(
        "Reasons for cancellation",
        [
            count_row(r, period, cases, lambda c: c.day("cancelled_on"), _is("cancellation_reason", r))
            for r in cancelled
        ],
        [Relation(f"{T.REFERRALS}::{T.CANCELLED}", tuple(cancelled))],
    )
    cost = money_row(
        "Total cost of measures installed",
        period,
        [(_completed(c), c.spend) for c in cases if c.row.get("completed_at")],
    )
    return [reasons, cancellations, Section("Cost of measures installed", [cost], note="Pounds.")]


def money_row(label: str, period: Period, samples: Iterable[tuple[date | None, Decimal]]) -> Row:
    values: dict[str, Value] = dict.fromkeys(COLUMNS, 0.0)
    for day, amount in samples:
        quarter = period.quarter_of(day)
        if quarter:
            values[quarter] = float(Decimal(str(values[quarter])) + amount)
            values["Total"] = float(Decimal(str(values["Total"])) + amount)
    return Row(label, values, Kind.MONEY)


__all__ = ["QUARTERS", "compute_report"]
