"""``sanctuary schemas``: write the AsyncAPI documents and the JSON Schemas of events and commands;
``sanctuary nats-users``: deploy/nats-users.conf (accounts and users), generated from the code."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from sanctuary.cli_app import app
from sanctuary.deployconfig import nats_users_conf
from sanctuary.launcher import missing_services
from sanctuary.schemas import SERVICES, write_schemas
from shared.settings import REPO_ROOT

console = Console()


@app.command()
def schemas(
    out: Annotated[Path, typer.Option(help="Directory to write asyncapi/ and schemas/ under.")] = Path(
        "docs"
    ),
) -> None:
    """Publish the bus: AsyncAPI per service, JSON Schema of every event and command."""
    missing = missing_services(list(SERVICES), REPO_ROOT, entry="app.py")
    ready = tuple(s for s in SERVICES if s not in missing)
    if missing:
        console.print(f"[yellow]No app yet for: {', '.join(missing)} (their AsyncAPI is not written)[/]")
    written = write_schemas(out, ready)
    schemas = sum(1 for p in written if p.parent.name != "asyncapi")
    events = sum(1 for p in written if p.parent.name == "events")
    commands = sum(1 for p in written if p.parent.name == "commands")
    console.print(
        f"Wrote {len(ready)} AsyncAPI document(s) and {schemas} message schemas ({events} events, "
        f"{commands} commands, the rest queries, replies, views and the event envelope) under {out}/"
    )


@app.command("nats-users")
def nats_users() -> None:
    """Print deploy/nats-users.conf: every NATS account and user, each allowed exactly its work."""
    typer.echo(nats_users_conf(), nl=False)
