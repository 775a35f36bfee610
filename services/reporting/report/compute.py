"""Compute the monitoring report from the read models: the template's tables, the guidance's other
outputs, then the scheme's own measures. Exact figures; the funder view is anonymised afterwards.

Which date puts a case in a quarter: referrals by the day received (accepted / not accepted by the
day decided); installations, measures, spend and every client, household and safety table by the
day the installation was completed (the template describes the clients receiving an installation).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from services.reporting.readmodel.store import ReadModelStore
from services.reporting.report import template as T
from services.reporting.report.anonymise import apply_audience
from services.reporting.report.facts import CaseFacts, Facts, load_facts
from services.reporting.report.model import Audience, Kind, Relation, Report, Row, Section
from services.reporting.report.quarters import QUARTERS, Period
from services.reporting.report.rows import average_row, awaiting_row, count_row, money_row, where
from services.reporting.report.scheme_measures import BUDGET, SPEND, scheme_sections
from shared.scheme import SchemeConfig


def _is(column: str, value: object) -> Callable[[CaseFacts], int]:
    return lambda c: int(c.row.get(column) == value)


def _units(category: str) -> Callable[[CaseFacts], int]:
    return lambda c: sum(int(m["quantity"]) for m in c.measures if m["category"] == category)


def _has_disability(disability: str) -> Callable[[CaseFacts], int]:
    return lambda c: int(disability in c.disabilities)


def _disability_unknown(c: CaseFacts) -> int:
    """Not answered, or "Prefer not to say" ("No disability" is an answer)."""
    return int(not set(c.disabilities) - {"Prefer not to say"})


def risk_level(c: CaseFacts, scheme: SchemeConfig) -> str | None:
    """The assessment's DASH risk level; without one, the level of the RIC score on the form."""
    if c.row.get("risk_level"):
        return str(c.row["risk_level"])
    score = c.row.get("form_ric_score")
    if score is None:
        return None
    if score >= scheme.dash.high_threshold:
        return "High risk"
    return "Medium risk" if score >= scheme.dash.medium_threshold else "Low risk"


def marac_referral(c: CaseFacts) -> bool:
    """The assessment's MARAC decision; without one, the form's answer."""
    decided = c.row.get("marac_referral")
    return bool(decided if decided is not None else c.row.get("form_marac_referral"))


def _in_group(members: tuple[str, ...]) -> Callable[[CaseFacts], int]:
    return lambda c: int(c.row.get("ethnicity") in members)


def _completed(c: CaseFacts) -> date | None:
    return c.day("completed_at")


def compute_report(store: ReadModelStore, period: Period, audience: Audience, scheme: SchemeConfig) -> Report:
    """The whole report from the live read models: exact for the coordinator, anonymised for funders."""
    return report_from_facts(load_facts(store), period, audience, scheme)


def report_from_facts(facts: Facts, period: Period, audience: Audience, scheme: SchemeConfig) -> Report:
    sections = [*template_sections(facts, period, scheme), *scheme_sections(facts, period, scheme)]
    report = Report(period.start, period.end, audience, scheme.name, sections, quarters=period.quarters())
    for section in report.sections:  # quarters after the period's end are blank, not 0
        for row in section.rows:
            row.values |= {q: None for q in QUARTERS if q not in report.quarters}
    return apply_audience(report, scheme.reporting.suppression_threshold)


def at_most(label: str) -> Relation:
    """A row counting some of the households whose installation was completed: never more."""
    return Relation(f"{T.REFERRALS}::{T.COMPLETED}", (label,), at_most=True)


