"""``sanctuary invoice --from DATE --to DATE --out DIR``: the contractor's itemised invoice for a
period (normally a quarter), per case by reference and in total, written as CSV and XLSX."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import nats
import typer

import shared.contracts  # noqa: F401  (registers every event type)
from sanctuary.cli_app import app
from services.contractor.invoice import Invoice, build_invoice, write_invoice
from services.contractor.invoice_source import load_installations
from shared.catalogue import load_catalogue
from shared.errors import CommandRejected, Problem, reject_if
from shared.nats_connect import server_list
from shared.settings import load_settings


def invoice_period(date_from: str, date_to: str) -> tuple[date, date]:
    """The period's first and last day; every problem named by its option."""
    days: dict[str, date] = {}
    problems: list[Problem] = []
    for option, value in (("from", date_from), ("to", date_to)):
        try:
            days[option] = datetime.strptime(value, "%Y-%m-%d").date()
        except ValueError:
            problems.append(Problem(field=option, problem="must be a date written YYYY-MM-DD"))
    reject_if(problems)
    if days["to"] < days["from"]:
        raise CommandRejected.one("to", "is before --from")
    return days["from"], days["to"]


async def produce_invoice(nats_url: str, catalogue_path: Path, start: date, end: date) -> Invoice:
    names = {item.code: item.name for item in load_catalogue(catalogue_path).items}
    nc = await nats.connect(server_list(nats_url), name="sanctuary-invoice-cli")
    try:
        events = await load_installations(nc)
    finally:
        await nc.close()
    return build_invoice(events, start, end, names)


@app.command("invoice")
def invoice_command(
    date_from: Annotated[str, typer.Option("--from", help="first day, YYYY-MM-DD")],
    date_to: Annotated[str, typer.Option("--to", help="last day, YYYY-MM-DD (inclusive)")],
    out: Annotated[Path, typer.Option("--out", help="directory for the CSV and XLSX files")],
) -> None:
    """The contractor's itemised invoice: every item installed in the period, per case reference
    (never the client's name), with case subtotals and the total; as CSV and XLSX."""
    try:
        start, end = invoice_period(date_from, date_to)
    except CommandRejected as exc:
        for problem in exc.problems:
            typer.echo(f"--{problem.field}: {problem.problem}", err=True)
        raise typer.Exit(2) from None
    settings = load_settings()
    if not settings.nats_url:
        raise typer.BadParameter("NATS_URL is not set", param_hint="NATS_URL")
    invoice = asyncio.run(produce_invoice(settings.nats_url, settings.catalogue_path, start, end))
    csv_path, xlsx_path = write_invoice(invoice, out)
    cases = len(invoice.case_totals())
    typer.echo(f"{len(invoice.lines)} item lines, {cases} cases, total £{invoice.total_gbp:.2f}")
    typer.echo(f"wrote {csv_path}")
    typer.echo(f"wrote {xlsx_path}")
