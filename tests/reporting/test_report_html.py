"""The HTML report is laid out by an autoescaped template: whatever a scheme's name, a row, a note
or a case reference holds is shown as text, never run as markup."""

from __future__ import annotations

from datetime import date
from html.parser import HTMLParser

from services.reporting.monitoring.report.compute import report_from_facts
from services.reporting.monitoring.report.facts import Facts
from services.reporting.monitoring.report.html import render_html
from services.reporting.monitoring.report.model import Audience, Report
from services.reporting.monitoring.report.quarters import Period
from tests.reporting.history import TEST_SCHEME

HOSTILE = "<script>alert('x')</script> & <b>bold</b>"
YEAR = Period.of(date(2024, 4, 1), date(2025, 3, 31))


class Text(HTMLParser):
    """The page's elements and the text each holds, as a browser would read them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def hostile_report(audience: Audience) -> Report:
    report = report_from_facts(Facts([], []), YEAR, audience, TEST_SCHEME)
    report.scheme = HOSTILE
    last = report.sections[-1]
    last.note = HOSTILE
    last.rows[-1].label = HOSTILE
    last.rows[-1].cases = [HOSTILE]
    return report


def test_a_value_holding_markup_is_escaped_in_the_report() -> None:
    for audience in Audience:
        page = render_html(hostile_report(audience))
        parsed = Text()
        parsed.feed(page)
        assert "script" not in parsed.tags and "<b>bold" not in page, audience
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in page
        shown = "".join(parsed.text).count(HOSTILE)
        # title, scheme fact, note and row label; the case reference for the coordinator only
        assert shown == (5 if audience is Audience.COORDINATOR else 4), audience


def test_the_page_is_filled_in_from_the_report() -> None:
    page = render_html(report_from_facts(Facts([], []), YEAR, Audience.FUNDER, TEST_SCHEME))
    assert "<dt>Period</dt><dd>01 April 2024 to 31 March 2025 (Q1, Q2, Q3, Q4)</dd>" in page
    assert page.count("<svg") == 2 and page.count("<figure>") == 2
    assert page.index('id="legend"') < page.index('<dl class="facts">') < page.index("<table>")
