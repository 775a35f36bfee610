"""The HTML report: a page a coordinator can send to a funder or print for a meeting, laid out by
the Jinja2 template ``templates/report.html`` (autoescaped). It makes no network request: styles are
in the page, the two pygal charts (referrals and completions per quarter; working days from referral
to installation) are inline static SVG without pygal's tooltip script, and fonts are the reader's
own. The legend comes first, then the period and the day it was produced.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date

import pygal
from markupsafe import Markup
from pygal.style import CleanStyle

from services.reporting.monitoring.report import template as T
from services.reporting.monitoring.report.model import Audience, Kind, Report
from services.reporting.monitoring.report.quarters import COLUMNS
from services.reporting.monitoring.report.render import TITLE, cell, legend
from services.reporting.templating import html_environment

STYLE = CleanStyle(font_family="sans-serif", no_data_font_size=18)


SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>|<script\b[^>]*/>", re.DOTALL)
COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def _chart_svg(chart: pygal.Graph) -> str:
    """Static SVG: pygal always writes its chart settings for the tooltip script as a script of
    their own, which a static chart has no use for; its comments name web sites."""
    svg = str(chart.render(is_unicode=True, disable_xml_declaration=True))
    return COMMENT.sub("", SCRIPT.sub("", svg))


def _options(title: str) -> dict[str, object]:
    # js=[]: no tooltip script (pygal fetches it from a third-party site by default); static SVG.
    return {
        "style": STYLE,
        "height": 340,
        "width": 640,
        "title": title,
        "legend_at_bottom": True,
        "truncate_legend": -1,
        "js": [],
        "no_data_text": "No figures to show: hidden, or none",
    }


def charts(report: Report) -> list[str]:
    activity = report.section(T.REFERRALS)
    bar = pygal.Bar(**_options("Referrals and completions per quarter"))
    bar.x_labels = list(report.quarters)
    shown: list[int] = []
    for label in (T.RECEIVED, T.ACCEPTED, T.COMPLETED):
        values = [activity.row(label).values.get(q) for q in report.quarters]
        bar.add(label.replace("Number of ", "").capitalize(), values)
        shown += [int(v) for v in values if v is not None]
    step = max(1, math.ceil(max(shown, default=1) / 8))  # whole numbers on the scale: these are counts
    bar.y_labels = list(range(0, max(shown, default=1) + step, step))
    days = report.section("Days between referral and installation").rows[0]
    # include_x_axis: the scale starts at zero, so a small change does not look like a large one.
    line = pygal.Line(include_x_axis=True, **_options("Average working days, referral to installation"))
    line.x_labels = list(report.quarters)
    line.add("Working days", [days.values.get(q) for q in report.quarters])
    return [_chart_svg(bar), _chart_svg(line)]


@dataclass(frozen=True)
class RowView:
    label: str
    heading: bool
    figures: list[str]
    cases: list[str]  # the coordinator's only


@dataclass(frozen=True)
class SectionView:
    title: str
    rows: list[RowView]
    note: str


def sections(report: Report) -> list[SectionView]:
    """Each row as the page shows it: the cells as every format writes them (render.cell)."""
    return [
        SectionView(
            section.title,
            [
                RowView(
                    row.label,
                    row.kind is Kind.HEADING,
                    [cell(report, section, row, c) for c in COLUMNS],
                    row.cases if report.audience is Audience.COORDINATOR else [],
                )
                for row in section.rows
            ],
            section.note,
        )
        for section in report.sections
    ]


def long_date(day: date) -> str:
    return f"{day:%d %B %Y}"


TEMPLATES = html_environment("services.reporting.monitoring.report")
TEMPLATES.filters["long_date"] = long_date


def render_html(report: Report) -> str:
    # The charts are the only markup passed in: SVG from pygal, its script and comments removed.
    return TEMPLATES.get_template("report.html").render(
        title=TITLE,
        report=report,
        legend=legend(report),
        charts=[Markup(svg) for svg in charts(report)],
        columns=COLUMNS,
        sections=sections(report),
    )
