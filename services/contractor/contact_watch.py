"""The first-contact deadline watch: when a works order's 48 hours pass with no successful contact,
the service records ContactNotEstablished itself, as the system, so the coordinator is told.

Runs inside the contractor service. An in-order reader of CASES (shared.reader) folds the watched
contractor events into the open works orders held in memory; orders and position live and die
together, so a restart reads from the start again. Once at start-up and then every
``SANCTUARY_CONTACT_WATCH_INTERVAL_S`` seconds (default 15 minutes) a scan waits until the reader has
reached the end of the stream as it was, and sends the overdue orders through the case handler.
The decider has the last word on the whole case; the command id is the case and the deadline, so
repeated scans, restarts and replicas record it once. An event the watch cannot read is parked in
the dead-letter stream, like any reader's.

Events are decoded without the case key: the watch never holds a client's personal data.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import datetime

from nats.aio.client import Client as NATS

from services.contractor.domain.first_contact_watch import (
    WatchedOrder,
    evolve_watched,
    overdue_orders,
    overdue_report,
)
from shared.codec import decode_record
from shared.commands import Command
from shared.contracts.contractor import (
    ClientContactAttempted,
    ContactNotEstablished,
    InstallationCancelled,
    InstallationCompleted,
    WorksOrderReceived,
)
from shared.errors import CommandRejected
from shared.events import RecordedEvent, utcnow
from shared.eventstore import STREAM
from shared.handler import Outcome
from shared.logging import get_logger
from shared.positions import MemoryPositions
from shared.reader import CaseReader

log = get_logger(__name__)
WATCHED_TYPES = frozenset(
    cls.type_name()
    for cls in (
        WorksOrderReceived,
        ClientContactAttempted,
        ContactNotEstablished,
        InstallationCancelled,
        InstallationCompleted,
    )
)

Handle = Callable[[Command], Awaitable[Outcome]]


WATCH_READER = "contractor-contact-watch"
CATCH_UP_S = 60.0


class FirstContactWatch:
    def __init__(self, nc: NATS, handle: Handle, name: str = WATCH_READER) -> None:
        self._nc = nc
        self._handle = handle
        self._orders: dict[str, WatchedOrder] = {}
        self.reader: CaseReader[RecordedEvent] = CaseReader(
            name,
            [f"case.*.contractor.{t}" for t in sorted(WATCHED_TYPES)],
            _decode_without_key,
            self._fold,
            MemoryPositions(),
        )
        # A scan at start-up and one asked for directly must not overlap.
        self._lock = asyncio.Lock()
        self.scans = 0

    async def _fold(self, event: RecordedEvent) -> None:
        order = self._orders.get(event.case_id, WatchedOrder())
        self._orders[event.case_id] = evolve_watched(order, event.payload)

    def overdue(self, now: datetime) -> list[tuple[str, datetime]]:
        return overdue_orders(self._orders, now)

    async def scan(self, now: datetime | None = None) -> list[str]:
        """Record ContactNotEstablished for every overdue works order; returns the cases newly told."""
        async with self._lock:
            last = (await self._nc.jetstream().stream_info(STREAM)).state.last_seq
            if not await self.reader.caught_up(last, CATCH_UP_S):
                raise RuntimeError("the deadline watch's reader has not caught up with the stream")
            told: list[str] = []
            for case_id, due_by in self.overdue(now or utcnow()):
                try:
                    outcome = await self._handle(overdue_report(case_id, due_by))
                except CommandRejected as exc:
                    # E.g. works suspended: asked again next scan, in case they were resumed.
                    log.debug(
                        "deadline watch refused", case_id=case_id, problems=[p.field for p in exc.problems]
                    )
                    continue
                if outcome.event_ids and not outcome.duplicate:
                    log.info("first contact deadline passed; coordinator told", case_id=case_id)
                    told.append(case_id)
            self.scans += 1
            return told


async def _decode_without_key(seq: int, subject: str, data: bytes) -> RecordedEvent:
    return decode_record(json.loads(data), key=None, seq=seq, subject=subject)


async def watch_schedule(watch: FirstContactWatch, interval_s: float) -> None:
    """Scan now and then every ``interval_s`` seconds until cancelled."""
    while True:
        try:
            await watch.scan()
        except Exception as exc:  # a failed scan is retried at the next tick, never stops the service
            log.warning("first contact deadline scan failed", error=type(exc).__name__)
        await asyncio.sleep(interval_s)
