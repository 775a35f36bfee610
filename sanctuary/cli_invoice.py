"""``sanctuary invoice --from DATE --to DATE --out DIR``: the contractor's itemised invoice for a
period (normally a quarter), per case by reference and in total, written as CSV and XLSX."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

import shared.contracts  # noqa: F401  (registers every event type)
from sanctuary.cli_app import app
from sanctuary.cli_dates import from_and_to
from sanctuary.cli_errors import EXIT_USAGE, CliError, problems_line
from sanctuary.cli_nats import connect, nats_url
from services.contractor.invoice import Invoice, build_invoice, write_invoice
from services.contractor.invoice_source import load_installations
from shared.catalogue import load_catalogue
from shared.errors import CommandRejected
from shared.settings import load_settings


def invoice_period(date_from: str, date_to: str) -> tuple[date, date]:
    """The period's first and last day; every problem named by its option."""
    start, end = from_and_to(date_from, date_to)
    if end < start:
        raise CommandRejected.one("to", "is before --from")
    return start, end


async def produce_invoice(nats_url: str, catalogue_path: Path, start: date, end: date) -> Invoice:
    names = {item.code: item.name for item in load_catalogue(catalogue_path).items}
    nc = await connect(nats_url, name="sanctuary-invoice-cli")
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
        raise CliError(problems_line(exc.problems), EXIT_USAGE) from None
    # The invoice reads installation events, which hold no personal data: no key needed.
    settings = load_settings()
    invoice = asyncio.run(produce_invoice(nats_url(settings), settings.catalogue_path, start, end))
    try:
        csv_path, xlsx_path = write_invoice(invoice, out)
    except OSError as exc:
        raise CliError(f"--out: cannot write there ({exc.strerror}): choose another", EXIT_USAGE) from None
    cases = len(invoice.case_totals())
    typer.echo(f"{len(invoice.lines)} item lines, {cases} cases, total £{invoice.total_gbp:.2f}")
    typer.echo(f"wrote {csv_path}")
    typer.echo(f"wrote {xlsx_path}")
