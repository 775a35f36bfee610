"""Compute the monitoring report from the read models: the template's tables, the guidance's other
outputs, then the scheme's own measures. Exact figures; the funder view is anonymised afterwards.

Which date puts a case in a quarter: referrals by the day received (accepted / not accepted by the
day decided); installations, measures, spend and every client, household and safety table by the
day the installation was completed (the template describes the clients receiving an installation).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

from services.reporting.monitoring.readmodel.store import ReadModelStore
from services.reporting.monitoring.report import template as T
from services.reporting.monitoring.report.anonymise import apply_audience
from services.reporting.monitoring.report.calendar import working_days
from services.reporting.monitoring.report.day_counts import NOT_ACCEPTED_KEYS, RISK_KEYS
from services.reporting.monitoring.report.facts import CaseFacts, Facts
from services.reporting.monitoring.report.measures_days import DayIndicators, DayStandards
from services.reporting.monitoring.report.model import Audience, Kind, Relation, Report, Row, Section, Value
from services.reporting.monitoring.report.performance import FactsIndicators, Indicators
from services.reporting.monitoring.report.performance_sql import SqlIndicators
from services.reporting.monitoring.report.quarters import QUARTERS, Period
from services.reporting.monitoring.report.rows import PerQuarter, tally_average, tally_money, tally_row
from services.reporting.monitoring.report.scheme_measures import BUDGET, SPEND, scheme_sections
from services.reporting.monitoring.report.standards import FactsStandards, Standards
from services.reporting.monitoring.report.standards_sql import SqlStandards
from services.reporting.monitoring.report.tally import SUM, FactsTally, Tally
from services.reporting.monitoring.report.tally_days import DayTally
from shared.scheme import SchemeConfig


def risk_level(c: CaseFacts, scheme: SchemeConfig) -> str | None:
    """The assessment's DASH risk level; without one, the level of the RIC score on the form."""
    return risk_of(c.row.get("risk_level"), c.row.get("form_ric_score"), scheme)


def risk_of(level: object, score: object, scheme: SchemeConfig) -> str | None:
    if level:
        return str(level)
    if score is None:
        return None
    assert isinstance(score, int)
    if score >= scheme.dash.high_threshold:
        return "High risk"
    return "Medium risk" if score >= scheme.dash.medium_threshold else "Low risk"


def marac_referral(c: CaseFacts) -> bool:
    """The assessment's MARAC decision; without one, the form's answer."""
    return marac_of(c.row.get("marac_referral"), c.row.get("form_marac_referral"))


def marac_of(decided: object, on_form: object) -> bool:
    return bool(decided if decided is not None else on_form)


def not_accepted_reason(declined: bool, decline_reason: object, recipient: object) -> str:
    """CaseFacts.not_accepted_reason from the tallied columns."""
    return str(decline_reason) if declined else f"Safeguarding referral to {recipient}"


def compute_report(store: ReadModelStore, period: Period, audience: Audience, scheme: SchemeConfig) -> Report:
    """The whole report from the live read models: exact for the coordinator, anonymised for funders.
    The template's rows from the day counts kept with the cases; the scheme's own measures from them
    too, but for the coordinator, whose report lists the late cases by reference: those are counted
    from the cases in SQL, grouped by quarter (and by day where a rule needs the day)."""
    with store.engine.connect() as conn:
        tables = store.active(conn)
        tally = DayTally(conn, tables, period)
        indicators: Indicators = SqlIndicators(conn, tables, period)
        standards: Standards = SqlStandards(conn, tables, period)
        if audience is not Audience.COORDINATOR:  # who sees no list of late cases: the counts do
            indicators = DayIndicators(tally, indicators)
            standards = DayStandards(tally, conn, tables, standards)
        sections = [
            *template_sections(tally, period, scheme),
            *scheme_sections(indicators, standards, tally, period, scheme),
        ]
    return _finished(sections, period, audience, scheme)


