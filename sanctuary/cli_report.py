"""``sanctuary report`` (the quarterly monitoring report) and ``sanctuary rebuild`` (read models
rebuilt from the stream)."""

from __future__ import annotations

import asyncio
import enum
import importlib
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from sanctuary.cli_app import app
from services.reporting.readmodel.projection import MonitoringProjection
from services.reporting.readmodel.store import ReadModelStore, make_engine
from services.reporting.rebuild import rebuild
from services.reporting.report.compute import compute_report
from services.reporting.report.html import render_html
from services.reporting.report.model import Audience
from services.reporting.report.quarters import Period
from services.reporting.report.render import render_csv, render_json, render_table, render_xlsx
from services.reporting.report.settings import ReportSettings
from shared.catalogue import load_catalogue
from shared.errors import CommandRejected
from shared.settings import Settings, load_settings


class Format(enum.StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"
    HTML = "html"


def report_settings(settings: Settings) -> ReportSettings:
    """The scheme's threshold, budget, target and timescales (defaults until shared.scheme exists)."""
    try:
        scheme_module: Any = importlib.import_module("shared.scheme")
    except ModuleNotFoundError:
        return ReportSettings()
    if not Path(settings.scheme_config).exists():
        typer.echo("scheme configuration not found; using the default threshold, budget and target", err=True)
        return ReportSettings()
    return ReportSettings.from_scheme(scheme_module.load_scheme(settings.scheme_config))


def _day(value: str, field: str) -> date:
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise CommandRejected.one(field, "must be a date written YYYY-MM-DD") from None


def produce(
    store: ReadModelStore, start: str, end: str, audience: Audience, fmt: Format, settings: ReportSettings
) -> str | bytes:
    period = Period.of(_day(start, "from"), _day(end, "to"))
    report = compute_report(store, period, audience, settings)
    if fmt is Format.JSON:
        return render_json(report)
    if fmt is Format.CSV:
        return render_csv(report)
    if fmt is Format.XLSX:
        return render_xlsx(report)
    if fmt is Format.HTML:
        return render_html(report)
    return render_table(report)


@app.command("report")
def report_command(
    date_from: Annotated[str, typer.Option("--from", help="first day, YYYY-MM-DD (Q1 starts here)")],
    date_to: Annotated[str, typer.Option("--to", help="last day, YYYY-MM-DD (at most twelve months on)")],
    audience: Annotated[
        Audience, typer.Option(help="funder: anonymised; coordinator: exact")
    ] = Audience.FUNDER,
    fmt: Annotated[Format, typer.Option("--format", help="table, json, csv, xlsx or html")] = Format.TABLE,
    out: Annotated[Path | None, typer.Option(help="write to this file instead of the screen")] = None,
) -> None:
    """The Sanctuary Scheme quarterly monitoring report, from the read models."""
    if fmt is Format.XLSX and out is None:
        raise typer.BadParameter("xlsx needs --out FILE", param_hint="--out")
    settings = load_settings()
    store = ReadModelStore(make_engine(settings.database_url))
    store.ensure()
    try:
        body = produce(store, date_from, date_to, audience, fmt, report_settings(settings))
    except CommandRejected as exc:
        for problem in exc.problems:
            typer.echo(f"--{problem.field}: {problem.problem}", err=True)
        raise typer.Exit(2) from None
    if out is None:
        typer.echo(body if isinstance(body, str) else body.decode())
    elif isinstance(body, bytes):
        out.write_bytes(body)
    else:
        out.write_text(body, encoding="utf-8")


@app.command("rebuild")
def rebuild_command() -> None:
    """Drop and rebuild the read models from the CASES stream."""
    settings = load_settings()
    asyncio.run(_rebuild(settings))


async def _rebuild(settings: Settings) -> None:
    from shared.runtime import ServiceRuntime

    runtime = ServiceRuntime(settings, "reporting")
    await runtime.start()
    try:
        store = ReadModelStore(make_engine(settings.database_url))
        project = MonitoringProjection(load_catalogue(settings.catalogue_path))
        with Progress(
            TextColumn("rebuilding read models"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()
        ) as bar:
            task = bar.add_task("events", total=None)

            def step(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            assert runtime.nc is not None
            count = await rebuild(runtime.nc, runtime.event_store, store, project, step)
        typer.echo(f"projected {count} events into fresh read models")
    finally:
        await runtime.stop()
