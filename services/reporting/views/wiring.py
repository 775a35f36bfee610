"""How the per-agency views plug into the reporting service's app: pass ``views_extra`` in
``extras`` and ``views_startup`` in ``on_startup`` of ``shared.service.create_service_app`` (both
from ``views_parts()``). The policy is read when the app is built, so a broken policy file stops the
service at start-up, naming the entry."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from services.reporting.views.disclosures import views_decider
from services.reporting.views.grounds import GROUNDS_EVENT_TYPES
from services.reporting.views.projector import ViewsProjector
from services.reporting.views.stream import ensure_views_stream
from shared.bus import event_subscriber, start_deadletter_watch
from shared.contracts.audit import CasePersonalDataErased
from shared.decider import CaseHandler
from shared.events import RecordedEvent
from shared.service import Service
from shared.sharing import SharingPolicy, load_sharing_policy

VIEWS_DURABLE = "reporting-views"
POLICY = "views_policy"
PROJECTOR = "views_projector"


def views_triggers(policy: SharingPolicy) -> frozenset[str]:
    """Event types that can change some view: what recipients receive, and who may receive it."""
    return policy.relevant_event_types() | GROUNDS_EVENT_TYPES | {CasePersonalDataErased.type_name()}


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
        await ensure_views_stream(js, service.settings.stream_replicas)
        policy: SharingPolicy = service.extras[POLICY]
        handler = CaseHandler(service.runtime.event_store, views_decider(policy))
        service.extras[PROJECTOR] = ViewsProjector(policy, handler, js, views_triggers(policy))
        await start_deadletter_watch(service.runtime, [durable])

    return views_extra, views_startup
