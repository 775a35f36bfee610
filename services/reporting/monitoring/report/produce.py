"""The report's front door, for ``sanctuary report`` and the demo:

- ``report_for_period(database_url, date_from, date_to, audience, scheme)``: compute the report for
  a period and an audience from the read models at that database URL;
- ``render_report(report, fmt)``: the report as text (table, json, csv, html) or bytes (xlsx);
- ``write_report(report, fmt, path)`` and ``write_all_formats(report, directory)``: to files.
"""

from __future__ import annotations

import enum
from datetime import date
from pathlib import Path

from services.reporting.monitoring.readmodel.store import DEFAULT_BASE, ReadModelStore, make_engine
from services.reporting.monitoring.report.compute import compute_report
from services.reporting.monitoring.report.html import render_html
from services.reporting.monitoring.report.model import Audience, Report
from services.reporting.monitoring.report.quarters import Period
from services.reporting.monitoring.report.render import render_csv, render_json, render_table, render_xlsx
from shared.scheme import SchemeConfig, load_scheme


class Format(enum.StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"
    HTML = "html"


SUFFIX = {
    Format.TABLE: ".txt",
    Format.JSON: ".json",
    Format.CSV: ".csv",
    Format.XLSX: ".xlsx",
    Format.HTML: ".html",
}


def report_for_period(
    database_url: str,
    date_from: date,
    date_to: date,
    audience: Audience,
    scheme: SchemeConfig | Path | str,
    base: str = DEFAULT_BASE,
) -> Report:
    """Refuses a bad period with CommandRejected naming "to" (before "from", or over twelve months)."""
    period = Period.of(date_from, date_to)
    config = scheme if isinstance(scheme, SchemeConfig) else load_scheme(scheme)
    store = ReadModelStore(make_engine(database_url), base)
    store.ensure()
    try:
        return compute_report(store, period, audience, config)
    finally:
        store.engine.dispose()


def render_report(report: Report, fmt: Format) -> str | bytes:
    if fmt is Format.JSON:
        return render_json(report)
    if fmt is Format.CSV:
        return render_csv(report)
    if fmt is Format.XLSX:
        return render_xlsx(report)
    if fmt is Format.HTML:
        return render_html(report)
    return render_table(report)


def encode(report: Report, fmt: Format) -> bytes:
    """The file's bytes: UTF-8, and for CSV with a byte order mark so that Excel reads "£"."""
    body = render_report(report, fmt)
    if isinstance(body, bytes):
        return body
    return body.encode("utf-8-sig" if fmt is Format.CSV else "utf-8")


def write_report(report: Report, fmt: Format, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(encode(report, fmt))
    return path


def write_all_formats(report: Report, directory: Path, stem: str = "monitoring-report") -> list[Path]:
    """Every format side by side: ``<stem>.txt``, ``.json``, ``.csv``, ``.xlsx``, ``.html``."""
    return [write_report(report, fmt, directory / f"{stem}{SUFFIX[fmt]}") for fmt in Format]
