"""``sanctuary run``: bring the whole system up, show it is up and talking, stop it cleanly."""

from __future__ import annotations

import asyncio
import dataclasses
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

from sanctuary import devstate
from sanctuary.agency_access import AGENCY_USERS
from sanctuary.cli_app import app
from sanctuary.cli_demo import setup_from_environment
from sanctuary.cli_errors import mask_url
from sanctuary.cli_nats import probe
from sanctuary.cluster import start_cluster_for_run
from sanctuary.demo.generator import DEFAULT_CASES
from sanctuary.demo.report import ReadModelBehind
from sanctuary.demo.run import run_demo
from sanctuary.deployconfig import ADMIN, KEYS, MAX_REPLICAS, OPERATOR, REPLICATED
from sanctuary.exchange import show_exchange
from sanctuary.launcher import (
    KEK_VARIABLE,
    OPTIONAL_SERVICES,
    SERVICES,
    Credentials,
    LaunchError,
    System,
    dev_kek,
    dev_passwords,
    missing_services,
    provision_server,
    service_environment,
    start_nats,
    start_service,
    wait_healthy,
)
from shared.settings import REPO_ROOT, Settings

ADMIN_URL_VARIABLE = "SANCTUARY_ADMIN_NATS_URL"
DEV_DIR = Path(".sanctuary")

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
    replicas: Annotated[
        int,
        typer.Option(
            min=1,
            max=MAX_REPLICAS,
            help="Processes of each command service, sharing its commands (reporting, the one writer "
            "of the read models, runs once).",
        ),
    ] = 1,
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
    # The case-key custodian, once it exists, starts first (the services ask it for keys) and is
    # waited for on health.keys like them.
    names = (
        tuple(n for n in OPTIONAL_SERVICES if not service and not missing_services([n], REPO_ROOT)) + names
    )
    stop_requested = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop_requested.set()
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_signal)
    stop_cluster: Callable[[], None] = lambda: None  # noqa: E731
    try:
        if cluster and not url:
            system.nats_url, stop_cluster = start_cluster_for_run(var_dir, cluster, console)
            # A development cluster runs open (no accounts): provisioned, then used, as it is.
            _provision(system.nats_url)
            credentials = Credentials.as_given(system.nats_url)
        else:
            credentials = _bring_up_nats(system, url, var_dir)
        # Development: the CLI in this directory finds this system, as the operator.
        devstate.write_run_env(credentials.url(OPERATOR))
        for name in names:
            env = service_environment(credentials.url(name), kek if name == KEYS else None)
            for replica in range(1, (replicas if name in REPLICATED else 1) + 1):
                system.services.append(start_service(name, env, var_dir / "logs", Path.cwd(), replica))
        with console.status("Waiting for the services to answer health requests..."):
            took = asyncio.run(wait_healthy(credentials.url(OPERATOR), system.services, health_timeout))
        console.print(_services_table(system, took))
        asyncio.run(show_exchange(credentials.url("referrer"), credentials.url(OPERATOR), names, console))
        if not service and demo_cases:
            _demo(credentials, demo_cases, seed, out)
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
        raise typer.Exit(130) from None  # stopped by Ctrl-C or SIGTERM, as shells expect
    finally:
        system.stop()
        stop_cluster()
        signal.signal(signal.SIGTERM, previous)
        console.print("Stopped: services and NATS shut down.")


def _bring_up_nats(system: System, url: str | None, var_dir: Path) -> Credentials:
    """NATS_URL given: used as it is, by everyone; provisioned only with an administrator's URL.
    Otherwise our own server, running the deploy configuration with development passwords."""
    if url:
        probe(url)  # unreachable: one line naming it, not minutes of retries
        console.print(f"NATS: using {mask_url(url)} (from NATS_URL)")
        admin_url = os.environ.get(ADMIN_URL_VARIABLE)
        if admin_url:
            _provision(admin_url)
        else:
            console.print(
                f"[yellow]Not provisioning: set {ADMIN_URL_VARIABLE} to an administrator's URL, or run "
                "`sanctuary provision` yourself; services stop at start if a stream is missing.[/]"
            )
        return Credentials.as_given(url)
    passwords, created = dev_passwords(DEV_DIR / "nats-passwords.env")
    system.nats = start_nats(var_dir / "nats", passwords)
    system.nats_url = system.nats.url
    verb = "Generated" if created else "Using"
    console.print(
        f"NATS: started nats-server with JetStream on {system.nats_url} "
        f"(store {var_dir / 'nats'}, sync_interval: always), secured by the deploy configuration: "
        f"{len(passwords)} users in their accounts. {verb} DEVELOPMENT passwords "
        f"({DEV_DIR / 'nats-passwords.env'})."
    )
    credentials = Credentials.for_server(system.nats_url, passwords)
    _provision(credentials.url(ADMIN))
    return credentials


def _provision(admin_url: str) -> None:
    # The two settings provisioning needs, read as the services read them (not the whole
    # settings: a bad key-encryption key is the services' to report, naming the variable).
    fields = Settings.model_fields
    replicas = int(os.environ.get("SANCTUARY_REPLICAS", str(fields["stream_replicas"].default)))
    window = float(os.environ.get("SANCTUARY_DUPLICATE_WINDOW_S", str(fields["duplicate_window_s"].default)))
    try:
        done = asyncio.run(provision_server(admin_url, replicas, window))
    except LaunchError:
        raise
    except Exception as exc:  # the server's answer names what failed; no data is in it
        raise LaunchError(f"provisioning failed: {type(exc).__name__}: {exc}") from None
    console.print("Provisioned (as the NATS administrator): " + "; ".join(done))


def _demo(credentials: Credentials, cases: int, seed: int, out: Path) -> None:
    """The scheme year, each command sent as the agency that would send it; read as the operator."""
    console.rule(f"A synthetic scheme year: {cases} referrals, seed {seed}")
    setup = setup_from_environment(credentials.url(OPERATOR))
    if credentials.urls:
        setup = dataclasses.replace(setup, agency_urls={u: credentials.url(u) for u in AGENCY_USERS})
    try:
        asyncio.run(run_demo(setup, cases, seed, out, console))
    except ReadModelBehind as exc:
        raise LaunchError(str(exc)) from None


@app.command()
def provision(
    nats_url: Annotated[
        str | None,
        typer.Option(
            help=f"The NATS administrator's URL (credentials in it). Default: {ADMIN_URL_VARIABLE}, "
            "else NATS_URL."
        ),
    ] = None,
) -> None:
    """Create or update every stream and bucket the services need (as the NATS administrator).
    Safe to run again: nothing stored is touched."""
    url = nats_url or os.environ.get(ADMIN_URL_VARIABLE) or os.environ.get("NATS_URL")
    if not url:
        raise typer.BadParameter(f"give --nats-url or set {ADMIN_URL_VARIABLE}", param_hint="--nats-url")
    try:
        _provision(url)
    except LaunchError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from None


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
