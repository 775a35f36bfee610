"""The report counted in SQL (what `sanctuary report` runs) against the same rules applied case by
case in memory (report_from_facts), on the hand-built year and on cases the year does not hold: still
being tried, still within time, and ending before a stage fell due. Runs on DATABASE_URL when set."""

from __future__ import annotations

from datetime import date

import pytest

from services.reporting.monitoring.readmodel.store import ReadModelStore
from services.reporting.monitoring.report.compute import compute_report, report_from_facts
from services.reporting.monitoring.report.facts import load_facts
from services.reporting.monitoring.report.model import Audience
from services.reporting.monitoring.report.produce import Format, render_report
from shared.contracts import contractor as K
from shared.contracts import referral as R
from tests.reporting.history import TEST_SCHEME, History, at, contact, follow_up, works_order
from tests.reporting.test_report_readmodel import PERIOD, load
from tests.reporting.year import year

pytestmark = pytest.mark.readmodel


def edge_cases(h: History) -> History:
    """``h`` with cases at the edges of the measures' rules."""
    # Works ordered early in the year and no contact made yet, none given up on: late for the 24
    # hours, left out of "able to contact" until it is settled.
    h.add("X1", works_order(at(2024, 6, 3, 23)), at(2024, 5, 3))
    # Ordered on the period's last evening: still within its 24 hours.
    h.add("X2", works_order(at(2025, 4, 1, 23)), at(2025, 3, 31, 22))
    # Contact made exactly 24 hours after the order: within the 24 hours.
    h.add("X3", works_order(at(2024, 7, 2, 10)), at(2024, 7, 1, 10))
    h.add(
        "X3",
        contact(K.ContactChannel.TELEPHONE, K.ContactOutcome.CONTACT_MADE, at(2024, 7, 2, 10)),
        at(2024, 7, 2),
    )
    # A follow-up visit recorded, outside any completion window.
    h.add(
        "X3",
        follow_up(R.FollowUpKind.VISIT_AFTER_INSTALLATION, K.ContactChannel.TELEPHONE, date(2024, 8, 1)),
        at(2024, 8, 1),
    )
    # Accepted three days before the period's end: the CPO referral is still within time.
    h.add("X4", R.ReferralAccepted(accepted_on=date(2025, 3, 28), urgent=False), at(2025, 3, 28))
    # Accepted, then cancelled the same day: ended before the CPO referral fell due.
    h.add("X5", R.ReferralAccepted(accepted_on=date(2024, 9, 6), urgent=False), at(2024, 9, 6))
    h.add("X5", K.InstallationCancelled(reason="Client moved away"), at(2024, 9, 6, 15))
    # Accepted and never referred on: late once due.
    h.add("X6", R.ReferralAccepted(accepted_on=date(2024, 10, 4), urgent=False), at(2024, 10, 4))
    return h


def test_sql_and_case_by_case_give_the_same_report(store: ReadModelStore) -> None:
    h = edge_cases(year())
    load(store, h)
    facts = load_facts(store)
    for audience in Audience:
        in_sql = compute_report(store, PERIOD, audience, TEST_SCHEME)
        in_memory = report_from_facts(facts, PERIOD, audience, TEST_SCHEME)
        assert render_report(in_sql, Format.JSON) == render_report(in_memory, Format.JSON)
