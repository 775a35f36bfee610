"""The HTML report: a page a coordinator can show at a funders' meeting, with the tables and two
pygal charts (referrals and completions per quarter; working days from referral to installation)
inlined as SVG."""

from __future__ import annotations

import html

import pygal
from pygal.style import CleanStyle

from services.reporting.report import template as T
from services.reporting.report.model import Audience, Kind, Report
from services.reporting.report.quarters import COLUMNS, QUARTERS
from services.reporting.report.render import FOOTNOTE, cell


def _chart_svg(chart: pygal.Graph) -> str:
    return str(chart.render(is_unicode=True, disable_xml_declaration=True))


def charts(report: Report) -> list[str]:
    activity = report.section(T.REFERRALS)
    bar = pygal.Bar(
        style=CleanStyle,
        height=340,
        width=640,
        title="Referrals and completions per quarter",
        legend_at_bottom=True,
        truncate_legend=-1,
    )
    bar.x_labels = list(QUARTERS)
    for label in (T.RECEIVED, T.ACCEPTED, T.COMPLETED):
        row = activity.row(label)
        bar.add(label.replace("Number of ", "").capitalize(), [row.values.get(q) for q in QUARTERS])
    days = report.section("Days between referral and installation").rows[0]
    line = pygal.Line(
        style=CleanStyle,
        height=340,
        width=640,
        title="Average working days, referral to installation",
        legend_at_bottom=True,
        include_x_axis=True,  # start the scale at zero, so a small change does not look like a large one
    )
    line.x_labels = list(QUARTERS)
    line.add("Working days", [days.values.get(q) for q in QUARTERS])
    return [_chart_svg(bar), _chart_svg(line)]


def render_html(report: Report) -> str:
    e = html.escape
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Sanctuary Scheme monitoring report - {e(report.scheme)}</title>",
        "<style>body{font-family:sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse;"
        "margin:1em 0}td,th{border:1px solid #bbb;padding:.25em .6em}td.n{text-align:right}"
        "th{background:#eef}.charts{display:flex;flex-wrap:wrap;gap:1em}.note{color:#555}</style>",
        "</head><body>",
        f"<h1>Sanctuary Scheme Monitoring Template</h1><p>{e(report.scheme)}: "
        f"{report.period_from:%d %B %Y} to {report.period_to:%d %B %Y} ({e(report.audience.value)})</p>",
        "<div class='charts'>",
        *charts(report),
        "</div>",
    ]
    for section in report.sections:
        parts.append(f"<h2>{e(section.title)}</h2><table><tr><th></th>")
        parts += [f"<th>{c}</th>" for c in COLUMNS]
        parts.append("</tr>")
        for row in section.rows:
            label = f"<b>{e(row.label)}</b>" if row.kind is Kind.HEADING else e(row.label)
            parts.append(
                f"<tr><td>{label}</td>" + "".join(f"<td class='n'>{e(cell(row, c))}</td>" for c in COLUMNS)
            )
            parts.append("</tr>")
            if row.cases and report.audience is Audience.COORDINATOR:
                parts.append(f"<tr><td colspan='6' class='note'>cases: {e(', '.join(row.cases))}</td></tr>")
        parts.append("</table>")
        if section.note:
            parts.append(f"<p class='note'>{e(section.note)}</p>")
    if report.audience is Audience.FUNDER:
        parts.append(f"<p class='note'>{e(FOOTNOTE)}</p>")
    parts.append("</body></html>")
    return "\n".join(parts)
