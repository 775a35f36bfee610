"""How the per-agency views plug into the reporting service's app: pass ``views_extra`` in
``extras`` and ``views_startup`` in ``on_startup`` of ``shared.service.create_service_app`` (both
from ``views_parts()``). The policy is read when the app is built, so a broken policy file stops the
service at start-up, naming the entry.

The projector is fed by an in-order reader of CASES (shared.reader) whose position is kept in the
readers' bucket after each view is published: publishing a view again is harmless (one message per
subject), and disclosures are recorded once by command id.

VIEWS lives in memory (see ``stream``). When start-up has to create it, or the projector finds it
gone while running, the reader is rewound to the start of CASES, so every case's current view is
published again."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from services.reporting.views.disclosures import views_decider
from services.reporting.views.grounds import GROUNDS_EVENT_TYPES
from services.reporting.views.projector import ViewsProjector
from services.reporting.views.stream import ensure_views_stream
from shared.bus import event_reader
from shared.contracts.audit import CasePersonalDataErased
from shared.decider import CaseHandler
from shared.events import RecordedEvent
from shared.logging import get_logger
from shared.service import Service
from shared.sharing import SharingPolicy, load_sharing_policy

log = get_logger(__name__)

VIEWS_READER = "reporting-views"
READER = "views_reader"
POLICY = "views_policy"
PROJECTOR = "views_projector"


def views_triggers(policy: SharingPolicy) -> frozenset[str]:
    """Event types that can change some view: what recipients receive, and who may receive it."""
    return policy.relevant_event_types() | GROUNDS_EVENT_TYPES | {CasePersonalDataErased.type_name()}


def views_parts(
    name: str = VIEWS_READER, subjects: Sequence[str] = ("case.>",)
) -> tuple[Callable[[Service], None], Callable[[Service], Awaitable[None]]]:
    """(extra, startup) for create_service_app. ``subjects`` narrows the cases followed (tests)."""

    def views_extra(service: Service) -> None:
        service.extras[POLICY] = load_sharing_policy(service.settings.sharing_policy)

        async def on_event(event: RecordedEvent) -> None:
            projector = service.extras.get(PROJECTOR)
            if not isinstance(projector, ViewsProjector):
                raise RuntimeError("views projector not started")
            await projector.on_event(event)

        service.extras[READER] = event_reader(service.runtime, name, list(subjects), on_event)

    async def views_startup(service: Service) -> None:
        nc = service.runtime.nc
        assert nc is not None
        js = nc.jetstream()
        replicas = service.settings.stream_replicas

        async def restore_stream() -> bool:
            created = await ensure_views_stream(js, replicas)
            if created:
                service.extras[READER].rewind(0)
                log.info("views reader replaying every case", reader=name)
            return created

        policy: SharingPolicy = service.extras[POLICY]
        handler = CaseHandler(service.runtime.event_store, views_decider(policy))
        projector = ViewsProjector(policy, handler, nc, views_triggers(policy), restore_stream)
        # Start-up runs before the readers start: a rewind is in place before anything is read.
        await projector.restore_if_lost()
        service.extras[PROJECTOR] = projector
        service.runtime.background(projector.watch_reconnects(), "views-stream-watch")

    return views_extra, views_startup
