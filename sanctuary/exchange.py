"""A short synthetic exchange through the real bus, so ``sanctuary run`` shows the services talking.

(The full pathway demo, ``sanctuary demo``, replaces this once the pathway exists.)
"""

from __future__ import annotations

import nats
from nats.aio.client import Client as NATS
from nats.js.errors import NotFoundError
from rich.console import Console
from rich.table import Table

from shared.eventstore import STREAM


async def show_exchange(url: str, kek: str, console: Console) -> None:
    nc = await nats.connect(url, name="sanctuary-run-exchange")
    try:
        console.print(await consumers_table(nc))
    finally:
        await nc.close()


async def consumers_table(nc: NATS) -> Table:
    """The CASES stream and the durable consumers the services hold on it: who listens to what."""
    js = nc.jetstream()
    table = Table(title=f"Event store: stream {STREAM}")
    table.add_column("consumer")
    table.add_column("listens to")
    table.add_column("delivered", justify="right")
    table.add_column("pending", justify="right")
    try:
        info = await js.stream_info(STREAM)
    except NotFoundError:
        table.caption = "stream not created yet"
        return table
    table.caption = f"{info.state.messages} events stored, last sequence {info.state.last_seq}"
    for consumer in await js.consumers_info(STREAM):
        config = consumer.config
        subjects = config.filter_subjects or ([config.filter_subject] if config.filter_subject else [])
        table.add_row(
            consumer.name,
            ", ".join(subjects),
            str(consumer.delivered.stream_seq if consumer.delivered else 0),
            str(consumer.num_pending or 0),
        )
    return table
