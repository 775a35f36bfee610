"""Suppression for funders: no hidden cell of a published report can be worked out, by a reader who
knows every relation of the template (tests/reporting/attacker.py, independent of the suppression
code, reading the published CSV); small numbers are always hidden; the same report always hides
the same cells; and periods split into the right quarters."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from services.reporting.monitoring.report import template as T
from services.reporting.monitoring.report.compute import report_from_facts
from services.reporting.monitoring.report.facts import CaseFacts, Facts
from services.reporting.monitoring.report.model import Audience, Kind, Report, Row, Section
from services.reporting.monitoring.report.quarters import COLUMNS, Period
from services.reporting.monitoring.report.render import render_csv
from services.reporting.monitoring.report.scheme_measures import BUDGET, SPEND
from services.reporting.monitoring.report.suppression import anonymise, primary
from shared.errors import CommandRejected
from shared.scheme import CONFIG_DIR, load_scheme
from tests.reporting.attacker import attack, disclosures, read_csv

DATA = Path(__file__).parent / "data"

SCHEME = load_scheme(CONFIG_DIR / "standing-together.yaml")
YEAR = Period.of(date(2024, 4, 1), date(2025, 3, 31))
MEMBERS = [m for _, ms in T.ETHNIC_GROUPS for m in ms]
CATEGORIES = list(T.MEASURES[:6])


def case(i: int, received: date, **row: object) -> CaseFacts:
    return CaseFacts(
        {"case_id": f"C{i:03}", "referral_received_on": received, "referral_source": "Police", **row}
    )


@st.composite
def scheme_years(draw: st.DrawFn) -> Facts:
    """A random year of referrals: decided or not, installed, cancelled or still open, with the
    answers the template breaks down (some received before the year, some decided after it)."""
    cases = []
    for i in range(draw(st.integers(min_value=3, max_value=25))):
        received = YEAR.start + timedelta(days=draw(st.integers(-20, 364)))
        decided = received + timedelta(days=draw(st.integers(0, 40)))
        row: dict[str, object] = {"referral_source": draw(st.sampled_from(T.REFERRAL_SOURCES))}
        outcome = draw(
            st.sampled_from(["accepted", "accepted", "accepted", "declined", "safeguarding", "open"])
        )
        measures: list[dict[str, object]] = []
        if outcome == "declined":
            row |= {"declined_on": decided, "decline_reason": draw(st.sampled_from(SCHEME.decline_reasons))}
        elif outcome == "safeguarding":
            row |= {"safeguarding_on": decided, "safeguarding_recipient": "Children's Social Care"}
        elif outcome == "accepted":
            row["accepted_on"] = decided
            fate = draw(st.sampled_from(["completed", "completed", "cancelled", "open"]))
            later = decided + timedelta(days=draw(st.integers(1, 60)))
            if fate == "cancelled":
                row |= {"cancelled_on": later, "cancellation_reason": SCHEME.cancellation_reasons[0]}
            elif fate == "open":
                row |= {"approved_on": later, "approved_cost_gbp": Decimal(draw(st.integers(50, 900)))}
            else:
                row |= completed_answers(draw, later)
                measures = [
                    {
                        "category": draw(st.sampled_from(CATEGORIES)),
                        "quantity": 1,
                        "total_gbp": draw(st.integers(20, 700)),
                    }
                    for _ in range(draw(st.integers(1, 3)))
                ]
        cases.append(
            CaseFacts({"case_id": f"C{i:03}", "referral_received_on": received, **row}, measures=measures)
        )
    return Facts(cases, [])


def completed_answers(draw: st.DrawFn, day: date) -> dict[str, object]:
    def maybe(values: tuple[str, ...] | list[str]) -> str | None:
        return draw(st.sampled_from([*values, None]))

    return {
        "completed_at": datetime.combine(day, time(12)),
        "gender": maybe(T.GENDERS),
        "ethnicity": maybe(MEMBERS),
        "age_band": maybe(T.AGE_BANDS),
        "accommodation_type": draw(st.sampled_from(T.ACCOMMODATION_TYPES)),
        "tenure_type": draw(st.sampled_from(T.TENURE_TYPES)),
        "risk_level": draw(st.sampled_from(T.RISK_LEVELS)),
        "children_count": draw(st.integers(0, 3)),
        **{
            flag: draw(st.booleans())
            for flag in ("marac_referral", "arson_risk", "interpreter_needed", "pregnant")
        },
    }


def published(facts: Facts) -> tuple[Report, Report]:
    """The coordinator's exact report and the funders' published one."""
    exact = report_from_facts(facts, YEAR, Audience.COORDINATOR, SCHEME)
    return exact, report_from_facts(facts, YEAR, Audience.FUNDER, SCHEME)


def assert_nothing_can_be_worked_out(exact: Report, funders: Report, threshold: int = 5) -> None:
    reader = read_csv(render_csv(funders))
    intervals = attack(reader, read_csv(render_csv(exact)))
    assert disclosures(reader, intervals, threshold) == []
    for (title, label, column), interval in intervals.items():
        # The attacker's relations are honest: the exact figure is always within its interval.
        value = exact.section(title).row(label).values[column]
        assert value is not None and interval.low - 0.01 <= value <= interval.high + 0.01, (
            title,
            label,
            column,
        )
    for section in exact.sections:
        for row in section.rows:
            if row.kind is Kind.COUNT:
                for column in COLUMNS:
                    value = row.values[column]
                    if value is not None and 0 < value < threshold:
                        assert (section.title, row.label, column) in reader.hidden


def alike_households() -> Facts:
    """Fourteen households in Q1 and one in Q2, all with the same answers and the same spend: every
    breakdown's Q2 is the one household, every other row of it a zero. Secondary suppression used to
    hide those zeros, each pinned at zero by its shown neighbours, then more zeros to protect them,
    until nothing was left to hide and the report was refused."""
    cases = []
    for i in range(15):
        day = date(2024, 7, 9) if i == 0 else date(2024, 4, 1)
        answers = {
            "completed_at": datetime.combine(day + timedelta(days=1), time(12)),
            "referral_source": "Housing association",
            "gender": "Female",
            "ethnicity": "Indian",
            "age_band": "Under 18",
            "accommodation_type": "Bungalow",
            "tenure_type": "Social housing",
            "risk_level": "High risk",
            "children_count": 0,
            **dict.fromkeys(("marac_referral", "arson_risk", "interpreter_needed", "pregnant"), False),
        }
        cases.append(case(i, day, accepted_on=day, **answers))
        cases[-1].measures = [{"category": CATEGORIES[0], "quantity": 1, "total_gbp": 20}]
    return Facts(cases, [])


def one_installation_and_zeros() -> Facts:
    """A quiet year: one installation (in Q1), three cancellations for one reason, two referrals
    declined for one reason, a few still open. Quarters with no installation show "-" for the averages,
    which tells a reader none were completed there; the zeros hidden to protect the one household
    were each pinned at zero, and hiding more zeros around them never helped."""
    reason = SCHEME.decline_reasons[0]
    withdrew = "Client withdrew consent"
    completed = completed_answers_of("Female", "Indian", "Under 18", "Bungalow", "High risk")
    cases = [
        case(0, date(2024, 3, 14), accepted_on=date(2024, 3, 22), approved_on=date(2024, 4, 28)),
        case(1, date(2024, 4, 2), accepted_on=date(2024, 4, 5), **completed),
        case(2, date(2024, 4, 7), accepted_on=date(2024, 4, 27), approved_on=date(2024, 5, 11)),
        case(3, date(2024, 10, 11), accepted_on=date(2024, 11, 14), cancelled_on=date(2025, 1, 8)),
        case(4, date(2024, 8, 17), accepted_on=date(2024, 9, 1), cancelled_on=date(2024, 10, 18)),
        case(5, date(2024, 6, 6), declined_on=date(2024, 6, 26), decline_reason=reason),
        case(6, date(2024, 5, 1), accepted_on=date(2024, 6, 3), approved_on=date(2024, 6, 11)),
        case(7, date(2024, 9, 8), accepted_on=date(2024, 9, 30), cancelled_on=date(2024, 10, 26)),
        case(8, date(2024, 5, 1), declined_on=date(2024, 6, 8), decline_reason=reason),
    ]
    for c in cases:
        if "cancelled_on" in c.row:
            c.row["cancellation_reason"] = withdrew
        if "approved_on" in c.row:
            c.row["approved_cost_gbp"] = Decimal(300)
    cases[1].measures = [{"category": CATEGORIES[0], "quantity": 1, "total_gbp": 20}]
    return Facts(cases, [])


def completed_answers_of(gender: str, ethnicity: str, age: str, home: str, risk: str) -> dict[str, object]:
    return {
        "completed_at": datetime(2024, 4, 6, 12),
        "gender": gender,
        "ethnicity": ethnicity,
        "age_band": age,
        "accommodation_type": home,
        "tenure_type": "Privately owned accommodation",
        "risk_level": risk,
        "children_count": 0,
        **dict.fromkeys(("marac_referral", "arson_risk", "interpreter_needed", "pregnant"), False),
    }


# Each example is a year's report protected and then attacked by two integer programs per hidden
# cell: a few examples, and a timeout for a busy machine rather than the suite's default. Every
# year is published: the suppression always finds a pattern the attacker cannot break.
@pytest.mark.timeout(900)
@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(scheme_years())
@example(alike_households())
@example(one_installation_and_zeros())
def test_no_hidden_cell_of_a_random_year_can_be_worked_out(facts: Facts) -> None:
    exact, funders = published(facts)
    assert_nothing_can_be_worked_out(exact, funders)


def kept_year(name: str) -> Facts:
    """A year kept as found (``tests/reporting/data/``): dates, times and amounts tagged in JSON."""

    def decoded(value: object) -> object:
        if isinstance(value, dict) and len(value) == 1:
            ((tag, text),) = value.items()
            parse: dict[str, Callable[[str], object]] = {
                "date": date.fromisoformat,
                "datetime": datetime.fromisoformat,
                "decimal": Decimal,
            }
            if tag in parse:
                return parse[tag](text)
        if isinstance(value, dict):
            return {k: decoded(v) for k, v in value.items()}
        if isinstance(value, list):
            return [decoded(v) for v in value]
        return value

    raw = json.loads((DATA / name).read_text())
    cases = []
    for kept in raw["cases"]:
        case = CaseFacts(decoded(kept.pop("row")))  # type: ignore[arg-type]
        for attribute, rows in kept.items():
            setattr(case, attribute, decoded(rows))
        cases.append(case)
    return Facts(cases, [])


def test_a_year_whose_audit_highs_presolve_called_infeasible_is_still_protected() -> None:
    """A random year the test above found (CI): one group of hidden cells made an integer program
    that HiGHS's presolve called infeasible, though the exact figures satisfy it; the report then
    could not be published. The audit now solves such a program again without presolve."""
    exact, funders = published(kept_year("presolve_infeasible_year.json"))
    assert_nothing_can_be_worked_out(exact, funders)


def thirteen_referrals() -> Facts:
    """The issue's example: Q1 13 received, 10 accepted, 3 not accepted (all decided in Q1)."""
    day = date(2024, 4, 10)
    cases = [case(i, day, accepted_on=day) for i in range(10)]
    cases += [case(10 + i, day, declined_on=day, decline_reason=SCHEME.decline_reasons[0]) for i in range(3)]
    return Facts(cases, [])


