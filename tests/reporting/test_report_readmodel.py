"""The report computed from a hand-built year of events through the read models: every row worked out
by hand (expected_year.py), a redelivered event changing nothing, a rebuild giving the identical
report, funders seeing small numbers suppressed, every format rendered without personal data, and
SQLite and PostgreSQL giving the same report. Runs on DATABASE_URL when it is set."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from services.reporting.readmodel.projection import MonitoringProjection
from services.reporting.readmodel.store import ReadModelStore, make_engine
from services.reporting.report.compute import compute_report
from services.reporting.report.model import Audience, Report
from services.reporting.report.produce import Format, render_report, report_for_period, write_all_formats
from services.reporting.report.quarters import Period
from services.reporting.report.suppression import equations_of
from shared.catalogue import load_catalogue
from shared.errors import CommandRejected
from tests.reporting.expected_year import CASES, SECTIONS
from tests.reporting.history import TEST_SCHEME, History
from tests.reporting.test_suppression import recoverable
from tests.reporting.year import year

pytestmark = pytest.mark.readmodel

PERIOD = Period.of(date(2024, 4, 1), date(2025, 3, 31))
PROJECT = MonitoringProjection(load_catalogue())
PERSONAL = (
    "Alice",
    "Example",
    "Test Road",
    "TE1 1ST",
    "07700",
    "Perry",
    "Rita",
    "Synthetic",
    "Step-free",
    "GP",
)


def database_url(tmp_path: Path) -> str:
    return os.environ.get("DATABASE_URL", f"sqlite:///{tmp_path / 'read.db'}")


def make_store(url: str) -> ReadModelStore:
    # A table prefix of the test's own, so runs on a shared PostgreSQL database never collide.
    store = ReadModelStore(make_engine(url), base=f"t{uuid.uuid4().hex[:10]}_")
    store.ensure()
    return store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ReadModelStore]:
    s = make_store(database_url(tmp_path))
    yield s
    s.drop_everything()
    s.engine.dispose()


def load(store: ReadModelStore, h: History) -> None:
    for event in h.events:
        assert store.apply(event, PROJECT)


def coordinator(store: ReadModelStore) -> Report:
    return compute_report(store, PERIOD, Audience.COORDINATOR, TEST_SCHEME)


def test_every_row_of_the_report_from_the_year_worked_out_by_hand(store: ReadModelStore) -> None:
    load(store, year())
    report = coordinator(store)
    assert [s.title for s in report.sections] == [title for title, _ in SECTIONS]
    for (title, rows), section in zip(SECTIONS, report.sections, strict=True):
        assert [r.label for r in section.rows] == [label for label, _ in rows], title
        for (label, values), row in zip(rows, section.rows, strict=True):
            assert row.values == values, f"{title} / {label}"
            assert row.cases == CASES.get((title, label), []), f"cases of {title} / {label}"


def test_rows_follow_the_scheme_configuration(store: ReadModelStore) -> None:
    """Months of follow-up contact, thresholds and budget come from the scheme, not from code."""
    load(store, year())
    scheme = TEST_SCHEME.model_copy(
        update={
            "timescales": TEST_SCHEME.timescales.model_copy(update={"follow_up_contact_months": [3, 6]}),
            "reporting": TEST_SCHEME.reporting.model_copy(update={"annual_budget_gbp": 1000}),
            "dash": TEST_SCHEME.dash.model_copy(update={"medium_threshold": 13}),
        }
    )
    report = compute_report(store, PERIOD, Audience.COORDINATOR, scheme)
    labels = [r.label for r in report.section("South Essex service standards").rows]
    assert "Contact at 12 months after completion of works" not in labels
    assert report.section("Spend against budget and household target").row("Budget remaining").values[
        "Total"
    ] == (1000.0 - 671.0)
    # RB's form score of 12 is low risk when medium starts at 13.
    safety = report.section("Client safety")
    assert safety.row("Medium risk").values["Q2"] == 0 and safety.row("Low risk").values["Q2"] == 1


def test_a_redelivered_event_changes_nothing(store: ReadModelStore) -> None:
    h = year()
    load(store, h)
    before = coordinator(store).as_json()
    position = store.position()
    for event in h.events:  # every one of them again, one by one, then all together
        assert store.apply(event, PROJECT) is False
    assert store.apply_many(h.events, PROJECT) == 0
    assert store.position() == position
    assert coordinator(store).as_json() == before


def test_rebuild_gives_the_identical_report(store: ReadModelStore) -> None:
    h = year()
    load(store, h)
    before = coordinator(store).as_json()
    funders = compute_report(store, PERIOD, Audience.FUNDER, TEST_SCHEME).as_json()
    old = store.active_generation()
    generation = store.new_generation()
    assert store.apply_many(h.events, PROJECT, generation=generation) == len(h.events)
    store.swap(generation)
    assert store.active_generation() == old + 1
    assert coordinator(store).as_json() == before
    assert compute_report(store, PERIOD, Audience.FUNDER, TEST_SCHEME).as_json() == funders


def test_funders_see_small_counts_suppressed_and_no_case_references(store: ReadModelStore) -> None:
    load(store, year())
    report = compute_report(store, PERIOD, Audience.FUNDER, TEST_SCHEME)
    received = report.section("Referrals and installations").row("Number of referrals received")
    # Eight referrals: the total is shown, every quarter (1 to 3) is hidden.
    assert received.values == {"Q1": None, "Q2": None, "Q3": None, "Q4": None, "Total": 8}
    completed = report.section("Referrals and installations").row("Number of installations completed")
    assert completed.values["Total"] is None and completed.cases == []
    assert report.section("Spend per household").row("Lowest spend").values["Total"] is None
    assert report.section("Referral sources").row("Private rented sector agency").values["Total"] == 0
    reached = report.section("Spend against budget and household target").row(
        "Percentage of household target reached"
    )
    assert reached.values["Total"] is None  # 3 households would be 5.0%
    assert not any("cases" in r for s in report.as_json()["sections"] for r in s["rows"])
    # A figure shown twice is hidden in both places, or one would give the other away.
    households = report.section("Spend against budget and household target").row(
        "Households with installations completed"
    )
    assert households.values == completed.values
    children = report.section("Tower Hamlets performance indicators").row(
        "Total number of children in households"
    )
    assert children.values == report.section("Number of dependent children").rows[0].values
    text = render_report(report, Format.TABLE)
    assert isinstance(text, str) and "RC" not in text and "RB" not in text


def test_no_hidden_count_of_the_funders_year_can_be_worked_out(store: ReadModelStore) -> None:
    load(store, year())
    exact = coordinator(store)
    values, equations = equations_of(exact)
    funders = compute_report(store, PERIOD, Audience.FUNDER, TEST_SCHEME)
    hidden = {cell for cell in values if funders.section(cell[0]).row(cell[1]).values[cell[2]] is None}
    assert any(0 < values[c] < 5 for c in hidden)  # the year has small counts to hide
    assert all(c in hidden for c, v in values.items() if 0 < v < 5)
    assert not recoverable(hidden, equations)


def test_every_format_renders_without_personal_data(store: ReadModelStore, tmp_path: Path) -> None:
    load(store, year())
    report = coordinator(store)
    page = render_report(report, Format.HTML)
    assert isinstance(page, str) and page.count("<svg") == 2 and "Number of referrals received" in page
    body = json.loads(str(render_report(report, Format.JSON)))
    assert set(body) == {"period", "audience", "scheme", "sections"}
    assert body["period"] == {"from": "2024-04-01", "to": "2025-03-31"}
    assert body["sections"][0]["rows"][0] == {
        "label": "Number of referrals received",
        "Q1": 3,
        "Q2": 1,
        "Q3": 2,
        "Q4": 2,
        "Total": 8,
    }
    files = write_all_formats(report, tmp_path / "out")
    assert sorted(p.suffix for p in files) == [".csv", ".html", ".json", ".txt", ".xlsx"]
    sheet = load_workbook(tmp_path / "out" / "monitoring-report.xlsx").active
    assert sheet is not None
    cells = [str(c) for r in sheet.iter_rows(values_only=True) for c in r if c is not None]
    assert "Number of referrals received" in cells
    texts = [p.read_text(encoding="utf-8") for p in files if p.suffix != ".xlsx"] + cells
    for text in texts:
        leaks = [word for word in PERSONAL if word in text]
        assert not leaks, "a rendered report holds personal data"


def test_the_read_models_hold_no_personal_data(store: ReadModelStore) -> None:
    load(store, year())
    with store.engine.connect() as conn:
        tables = store.active(conn)
        stored = [str(v) for t in tables.all() for row in conn.execute(t.select()) for v in row]
    leaks = [word for word in PERSONAL if any(word in v for v in stored)]
    assert not leaks, "the read models hold personal data"


def test_report_for_period_reads_the_database_url_and_refuses_a_bad_period(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'front.db'}"
    live = ReadModelStore(make_engine(url))
    live.ensure()
    load(live, year())
    report = report_for_period(url, date(2024, 4, 1), date(2025, 3, 31), Audience.COORDINATOR, TEST_SCHEME)
    assert (
        report.section("Referrals and installations").row("Number of referrals received").values["Total"] == 8
    )
    assert report.scheme == "Test Sanctuary Scheme"
    with pytest.raises(CommandRejected) as backwards:
        report_for_period(url, date(2025, 1, 1), date(2024, 4, 1), Audience.FUNDER, TEST_SCHEME)
    assert [p.field for p in backwards.value.problems] == ["to"]
    with pytest.raises(CommandRejected) as too_long:
        report_for_period(url, date(2024, 4, 1), date(2025, 4, 1), Audience.FUNDER, TEST_SCHEME)
    assert "twelve months" in too_long.value.problems[0].problem


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgresql"), reason="DATABASE_URL is not PostgreSQL"
)
def test_postgresql_and_sqlite_give_the_same_report(store: ReadModelStore, tmp_path: Path) -> None:
    lite = make_store(f"sqlite:///{tmp_path / 'lite.db'}")
    h = year()
    load(store, h)
    load(lite, h)
    for audience in Audience:
        assert (
            compute_report(store, PERIOD, audience, TEST_SCHEME).as_json()
            == compute_report(lite, PERIOD, audience, TEST_SCHEME).as_json()
        )
