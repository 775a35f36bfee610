"""The first-contact deadline watch: when a works order's 48 hours pass with no successful contact,
the service records ContactNotEstablished itself, as the system, so the coordinator is told.

Runs inside the contractor service, once at start-up and then every
``SANCTUARY_CONTACT_WATCH_INTERVAL_S`` seconds (default 15 minutes). Each scan reads only the
contractor events stored since the last scan (direct batch get on ``case.*.contractor.<type>``, no
consumer to keep), folds them into the open works orders held in memory, and sends the overdue ones
through the case handler. The decider has the last word on the whole case; the command id is the
case and the deadline, so repeated scans, restarts and replicas record it once.

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
from shared.decider import Outcome
from shared.errors import CommandRejected
from shared.events import UnknownEventType, utcnow
from shared.eventstore import read_matching
from shared.logging import get_logger

log = get_logger(__name__)
CONTRACTOR_EVENTS = "case.*.contractor.>"
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


class FirstContactWatch:
    def __init__(self, nc: NATS, handle: Handle) -> None:
        self._nc = nc
        self._handle = handle
        self._orders: dict[str, WatchedOrder] = {}
        self._after_seq = 0
        # The start-up scan and a scan asked for directly must not fold the same events twice.
        self._lock = asyncio.Lock()
        self.scans = 0

    async def _catch_up(self) -> None:
        for seq, subject, data in await read_matching(self._nc, CONTRACTOR_EVENTS, self._after_seq):
            self._after_seq = seq
            if subject.rsplit(".", 1)[-1] not in WATCHED_TYPES:
                continue
            try:
                event = decode_record(json.loads(data), key=None, seq=seq, subject=subject)
            except (UnknownEventType, ValueError, KeyError) as exc:
                log.warning("deadline watch skipped an event", seq=seq, error=type(exc).__name__)
                continue
            order = self._orders.get(event.case_id, WatchedOrder())
            self._orders[event.case_id] = evolve_watched(order, event.payload)

    def overdue(self, now: datetime) -> list[tuple[str, datetime]]:
        return overdue_orders(self._orders, now)

    async def scan(self, now: datetime | None = None) -> list[str]:
        """Record ContactNotEstablished for every overdue works order; returns the cases newly told."""
        async with self._lock:
            await self._catch_up()
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


async def watch_schedule(watch: FirstContactWatch, interval_s: float) -> None:
    """Scan now and then every ``interval_s`` seconds until cancelled."""
    while True:
        try:
            await watch.scan()
        except Exception as exc:  # a failed scan is retried at the next tick, never stops the service
            log.warning("first contact deadline scan failed", error=type(exc).__name__)
        await asyncio.sleep(interval_s)
