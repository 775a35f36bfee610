"""The report computed from a hand-built year of events through the read models: every row worked out
by hand (expected_year.py), a redelivered event changing nothing, a rebuild giving the identical
report, funders seeing small numbers suppressed, every format rendered without personal data, and
SQLite and PostgreSQL giving the same report. Runs on DATABASE_URL when it is set."""

from __future__ import annotations

import csv
import io
import json
import os
import re
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from services.reporting.monitoring.readmodel.projection import MonitoringProjection
from services.reporting.monitoring.readmodel.store import ReadModelStore, make_engine
from services.reporting.monitoring.report.compute import compute_report
from services.reporting.monitoring.report.model import Audience, Report
from services.reporting.monitoring.report.produce import (
    Format,
    render_report,
    report_for_period,
    write_all_formats,
)
from services.reporting.monitoring.report.quarters import Period
from shared.catalogue import load_catalogue
from shared.errors import CommandRejected
from shared.scheme import CONFIG_DIR, load_scheme
from tests.reporting.attacker import attack, disclosures, read_csv
from tests.reporting.conftest import make_store
from tests.reporting.crash import table_rows
from tests.reporting.expected_year import CASES, INDICATORS, SECTIONS, STANDARDS
from tests.reporting.history import TEST_SCHEME, History
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
    labels = [r.label for r in report.section(STANDARDS).rows]
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


def test_an_event_met_again_later_in_the_stream_adds_no_row_twice(store: ReadModelStore) -> None:
    # The writer's INSERT skips a taken event key (SQLite, PostgreSQL) rather than looking it up.
    h = year()
    load(store, h)
    before = table_rows(store)
    after_them = max(e.seq for e in h.events)
    again = [e.model_copy(update={"seq": after_them + e.seq}) for e in h.events]
    assert store.apply_many(again, PROJECT) == len(again)
    after = table_rows(store)
    assert after.pop("positions") != before.pop("positions")
    assert after == before


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
    referrals = report.section("Referrals and installations")
    # Eight referrals, 1 to 3 a quarter: hidden, and the Total with them (received = accepted + not
    # accepted + awaiting, and 2 were not accepted: the Total would narrow them down).
    assert referrals.row("Number of referrals received").values == dict.fromkeys(
        ("Q1", "Q2", "Q3", "Q4", "Total")
    )
    completed = referrals.row("Number of installations completed")
    assert completed.values["Total"] is None and completed.cases == []
    assert report.section("Spend per household").row("Lowest spend").values["Total"] is None
    assert report.section("Referral sources").row("Private rented sector agency").values["Total"] == 0
    reached = report.section("Spend against budget and household target").row(
        "Percentage of household target reached"
    )
    assert reached.values["Total"] is None  # 3 households would be 5.0%
    assert not any("cases" in r for s in report.as_json()["sections"] for r in s["rows"])
    # In JSON a hidden figure is null and listed under "hidden"; a null not listed is "nothing".
    spend_rows = next(s for s in report.as_json()["sections"] if s["title"] == "Spend per household")["rows"]
    assert (
        spend_rows[0]["Q3"] is None
        and "Q3" not in spend_rows[0]["hidden"]
        and "Q1" in spend_rows[0]["hidden"]
    )
    # A figure shown twice is hidden in both places, or one would give the other away.
    households = report.section("Spend against budget and household target").row(
        "Households with installations completed"
    )
    assert households.values == completed.values
    children = report.section(INDICATORS).row("Total number of children in households")
    assert children.values == report.section("Number of dependent children").rows[0].values
    text = render_report(report, Format.TABLE)
    assert isinstance(text, str) and "RC" not in text and "RB" not in text


def test_no_hidden_cell_of_the_funders_year_can_be_worked_out(store: ReadModelStore) -> None:
    """The independent attacker, reading the published CSV, pins no hidden cell of the year."""
    load(store, year())
    exact = coordinator(store)
    funders = compute_report(store, PERIOD, Audience.FUNDER, TEST_SCHEME)
    reader = read_csv(str(render_report(funders, Format.CSV)))
    assert len(reader.hidden) > 50  # the year is small: many figures are small counts
    intervals = attack(reader, read_csv(str(render_report(exact, Format.CSV))))
    assert disclosures(reader, intervals, 5) == []
    for (section, label, column), interval in intervals.items():
        value = exact.section(section).row(label).values[column]
        assert value is not None and interval.low - 0.01 <= value <= interval.high + 0.01


