"""The fire control room's request/reply lookup on ``query.fire.SanctuaryAddress``: one address in,
the flag or ``{"found": false}`` out. Only the fire_control role may ask; nothing can be listed."""

from __future__ import annotations

import json
from typing import Any

from faststream.nats import NatsMessage
from nats.js.api import DeliverPolicy
from pydantic import ValidationError

from services.assessment.address_index import SanctuaryAddressIndex, index_key
from shared.contracts.assessment import (
    SANCTUARY_ADDRESS_QUERY,
    SanctuaryAddressAnswer,
    SanctuaryAddressQuery,
)
from shared.errors import Problem, problems_from_validation
from shared.events import Role
from shared.eventstore import STREAM
from shared.logging import get_logger
from shared.service import Service

log = get_logger(__name__)

_FLAG_EVENTS = (".SanctuaryAddressFlagged", ".SanctuaryFlagRemoved")


def answer(index: SanctuaryAddressIndex, body: bytes) -> dict[str, Any]:
    try:
        query = SanctuaryAddressQuery.model_validate_json(body)
    except ValidationError as exc:
        return {"found": False, "errors": [p.model_dump() for p in problems_from_validation(exc)]}
    if query.actor.role is not Role.FIRE_CONTROL:
        problem = Problem(
            field="actor.role", problem="only fire_control may ask whether an address is a sanctuary"
        )
        return {"found": False, "errors": [problem.model_dump()]}
    flag = index.lookup(query.postcode, query.house)
    reply = SanctuaryAddressAnswer(found=flag is not None, flag=flag)
    # Logged without the address: who asked, and whether it was found.
    log.info("sanctuary address lookup", agency=query.actor.agency, found=reply.found)
    return reply.model_dump(mode="json", exclude_none=True)


def fire_lookup(service: Service) -> None:
    """An ``extras`` part: the lookup endpoint, and the index kept from the flag events."""
    index = SanctuaryAddressIndex(index_key(service.settings.kek_bytes))
    service.extras["sanctuary_index"] = index

    @service.broker.subscriber(SANCTUARY_ADDRESS_QUERY, title=SANCTUARY_ADDRESS_QUERY)
    async def lookup(msg: NatsMessage) -> bytes:
        return json.dumps(answer(index, msg.body)).encode()


async def rebuild_index(service: Service) -> None:
    """A start-up hook: replay every flag event into the index, then follow new ones."""
    index: SanctuaryAddressIndex = service.extras["sanctuary_index"]
    runtime = service.runtime
    assert runtime.nc is not None
    js = runtime.nc.jetstream()

    async def on_event(msg: Any) -> None:
        if msg.subject.endswith(_FLAG_EVENTS):
            event = await runtime.event_store.decode(
                msg.data, seq=msg.metadata.sequence.stream, subject=msg.subject
            )
            index.apply(event)
        else:
            index.position = max(index.position, msg.metadata.sequence.stream)

    sub = await js.subscribe(
        "case.*.assessment.>",
        stream=STREAM,
        cb=on_event,
        ordered_consumer=True,
        deliver_policy=DeliverPolicy.ALL,
    )
    service.extras["sanctuary_index_sub"] = sub
    await _caught_up(sub, index)
    log.info("sanctuary address index rebuilt", flags=len(index))


async def _caught_up(sub: Any, index: SanctuaryAddressIndex, attempts: int = 200) -> None:
    import asyncio

    for _ in range(attempts):
        info = await sub.consumer_info()
        if info.num_pending == 0 and index.position >= info.delivered.stream_seq:
            return
        await asyncio.sleep(0.02)
    raise RuntimeError("sanctuary address index did not catch up with the stream")
