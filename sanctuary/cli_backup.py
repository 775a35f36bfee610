"""``sanctuary backup create|restore``: the event store and the case keys, by JetStream snapshots.

Needs only NATS_URL (one server or a cluster's, comma-separated) and, with TLS, NATS_TLS_CA /
NATS_TLS_CERT / NATS_TLS_KEY: never the key-encryption key (the case keys stay wrapped under it).
The runbook is in docs/deploy.md."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar

import nats
import typer

from sanctuary.backup import BackupError, StreamBackup, create_backup, restore_backup
from sanctuary.cli_app import app
from shared.nats_connect import environment_options

backup_app = typer.Typer(help="Back up and restore the event store and the case keys.", no_args_is_help=True)
app.add_typer(backup_app, name="backup")


async def _connect() -> nats.NATS:
    try:
        options = environment_options()
    except (RuntimeError, ValueError, OSError) as exc:
        raise typer.BadParameter(str(exc), param_hint="NATS_URL / NATS_TLS_*") from None
    return await nats.connect(**options, name="sanctuary-backup", connect_timeout=5)


T = TypeVar("T")


def _on_nats(what: str, work: Callable[[nats.NATS], Awaitable[T]]) -> T:
    """``work`` on a connection of its own; a BackupError ends the command, saying ``what`` failed."""

    async def go() -> T:
        nc = await _connect()
        try:
            return await work(nc)
        finally:
            await nc.close()

    try:
        return asyncio.run(go())
    except BackupError as exc:
        typer.echo(f"{what} failed: {exc}", err=True)
        raise typer.Exit(1) from None


@backup_app.command("create")
def backup_create(
    out: Annotated[Path, typer.Option("--out", help="A new, empty directory for the backup.")],
) -> None:
    """Snapshot CASES, the case keys (and checkpoints, dead letters, staff register if present)."""
    done: list[StreamBackup] = _on_nats("backup", lambda nc: create_backup(nc, out, progress=typer.echo))
    for s in done:
        typer.echo(f"{s.stream}: {s.messages} messages (seq {s.first_seq}-{s.last_seq}), {s.bytes} bytes")
    typer.echo(f"backup written to {out}")


@backup_app.command("restore")
def backup_restore(
    backup: Annotated[Path, typer.Argument(help="A directory written by `sanctuary backup create`.")],
    replicas: Annotated[
        int | None,
        typer.Option(min=1, max=5, help="Replicas of each stream (default: as backed up)."),
    ] = None,
) -> None:
    """Restore a backup into a fresh server or cluster, before any service starts on it."""
    restored = _on_nats("restore", lambda nc: restore_backup(nc, backup, replicas, progress=typer.echo))
    for stream, messages in restored:
        typer.echo(f"{stream}: {messages} messages restored")
    typer.echo("restore complete: start the services, then run `sanctuary audit verify --all`")
