"""The schemes' own measures from the day counts (the funders' report) give the figures the cases give
one by one, in memory and in SQL: every performance indicator and service standard, exact (before
any suppression), for the year after corrections and for every period ending on a day something
happened (a works order on the period's last day is not late yet; a follow-up window may open a
year after the installation). Runs on DATABASE_URL when set (PostgreSQL in CI)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest

from services.reporting.monitoring.readmodel.store import ReadModelStore
from services.reporting.monitoring.report import measure_counts as M
from services.reporting.monitoring.report.facts import CaseFacts, Facts, load_facts
from services.reporting.monitoring.report.measures_days import DayIndicators, DayStandards
from services.reporting.monitoring.report.model import Section
from services.reporting.monitoring.report.performance import FactsIndicators
from services.reporting.monitoring.report.performance_sql import SqlIndicators
from services.reporting.monitoring.report.quarters import Period
from services.reporting.monitoring.report.scheme_measures import scheme_sections
from services.reporting.monitoring.report.standards import FactsStandards
from services.reporting.monitoring.report.standards_sql import SqlStandards
from services.reporting.monitoring.report.tally import FactsTally
from services.reporting.monitoring.report.tally_days import DayTally
from shared.contracts import contractor as K
from shared.contracts import referral as R
from tests.reporting.history import (
    TEST_SCHEME,
    History,
    approved,
    at,
    contact,
    form,
    submitted,
    works_order,
)
from tests.reporting.test_day_counts import amended
from tests.reporting.test_report_readmodel import PROJECT
from tests.reporting.test_report_sql_matches_facts import edge_cases
from tests.reporting.year import year

pytestmark = pytest.mark.readmodel

Figures = list[tuple[str, str, Any, Any]]
TEL_CHANNEL = K.ContactChannel.TELEPHONE
TEL, LETTER = TEL_CHANNEL.value, K.ContactChannel.LETTER.value
MADE = K.ContactOutcome.CONTACT_MADE.value


def figures(sections: list[Section]) -> Figures:
    """Every row's exact figures: its values and, for a percentage, what it is of."""
    return [(s.title, r.label, r.values, r.parts) for s in sections for r in s.rows]


def from_days(store: ReadModelStore, period: Period) -> Figures:
    with store.engine.connect() as conn:
        tables = store.active(conn)
        days = DayTally(conn, tables, period)
        indicators = DayIndicators(days, SqlIndicators(conn, tables, period))
        standards = DayStandards(days, conn, tables, SqlStandards(conn, tables, period))
        return figures(scheme_sections(indicators, standards, days, period, TEST_SCHEME))


def from_sql(store: ReadModelStore, period: Period) -> Figures:
    with store.engine.connect() as conn:
        tables = store.active(conn)
        days = DayTally(conn, tables, period)
        indicators, standards = SqlIndicators(conn, tables, period), SqlStandards(conn, tables, period)
        return figures(scheme_sections(indicators, standards, days, period, TEST_SCHEME))


def in_memory(facts: Facts, period: Period) -> Figures:
    sources = FactsIndicators(facts, period), FactsStandards(facts, period), FactsTally(facts, period)
    return figures(scheme_sections(*sources, period, TEST_SCHEME))


def still_trying(h: History) -> History:
    """``h`` and a works order whose client has not been reached yet, nor given up on: not late on
    the day of the order (a period ending that day leaves it out of the 24-hour row), late after."""
    h.add("RW", submitted(form(), date(2024, 11, 1), R.AgeBand.AGE_35_44), at(2024, 11, 1))
    h.add("RW", R.ReferralAccepted(accepted_on=date(2024, 11, 4), urgent=False), at(2024, 11, 4))
    h.add("RW", approved("90.00"), at(2024, 11, 18))
    h.add("RW", works_order(at(2024, 11, 22)), at(2024, 11, 20, 9))
    h.add("RW", contact(TEL_CHANNEL, K.ContactOutcome.NO_ANSWER, at(2024, 11, 20, 11)), at(2024, 11, 20, 11))
    return h


