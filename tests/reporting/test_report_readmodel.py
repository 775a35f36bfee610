"""The report computed from a hand-built event history through the read models: rows worked out by
hand, a redelivered event changing nothing, a rebuild giving the identical report, funders seeing
small numbers suppressed, and SQLite and PostgreSQL giving the same report."""

from __future__ import annotations

import os
import uuid
from datetime import date
from pathlib import Path

import pytest

from services.reporting.readmodel.projection import MonitoringProjection
from services.reporting.readmodel.store import ReadModelStore, make_engine
from services.reporting.report.compute import compute_report
from services.reporting.report.html import render_html
from services.reporting.report.model import Audience
from services.reporting.report.quarters import Period
from services.reporting.report.render import render_csv, render_table, render_xlsx
from services.reporting.report.settings import ReportSettings
from shared.catalogue import load_catalogue
from shared.contracts import assessment as A
from shared.contracts import contractor as K
from tests.reporting.history import History, at, completed, contact, dash, installed, works_order

pytestmark = pytest.mark.readmodel

PERIOD = Period.of(date(2024, 4, 1), date(2025, 3, 31))
SETTINGS = ReportSettings(scheme="Test Scheme")
PROJECT = MonitoringProjection(load_catalogue())


def make_store(url: str) -> ReadModelStore:
    # A table prefix of the test's own, so runs on a shared PostgreSQL database never collide.
    store = ReadModelStore(make_engine(url), base=f"t{uuid.uuid4().hex[:10]}_")
    store.ensure()
    return store


@pytest.fixture
def store(tmp_path: Path):
    s = make_store(os.environ.get("DATABASE_URL", f"sqlite:///{tmp_path / 'read.db'}"))
    yield s
    s.drop_everything()


def history() -> History:
    h = History()
    # Case A, Q1: contacted by telephone within 24 hours; chain and two hinge bolts (35.00); high risk.
    h.add("RA", works_order(at(2024, 4, 10)), at(2024, 4, 8, 9))
    h.add("RA", dash(A.RiskLevel.HIGH, True), at(2024, 4, 8, 9))
    h.add(
        "RA",
        contact(K.ContactChannel.TELEPHONE, K.ContactOutcome.CONTACT_MADE, at(2024, 4, 8, 15)),
        at(2024, 4, 8, 15),
    )
    h.add("RA", installed(("DOOR-CHAIN", 1, "15.00"), ("HINGE-BOLTS", 2, "10.00")), at(2024, 4, 10))
    h.add("RA", completed(at(2024, 4, 10, 16), "35.00"), at(2024, 4, 10, 16))
    # Case B, Q2: a letter, then face to face two days later; window locks and a safe room (516.00).
    h.add("RB", works_order(at(2024, 7, 3)), at(2024, 7, 1, 9))
    h.add("RB", dash(A.RiskLevel.MEDIUM, False), at(2024, 7, 1, 9))
    h.add(
        "RB",
        contact(K.ContactChannel.LETTER, K.ContactOutcome.LETTER_SENT, at(2024, 7, 1, 11)),
        at(2024, 7, 1, 11),
    )
    h.add(
        "RB",
        contact(K.ContactChannel.FACE_TO_FACE, K.ContactOutcome.CONTACT_MADE, at(2024, 7, 3, 11)),
        at(2024, 7, 3, 11),
    )
    h.add("RB", installed(("WINDOW-LOCK", 3, "12.00"), ("SANCTUARY-ROOM-DOOR", 1, "480.00")), at(2024, 7, 5))
    h.add("RB", completed(at(2024, 7, 5, 16), "516.00"), at(2024, 7, 5, 16))
    # Case C, Q2: never reached, cancelled.
    h.add("RC", works_order(at(2024, 7, 12)), at(2024, 7, 10, 9))
    h.add("RC", K.InstallationCancelled(reason="client declined the service"), at(2024, 7, 12, 9))
    return h


def load(store: ReadModelStore, h: History) -> None:
    for event in h.events:
        assert store.apply(event, PROJECT)


def row(report, section: str, label: str) -> dict:
    r = report.section(section).row(label)
    return {**r.values, "cases": r.cases}


