"""The HTML report opened in headless Chromium with the network shut off: it renders, charts and all,
and asks for nothing but the file itself (no script, style or font from another site)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from services.reporting.monitoring.readmodel.projection import MonitoringProjection
from services.reporting.monitoring.readmodel.store import ReadModelStore, make_engine
from services.reporting.monitoring.report.compute import compute_report
from services.reporting.monitoring.report.model import Audience, Report
from services.reporting.monitoring.report.produce import Format, write_report
from services.reporting.monitoring.report.quarters import Period
from shared.catalogue import load_catalogue
from tests.reporting.chromium import Chromium, find_chromium
from tests.reporting.history import TEST_SCHEME
from tests.reporting.year import year

BINARY = find_chromium()
pytestmark = pytest.mark.skipif(
    BINARY is None, reason="no chromium on PATH (Debian: apt-get install -y chromium); .ci/run installs it"
)
QUESTIONS = {
    "charts": "document.querySelectorAll('.charts svg').length",
    # Drawn, not just present: each chart has a size on the page and bars or a line in it.
    "chart_widths": "[...document.querySelectorAll('.charts svg')].map(s => s.getBoundingClientRect().width)",
    "bars": "[...document.querySelectorAll('.charts svg .series rect')]"
    ".filter(r => r.getBoundingClientRect().height > 1).length",
    "line": "document.querySelectorAll('.charts svg .series path.line').length",
    "scripts": "document.scripts.length",
    "resources": "performance.getEntriesByType('resource').map(r => r.name)",
    "legend_first": "document.querySelector('h1').nextElementSibling.id",
    "legend": "document.getElementById('legend').innerText",
    "facts": "document.querySelector('.facts').innerText",
    "print_rules": "[...document.styleSheets].flatMap(s => [...s.cssRules])"
    ".filter(r => r.media && r.media.mediaText === 'print').length",
}


@pytest.fixture
def chromium() -> Iterator[Chromium]:
    assert BINARY is not None
    browser = Chromium(BINARY)
    yield browser
    browser.close()


def report(tmp_path: Path, audience: Audience) -> Report:
    store = ReadModelStore(make_engine(f"sqlite:///{tmp_path / 'read.db'}"))
    store.ensure()
    project = MonitoringProjection(load_catalogue())
    for event in year().events:
        store.apply(event, project)
    try:
        return compute_report(store, Period.of(date(2024, 4, 1), date(2025, 3, 31)), audience, TEST_SCHEME)
    finally:
        store.engine.dispose()


def test_the_report_renders_with_its_charts_and_no_network(chromium: Chromium, tmp_path: Path) -> None:
    exact = report(tmp_path, Audience.COORDINATOR)
    path = write_report(exact, Format.HTML, tmp_path / "report.html")
    page = chromium.load(path, QUESTIONS)
    assert page.requests == [path.resolve().as_uri()]  # the file, and nothing else
    assert page.answers["resources"] == []
    assert page.answers["scripts"] == 0
    assert page.answers["charts"] == 2 and all(w > 300 for w in page.answers["chart_widths"])
    assert (
        page.answers["bars"] == 10 and page.answers["line"] == 1
    )  # received 4 quarters, accepted and completed 3 (none in Q3)
    assert page.answers["legend_first"] == "legend"
    assert (
        "Produced on" in page.answers["facts"] and "01 April 2024 to 31 March 2025" in page.answers["facts"]
    )
    assert page.answers["print_rules"] == 1
    assert page.screenshot.startswith(b"\x89PNG") and len(page.screenshot) > 20_000
    (tmp_path / "report.png").write_bytes(page.screenshot)  # for a person to look at when it fails


def test_the_funders_page_explains_its_marks_before_any_figure(chromium: Chromium, tmp_path: Path) -> None:
    funders = report(tmp_path, Audience.FUNDER)
    path = write_report(funders, Format.HTML, tmp_path / "funders.html")
    page = chromium.load(path, QUESTIONS)
    assert page.requests == [path.resolve().as_uri()]
    assert "*" in page.answers["legend"] and "hidden" in page.answers["legend"]
    assert "-" in page.answers["legend"] and "nothing to report" in page.answers["legend"]
    assert page.answers["charts"] == 2


def test_a_page_that_reaches_out_is_caught(chromium: Chromium, tmp_path: Path) -> None:
    """The check sees a request for another site (which the host rules stop from resolving)."""
    path = tmp_path / "reaching.html"
    path.write_text("<!doctype html><title>t</title><img src='https://example.invalid/x.png'>")
    page = chromium.load(path, {})
    assert "https://example.invalid/x.png" in page.requests
