"""A short synthetic exchange through the real bus, so ``sanctuary run`` shows the services talking.

A referrer's system sends the referral service an incomplete referral (a synthetic command id,
no personal data at all); the service answers over request/reply naming every missing field,
and nothing is stored. Then the event store's consumers show who listens to which events.
(The full pathway demo, ``sanctuary demo``, replaces this once the pathway exists.)
"""

from __future__ import annotations

import json
import uuid

import nats
from nats.aio.client import Client as NATS
from nats.js.errors import NotFoundError
from rich.console import Console
from rich.table import Table

from shared.commands import CommandReply
from shared.contracts.referral import SubmitReferral
from shared.events import Actor, Role
from shared.eventstore import STREAM
from shared.nats_connect import server_list
from shared.runtime import inbox_prefix

REFERRER = Actor(agency="Synthetic IDVA Service", person="referrer-demo", role=Role.REFERRER)


async def show_exchange(
    referrer_url: str, operator_url: str, services: tuple[str, ...], console: Console
) -> None:
    """The referral is sent as a referrer's system (its own NATS account); the consumers are read
    as the operator."""
    if "referral" in services:
        referrer = await nats.connect(
            server_list(referrer_url), name="sanctuary-run-exchange", inbox_prefix=inbox_prefix("referrer")
        )
        try:
            await incomplete_referral(referrer, console)
        finally:
            await referrer.close()
    operator = await nats.connect(
        server_list(operator_url), name="sanctuary-run-exchange", inbox_prefix=inbox_prefix("operator")
    )
    try:
        console.print(await consumers_table(operator))
    finally:
        await operator.close()


async def incomplete_referral(nc: NATS, console: Console) -> CommandReply:
    """Request/reply through the bus: an empty form is refused with every mandatory field named."""
    command = {"command_id": f"run-{uuid.uuid4().hex}", "actor": REFERRER.model_dump(mode="json")}
    console.print(f"-> {SubmitReferral.subject()}: a referral with the form left empty")
    reply = await nc.request(SubmitReferral.subject(), json.dumps(command).encode(), timeout=10)
    answer = CommandReply.model_validate_json(reply.data)
    fields = sorted({p.field for p in answer.errors})
    shown = ", ".join(fields[:6]) + (", ..." if len(fields) > 6 else "")
    verdict = "accepted" if answer.ok else f"refused, {len(answer.errors)} problem(s) named: {shown}"
    console.print(f"<- referral service: {verdict}; nothing stored")
    return answer


async def consumers_table(nc: NATS) -> Table:
    """The CASES stream and the consumers the services' readers hold on it (each made afresh from
    the reader's stored position, see shared/reader.py): who listens to what."""
    js = nc.jetstream()
    table = Table(title=f"Event store: stream {STREAM}")
    table.add_column("consumer", overflow="fold")
    table.add_column("listens to", overflow="fold")
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
