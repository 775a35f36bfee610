"""How the per-agency views are part of the reporting service: ``Views``, a ``shared.service.Part``.
The policy is read when the app is built, so a broken policy file stops the service at start-up,
naming the entry.

The projector is fed by an in-order reader of CASES (shared.reader), a fetch at a time, whose
position is kept in the readers' bucket after the views are published: publishing a view again is
harmless (one message per subject), and a disclosure already recorded is not decided again. The
reader reads only each event's case, id and type (``refs``); the projector loads the case itself.

VIEWS lives in memory (see ``stream``) and is made by ``sanctuary provision``, never by this service.
When start-up finds it empty although the views reader has already read events, or the projector
finds it is not the stream it saw before (the server restarted, its memory was lost, and
provisioning made VIEWS again), the reader is rewound to the start of CASES, so every case's current
view is published again. Missing altogether, it stops start-up naming ``sanctuary provision``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from services.reporting.views.disclosures import views_decider
from services.reporting.views.grounds import GROUNDS_EVENT_TYPES
from services.reporting.views.project import Sight
from services.reporting.views.projector import ViewsProjector
from services.reporting.views.refs import EventRef, event_ref
from services.reporting.views.stream import VIEWS_STREAM
from shared.bus import kv_reader
from shared.contracts.audit import CasePersonalDataErased
from shared.contracts.reporting import DisclosureRecorded
from shared.eventstore import of_types
from shared.handler import CaseHandler
from shared.logging import get_logger
from shared.provisioned import NotProvisioned
from shared.service import Kernel, Part
from shared.sharing import SharingPolicy, load_sharing_policy

log = get_logger(__name__)

VIEWS_READER = "reporting-views"


def views_triggers(policy: SharingPolicy) -> frozenset[str]:
    """Event types that can change some view: what recipients receive, and who may receive it."""
    return policy.relevant_event_types() | GROUNDS_EVENT_TYPES | {CasePersonalDataErased.type_name()}


async def _read_ref(seq: int, subject: str, data: bytes) -> EventRef:
    return event_ref(data)


class ViewsLossCheck:
    """Whether VIEWS lost its memory since this service last looked. At start-up: it holds nothing
    ever published although the views reader has stored a position. While running: it is a
    different stream from the one seen before (made again, by provisioning, after a restart), even
    if a view has been published into it since. Raises NotProvisioned when VIEWS is not there."""

    def __init__(self, js: JetStreamContext, stored_position: Callable[[], Awaitable[int]]) -> None:
        self._js = js
        self._stored_position = stored_position
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
        return await self._stored_position() > 0


class Views(Part):
    """The views projector and the in-order reader that feeds it. ``subjects`` narrows the cases
    followed (tests). The policy is read now, so a broken policy file stops the service at
    start-up, naming the entry."""

    def __init__(
        self, kernel: Kernel, name: str = VIEWS_READER, subjects: Sequence[str] = ("case.>",)
    ) -> None:
        self._kernel = kernel
        self._name = name
        self.policy: SharingPolicy = load_sharing_policy(kernel.settings.sharing_policy)
        self._projector: ViewsProjector | None = None
        # Only the events that can change a view travel to the reader (not, e.g., its own disclosures).
        read = of_types(subjects, views_triggers(self.policy) - {DisclosureRecorded.type_name()})
        self.reader = kv_reader(
            kernel.runtime, name, read, _read_ref, self._on_event, apply_batch=self._on_batch
        )

    async def _on_event(self, event: EventRef) -> None:
        await self.projector.on_events([event])

    async def _on_batch(self, batch: Sequence[tuple[int, EventRef]]) -> None:
        await self.projector.on_events([event for _, event in batch])

    @property
    def projector(self) -> ViewsProjector:
        if self._projector is None:
            raise RuntimeError("views projector not started")
        return self._projector

    async def start(self) -> None:
        runtime, reader, policy = self._kernel.runtime, self.reader, self.policy
        nc = runtime.connection
        check = ViewsLossCheck(nc.jetstream(), reader.positions.load)

        async def restore_stream() -> bool:
            lost = await check.lost()
            if lost:
                reader.rewind(0)
                log.info("views reader replaying every case", reader=self._name)
            return lost

        sight = Sight(policy)
        handler = CaseHandler(runtime.event_store, views_decider(policy, sight))
        projector = ViewsProjector(policy, handler, nc, views_triggers(policy), restore_stream, sight)
        # Start-up runs before the readers start: a rewind is in place before anything is read.
        await projector.restore_if_lost()
        self._projector = projector
        runtime.background(projector.watch_reconnects(), "views-stream-watch")