def report_from_facts(facts: Facts, period: Period, audience: Audience, scheme: SchemeConfig) -> Report:
    tally = FactsTally(facts, period)
    indicators, standards = FactsIndicators(facts, period), FactsStandards(facts, period)
    sections = [
        *template_sections(tally, period, scheme),
        *scheme_sections(indicators, standards, tally, period, scheme),
    ]
    return _finished(sections, period, audience, scheme)


def _finished(sections: list[Section], period: Period, audience: Audience, scheme: SchemeConfig) -> Report:
    report = Report(period.start, period.end, audience, scheme.name, sections, quarters=period.quarters())
    for section in report.sections:  # quarters after the period's end are blank, not 0
        for row in section.rows:
            row.values |= {q: None for q in QUARTERS if q not in report.quarters}
    return apply_audience(report, scheme.reporting.suppression_threshold)


def at_most(label: str) -> Relation:
    """A row counting some of the households whose installation was completed: never more."""
    return Relation(f"{T.REFERRALS}::{T.COMPLETED}", (label,), at_most=True)


def template_sections(tally: Tally, period: Period, scheme: SchemeConfig) -> list[Section]:
    def one(_: object) -> int:
        return 1

    def by_value(column: str, when: str = "completed") -> PerQuarter:
        return {q: Counter({k[0]: n for k, n in c.items()}) for q, c in tally.counts(when, (column,)).items()}

    def rows(column: str, labels: Iterable[str], unknown: bool) -> list[Row]:
        tallied = by_value(column)
        out = [tally_row(label, tallied, _equals(label)) for label in labels]
        if unknown:
            known = set(labels)
            out.append(tally_row(T.UNKNOWN, tallied, lambda v: int(v not in known)))
        return out

    def breakdown(title: str, column: str, labels: tuple[str, ...], unknown: bool) -> Section:
        body = rows(column, labels, unknown)
        return Section(title, body, [Relation(f"{T.REFERRALS}::{T.COMPLETED}", tuple(r.label for r in body))])

    tally.prefetch(
        "completed",
        {
            "gender": T.GENDERS,
            "gender_identity_differs": (True,),
            "ethnicity": tuple(m for _, ms in T.ETHNIC_GROUPS for m in ms),
            "interpreter_needed": (True,),
            "age_band": T.AGE_BANDS,
            "nrpf": (True,),
            "pregnant": (True,),
            "other_support_needs": (True,),
            "accommodation_type": T.ACCOMMODATION_TYPES,
            "tenure_type": T.TENURE_TYPES,
            "children_count": SUM,
            "arson_risk": (True,),
        },
    )
    tally.prefetch("received", {"referral_source": T.REFERRAL_SOURCES})
    # The breakdowns first: the referrals' totals are theirs summed (one query fewer for SQL).
    tally.counts("not_accepted", NOT_ACCEPTED_KEYS)
    tally.counts("cancelled", ("cancellation_reason",))
    tally.case_ids("cancelled", "cancellation_reason", None)
    completed = tally.counts("completed")
    referrals = Section(
        T.REFERRALS,
        [
            tally_row(T.RECEIVED, tally.counts("received"), one),
            tally_row(T.ACCEPTED, tally.counts("accepted"), one),
            tally_row(T.NOT_ACCEPTED, tally.counts("not_accepted"), one),
            awaiting_of(T.AWAITING_START, period, tally, at_end=False),
            awaiting_of(T.AWAITING_END, period, tally, at_end=True),
            tally_row(T.CANCELLED, tally.counts("cancelled"), one, tally.case_ids("cancelled")),
            tally_row(T.COMPLETED, completed, one),
        ],
    )
    received = by_value("referral_source", "received")
    sources = Section(
        "Referral sources",
        [tally_row(s, received, _equals(s)) for s in T.REFERRAL_SOURCES],
        [Relation(f"{T.REFERRALS}::{T.RECEIVED}", T.REFERRAL_SOURCES)],
    )
    units = tally.units()
    measures = Section(
        "Measures installed",
        [tally_row(label, {q: Counter({(): u[label]}) for q, u in units.items()}) for label in T.MEASURES],
        note="Units fitted, counted in the quarter the installation was completed.",
    )
    spends = tally.spends()
    spend_section = Section(
        "Spend per household",
        [
            tally_average("Lowest spend", spends, "min", 2),
            tally_average("Highest spend", spends, "max", 2),
            tally_average("Average spend per household", spends, "mean", 2),
        ],
        note="Pounds, on measures installed, per household whose installation was completed.",
    )
    workdays = working_days(scheme)
    waits: PerQuarter = {}
    for q, pairs in tally.waits().items():
        waits[q] = Counter()
        for (received_on, completed_on), n in pairs.items():
            waits[q][float(workdays.between(received_on, completed_on))] += n
    days = Section(
        "Days between referral and installation",
        [tally_average("Average number of days between referral and installation", waits)],
        note="Working days from the day the referral was received, weekends and bank holidays excluded.",
    )
    gender = breakdown("Gender", "gender", T.GENDERS, True)
    identity = Section(
        "Gender identity",
        [tally_row(T.GENDER_IDENTITY_DIFFERS, by_value("gender_identity_differs"), _equals(True))],
        [at_most(T.GENDER_IDENTITY_DIFFERS)],
    )
    with_disability, no_disability = tally.disabilities()
    disability = Section(
        "Disability",
        [
            *(tally_row(d, with_disability, _equals(d)) for d in T.DISABILITIES),
            tally_row(T.UNKNOWN, {q: Counter({(): n}) for q, n in no_disability.items()}),
        ],
        [at_most(d) for d in (*T.DISABILITIES, T.UNKNOWN)],
    )
    ethnicities = by_value("ethnicity")
    ethnicity_rows: list[Row] = []
    relations: list[Relation] = []
    for heading, members in T.ETHNIC_GROUPS:
        member_rows = [tally_row(m, ethnicities, _equals(m)) for m in members]
        head = tally_row(heading, ethnicities, lambda v, ms=members: int(v in ms))  # type: ignore[misc]
        head.kind = Kind.HEADING
        ethnicity_rows += [head, *member_rows]
        relations.append(Relation(heading, members))
    known = {m for _, ms in T.ETHNIC_GROUPS for m in ms}
    ethnicity_rows.append(tally_row(T.UNKNOWN, ethnicities, lambda v: int(v not in known)))
    relations.append(Relation(f"{T.REFERRALS}::{T.COMPLETED}", (*(h for h, _ in T.ETHNIC_GROUPS), T.UNKNOWN)))
    ethnicity = Section("Ethnicity", ethnicity_rows, relations)
    interpreter = Section(
        T.INTERPRETER_NEEDED,
        [tally_row(T.INTERPRETER_NEEDED, by_value("interpreter_needed"), _equals(True))],
        [at_most(T.INTERPRETER_NEEDED)],
    )
    age = breakdown("Age", "age_band", T.AGE_BANDS, True)
    support = Section(
        "Additional support",
        [
            tally_row(T.ADDITIONAL_SUPPORT[0], by_value("nrpf"), _equals(True)),
            tally_row(T.ADDITIONAL_SUPPORT[1], by_value("pregnant"), _equals(True)),
            tally_row(T.ADDITIONAL_SUPPORT[2], by_value("other_support_needs"), _equals(True)),
        ],
        [at_most(s) for s in T.ADDITIONAL_SUPPORT],
    )
    accommodation = breakdown("Accommodation type", "accommodation_type", T.ACCOMMODATION_TYPES, False)
    tenure = breakdown("Tenure type", "tenure_type", T.TENURE_TYPES, False)
    children = Section(
        "Number of dependent children",
        [tally_row("Number of dependent children", by_value("children_count"), lambda v: int(v or 0))],
    )
    child_ages = Section(
        "Average age of children",
        [tally_average("Average age of children", tally.child_ages())],
    )
    # Risk level and MARAC referral in one count (each from the assessment, or the form without one).
    risks = tally.counts("completed", RISK_KEYS)
    risk_rows = [
        tally_row(level, risks, lambda k, lv=level: int(risk_of(k[0], k[1], scheme) == lv))  # type: ignore[misc]
        for level in T.RISK_LEVELS
    ]
    safety = Section(
        "Client safety",
        [
            *risk_rows,
            tally_row(T.MARAC, risks, lambda k: int(marac_of(k[2], k[3]))),
            tally_row(T.ARSON, by_value("arson_risk"), _equals(True)),
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
        *guidance_sections(tally, spends, period, scheme),
    ]


def _equals(wanted: object) -> Callable[[object], int]:
    return lambda v: int(v == wanted)


def awaiting_of(label: str, period: Period, tally: Tally, at_end: bool) -> Row:
    """Referrals received and neither accepted nor not accepted, on the first day of each quarter
    (``at_end``: the last day); the Total column on the period's first (last) day. A stock, so its
    quarters do not add up to the Total."""
    values: dict[str, Value] = {}
    bounds = dict(zip(QUARTERS, period.quarter_bounds(), strict=True))
    bounds["Total"] = (period.start, period.end)
    for column, (first, last) in bounds.items():
        if first > period.end:
            values[column] = 0
            continue
        # At the start: received before the day and undecided before it; at the end: by the day.
        values[column] = tally.undecided(last, False) if at_end else tally.undecided(first, True)
    return Row(label, values, Kind.COUNT, additive=False)


def _reasons(listed: Iterable[str], seen: Iterable[str | None]) -> list[str]:
    """The scheme's list, word for word and in its order, then any other reason actually recorded."""
    out = list(dict.fromkeys(listed))
    return out + sorted({r for r in seen if r and r not in out})


def guidance_sections(
    tally: Tally, spends: PerQuarter, period: Period, scheme: SchemeConfig
) -> list[Section]:
    """The monitoring guidance's other outputs: reasons for non-acceptance and cancellation, costs."""
    keys = NOT_ACCEPTED_KEYS

    def reason(key: tuple[object, ...]) -> str:
        return not_accepted_reason(bool(key[0]), key[1], key[2])

    ever = tally.counts("not_accepted_ever", keys)["all"]
    declined = _reasons(scheme.decline_reasons, (reason(k) for k in ever))
    not_accepted = tally.counts("not_accepted", keys)
    reasons = Section(
        "Reasons for non-acceptance",
        [tally_row(r, not_accepted, lambda k, r=r: int(reason(k) == r)) for r in declined],  # type: ignore[misc]
        [Relation(f"{T.REFERRALS}::{T.NOT_ACCEPTED}", tuple(declined))],
    )
    seen = tally.counts("any", ("cancellation_reason",))["all"]
    cancelled = _reasons(scheme.cancellation_reasons, (k[0] for k in seen))
    by_reason = tally.counts("cancelled", ("cancellation_reason",))
    cancellations = Section(
        "Reasons for cancellation",
        [
            tally_row(
                r,
                by_reason,
                lambda k, r=r: int(k[0] == r),  # type: ignore[misc]
                tally.case_ids("cancelled", "cancellation_reason", r),
            )
            for r in cancelled
        ],
        [Relation(f"{T.REFERRALS}::{T.CANCELLED}", tuple(cancelled))],
    )
    cost = tally_money("Total cost of measures installed", spends)
    # The same figure as the budget section's spend: hidden in the same cells.
    same = [Relation(cost.label, (f"{BUDGET}::{SPEND}",))]
    return [reasons, cancellations, Section("Cost of measures installed", [cost], same, note="Pounds.")]


__all__ = ["QUARTERS", "compute_report"]
