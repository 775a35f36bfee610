"""``sanctuary run``: bring the whole system up, show it is up and talking, stop it cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from sanctuary.cli_app import app
from sanctuary.cli_demo import demo_in_run
from sanctuary.cluster import start_cluster_for_run
from sanctuary.demo.generator import DEFAULT_CASES
from sanctuary.exchange import show_exchange
from sanctuary.launcher import (
    KEK_VARIABLE,
    SERVICES,
    LaunchError,
    System,
    dev_kek,
    missing_services,
    service_environment,
    start_nats,
    start_service,
    wait_healthy,
)
from shared.settings import REPO_ROOT

console = Console()


@app.command()
def run(
    keep_running: Annotated[
        bool, typer.Option("--keep-running", help="Stay up after the exchange until Ctrl-C.")
    ] = False,
    service: Annotated[
        list[str] | None,
        typer.Option("--service", "-s", help="Run only this service (repeatable). Default: all four."),
    ] = None,
    var_dir: Annotated[Path, typer.Option(help="Where the NATS store and the service logs go.")] = Path(
        "var"
    ),
    health_timeout: Annotated[float, typer.Option(help="Seconds to wait for every service.")] = 60.0,
    demo_cases: Annotated[
        int, typer.Option(min=0, help="Referrals in the demo scheme year (0: none; not with --service).")
    ] = DEFAULT_CASES,
    seed: Annotated[int, typer.Option(help="The demo year's seed.")] = 2025,
    out: Annotated[Path, typer.Option(help="Where the demo writes its report.")] = Path("out"),
    cluster: Annotated[
        int, typer.Option(min=0, max=5, help="Start a local N-node JetStream cluster instead of one server.")
    ] = 0,
) -> None:
    """Start NATS (unless NATS_URL is set) and the services, show them up and talking, drive the demo
    scheme year through them and print its report, then stop."""
    names = tuple(service or SERVICES)
    unknown = [n for n in names if n not in SERVICES]
    if unknown:
        raise typer.BadParameter(f"unknown service(s): {', '.join(unknown)}", param_hint="--service")
    missing = missing_services(names, REPO_ROOT)
    if missing:
        console.print(f"[red]Not built yet: services.{', services.'.join(missing)} has no __main__.py[/]")
        raise typer.Exit(1)

    kek = os.environ.get(KEK_VARIABLE)
    if not kek:
        kek, created = dev_kek(Path(".sanctuary") / "dev.env")
        verb = "Generated" if created else "Using"
        console.print(
            f"[yellow]{verb} a DEVELOPMENT key-encryption key (.sanctuary/dev.env). "
            f"Set {KEK_VARIABLE} for real cases.[/]"
        )

    url = os.environ.get("NATS_URL")
    system = System(nats_url=url or "", nats=None)
    stop_requested = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop_requested.set()
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_signal)
    stop_cluster: Callable[[], None] = lambda: None  # noqa: E731
    try:
        if url:
            console.print(f"NATS: using {url} (from NATS_URL)")
        elif cluster:
            system.nats_url, stop_cluster = start_cluster_for_run(var_dir, cluster, console)
        else:
            system.nats = start_nats(var_dir / "nats")
            system.nats_url = system.nats.url
            console.print(
                f"NATS: started nats-server with JetStream on {system.nats_url} "
                f"(store {var_dir / 'nats'}, sync_interval: always)"
            )
        env = service_environment(system.nats_url, kek)
        for name in names:
            system.services.append(start_service(name, env, var_dir / "logs", Path.cwd()))
        with console.status("Waiting for the services to answer health requests..."):
            took = asyncio.run(wait_healthy(system.nats_url, system.services, health_timeout))
        console.print(_services_table(system, took))
        asyncio.run(show_exchange(system.nats_url, names, console))
        if not service and demo_cases:
            demo_in_run(system.nats_url, demo_cases, seed, out, console)
        if keep_running:
            console.print("Running. Press Ctrl-C to stop.")
            while not stop_requested.wait(1.0):
                dead = [p.name for p in system.services if not p.alive()]
                if dead:
                    raise LaunchError(f"service(s) stopped unexpectedly: {', '.join(dead)}")
    except LaunchError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        console.print("Stopping...")
    finally:
        system.stop()
        stop_cluster()
        signal.signal(signal.SIGTERM, previous)
        console.print("Stopped: services and NATS shut down.")


def _services_table(system: System, took: dict[str, float]) -> Table:
    table = Table(title="Sanctuary services up")
    table.add_column("service")
    table.add_column("pid", justify="right")
    table.add_column("health", justify="center")
    table.add_column("answered after", justify="right")
    table.add_column("log")
    for proc in system.services:
        table.add_row(
            proc.name, str(proc.process.pid), "[green]up[/]", f"{took[proc.name]:.1f}s", str(proc.log_path)
        )
    return table
