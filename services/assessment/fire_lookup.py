"""The fire control room's request/reply lookup on ``query.fire.SanctuaryAddress``: one address in,
the flag or ``{"found": false}`` out. Only the fire_control role may ask; nothing can be listed.

Each answer is logged without the address (who asked, whether it was found, and the case id of a
flag given out, so a disclosure can be traced) and counted. Recording it on the case as a
DisclosureRecorded is the reporting service's to write, not ours.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from dataclasses import dataclass
from typing import Any

from faststream.nats import NatsMessage
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
from shared.eventstore import read_matching
from shared.logging import get_logger
from shared.runtime import ServiceRuntime
from shared.service import Kernel, Part

log = get_logger(__name__)

_FLAG_EVENTS = (".SanctuaryAddressFlagged", ".SanctuaryFlagRemoved")
_OWN_EVENTS = "case.*.assessment.>"
FLAG_EVENT_SUBJECTS = tuple(f"case.*.assessment{suffix}" for suffix in _FLAG_EVENTS)


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


class FireLookup(Part):
    """The lookup endpoint, and the index kept from the flag events (rebuilt at every start)."""

    def __init__(self, kernel: Kernel) -> None:
        self._runtime = kernel.runtime
        # The index lives only in this process's memory and is rebuilt at every start: a key of its
        # own, made now, is enough (no service but the key custodian holds the KEK).
        self.index = SanctuaryAddressIndex(index_key(os.urandom(32)))
        self.counts = LookupCounts()

        async def lookup(body: Any, msg: NatsMessage) -> bytes:
            # ``body`` is there for the AsyncAPI only; answer() parses the raw bytes.
            return json.dumps(answer(self.index, msg.body, self.counts)).encode()

        lookup.__annotations__["body"] = documented_payload(SanctuaryAddressQuery)
        kernel.broker.subscriber(
            SANCTUARY_ADDRESS_QUERY, title=SANCTUARY_ADDRESS_QUERY, description=SanctuaryAddressQuery.__doc__
        )(lookup)

    async def start(self) -> None:
        """Read every flag event into the index before the service answers lookups, then go on
        following new ones."""
        follower = IndexFollower(self._runtime, self.index)
        await follower.catch_up()
        self._runtime.background(follower.follow(), "sanctuary-index")
        log.info("sanctuary address index rebuilt", flags=len(self.index))


class IndexFollower:
    """Keeps the index up to date by reading the assessment service's own events after the index's
    position, by direct get: at start-up every flag event, then whatever came since each time the
    service records a flag event (a plain subscription to those two subjects is the wake-up call)
    and every second anyway. No consumer is needed, so the service's NATS user needs no right to
    create one, and replicas never share one."""

    def __init__(self, runtime: ServiceRuntime, index: SanctuaryAddressIndex) -> None:
        self._runtime = runtime
        self._index = index
        self._lock = asyncio.Lock()

    async def catch_up(self) -> None:
        runtime = self._runtime
        async with self._lock:
            for seq, subject, data in await read_matching(
                runtime.connection, _OWN_EVENTS, self._index.position
            ):
                if subject.endswith(_FLAG_EVENTS):
                    self._index.apply(await runtime.event_store.decode(data, seq=seq, subject=subject))
                self._index.position = max(self._index.position, seq)

    async def follow(self, interval_s: float = 1.0) -> None:
        nc = self._runtime.connection
        wake = asyncio.Event()

        async def on_flag_event(msg: Any) -> None:
            wake.set()

        subs = [await nc.subscribe(s, cb=on_flag_event) for s in FLAG_EVENT_SUBJECTS]
        try:
            while True:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), interval_s)
                wake.clear()
                try:
                    await self.catch_up()
                except Exception as exc:  # the server away for a moment: the next round retries
                    log.warning("sanctuary address index catch-up failed", error=type(exc).__name__)
        finally:
            for sub in subs:
                with contextlib.suppress(Exception):
                    await sub.unsubscribe()
