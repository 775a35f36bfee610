"""``sanctuary report`` (the quarterly monitoring report) and ``sanctuary rebuild`` (read models
rebuilt from the stream)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from sanctuary.cli_app import app
from sanctuary.cli_database import require_read_models
from sanctuary.cli_dates import from_and_to
from sanctuary.cli_errors import EXIT_USAGE, CliError, problems_line
from sanctuary.cli_nats import connect, nats_url
from services.reporting.monitoring.readmodel.projection import MonitoringProjection
from services.reporting.monitoring.readmodel.store import ReadModelStore, make_engine
from services.reporting.monitoring.rebuild import few_collections, rebuild
from services.reporting.monitoring.report.model import Audience
from services.reporting.monitoring.report.produce import (
    Format,
    render_report,
    report_for_period,
    write_report,
)
from services.reporting.monitoring.report.quarters import Period
from shared.catalogue import load_catalogue
from shared.errors import CommandRejected
from shared.scheme import SchemeError, load_scheme
from shared.settings import Settings, load_settings


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
    if out is not None and not out.parent.is_dir():
        raise CliError("--out: its directory does not exist: create it or choose another", EXIT_USAGE)
    # The report reads only the SQL read models: no key, no NATS.
    settings = load_settings()
    try:
        scheme = load_scheme(settings.scheme_config)
    except (OSError, SchemeError) as exc:
        raise CliError(f"SANCTUARY_SCHEME: {exc}", EXIT_USAGE) from None
    try:
        start, end = from_and_to(date_from, date_to)
        Period.of(start, end)  # a bad period is named before the database is looked at
        require_read_models(settings.database_url)
        report = report_for_period(settings.database_url, start, end, audience, scheme)
    except CommandRejected as exc:
        raise CliError(problems_line(exc.problems), EXIT_USAGE) from None
    if out is None:
        body = render_report(report, fmt)
        typer.echo(body if isinstance(body, str) else body.decode())
        return
    try:
        write_report(report, fmt, out)
    except OSError as exc:
        raise CliError(f"--out: cannot write the file ({exc.strerror}): choose another", EXIT_USAGE) from None


@app.command("rebuild")
def rebuild_command(
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=0,
            help="processes that read, decode and project beside this one (0: none; default: one "
            "per core, up to four, for a history of 50,000 events or more)",
        ),
    ] = None,
) -> None:
    """Drop and rebuild the read models from the CASES stream."""
    settings = load_settings()
    asyncio.run(_rebuild(settings, workers))


async def _rebuild(settings: Settings, workers: int | None = None) -> None:
    from shared.runtime import ServiceRuntime

    # Fail fast, naming the server, rather than retrying for ever as a service would.
    await (await connect(nats_url(settings), "sanctuary-rebuild")).close()
    runtime = ServiceRuntime(settings, "reporting")
    await runtime.start()  # its connection reads headers the cheaper way (shared.runtime)
    try:
        store = ReadModelStore(make_engine(settings.database_url))
        project = MonitoringProjection(load_catalogue(settings.catalogue_path))
        with (
            few_collections(),
            Progress(
                TextColumn("rebuilding read models"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                refresh_per_second=2,  # redrawn ten times a second, it cost a twentieth of the rebuild
            ) as bar,
        ):
            task = bar.add_task("events", total=None)

            def step(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            count = await rebuild(runtime.connection, store, project, step, workers, settings)
        typer.echo(f"projected {count} events into fresh read models")
    finally:
        await runtime.stop()