def test_received_less_accepted_no_longer_gives_the_not_accepted_away() -> None:
    exact, funders = published(thirteen_referrals())
    referrals = funders.section(T.REFERRALS)
    assert referrals.row(T.NOT_ACCEPTED).values["Q1"] is None
    shown = [
        referrals.row(label).values["Q1"]
        for label in (T.RECEIVED, T.ACCEPTED, T.AWAITING_START, T.AWAITING_END)
    ]
    assert None in shown  # one of the figures that would give it away is hidden too
    assert_nothing_can_be_worked_out(exact, funders)


def test_the_attacker_finds_what_hiding_only_the_small_numbers_gives_away() -> None:
    """Without secondary suppression the reader works the not-accepted referrals out (13 - 10 = 3):
    the attacker is able to catch a report that is not protected."""
    exact, _ = published(thirteen_referrals())
    small = primary(exact, 5)
    exact.hidden = small
    for section, label, column in small:
        exact.section(section).row(label).values[column] = None
    reader = read_csv(render_csv(exact))
    exposed = {cell for cell, _ in disclosures(reader, attack(reader), 5)}
    assert (T.REFERRALS, T.NOT_ACCEPTED, "Q1") in exposed


def test_the_same_report_always_hides_the_same_cells() -> None:
    facts = thirteen_referrals()
    first = published(facts)[1]
    assert published(facts)[1].hidden == first.hidden and first.as_json() == published(facts)[1].as_json()


