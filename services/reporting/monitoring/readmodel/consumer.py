"""The read models' reader of ``case.>``: every event projected once, in stream order.

Built on shared.reader, in batches: all the events one fetch brings are projected in one SQL
transaction, which stores the position with the rows, so after any crash it reads on from exactly
what is stored + 1. An event that cannot be decoded or projected is parked at once (alone); a
database or NATS outage is waited out in place. A rebuild that swaps in new tables moves the stored
position: the next write sees it (``PositionMoved``) and the reader reads on from the new tables'
position.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from services.reporting.monitoring.readmodel.store import Projector, ReadModelStore
from shared.case_keys import KeyCustodianError
from shared.codec import PersonalDataUnreadable, decode_record, parse_json
from shared.events import RecordedEvent
from shared.eventstore import EventStore
from shared.reader import STALL_AFTER_S, TRANSIENT, CaseReader
from shared.runtime import ServiceRuntime

# The database away, locked or restarting: wait, never park.
SQL_TRANSIENT: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    DisconnectionError,
    PoolTimeout,
)


class StorePositions:
    """The reader's position is the read model's own (shared.positions.PositionStore)."""

    stored_by_effect = True

    def __init__(self, store: ReadModelStore) -> None:
        self.store = store

    async def load(self) -> int:
        return await asyncio.to_thread(self.store.position)

    async def save(self, seq: int, previous: int) -> None:
        await asyncio.to_thread(self.store.advance, seq, previous)


async def public_decode(events: EventStore, seq: int, subject: str, data: bytes) -> RecordedEvent:
    """The event for a projection that reads no personal field. Decoded as the process's other
    readers decode it (with the case key), so that it is decoded once for all of them; but a key
    the custodian refuses (one that does not unwrap), or personal data that will not open under the
    key, does not stop it, since none is read: the event is read as a rebuild reads every event,
    with its personal fields as erased. A custodian that does not answer is waited out (transient)."""
    try:
        return await events.decode(data, seq=seq, subject=subject)
    except TRANSIENT:
        raise
    except (PersonalDataUnreadable, KeyCustodianError):
        return decode_record(parse_json(data), key=None, seq=seq, subject=subject)


def projection_reader(
    name: str,
    runtime: ServiceRuntime,
    store: ReadModelStore,
    project: Projector,
    stall_after_s: float = STALL_AFTER_S,
) -> CaseReader[RecordedEvent]:
    """The reader that keeps ``store`` up to date with CASES (registered with the runtime)."""

    async def decode(seq: int, subject: str, data: bytes) -> RecordedEvent:
        return await public_decode(runtime.event_store, seq, subject, data)

    async def apply(event: RecordedEvent) -> None:
        # SQLAlchemy here is synchronous: keep it off the event loop.
        await asyncio.to_thread(store.apply_at, event, project, reader.position)

    async def apply_batch(batch: Sequence[tuple[int, RecordedEvent]]) -> None:
        # All that one fetch brought, in one transaction with the position it reaches.
        events = [event for _, event in batch]
        await asyncio.to_thread(store.apply_batch_at, events, project, reader.position)

    reader: CaseReader[RecordedEvent] = CaseReader(
        name,
        ["case.>"],
        decode,
        apply,
        StorePositions(store),
        transient=SQL_TRANSIENT,
        stall_after_s=stall_after_s,
        apply_batch=apply_batch,
    )
    runtime.add_reader(reader)
    return reader
