"""``sanctuary demo``: drive a synthetic scheme year through the running services and write the
quarterly report (the services must be up: ``sanctuary run --keep-running`` or docker compose)."""

from __future__ import annotations

import asyncio
import os
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from sanctuary.cli_app import app
from sanctuary.cli_errors import EXIT_USAGE, CliError
from sanctuary.cli_nats import START_HINT, probe
from sanctuary.demo.generator import DEFAULT_CASES
from sanctuary.demo.run import DemoSetup, run_demo
from shared.settings import Settings


def setup_from_environment(nats_url: str | None = None) -> DemoSetup:
    """Where the services are, from the same variables they read (no key is needed to drive them)."""
    url = nats_url or os.environ.get("NATS_URL")
    if not url:
        raise CliError(f"NATS_URL is not set: {START_HINT}", EXIT_USAGE)
    fields = Settings.model_fields
    return DemoSetup(
        nats_url=url,
        database_url=os.environ.get("DATABASE_URL", str(fields["database_url"].default)),
        scheme_path=Path(os.environ.get("SANCTUARY_SCHEME", str(fields["scheme_config"].default))),
        catalogue_path=Path(os.environ.get("SANCTUARY_CATALOGUE", str(fields["catalogue_path"].default))),
        signing_keys=Path(os.environ.get("SANCTUARY_SIGNING_KEYS", str(fields["signing_keys_dir"].default))),
    )


def _year_start(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise typer.BadParameter("must be a date written YYYY-MM-DD", param_hint="--year-start") from None


@app.command("demo")
def demo_command(
    cases: Annotated[int, typer.Option(min=1, max=2000, help="referrals in the year")] = DEFAULT_CASES,
    seed: Annotated[int, typer.Option(help="the same seed gives the same year")] = 2025,
    out: Annotated[Path, typer.Option(help="directory for the report files")] = Path("out"),
    year_start: Annotated[
        str | None, typer.Option(help="first day of the year, YYYY-MM-DD (default: last complete one)")
    ] = None,
) -> None:
    """Drive a synthetic scheme year through the real services and write the monitoring report."""
    start = _year_start(year_start)
    setup = setup_from_environment()
    probe(setup.nats_url)
    outcome = asyncio.run(run_demo(setup, cases, seed, out, Console(), start))
    if outcome.drive.refusals:
        raise typer.Exit(1)
