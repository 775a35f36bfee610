"""How the per-agency views plug into the reporting service's app: pass ``views_extra`` in
``extras`` and ``views_startup`` in ``on_startup`` of ``shared.service.create_service_app`` (both
from ``views_parts()``). The policy is read when the app is built, so a broken policy file stops the
service at start-up, naming the entry.

VIEWS lives in memory (see ``stream``) and is made by ``sanctuary provision``, never by this service.
When start-up finds it empty although the views consumer has already delivered events, or the
projector finds it is not the stream it saw before (the server restarted, its memory was lost, and
provisioning made VIEWS again), the views consumer is replaced by one that delivers CASES from the
start, so every case's current view is published again. Missing altogether, it stops start-up
naming ``sanctuary provision``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from services.reporting.views.disclosures import views_decider
from services.reporting.views.grounds import GROUNDS_EVENT_TYPES
from services.reporting.views.projector import ViewsProjector
from services.reporting.views.stream import VIEWS_STREAM
from shared.bus import event_subscriber, start_deadletter_watch
from shared.contracts.audit import CasePersonalDataErased
from shared.decider import CaseHandler
from shared.events import RecordedEvent
from shared.eventstore import STREAM
from shared.logging import get_logger
from shared.provisioned import NotProvisioned
from shared.service import Service
from shared.sharing import SharingPolicy, load_sharing_policy

log = get_logger(__name__)

VIEWS_DURABLE = "reporting-views"
POLICY = "views_policy"
PROJECTOR = "views_projector"


def views_triggers(policy: SharingPolicy) -> frozenset[str]:
    """Event types that can change some view: what recipients receive, and who may receive it."""
    return policy.relevant_event_types() | GROUNDS_EVENT_TYPES | {CasePersonalDataErased.type_name()}


async def replay_from_start(js: JetStreamContext, durable: str) -> None:
    """Replace the views consumer by one with the same settings that has delivered nothing, so it
    replays CASES from the first event. With none yet, the broker creates it, from the start."""
    try:
        info = await js.consumer_info(STREAM, durable)
    except NotFoundError:
        return
    await js.delete_consumer(STREAM, durable)
    # A running subscriber fetches by the consumer's name, so it carries on with the new one.
    await js.add_consumer(STREAM, info.config)
    log.info("views consumer replaying every case", consumer=durable)


class ViewsLossCheck:
    """Whether VIEWS lost its memory since this service last looked. At start-up: it holds nothing
    ever published although the views consumer has delivered events. While running: it is a
    different stream from the one seen before (made again, by provisioning, after a restart), even
    if a view has been published into it since. Raises NotProvisioned when VIEWS is not there."""

    def __init__(self, js: JetStreamContext, durable: str) -> None:
        self._js = js
        self._durable = durable
        self._seen: datetime | None = None

    async def lost(self) -> bool:
        try:
            info = await self._js.stream_info(VIEWS_STREAM)
        except NotFoundError:
            raise NotProvisioned("reporting", [VIEWS_STREAM]) from None
        before, self._seen = self._seen, info.created
        if before is not None:
            return info.created != before
        if info.state.last_seq:
            return False
        try:
            consumer = await self._js.consumer_info(STREAM, self._durable)
        except NotFoundError:
            return False
        return bool(consumer.delivered and consumer.delivered.stream_seq)


def views_parts(
    durable: str = VIEWS_DURABLE, subjects: Sequence[str] = ("case.>",)
) -> tuple[Callable[[Service], None], Callable[[Service], Awaitable[None]]]:
    """(extra, startup) for create_service_app. ``subjects`` narrows the cases followed (tests)."""

    def views_extra(service: Service) -> None:
        service.extras[POLICY] = load_sharing_policy(service.settings.sharing_policy)

        async def on_event(event: RecordedEvent) -> None:
            projector = service.extras.get(PROJECTOR)
            if not isinstance(projector, ViewsProjector):
                raise RuntimeError("views projector not started")
            await projector.on_event(event)

        event_subscriber(service.broker, service.runtime, durable, list(subjects), on_event)

    async def views_startup(service: Service) -> None:
        nc = service.runtime.nc
        assert nc is not None
        js = nc.jetstream()

        check = ViewsLossCheck(js, durable)

        async def restore_stream() -> bool:
            lost = await check.lost()
            if lost:
                await replay_from_start(js, durable)
            return lost

        policy: SharingPolicy = service.extras[POLICY]
        handler = CaseHandler(service.runtime.event_store, views_decider(policy))
        projector = ViewsProjector(policy, handler, nc, views_triggers(policy), restore_stream)
        # Start-up runs before the broker starts its subscribers: a replaced consumer is in place
        # before it delivers anything.
        await projector.restore_if_lost()
        service.extras[PROJECTOR] = projector
        service.runtime.background(projector.watch_reconnects(), "views-stream-watch")
        await start_deadletter_watch(service.runtime, [durable])

    return views_extra, views_startup