def test_averages_and_percentages_on_too_few_cases_are_hidden() -> None:
    avg = Row(
        "Average spend per household",
        dict.fromkeys(COLUMNS, 100.0),
        Kind.AVERAGE,
        basis={"Q1": 4, "Q2": 5, "Q3": 0, "Q4": 9, "Total": 18},
    )
    pct = Row(
        "Percentage",
        dict.fromkeys(COLUMNS, 50.0),
        Kind.PERCENT,
        parts={"Q1": (5, 10), "Q2": (2, 10), "Q3": (5, 7), "Q4": (0, 9), "Total": (12, 36)},
    )
    report = Report(date(2024, 4, 1), date(2025, 3, 31), Audience.FUNDER, "Test", [Section("S", [avg, pct])])
    anonymise(report, 5)
    assert [avg.values[c] is None for c in COLUMNS] == [True, False, False, False, False]
    assert [pct.values[c] is None for c in COLUMNS] == [False, True, True, False, False]


def installed(households: dict[str, int]) -> Facts:
    """Households with their installation completed in each quarter, answers spread over the
    template's categories, each spending a little more than the last."""
    bounds = zip(("Q1", "Q2", "Q3", "Q4"), YEAR.quarter_bounds(), strict=True)
    day = {q: first + timedelta(days=14) for q, (first, _) in bounds}
    cases: list[CaseFacts] = []
    for q, count in households.items():
        for k in range(count):
            n = len(cases)
            answers = {
                "completed_at": datetime.combine(day[q], time(12)),
                "risk_level": T.RISK_LEVELS[n % 3],
                "accommodation_type": T.ACCOMMODATION_TYPES[n % 6],
                "tenure_type": T.TENURE_TYPES[n % 7],
                "gender": T.GENDERS[n % 3],
                "age_band": T.AGE_BANDS[n % 7],
                "ethnicity": MEMBERS[n % len(MEMBERS)],
            }
            measure = {"category": CATEGORIES[0], "quantity": 1, "total_gbp": 300 + 50 * k}
            cases.append(case(n, day[q], accepted_on=day[q], **answers))
            cases[-1].measures = [measure]
    return Facts(cases, [])


