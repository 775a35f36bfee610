"""The views projector: for each case that events on case.> changed, bring the case's sharing state
up to date, record any new disclosure, then publish every recipient's view that changed (a removal
notice when consent is withdrawn; a purge when the case is erased).

The reader hands it all that one fetch brought: each case is projected once, from its current
history, for its last event that can change a view (a submission's six events make one projection,
not six), and the cases of one batch are projected side by side (``each_case_concurrently``).

State is the kernel's case handler cache (each case folded up to its last known sequence), so a
restart only costs one reload per case. Disclosures are decided on the case's whole current
history, which holds every disclosure already recorded, and their command ids come from the
triggering event: an event read again after a crash (the reader stores its position after the
views are published), in a batch cut differently or not, or a replay of all CASES to republish
lost views, records nothing twice.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence

from nats.aio.client import Client as NATS

from services.reporting.views.disclosures import RecordDisclosure, disclosure_command_id, undisclosed
from services.reporting.views.project import Sight, view_of
from services.reporting.views.refs import EventRef
from services.reporting.views.state import CaseSharing
from services.reporting.views.stream import ViewsStreamMissing, purge_case_views, send_view
from shared.contracts.audit import CasePersonalDataErased
from shared.contracts.reporting import CaseView, DisclosureRecorded
from shared.errors import CommandRejected
from shared.events import SYSTEM_ACTOR, utcnow
from shared.handler import CaseHandler
from shared.logging import get_logger
from shared.sharing import SharingPolicy
from shared.tasks import each_case_concurrently

log = get_logger(__name__)

_PUBLISHED_CACHE = 50_000
_DISCLOSURE = DisclosureRecorded.type_name()
_ERASURE = CasePersonalDataErased.type_name()


class ViewsProjector:
    def __init__(
        self,
        policy: SharingPolicy,
        handler: CaseHandler[RecordDisclosure, CaseSharing],
        nc: NATS,
        triggers: frozenset[str],
        restore_stream: Callable[[], Awaitable[bool]],
        sight: Sight | None = None,
    ) -> None:
        self._policy = policy
        # What each recipient may see of a state, shared with the disclosure decider.
        self._sight = sight or Sight(policy)
        self._handler = handler
        self._nc = nc
        self._js = nc.jetstream()
        self._triggers = triggers
        # Creates VIEWS if it is gone (a server restart empties memory) and, if so, replays CASES.
        self._restore_stream = restore_stream
        self._restoring = asyncio.Lock()
        # (case, recipient) -> digest of the view last published, so unchanged views are not resent.
        self._published: OrderedDict[tuple[str, str], str] = OrderedDict()
        # After a reconnect VIEWS may have been lost and made again, by this process or another
        # replica: no digest from before it proves a view is still there.
        self._reconnects = nc.stats["reconnects"]

    async def on_events(self, events: Sequence[EventRef]) -> None:
        """Project each case these events changed, once, for its last event that can change a view."""
        if self._nc.stats["reconnects"] != self._reconnects:
            self._reconnects = self._nc.stats["reconnects"]
            self._published.clear()
        last: dict[str, EventRef] = {}
        erased: set[str] = set()
        for event in events:
            if event.type == _DISCLOSURE or event.type not in self._triggers:
                continue  # nothing any view shows, and nothing that changes who may see what
            last.pop(event.case_id, None)  # cases in the order of their last such event
            last[event.case_id] = event
            if event.type == _ERASURE:
                erased.add(event.case_id)
        missing: list[str] = []

        async def project(event: EventRef) -> None:
            try:
                await self._project(event, event.case_id in erased)
            except ViewsStreamMissing:
                missing.append(event.case_id)

        await each_case_concurrently(last.values(), lambda e: e.case_id, project)
        if missing:
            # Every view is lost, not just these cases'; the replay covers these events too.
            await self.restore_if_lost()

    async def restore_if_lost(self) -> None:
        """If VIEWS is gone, create it and republish every case's view from the start of CASES."""
        async with self._restoring:
            if await self._restore_stream():
                # Nothing published survives: an unchanged view must be sent again.
                self._published.clear()
                log.info("views stream created; republishing every case's view")

    async def watch_reconnects(self, interval: float = 0.5) -> None:
        """The server loses VIEWS only by restarting, which our connection sees as a reconnect:
        check the stream after each one, so views come back even when no case event follows."""
        nc = self._nc
        seen = nc.stats["reconnects"]
        while not nc.is_closed:
            await asyncio.sleep(interval)
            now = nc.stats["reconnects"]
            if now == seen or not nc.is_connected:
                continue
            try:
                await self.restore_if_lost()
            except Exception as exc:
                # JetStream may still be recovering after the restart: try again next round.
                log.warning("views stream check failed; will retry", error=type(exc).__name__)
                continue
            seen = now

    async def _project(self, event: EventRef, erasure: bool) -> None:
        case_id = event.case_id
        folded = await self._handler.state_of(case_id)
        if folded.state.erased or erasure:
            await purge_case_views(self._js, case_id)
            self._forget(case_id)
            log.info("case views purged", case_id=case_id)
            return
        # What each recipient may see, worked out once: recording a disclosure changes only what
        # was disclosed, which ``visible`` does not read.
        state = folded.state
        seen = {r: self._sight(state, r) for r in self._policy.recipients}
        for recipient, sees in seen.items():
            if not undisclosed(state, recipient, sees):
                continue  # the decider would record nothing: no command to run
            command = RecordDisclosure(
                command_id=disclosure_command_id(event.event_id, recipient),
                case_id=case_id,
                actor=SYSTEM_ACTOR,
                recipient=recipient,
            )
            try:
                await self._handler.handle(command)
            except CommandRejected as exc:
                # Only an erasure landing meanwhile refuses; its own event purges the views next.
                log.info("disclosure not recorded", case_id=case_id, problems=[p.field for p in exc.problems])
                return
        # The case as folded here now holds what was just recorded (or, after a conflict, all
        # that was recorded before it): a view shows only what a recorded disclosure covers.
        latest = self._handler.known(case_id) or await self._handler.state_of(case_id)
        if latest.state is not state:
            if latest.state.erased:
                return  # erased meanwhile: its own event purges the views next
            if not _same_sight(latest.state, state):
                seen = {r: self._sight(latest.state, r) for r in self._policy.recipients}
            state = latest.state
        now = utcnow()
        published: dict[str, str] = {}
        for recipient, sees in seen.items():
            view = view_of(self._policy, state, case_id, recipient, sees, now)
            if view is not None and await self._publish_if_changed(view):
                published[recipient.value] = f"{view.status}:{len(view.events)}"
        if published:
            # One line for the case: each recipient whose view changed, its status and events.
            log.info("case views published", case_id=case_id, views=published)

    async def _publish_if_changed(self, view: CaseView) -> bool:
        """Publish the view unless it is the one last published; whether it was published."""
        key = (view.case_id, view.recipient.value)
        digest = hashlib.sha256(view.model_dump_json(exclude={"published_at"}).encode()).hexdigest()
        if self._published.get(key) == digest:
            return False
        await send_view(self._nc, view)
        self._published[key] = digest
        self._published.move_to_end(key)
        while len(self._published) > _PUBLISHED_CACHE:
            self._published.popitem(last=False)
        return True

    def _forget(self, case_id: str) -> None:
        for key in [k for k in self._published if k[0] == case_id]:
            del self._published[key]


def _same_sight(a: CaseSharing, b: CaseSharing) -> bool:
    """Whether ``visible`` says the same of both: only what was disclosed differs (a disclosure
    recorded since leaves grounds, held events and endings as they were)."""
    return a.grounds is b.grounds and a.held is b.held and a.ended is b.ended and a.erased == b.erased
