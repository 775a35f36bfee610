"""``sanctuary status``: the running system on one screen. Each service (up, version, how many
replicas answer ``health.<service>``, ready or not, its HTTP port), stream sizes, each reader's
position and lag, parked messages, the number of case keys and of erased cases.

Reads only what NATS holds and what the services say about themselves: no key is needed.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import asdict, dataclass, field
from typing import Annotated, Any

import typer
from nats.aio.client import Client as NATS
from nats.js.errors import NotFoundError
from rich.console import Console
from rich.table import Table

from sanctuary.cli_app import app
from sanctuary.cli_nats import connected
from sanctuary.launcher import SERVICES  # the services a whole system runs
from shared.contracts.audit import CasePersonalDataErased
from shared.crypto import KEY_BUCKET
from shared.deadletter import DEADLETTER_STREAM
from shared.eventstore import STREAM
from shared.settings import load_settings

# Every replica answers health.<service> (no queue group); replies arriving within this window are counted.
GATHER_S = 0.75


@dataclass
class ServiceState:
    name: str
    replies: list[dict[str, Any]] = field(default_factory=list)

    @property
    def up(self) -> bool:
        return bool(self.replies)

    @property
    def ready(self) -> int:
        return sum(1 for r in self.replies if r.get("ready"))

    @property
    def versions(self) -> str:
        return ", ".join(sorted({str(r.get("version", "?")) for r in self.replies})) or "-"

    @property
    def ports(self) -> str:
        return ", ".join(sorted({str(r["http_port"]) for r in self.replies if r.get("http_port")})) or "-"


@dataclass
class SystemStatus:
    services: list[ServiceState]
    streams: list[tuple[str, int, int]]  # name, messages, bytes
    consumers: list[tuple[str, str, int, int]]  # stream, durable, acknowledged stream seq, pending
    parked: int
    case_keys: int
    erased_cases: int


async def gather_health(nc: NATS, names: tuple[str, ...] = SERVICES) -> list[ServiceState]:
    """Ask every replica of every service at once, on one inbox; count who answers."""
    states = {name: ServiceState(name) for name in names}
    inbox = nc.new_inbox()
    sub = await nc.subscribe(inbox)
    try:
        for name in names:
            await nc.publish(f"health.{name}", b"", reply=inbox)
        deadline = time.monotonic() + GATHER_S
        while (left := deadline - time.monotonic()) > 0:
            try:
                msg = await sub.next_msg(timeout=left)
            except TimeoutError:
                break
            try:
                reply = json.loads(msg.data)
            except ValueError:
                continue
            state = states.get(str(reply.get("service")))
            if state is not None:
                state.replies.append(reply)
    finally:
        await sub.unsubscribe()
    return list(states.values())


async def _stream_messages(nc: NATS, stream: str, subjects_filter: str | None = None) -> tuple[int, int]:
    """(messages, distinct subjects) of a stream, or zeros if it does not exist yet."""
    try:
        info = await nc.jetstream().stream_info(stream, subjects_filter=subjects_filter)
    except NotFoundError:
        return 0, 0
    return info.state.messages, len(info.state.subjects or {})


async def gather(nc: NATS) -> SystemStatus:
    js = nc.jetstream()
    services = await gather_health(nc)
    streams, consumers = [], []
    for info in await js.streams_info():
        name = info.config.name or "?"
        streams.append((name, info.state.messages, info.state.bytes))
        if name.startswith("KV_"):
            continue
        for consumer in await js.consumers_info(name):
            if consumer.config.durable_name:
                acked = consumer.ack_floor.stream_seq if consumer.ack_floor else 0
                consumers.append((name, consumer.name, acked or 0, consumer.num_pending or 0))
    parked, _ = await _stream_messages(nc, DEADLETTER_STREAM)
    case_keys, _ = await _stream_messages(nc, f"KV_{KEY_BUCKET}")
    erased_filter = f"case.*.reporting.{CasePersonalDataErased.type_name()}"
    _, erased = await _stream_messages(nc, STREAM, erased_filter)
    return SystemStatus(services, sorted(streams), sorted(consumers), parked, case_keys, erased)


def render(status: SystemStatus, console: Console) -> None:
    services = Table(title="Services")
    for header in ("service", "up", "replicas", "ready", "version", "http port"):
        services.add_column(header)
    for s in status.services:
        up = "[green]up[/]" if s.up else "[red]down[/]"
        ready = f"{s.ready}/{len(s.replies)}" if s.up else "-"
        services.add_row(s.name, up, str(len(s.replies)), ready, s.versions, s.ports)
    console.print(services)

    readers = Table(title="Readers (each service's in-order readers of the stream)")
    for header in ("service", "reader", "position", "lag", "parked", "stalled"):
        readers.add_column(header)
    for s in status.services:
        for reply in s.replies:
            for r in reply.get("readers", []):
                stalled = "[red]yes[/]" if r.get("stalled") else "no"
                cells = [str(r.get(k)) for k in ("name", "position", "lag", "parked")]
                readers.add_row(s.name, *cells, stalled)
    if readers.row_count:
        console.print(readers)

    streams = Table(title="Streams")
    for header in ("stream", "messages", "bytes"):
        streams.add_column(header)
    for name, messages, size in status.streams:
        streams.add_row(name, str(messages), f"{size:,}")
    console.print(streams)

    consumers = Table(title="Durable consumers")
    for header in ("stream", "durable", "acknowledged up to", "pending"):
        consumers.add_column(header)
    for stream, name, acked, pending in status.consumers:
        consumers.add_row(stream, name, str(acked), str(pending))
    if consumers.row_count:
        console.print(consumers)

    parked = f"[red]{status.parked}[/]" if status.parked else "0"
    console.print(
        f"Parked messages (DEADLETTER): {parked}    Case keys: {status.case_keys}    "
        f"Erased cases: {status.erased_cases}"
    )


@app.command("status")
def status_command(
    fmt: Annotated[str, typer.Option("--format", help="table or json")] = "table",
) -> None:
    """The running system on one screen: services, streams, readers, parked messages, keys."""
    if fmt not in ("table", "json"):
        raise typer.BadParameter("must be table or json", param_hint="--format")
    settings = load_settings()

    async def go() -> SystemStatus:
        async with connected(settings, "sanctuary-status") as nc:
            return await gather(nc)

    status = asyncio.run(go())
    if fmt == "json":
        print(json.dumps(asdict(status), indent=2, default=str))
    else:
        render(status, Console())