def test_every_row_from_the_history_worked_out_by_hand(store):
    load(store, history())
    report = compute_report(store, PERIOD, Audience.COORDINATOR, SETTINGS)
    z = {"Q3": 0, "Q4": 0}
    assert row(report, "Referrals and installations", "Number of installations completed") == {
        "Q1": 1,
        "Q2": 1,
        **z,
        "Total": 2,
        "cases": [],
    }
    assert row(report, "Referrals and installations", "Number of installations cancelled") == {
        "Q1": 0,
        "Q2": 1,
        **z,
        "Total": 1,
        "cases": ["RC"],
    }
    measures = report.section("Measures installed")
    assert measures.row("Door chain and viewer").values["Q1"] == 1
    assert measures.row("Hinge bolts").values["Q1"] == 2
    assert measures.row("Window locks").values["Q2"] == 3
    assert measures.row("Safe room").values["Total"] == 1
    assert measures.row("Deadlock").values["Total"] == 0
    spend = report.section("Spend per household")
    assert spend.row("Lowest spend").values == {
        "Q1": 35.0,
        "Q2": 516.0,
        "Q3": None,
        "Q4": None,
        "Total": 35.0,
    }
    assert spend.row("Highest spend").values["Total"] == 516.0
    assert spend.row("Average spend per household").values["Total"] == 275.5  # (35 + 516) / 2
    safety = report.section("Client safety")
    assert safety.row("High risk").values["Q1"] == 1 and safety.row("Medium risk").values["Q2"] == 1
    assert safety.row("Number of clients with MARAC referral").values["Total"] == 1
    assert row(report, "Reasons for cancellation", "client declined the service")["Q2"] == 1
    assert report.section("Cost of measures installed").rows[0].values["Total"] == 551.0
    pis = report.section("Tower Hamlets performance indicators")
    within = pis.row("Percentage of clients contacted within 24 hours")
    assert within.values == {"Q1": 100.0, "Q2": 0.0, "Q3": None, "Q4": None, "Total": 33.3}  # 1 of 3
    reached = pis.row("Percentage of clients the service was able to successfully contact")
    assert reached.values["Q2"] == 50.0 and reached.values["Total"] == 66.7  # 2 of 3
    assert pis.row("Contacts by telephone").values["Q1"] == 1
    assert pis.row("Contacts by letter").values["Q2"] == 1
    assert pis.row("Contacts by face to face").values["Q2"] == 1
    standards = report.section("South Essex service standards")
    done_in_7 = standards.row("Works completed within 7 working days of receiving the works order")
    # A and B finished within 7 working days; C was never finished and its due date has passed.
    assert done_in_7.values["Q1"] == 100.0 and done_in_7.values["Q2"] == 50.0
    assert done_in_7.cases == ["RC"]
    budget = report.section("Spend against budget and household target")
    assert budget.row("Budget remaining").values["Total"] == 75000.0 - 551.0


def test_a_redelivered_event_changes_nothing(store):
    h = history()
    load(store, h)
    before = compute_report(store, PERIOD, Audience.COORDINATOR, SETTINGS).as_json()
    assert store.apply(h.events[3], PROJECT) is False  # the items installed, again
    assert store.apply_many(h.events, PROJECT) == 0
    assert compute_report(store, PERIOD, Audience.COORDINATOR, SETTINGS).as_json() == before


def test_rebuild_gives_the_identical_report(store):
    h = history()
    load(store, h)
    before = compute_report(store, PERIOD, Audience.COORDINATOR, SETTINGS).as_json()
    old = store.active_generation()
    generation = store.new_generation()
    assert store.apply_many(h.events, PROJECT, generation=generation) == len(h.events)
    store.swap(generation)
    assert store.active_generation() == old + 1
    assert compute_report(store, PERIOD, Audience.COORDINATOR, SETTINGS).as_json() == before


def test_funders_see_small_counts_suppressed_and_no_case_references(store):
    load(store, history())
    report = compute_report(store, PERIOD, Audience.FUNDER, SETTINGS)
    completed_row = report.section("Referrals and installations").row("Number of installations completed")
    assert completed_row.values["Total"] is None and completed_row.cases == []
    assert report.section("Spend per household").row("Lowest spend").values["Total"] is None
    assert not any("cases" in r for s in report.as_json()["sections"] for r in s["rows"])
    assert "RC" not in render_table(report)


def test_every_format_renders_without_personal_data(store):
    load(store, history())
    report = compute_report(store, PERIOD, Audience.COORDINATOR, SETTINGS)
    page = render_html(report)
    assert "<svg" in page and "Number of referrals received" in page
    assert "Number of installations completed" in render_csv(report)
    assert render_xlsx(report)[:2] == b"PK"
    for text in (page, render_csv(report), render_table(report)):
        assert "Alice" not in text and "Test Road" not in text


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgresql"), reason="DATABASE_URL is not PostgreSQL"
)
def test_postgresql_and_sqlite_give_the_same_report(store, tmp_path):
    lite = make_store(f"sqlite:///{tmp_path / 'lite.db'}")
    h = history()
    load(store, h)
    load(lite, h)
    for audience in Audience:
        assert (
            compute_report(store, PERIOD, audience, SETTINGS).as_json()
            == compute_report(lite, PERIOD, audience, SETTINGS).as_json()
        )
