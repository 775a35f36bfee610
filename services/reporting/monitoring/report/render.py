"""Renderers of a computed Report: table (rich), json, csv, xlsx. The HTML page is html.py's, laid
out by the template templates/report.html.

Every format says first what its marks mean (the legend), the period and the day it was produced.
A cell reads: the figure; "*" hidden for the funders; "-" nothing to report (an average or a
percentage of no cases); blank for a quarter after the end of a period shorter than a year.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet
from rich.console import Console
from rich.table import Table

from services.reporting.monitoring.report.model import Audience, Kind, Report, Row, Section, Value
from services.reporting.monitoring.report.quarters import COLUMNS

SUPPRESSED = "*"
NOTHING = "-"
TITLE = "Sanctuary Scheme Monitoring Template"
LEGEND = (
    ("*", "hidden: a small number (below the threshold), or a figure from which one could be worked out"),
    ("-", "nothing to report: an average or a percentage of no cases"),
    ("(blank)", "a figure for the whole period only, or a quarter after the end of the period"),
)


def legend(report: Report) -> tuple[tuple[str, str], ...]:
    """The marks this audience's report can show, with their meanings ("*" for funders only)."""
    return LEGEND if report.audience is Audience.FUNDER else LEGEND[1:]


def legend_lines(report: Report) -> list[str]:
    return [f"{mark}  {meaning}" for mark, meaning in legend(report)]


def period_line(report: Report) -> str:
    return (
        f"Period: {report.period_from:%d/%m/%Y} to {report.period_to:%d/%m/%Y} "
        f"({', '.join(report.quarters)})   Produced on: {report.produced_on:%d/%m/%Y}   "
        f"Audience: {report.audience.value}"
    )


def is_hidden(report: Report, section: Section, row: Row, column: str) -> bool:
    return (section.title, row.label, column) in report.hidden


def cell(report: Report, section: Section, row: Row, column: str) -> str:
    if column not in report.columns:
        return ""
    value: Value = row.values.get(column)
    if value is None:
        if is_hidden(report, section, row, column):
            return SUPPRESSED
        return "" if whole_period_only(row, column) else NOTHING
    if row.kind is Kind.PERCENT:
        return f"{value:.1f}%"
    if is_money(row):
        return f"£{value:,.2f}"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def whole_period_only(row: Row, column: str) -> bool:
    """A budget, a target and what is measured against them have no quarterly figure."""
    quarterly = column in row.basis or column in row.parts
    return column != "Total" and not quarterly and row.kind in (Kind.MONEY, Kind.PERCENT)


def is_money(row: Row) -> bool:
    """Amounts in pounds (the household target is a number of households, not money)."""
    return (row.kind is Kind.MONEY and not row.label.startswith("Household")) or "spend" in row.label.lower()


def render_json(report: Report) -> str:
    body = report.as_json()
    body["legend"] = dict(LEGEND)
    return json.dumps(body, indent=2)


def render_csv(report: Report) -> str:
    """The rows as a table; written to a file with a byte order mark (produce.py) so Excel reads "£"."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "label", *COLUMNS])
    for section in report.sections:
        for row in section.rows:
            writer.writerow([section.title, row.label, *(cell(report, section, row, c) for c in COLUMNS)])
    return out.getvalue()


def render_table(report: Report, console: Console | None = None) -> str:
    console = console or Console(record=True, width=140)
    with console.capture() as captured:
        console.print(f"[bold]{TITLE}[/bold] - {report.scheme}\n{period_line(report)}")
        for line in legend_lines(report):
            console.print(line, highlight=False)
        for section in report.sections:
            table = Table(title=section.title, title_justify="left", caption=section.note or None)
            table.add_column(section.title if len(section.rows) > 1 else "")
            for column in COLUMNS:
                table.add_column(column, justify="right")
            for row in section.rows:
                label = f"[bold]{row.label}[/bold]" if row.kind is Kind.HEADING else row.label
                table.add_row(label, *(cell(report, section, row, c) for c in COLUMNS))
                if row.cases and report.audience is Audience.COORDINATOR:
                    table.add_row(f"  cases: {', '.join(row.cases)}", *([""] * len(COLUMNS)))
            console.print(table)
    return captured.get()


def number_format(row: Row) -> str:
    if row.kind is Kind.PERCENT:
        return "0.0%"
    if is_money(row):
        return "£#,##0.00"
    if row.kind is Kind.AVERAGE:
        return "0.0"
    return "0"


def render_xlsx(report: Report) -> bytes:
    """Figures as numbers with their formats (percentages, pounds), dates as dates, a notes sheet."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Monitoring"
    bold = Font(bold=True)
    sheet.append([TITLE, report.scheme])
    sheet.cell(1, 1).font = Font(bold=True, size=14)
    _dated(sheet, ["Date from", report.period_from, "Date to", report.period_to])
    _dated(sheet, ["Produced on", report.produced_on, "Audience", report.audience.value])
    sheet.append(["Legend: see the Notes sheet"])
    for section in report.sections:
        sheet.append([])
        sheet.append([section.title, *COLUMNS])
        for n in range(1, len(COLUMNS) + 2):
            sheet.cell(sheet.max_row, n).font = bold
        for row in section.rows:
            sheet.append([row.label])
            line = sheet.max_row
            if row.kind is Kind.HEADING:
                sheet.cell(line, 1).font = bold
            for i, column in enumerate(COLUMNS, start=2):
                value = row.values.get(column)
                target = sheet.cell(line, i)
                if value is None or column not in report.columns:
                    target.value = cell(report, section, row, column) or None
                    target.alignment = Alignment(horizontal="right")
                else:
                    target.value = value / 100 if row.kind is Kind.PERCENT else value
                    target.number_format = number_format(row)
            if row.cases and report.audience is Audience.COORDINATOR:
                sheet.append([f"cases: {', '.join(row.cases)}"])
        if section.note:
            sheet.append([section.note])
            sheet.cell(sheet.max_row, 1).font = Font(italic=True)
    sheet.column_dimensions["A"].width = 70
    for letter in "BCDEF":
        sheet.column_dimensions[letter].width = 13
    sheet.freeze_panes = "B5"
    notes = book.create_sheet("Notes")
    notes.append(["Mark", "Meaning"])
    notes.cell(1, 1).font = bold
    notes.cell(1, 2).font = bold
    for mark, meaning in legend(report):
        notes.append([mark, meaning])
    notes.append([])
    notes.append(["Quarters", ", ".join(report.quarters) + " of the period"])
    notes.column_dimensions["A"].width = 12
    notes.column_dimensions["B"].width = 110
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _dated(sheet: Worksheet, values: list[object]) -> None:
    sheet.append(values)
    for i, value in enumerate(values, start=1):
        if isinstance(value, date):
            sheet.cell(sheet.max_row, i).number_format = "dd/mm/yyyy"
