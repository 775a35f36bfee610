"""The HTML report: a page a coordinator can send to a funder or print for a meeting. It makes no
network request: styles are in the page, the two pygal charts (referrals and completions per quarter;
working days from referral to installation) are inline static SVG without pygal's tooltip script,
and fonts are the reader's own. The legend comes first, then the period and the day it was produced.
"""

from __future__ import annotations

import html
import math
import re

import pygal
from pygal.style import CleanStyle

from services.reporting.report import template as T
from services.reporting.report.model import Audience, Kind, Report
from services.reporting.report.quarters import COLUMNS
from services.reporting.report.render import TITLE, cell, legend_lines

STYLE = CleanStyle(font_family="sans-serif", no_data_font_size=18)
CSS = """
body{font-family:sans-serif;margin:2em auto;max-width:62em;padding:0 1em;color:#222}
h1{font-size:1.6em;margin-bottom:.2em}
.facts{margin:.3em 0 1em}
.facts dt{font-weight:bold;float:left;clear:left;width:8em}.facts dd{margin:0 0 .2em 8em}
.legend{border:1px solid #99a;background:#f4f4fb;padding:.5em 1em;margin:1em 0}
.legend h2{font-size:1.05em;margin:.2em 0}.legend ul{margin:.3em 0;padding-left:1.2em}
.legend code{font-weight:bold;font-size:1.1em}
table{border-collapse:collapse;margin:.5em 0 1em;width:100%}
td,th{border:1px solid #bbb;padding:.25em .6em}
th{background:#eef;text-align:right}th:first-child{text-align:left}
td.n{text-align:right;white-space:nowrap;width:6.5em}h2{font-size:1.2em;margin:1.4em 0 .2em}
.charts{display:flex;flex-wrap:wrap;gap:1em}
.charts figure{margin:0;flex:1 1 28em;min-width:20em}
.charts svg{display:block;width:100%;height:auto}
.note{color:#555;font-size:.92em}
@media print{
 @page{size:A4;margin:14mm}
 body{margin:0;max-width:none;font-size:9.5pt;color:#000}
 .legend{background:none}
 th{background:none;border-bottom:2px solid #000}
 .charts{display:flex;flex-wrap:nowrap}.charts figure{flex:1 1 0;min-width:0}
 h2{page-break-after:avoid;break-after:avoid}
 table,tr,figure{page-break-inside:avoid;break-inside:avoid}
}
"""


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


def render_html(report: Report) -> str:
    e = html.escape
    legend = "".join(
        f"<li><code>{e(mark)}</code> {e(meaning)}</li>"
        for mark, meaning in (line.split("  ", 1) for line in legend_lines(report))
    )
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{e(TITLE)} - {e(report.scheme)}</title>",
        f"<style>{CSS}</style>",
        "</head><body>",
        f"<h1>{e(TITLE)}</h1>",
        f"<section class='legend' id='legend'><h2>How to read this report</h2><ul>{legend}</ul></section>",
        "<dl class='facts'>",
        f"<dt>Scheme</dt><dd>{e(report.scheme)}</dd>",
        f"<dt>Period</dt><dd>{report.period_from:%d %B %Y} to {report.period_to:%d %B %Y} "
        f"({e(', '.join(report.quarters))})</dd>",
        f"<dt>Produced on</dt><dd>{report.produced_on:%d %B %Y}</dd>",
        f"<dt>Audience</dt><dd>{e(report.audience.value)}</dd>",
        "</dl>",
        "<div class='charts'>",
        *(f"<figure>{svg}</figure>" for svg in charts(report)),
        "</div>",
        *(["<p class='note'>Hidden figures (*) are left out of the charts.</p>"] if report.hidden else []),
    ]
    for section in report.sections:
        parts.append(f"<h2>{e(section.title)}</h2><table><thead><tr><th></th>")
        parts += [f"<th>{c}</th>" for c in COLUMNS]
        parts.append("</tr></thead><tbody>")
        for row in section.rows:
            label = f"<b>{e(row.label)}</b>" if row.kind is Kind.HEADING else e(row.label)
            figures = "".join(f"<td class='n'>{e(cell(report, section, row, c))}</td>" for c in COLUMNS)
            parts.append(f"<tr><td>{label}</td>{figures}</tr>")
            if row.cases and report.audience is Audience.COORDINATOR:
                parts.append(f"<tr><td colspan='6' class='note'>cases: {e(', '.join(row.cases))}</td></tr>")
        parts.append("</tbody></table>")
        if section.note:
            parts.append(f"<p class='note'>{e(section.note)}</p>")
    parts.append("</body></html>")
    return "\n".join(parts)
