"""The whole demo in one call: generate the year, drive it with a progress bar, wait for the read
model, print the coordinator's report and write both versions to the output directory."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import cast

import nats
from nats.aio.client import Client as NATS
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sanctuary.demo.afterwards import Afterwards, afterwards_table, check_afterwards
from sanctuary.demo.agencies import AgencyConnections
from sanctuary.demo.driver import DriveResult, drive, summary_rows
from sanctuary.demo.generator import financial_year_start, generate, year_end
from sanctuary.demo.report import wait_for_read_model, write_reports, year_report
from sanctuary.demo.storyline import Storyline
from services.reporting.monitoring.readmodel.store import DEFAULT_BASE
from services.reporting.monitoring.report.model import Audience
from services.reporting.monitoring.report.render import render_table
from shared.catalogue import load_catalogue
from shared.nats_connect import server_list
from shared.runtime import inbox_prefix
from shared.scheme import load_scheme


@dataclass(frozen=True)
class DemoSetup:
    nats_url: str
    database_url: str
    scheme_path: Path
    catalogue_path: Path
    table_base: str = DEFAULT_BASE  # the reporting service's read-model tables
    signing_keys: Path = Path(".sanctuary/keys")  # the services' public keys, to verify histories
    # On a secured server: each agency user's URL; commands then go as those agencies, and
    # ``nats_url`` (the operator's) only reads. Empty: everything over ``nats_url``.
    agency_urls: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DemoOutcome:
    stories: list[Storyline]
    drive: DriveResult
    start: date
    end: date
    files: list[Path]
    afterwards: Afterwards


async def run_demo(
    setup: DemoSetup,
    cases: int,
    seed: int,
    out: Path,
    console: Console,
    year_start: date | None = None,
    case_prefix: str = "DEMO",
) -> DemoOutcome:
    scheme = load_scheme(setup.scheme_path)
    catalogue = load_catalogue(setup.catalogue_path)
    start = year_start or financial_year_start(date.today(), scheme.reporting.financial_year_start_month)
    end = year_end(start)
    stories = generate(seed, cases, start, scheme, catalogue, case_prefix)
    console.print(_paths_table(stories, start, end))
    nc = await nats.connect(
        server_list(setup.nats_url), name="sanctuary-demo", inbox_prefix=inbox_prefix("operator")
    )
    agencies = await AgencyConnections.connect(setup.agency_urls) if setup.agency_urls else None
    # The driver only sends requests: the agency connections stand in for one connection.
    commands = cast(NATS, agencies) if agencies else nc
    try:
        with Progress(
            TextColumn("scheme year {task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as bar:
            task = bar.add_task(f"{start:%Y}-{end:%y}", total=None)
            result = await drive(
                commands, stories, start, lambda done, total: bar.update(task, completed=done, total=total)
            )
        console.print(
            f"{result.sent} commands sent ({result.duplicates} already done on an earlier run); "
            f"longest wait for another service's reaction {result.longest_wait_s:.1f} s"
        )
        for refusal in result.refusals:
            console.print(f"[yellow]refused[/] {refusal}")
        with console.status("Waiting for the reporting read model to catch up..."):
            await wait_for_read_model(nc, setup.database_url, setup.table_base)
        with console.status("Checking what each agency holds, and every case's history..."):
            after = await check_afterwards(nc, [s.case_id for s in stories], setup.signing_keys)
    finally:
        if agencies:
            await agencies.close()
        await nc.close()
    report = year_report(setup.database_url, start, end, Audience.COORDINATOR, scheme, setup.table_base)
    console.out(render_table(report))
    files = write_reports(setup.database_url, start, end, scheme, out, setup.table_base)
    console.print("Written: " + ", ".join(str(f) for f in files))
    console.print(afterwards_table(after))
    if not after.views_settled:
        console.print("[yellow]The views reader had not read every event: the counts above may be short[/]")
    if after.broken:
        console.print(f"[red]Audit: {len(after.broken)} case(s) whose history does not verify[/]")
    else:
        console.print(
            f"Audit: {len(after.verified)} cases, {after.events} events: every hash chain and every "
            "owning service's signature verifies."
        )
    return DemoOutcome(stories, result, start, end, files, after)


def _paths_table(stories: list[Storyline], start: date, end: date) -> Table:
    table = Table(title=f"Synthetic scheme year {start:%d %B %Y} to {end:%d %B %Y}: {len(stories)} referrals")
    table.add_column("pathway")
    table.add_column("cases", justify="right")
    for path, count in summary_rows(stories).items():
        table.add_row(path, str(count))
    return table