def days_something_happened(facts: Facts) -> list[date]:
    out: set[date] = set()
    for c in facts.cases:
        for value in c.row.values():
            if isinstance(value, datetime):
                out.add(value.date())
            elif isinstance(value, date):
                out.add(value)
    return sorted(out)


def test_every_measure_from_the_day_counts_is_the_measure_case_by_case(store: ReadModelStore) -> None:
    # The year twice (a second scheme's copy under other references), then its corrections.
    events = [*still_trying(edge_cases(amended(year()))).events, *year("S").events]
    # One stream: each event the next sequence (each history numbers its own from 1).
    assert store.apply_many([e.model_copy(update={"seq": i}) for i, e in enumerate(events, 1)], PROJECT)
    facts = load_facts(store)
    assert {"RA", "SRA", "RW"} <= {c.case_id for c in facts.cases}
    start = date(2024, 4, 1)
    ends = [d for d in days_something_happened(facts) if start <= d <= date(2025, 3, 31)]
    periods = [Period.of(start, end) for end in ends]
    periods += [Period.of(d, d + timedelta(days=90)) for d in ends[::3]]
    measured = 0
    for period in periods:
        expected = in_memory(facts, period)
        assert from_days(store, period) == expected, f"{period}"
        assert from_sql(store, period) == expected, f"{period}"
        measured += sum(1 for *_, parts in expected if parts and parts["Total"][1])
    assert measured > 100, "the periods test many cases, not empty rows"


def test_the_counts_of_one_case_hold_what_the_rules_need_not_their_answers() -> None:
    ordered = datetime(2024, 5, 1, 9)
    case = CaseFacts(
        {
            "case_id": "C1",
            "accepted_on": date(2024, 4, 30),
            "works_order_at": ordered,
            "works_started_at": datetime(2024, 5, 3, 9),
            "completed_at": datetime(2024, 5, 4, 16),
            "closed_on": date(2024, 12, 1),
            "safety_outcome": R.SafetyOutcome.FEELS_SAFER.value,
            "follow_up_consent": True,
        },
        contacts=[
            {"channel": TEL, "outcome": K.ContactOutcome.NO_ANSWER.value, "attempted_at": ordered},
            {"channel": LETTER, "outcome": K.ContactOutcome.LETTER_SENT.value, "attempted_at": ordered},
            {"channel": TEL, "outcome": MADE, "attempted_at": ordered + timedelta(hours=30)},
        ],
        follow_ups=[
            {
                "kind": R.FollowUpKind.MONTHS_3.value,
                "channel": TEL,
                "outcome": R.FollowUpOutcome.CONTACT_MADE.value,
                "contact_on": date(2024, 8, 4),
            },
        ],
    )
    placed = {(kind, day): answers for kind, day, answers in M.measure_counts(case, date(1, 1, 1))}
    # Each stage: the day reached and the day the case ended, whatever a scheme's timescales.
    assert placed[(M.stage_kind("works_order_at", "completed_at"), date(2024, 5, 1))] == (
        "2024-05-04",
        "2024-12-01",
    )
    assert placed[(M.stage_kind("accepted_on", "cpo_opened_at"), date(2024, 4, 30))] == (None, "2024-12-01")
    # Contact made 30 hours after the order: made, but not within 24 hours; not given up.
    assert placed[(M.CONTACT, date(2024, 5, 1))] == (True, False, False)
    assert placed[(M.TAKE_UP, date(2024, 4, 30))] == (True, None)
    assert placed[(M.FOLLOW_UP, date(2024, 5, 4))] == (
        False,
        "2024-12-01",
        [[R.FollowUpKind.MONTHS_3.value, "2024-08-04"]],
    )
    assert placed[(M.FEEDBACK_OFFERED, date(2024, 5, 4))] == (True,)
    assert placed[(M.SAFETY_OUTCOME, date(2024, 12, 1))] == (R.SafetyOutcome.FEELS_SAFER.value,)
    channels = [answers for kind, _, answers in M.measure_counts(case, date(1, 1, 1)) if kind == M.CHANNEL]
    assert sorted(channels) == [(LETTER,), (TEL,), (TEL,), (TEL,)]
