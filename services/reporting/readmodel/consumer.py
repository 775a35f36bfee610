"""The read models' durable consumer on ``case.>``: events projected one at a time, in stream order.

Not shared.bus.event_subscriber: FastStream handles a fetched batch concurrently, and a projection
must see a case's events in order (consent given then withdrawn is not withdrawn then given), and
must not skip an earlier event because a later one already moved the stored position on. So: one
fetch loop, each event applied and acked before the next. A failing event is naked together with
the rest of its batch, so they come back in order; after MAX_DELIVER tries, or at once when it
cannot be decoded, it is parked in the dead-letter stream (shared.deadletter) and the loop goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import json

from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.client import JetStreamContext
from pydantic import ValidationError

from services.reporting.readmodel.store import Projector, ReadModelStore
from shared.bus import MAX_DELIVER
from shared.deadletter import park
from shared.events import UnknownEventType
from shared.eventstore import STREAM
from shared.logging import get_logger
from shared.runtime import ServiceRuntime
from shared.tasks import cancel_and_wait

log = get_logger(__name__)
BATCH = 256
UNDECODABLE = (ValueError, KeyError, UnknownEventType, ValidationError, json.JSONDecodeError)


class OrderedProjection:
    def __init__(self, durable: str, store: ReadModelStore, project: Projector) -> None:
        self.durable = durable
        self.store = store
        self.project = project
        self._task: asyncio.Task[None] | None = None

    async def start(self, runtime: ServiceRuntime) -> None:
        assert runtime.nc is not None
        config = ConsumerConfig(
            durable_name=self.durable,
            deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.EXPLICIT,
            max_deliver=MAX_DELIVER,
            ack_wait=30,
        )
        sub = await runtime.nc.jetstream().pull_subscribe(
            "case.>", durable=self.durable, stream=STREAM, config=config
        )
        self._task = asyncio.create_task(self._run(runtime, sub), name=f"projection-{self.durable}")

    async def stop(self) -> None:
        if self._task is not None:
            await cancel_and_wait([self._task])
            self._task = None

    async def _run(self, runtime: ServiceRuntime, sub: JetStreamContext.PullSubscription) -> None:
        while True:
            try:
                messages = await sub.fetch(batch=BATCH, timeout=1.0)
            except (NatsTimeout, TimeoutError):  # nothing new within the second
                continue
            except Exception as exc:  # the connection is reconnecting: try again shortly
                log.warning("projection fetch failed", consumer=self.durable, error=type(exc).__name__)
                await asyncio.sleep(1)
                continue
            for i, msg in enumerate(messages):
                try:
                    applied = await self._one(runtime, msg)
                except Exception as exc:  # transient: e.g. a case key unreadable while its node fails over
                    error = type(exc).__name__
                    log.warning("projection paused; will retry", consumer=self.durable, error=error)
                    applied = False
                if not applied:
                    for later in messages[i:]:
                        with contextlib.suppress(Exception):  # unacked, it is redelivered anyway
                            await later.nak(delay=min(0.5 * later.metadata.num_delivered, 5))
                    break

    async def _one(self, runtime: ServiceRuntime, m: Msg) -> bool:
        """Apply one message; False when it failed and is to be tried again (with the rest)."""
        meta = m.metadata
        seq = int(meta.sequence.stream)
        subject, data = m.subject, m.data
        try:
            event = await runtime.event_store.decode(data, seq=seq, subject=subject)
        except UNDECODABLE as exc:
            await self._park(runtime, data, f"undecodable: {type(exc).__name__}", seq, subject)
            await m.term()
            return True
        try:
            await asyncio.to_thread(self.store.apply, event, self.project)
        except Exception as exc:
            log.warning(
                "projection failed; will be redelivered",
                consumer=self.durable,
                stream_seq=seq,
                error=type(exc).__name__,
                deliveries=meta.num_delivered,
            )
            if meta.num_delivered < MAX_DELIVER:
                return False
            await self._park(runtime, data, f"projection failed: {type(exc).__name__}", seq, subject)
            await m.term()
            return True
        await m.ack()
        return True

    async def _park(self, runtime: ServiceRuntime, data: bytes, reason: str, seq: int, subject: str) -> None:
        assert runtime.nc is not None
        await park(runtime.nc, self.durable, data, reason, stream=STREAM, stream_seq=seq, subject=subject)