def test_every_format_renders_without_personal_data(store: ReadModelStore, tmp_path: Path) -> None:
    load(store, year())
    report = coordinator(store)
    page = render_report(report, Format.HTML)
    assert isinstance(page, str) and page.count("<svg") == 2 and "Number of referrals received" in page
    # Static: no script, and no address but the SVG namespace (a name, never fetched).
    assert "<script" not in page and set(re.findall(r"(?:https?:)?//[\w.-]+", page)) == {"http://www.w3.org"}
    body = json.loads(str(render_report(report, Format.JSON)))
    assert set(body) == {"period", "quarters", "produced_on", "audience", "scheme", "sections", "legend"}
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


def test_the_csv_starts_with_a_byte_order_mark_so_excel_reads_pounds(
    store: ReadModelStore, tmp_path: Path
) -> None:
    load(store, year())
    [path] = [p for p in write_all_formats(coordinator(store), tmp_path) if p.suffix == ".csv"]
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and "£671.00".encode() in raw


def test_the_xlsx_holds_numbers_with_formats_dates_and_a_notes_sheet(
    store: ReadModelStore, tmp_path: Path
) -> None:
    load(store, year())
    funders = compute_report(store, PERIOD, Audience.FUNDER, TEST_SCHEME)
    [path] = [p for p in write_all_formats(funders, tmp_path) if p.suffix == ".xlsx"]
    book = load_workbook(path)
    sheet = book["Monitoring"]
    rows = {r[0].value: r for r in sheet.iter_rows() if r[0].value}
    assert rows["Date from"][1].is_date and rows["Date from"][1].value.date() == date(2024, 4, 1)
    assert rows["Produced on"][1].is_date
    assert rows["Spend on measures installed"][1].value == "*"  # three households: hidden
    budget = rows["Annual budget"]
    assert (
        budget[5].value == 75000.0 and "£" in budget[5].number_format and budget[1].value is None
    )  # a yearly figure: no quarters
    sources = rows["Private rented sector agency"]
    assert sources[5].value == 0 and isinstance(sources[5].value, int)
    assert sheet.column_dimensions["A"].width >= 40
    notes = [r for r in book["Notes"].iter_rows(values_only=True)]
    assert ("*", notes[1][1]) == notes[1] and "hidden" in str(notes[1][1])
    coordinator_book = load_workbook(
        next(p for p in write_all_formats(coordinator(store), tmp_path / "c") if p.suffix == ".xlsx")
    )
    indicators = {r[0].value: r for r in coordinator_book["Monitoring"].iter_rows() if r[0].value}
    contacted = indicators["Percentage of clients contacted within 24 hours"]
    assert contacted[5].value == 0.5 and contacted[5].number_format == "0.0%"


def test_a_period_of_one_quarter_leaves_the_other_quarters_blank(store: ReadModelStore) -> None:
    load(store, year())
    quarter = Period.of(date(2024, 4, 1), date(2024, 6, 30))
    for audience in Audience:
        report = compute_report(store, quarter, audience, TEST_SCHEME)
        assert report.quarters == ("Q1",)
        received = report.section("Referrals and installations").row("Number of referrals received")
        assert [received.values[q] for q in ("Q2", "Q3", "Q4")] == [None, None, None]
        rows = list(csv.reader(io.StringIO(str(render_report(report, Format.CSV)).removeprefix("\ufeff"))))
        for row in rows[1:]:
            assert row[3:6] == ["", "", ""], row
    exact = compute_report(store, quarter, Audience.COORDINATOR, TEST_SCHEME)
    received = exact.section("Referrals and installations").row("Number of referrals received")
    assert received.values["Q1"] == 3 and received.values["Total"] == 3


@pytest.mark.parametrize(
    ("file", "own"),
    [
        ("standing-together.yaml", []),
        ("tower-hamlets.yaml", ["performance indicators"]),
        ("south-essex.yaml", ["service standards"]),
    ],
)
def test_a_scheme_reports_only_its_own_measures_under_its_own_name(
    store: ReadModelStore, file: str, own: list[str]
) -> None:
    load(store, year())
    scheme = load_scheme(CONFIG_DIR / file)
    report = compute_report(store, PERIOD, Audience.COORDINATOR, scheme)
    titles = [s.title for s in report.sections]
    assert not any(
        "Tower Hamlets performance" in t or "South Essex service" in t for t in titles if scheme.name not in t
    )
    assert [t.removeprefix(f"{scheme.name} ") for t in titles if t.startswith(scheme.name)] == own
    assert titles[-1] == "Spend against budget and household target"
    page = str(render_report(report, Format.HTML))
    for other in ("Tower Hamlets", "South Essex", "Standing Together"):
        if other not in scheme.name:
            assert other not in page


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