def template_sections(facts: Facts, period: Period, scheme: SchemeConfig) -> list[Section]:
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
            count_row(T.ACCEPTED, period, cases, lambda c: c.day("accepted_on"), lambda c: 1),
            count_row(T.NOT_ACCEPTED, period, cases, CaseFacts.not_accepted_on, lambda c: 1),
            awaiting_row(T.AWAITING_START, period, cases, at_end=False),
            awaiting_row(T.AWAITING_END, period, cases, at_end=True),
            count_row(T.CANCELLED, period, cases, lambda c: c.day("cancelled_on"), lambda c: 1, listed=True),
            count_row(T.COMPLETED, period, done, _completed, lambda c: 1),
        ],
    )
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
    workdays = scheme.working_days()
    waits = [
        (completed, float(workdays.between(received, completed)))
        for c in done
        if (received := c.day("referral_received_on")) and (completed := _completed(c))
    ]
    days = Section(
        "Days between referral and installation",
        [average_row("Average number of days between referral and installation", period, waits)],
        note="Working days from the day the referral was received, weekends and bank holidays excluded.",
    )
    gender = breakdown("Gender", "gender", T.GENDERS, True)
    identity = Section(
        "Gender identity",
        [
            count_row(
                T.GENDER_IDENTITY_DIFFERS, period, done, _completed, _is("gender_identity_differs", True)
            )
        ],
        [at_most(T.GENDER_IDENTITY_DIFFERS)],
    )
    disability = Section(
        "Disability",
        [
            *(count_row(d, period, done, _completed, _has_disability(d)) for d in T.DISABILITIES),
            count_row(T.UNKNOWN, period, done, _completed, _disability_unknown),
        ],
        [at_most(d) for d in (*T.DISABILITIES, T.UNKNOWN)],
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
        [at_most(T.INTERPRETER_NEEDED)],
    )
    age = breakdown("Age", "age_band", T.AGE_BANDS, True)
    support = Section(
        "Additional support",
        [
            count_row(T.ADDITIONAL_SUPPORT[0], period, done, _completed, _is("nrpf", True)),
            count_row(T.ADDITIONAL_SUPPORT[1], period, done, _completed, _is("pregnant", True)),
            count_row(T.ADDITIONAL_SUPPORT[2], period, done, _completed, _is("other_support_needs", True)),
        ],
        [at_most(s) for s in T.ADDITIONAL_SUPPORT],
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
        count_row(level, period, done, _completed, where(lambda c: risk_level(c, scheme), level))
        for level in T.RISK_LEVELS
    ]
    safety = Section(
        "Client safety",
        [
            *risk_rows,
            count_row(T.MARAC, period, done, _completed, lambda c: int(marac_referral(c))),
            count_row(T.ARSON, period, done, _completed, _is("arson_risk", True)),
        ],
        [
            Relation(f"{T.REFERRALS}::{T.COMPLETED}", T.RISK_LEVELS),
            at_most(T.MARAC),
            at_most(T.ARSON),
        ],
        note="Risk level and MARAC referral from the DASH RIC assessment, or the referral form without one.",
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
        *guidance_sections(facts, period, scheme),
    ]


def _reasons(listed: Iterable[str], seen: Iterable[str | None]) -> list[str]:
    """The scheme's list, word for word and in its order, then any other reason actually recorded."""
    out = list(dict.fromkeys(listed))
    return out + sorted({r for r in seen if r and r not in out})


def guidance_sections(facts: Facts, period: Period, scheme: SchemeConfig) -> list[Section]:
    """The monitoring guidance's other outputs: reasons for non-acceptance and cancellation, costs."""
    cases = facts.cases
    declined = _reasons(scheme.decline_reasons, (c.not_accepted_reason() for c in cases))
    cancelled = _reasons(scheme.cancellation_reasons, (c.row.get("cancellation_reason") for c in cases))
    reasons = Section(
        "Reasons for non-acceptance",
        [
            count_row(r, period, cases, CaseFacts.not_accepted_on, where(CaseFacts.not_accepted_reason, r))
            for r in declined
        ],
        [Relation(f"{T.REFERRALS}::{T.NOT_ACCEPTED}", tuple(declined))],
    )
    cancellations = Section(
        "Reasons for cancellation",
        [
            count_row(r, period, cases, lambda c: c.day("cancelled_on"), _is("cancellation_reason", r), True)
            for r in cancelled
        ],
        [Relation(f"{T.REFERRALS}::{T.CANCELLED}", tuple(cancelled))],
    )
    cost = money_row(
        "Total cost of measures installed", period, [(_completed(c), c.spend) for c in cases if _completed(c)]
    )
    # The same figure as the budget section's spend: hidden in the same cells.
    same = [Relation(cost.label, (f"{BUDGET}::{SPEND}",))]
    return [reasons, cancellations, Section("Cost of measures installed", [cost], same, note="Pounds.")]


__all__ = ["QUARTERS", "compute_report"]
