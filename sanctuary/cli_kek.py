"""``sanctuary kek rotate``: re-wrap every case key under a new key-encryption key, with no downtime.

Run it with the key custodian's own settings and NATS credentials (it writes CASE_KEYS, which only
the custodian's user may): ``SANCTUARY_KEK`` the new KEK, ``SANCTUARY_KEK_PREVIOUS`` the old
one(s). It first asks the running custodian which KEK it wraps with, and refuses unless that is
the new one: a key moved to a KEK the custodian does not hold would leave its case unreadable.
Interrupted, it is simply run again: keys already moved are skipped. docs/keys.md has the steps.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import nats
import typer
from nats.aio.client import Client as NATS
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeoutError
from rich.console import Console

from sanctuary.cli_app import app
from services.keys.rotation import RotationReport, left_behind, rotate
from shared.case_keys import CUSTODIAN
from shared.crypto import KeyRing, KeyStore
from shared.settings import SettingsError, load_settings

kek_app = typer.Typer(help="The key-encryption key that wraps every case key.")
app.add_typer(kek_app, name="kek")
console = Console()


class RotationRefused(RuntimeError):
    pass


async def custodian_kek(nc: NATS) -> dict[str, Any]:
    """What the running key custodian says about its KEKs (ids only, never a key)."""
    try:
        reply = await nc.request(f"health.{CUSTODIAN}", b"", timeout=5)
    except (NoRespondersError, NatsTimeoutError):
        raise RotationRefused(
            "no key custodian answered: start it with the new SANCTUARY_KEK first"
        ) from None
    kek = json.loads(reply.data).get("kek")
    if not isinstance(kek, dict):
        raise RotationRefused("the key custodian does not say which KEK it holds (an older version?)")
    return kek


def check_custodian(ring: KeyRing, kek: dict[str, Any]) -> None:
    if kek.get("current") != ring.current_id:
        raise RotationRefused(
            f"the running key custodian wraps with KEK {kek.get('current')}, not the new one "
            f"({ring.current_id}): restart it with SANCTUARY_KEK set to the new KEK and "
            "SANCTUARY_KEK_PREVIOUS to the old one, then run this again"
        )
    missing = sorted(set(ring.ids) - set(kek.get("held", [])))
    if missing:
        raise RotationRefused(f"the running key custodian lacks previous KEK(s) {', '.join(missing)}")


async def run_rotation(url: str, ring: KeyRing) -> tuple[RotationReport, int]:
    nc = await nats.connect(url, name="sanctuary-kek-rotate")
    keys = KeyStore(nc.jetstream(), ring)
    try:
        check_custodian(ring, await custodian_kek(nc))
        await keys.start()
        report = await rotate(keys)
        return report, await left_behind(keys)
    finally:
        await keys.stop()
        await nc.close()


@kek_app.command("rotate")
def kek_rotate() -> None:
    """Re-wrap every case key under SANCTUARY_KEK (the new KEK); SANCTUARY_KEK_PREVIOUS opens the old."""
    try:
        settings = load_settings()
        ring = settings.kek_ring()
    except SettingsError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from None
    if not settings.nats_url:
        console.print("[red]NATS_URL: is not set[/]")
        raise typer.Exit(2)
    try:
        report, behind = asyncio.run(run_rotation(settings.nats_url, ring))
    except RotationRefused as exc:
        console.print(f"[red]Not rotated: {exc}.[/]")
        raise typer.Exit(3) from None
    console.print(f"Case keys: {report.line()}.")
    if behind:
        console.print(f"[red]{behind} key(s) are still under an older KEK: run this again.[/]")
        raise typer.Exit(1)
    console.print(
        f"Every case key is under KEK {ring.current_id}. Remove SANCTUARY_KEK_PREVIOUS from the "
        "key custodian's settings and restart it; then destroy the old KEK."
    )
