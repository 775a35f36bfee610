"""The fire control room's request/reply lookup on ``query.fire.SanctuaryAddress``: one address in,
the flag or ``{"found": false}`` out. Only the fire_control role may ask; nothing can be listed.

Each answer is logged without the address (who asked, whether it was found, and the case id of a
flag given out, so a disclosure can be traced) and counted. Recording it on the case as a
DisclosureRecorded is the reporting service's to write, not ours.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
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
from shared.documented import documented_payload
from shared.errors import Problem, problems_from_validation
from shared.events import Role
from shared.eventstore import STREAM
from shared.logging import get_logger
from shared.service import Service

log = get_logger(__name__)

_FLAG_EVENTS = (".SanctuaryAddressFlagged", ".SanctuaryFlagRemoved")


@dataclass
class LookupCounts:
    """How many lookups were answered since start-up, how many found a flag, how many were refused."""

    asked: int = 0
    found: int = 0
    refused: int = 0


def _refused(problems: list[Problem]) -> dict[str, Any]:
    return SanctuaryAddressAnswer(found=False, errors=problems).model_dump(mode="json", exclude_none=True)


def answer(index: SanctuaryAddressIndex, body: bytes, counts: LookupCounts | None = None) -> dict[str, Any]:
    counts = counts if counts is not None else LookupCounts()
    try:
        query = SanctuaryAddressQuery.model_validate_json(body)
    except ValidationError as exc:
        counts.refused += 1
        return _refused(problems_from_validation(exc))
    if query.actor.role is not Role.FIRE_CONTROL:
        counts.refused += 1
        log.warning(
            "sanctuary address lookup refused", agency=query.actor.agency, role=query.actor.role.value
        )
        problem = Problem(
            field="actor.role", problem="only fire_control may ask whether an address is a sanctuary"
        )
        return _refused([problem])
    counts.asked += 1
    found = index.find(query.postcode, query.house)
    if found is None:
        log.info(
            "sanctuary address lookup", agency=query.actor.agency, person=query.actor.person, found=False
        )
        return SanctuaryAddressAnswer(found=False).model_dump(mode="json", exclude_none=True)
    counts.found += 1
    case_id, flag = found
    log.info(
        "sanctuary address lookup",
        agency=query.actor.agency,
        person=query.actor.person,
        found=True,
        case_id=case_id,
    )
    return SanctuaryAddressAnswer(found=True, flag=flag).model_dump(mode="json", exclude_none=True)


def fire_lookup(service: Service) -> None:
    """An ``extras`` part: the lookup endpoint, and the index kept from the flag events."""
    # The index lives only in this process's memory and is rebuilt at every start: a key of its own,
    # made now, is enough (no service but the key custodian holds the KEK).
    index = SanctuaryAddressIndex(index_key(os.urandom(32)))
    counts = LookupCounts()
    service.extras["sanctuary_index"] = index
    service.extras["sanctuary_lookups"] = counts

    async def lookup(body: Any, msg: NatsMessage) -> bytes:
        # ``body`` is there for the AsyncAPI only; answer() parses the raw bytes.
        return json.dumps(answer(index, msg.body, counts)).encode()

    lookup.__annotations__["body"] = documented_payload(SanctuaryAddressQuery)
    service.broker.subscriber(
        SANCTUARY_ADDRESS_QUERY, title=SANCTUARY_ADDRESS_QUERY, description=SanctuaryAddressQuery.__doc__
    )(lookup)


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