def test_one_household_in_a_quarter_hides_its_spend_and_what_would_give_it_away() -> None:
    cases = installed({"Q1": 1, "Q2": 6, "Q3": 7, "Q4": 5}).cases
    exact, funders = published(Facts(cases, []))
    spend = funders.section(BUDGET).row(SPEND).values
    assert spend["Q1"] is None and spend["Total"] is not None
    assert sum(spend[q] is None for q in ("Q2", "Q3", "Q4")) >= 1  # or the Total would give Q1 away
    assert funders.section(BUDGET).row("Annual budget").values["Total"] == 75000.0
    assert_nothing_can_be_worked_out(exact, funders)


def test_a_target_passed_is_shown_beyond_100_percent() -> None:
    scheme = SCHEME.model_copy(
        update={"reporting": SCHEME.reporting.model_copy(update={"household_target": 10})}
    )
    facts = installed({"Q1": 6, "Q2": 6, "Q3": 7, "Q4": 5})
    funders = report_from_facts(facts, YEAR, Audience.FUNDER, scheme)
    reached = funders.section(BUDGET).row("Percentage of household target reached").values["Total"]
    assert reached == 240.0


def test_quarters_count_from_the_start_date() -> None:
    period = Period.of(date(2024, 4, 1), date(2025, 3, 31))
    assert period.quarter_of(date(2024, 4, 1)) == "Q1"
    assert period.quarter_of(date(2024, 6, 30)) == "Q1"
    assert period.quarter_of(date(2024, 7, 1)) == "Q2"
    assert period.quarter_of(date(2025, 1, 1)) == "Q4"
    assert period.quarter_of(date(2025, 4, 1)) is None
    assert period.quarter_of(date(2024, 3, 31)) is None
    assert period.quarters() == ("Q1", "Q2", "Q3", "Q4")
    assert Period.of(date(2024, 4, 1), date(2024, 6, 30)).quarters() == ("Q1",)
    assert Period.of(date(2024, 4, 1), date(2024, 7, 1)).quarters() == ("Q1", "Q2")


@pytest.mark.parametrize(
    ("start", "end", "problem"),
    [
        (date(2024, 4, 1), date(2024, 3, 1), "must not be before"),
        (date(2024, 4, 1), date(2025, 4, 1), "at most twelve months"),
    ],
)
def test_bad_periods_are_refused_naming_the_field(start: date, end: date, problem: str) -> None:
    with pytest.raises(CommandRejected) as caught:
        Period.of(start, end)
    assert caught.value.problems[0].field == "to"
    assert problem in caught.value.problems[0].problem
