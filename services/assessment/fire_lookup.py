"""The fire control room's request/reply lookup on ``query.fire.SanctuaryAddress``: one address in,
the flag or ``{"found": false}`` out. Only the fire_control role may ask; nothing can be listed.

Each answer is logged without the address (who asked, whether it was found, and the case id of a
flag given out, so a disclosure can be traced) and counted. Recording it on the case as a
DisclosureRecorded is the reporting service's to write, not ours.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from faststream.nats import NatsMessage
from pydantic import ValidationError

from services.assessment.address_index import SanctuaryAddressIndex, index_key
from shared.contracts.assessment import (
    SANCTUARY_ADDRESS_QUERY,
    SanctuaryAddressAnswer,
    SanctuaryAddressFlagged,
    SanctuaryAddressQuery,
    SanctuaryFlagRemoved,
)
from shared.errors import Problem, problems_from_validation
from shared.events import RecordedEvent, Role
from shared.eventstore import STREAM
from shared.logging import get_logger
from shared.positions import MemoryPositions
from shared.reader import CaseReader
from shared.service import Service

log = get_logger(__name__)

_FLAG_TYPES = (SanctuaryAddressFlagged.type_name(), SanctuaryFlagRemoved.type_name())


@dataclass
class LookupCounts:
    """How many lookups were answered since start-up, how many found a flag, how many were refused."""

    asked: int = 0
    found: int = 0
    refused: int = 0


def answer(index: SanctuaryAddressIndex, body: bytes, counts: LookupCounts | None = None) -> dict[str, Any]:
    counts = counts if counts is not None else LookupCounts()
    try:
        query = SanctuaryAddressQuery.model_validate_json(body)
    except ValidationError as exc:
        counts.refused += 1
        return {"found": False, "errors": [p.model_dump() for p in problems_from_validation(exc)]}
    if query.actor.role is not Role.FIRE_CONTROL:
        counts.refused += 1
        log.warning(
            "sanctuary address lookup refused", agency=query.actor.agency, role=query.actor.role.value
        )
        problem = Problem(
            field="actor.role", problem="only fire_control may ask whether an address is a sanctuary"
        )
        return {"found": False, "errors": [problem.model_dump()]}
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
    index = SanctuaryAddressIndex(index_key(service.settings.kek_bytes))
    counts = LookupCounts()
    service.extras["sanctuary_index"] = index
    service.extras["sanctuary_lookups"] = counts
    service.extras["sanctuary_index_reader"] = index_reader(service, index)

    @service.broker.subscriber(SANCTUARY_ADDRESS_QUERY, title=SANCTUARY_ADDRESS_QUERY)
    async def lookup(msg: NatsMessage) -> bytes:
        return json.dumps(answer(index, msg.body, counts)).encode()


INDEX_READER = "assessment-sanctuary-index"
CATCH_UP_S = 120.0


def index_reader(service: Service, index: SanctuaryAddressIndex) -> CaseReader[RecordedEvent]:
    """The index's in-order reader of the flag events (shared.reader). Index and position are both
    in memory, so a restart reads every flag event again."""
    runtime = service.runtime

    async def decode(seq: int, subject: str, data: bytes) -> RecordedEvent:
        return await runtime.event_store.decode(data, seq=seq, subject=subject)

    async def apply(event: RecordedEvent) -> None:
        index.apply(event)

    subjects = [f"case.*.assessment.{t}" for t in _FLAG_TYPES]
    reader: CaseReader[RecordedEvent] = CaseReader(INDEX_READER, subjects, decode, apply, MemoryPositions())
    runtime.add_reader(reader)
    return reader


async def rebuild_index(service: Service) -> None:
    """A start-up hook: read every flag event into the index before the service answers lookups,
    then go on following new ones."""
    index: SanctuaryAddressIndex = service.extras["sanctuary_index"]
    reader: CaseReader[RecordedEvent] = service.extras["sanctuary_index_reader"]
    runtime = service.runtime
    assert runtime.nc is not None
    last = (await runtime.nc.jetstream().stream_info(STREAM)).state.last_seq
    await reader.start(runtime.nc)
    if not await reader.caught_up(last, CATCH_UP_S):
        raise RuntimeError("sanctuary address index did not catch up with the stream")
    log.info("sanctuary address index rebuilt", flags=len(index))
