"""Renderers of a computed Report: table (rich), json, csv, xlsx. The HTML page is in html.py."""

from __future__ import annotations

import csv
import io
import json

from openpyxl import Workbook
from openpyxl.styles import Font
from rich.console import Console
from rich.table import Table

from services.reporting.report.model import Audience, Kind, Report, Row, Value
from services.reporting.report.quarters import COLUMNS

SUPPRESSED = "*"
FOOTNOTE = "* suppressed: fewer than the threshold, or would let a suppressed figure be worked out"


def cell(row: Row, column: str) -> str:
    value: Value = row.values.get(column)
    if value is None:
        return SUPPRESSED if _was_hidden(row, column) else "-"
    if row.kind is Kind.PERCENT:
        return f"{value:.1f}%"
    if isinstance(value, float):
        return f"{value:,.2f}" if row.kind is Kind.MONEY or "spend" in row.label.lower() else f"{value:g}"
    return str(value)


def _was_hidden(row: Row, column: str) -> bool:
    # Averages and percentages with no cases at all show "-"; everything else empty was suppressed.
    if row.kind is Kind.AVERAGE:
        return row.basis.get(column, 0) > 0
    if row.kind is Kind.PERCENT:
        return bool(row.parts.get(column, (0, 0))[1])
    return row.kind in (Kind.COUNT, Kind.HEADING)


def render_json(report: Report) -> str:
    return json.dumps(report.as_json(), indent=2)


def render_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "label", *COLUMNS])
    for section in report.sections:
        for row in section.rows:
            writer.writerow([section.title, row.label, *(cell(row, c) for c in COLUMNS)])
    return out.getvalue()


def render_table(report: Report, console: Console | None = None) -> str:
    console = console or Console(record=True, width=140)
    with console.capture() as captured:
        console.print(
            f"[bold]Sanctuary Scheme Monitoring Template[/bold] - {report.scheme}\n"
            f"Date from: {report.period_from:%d/%m/%Y}   Date to: {report.period_to:%d/%m/%Y}   "
            f"Audience: {report.audience.value}"
        )
        for section in report.sections:
            table = Table(title=section.title, title_justify="left", caption=section.note or None)
            table.add_column(section.title if len(section.rows) > 1 else "")
            for column in COLUMNS:
                table.add_column(column, justify="right")
            for row in section.rows:
                label = f"[bold]{row.label}[/bold]" if row.kind is Kind.HEADING else row.label
                table.add_row(label, *(cell(row, c) for c in COLUMNS))
                if row.cases and report.audience is Audience.COORDINATOR:
                    table.add_row(f"  cases: {', '.join(row.cases)}", *([""] * len(COLUMNS)))
            console.print(table)
        if report.audience is Audience.FUNDER:
            console.print(FOOTNOTE)
    return captured.get()


def render_xlsx(report: Report) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Monitoring"
    sheet.append(["Sanctuary Scheme Monitoring Template", report.scheme])
    sheet.append(["Date from", report.period_from.isoformat(), "Date to", report.period_to.isoformat()])
    sheet.append(["Audience", report.audience.value])
    for section in report.sections:
        sheet.append([])
        sheet.append([section.title, *COLUMNS])
        sheet.cell(sheet.max_row, 1).font = Font(bold=True)
        for row in section.rows:
            values: list[object] = [
                row.values.get(c) if row.values.get(c) is not None else cell(row, c) for c in COLUMNS
            ]
            sheet.append([row.label, *values])
            if row.cases and report.audience is Audience.COORDINATOR:
                sheet.append([f"cases: {', '.join(row.cases)}"])
    if report.audience is Audience.FUNDER:
        sheet.append([])
        sheet.append([FOOTNOTE])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
