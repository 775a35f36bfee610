"""The views projector: for each event on case.>, bring the case's sharing state up to date, record
any new disclosure, then publish every recipient's view that changed (a removal notice when consent
is withdrawn; a purge when the case is erased).

State is the kernel's case handler cache (each case folded up to its last known sequence), so a
restart only costs one reload per case; disclosures already recorded are in the case's history, so
redelivery records nothing twice.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict

from nats.js import JetStreamContext

from services.reporting.views.disclosures import RecordDisclosure, disclosure_command_id
from services.reporting.views.project import case_view
from services.reporting.views.state import CaseSharing
from services.reporting.views.stream import publish_view, purge_case_views
from shared.contracts.audit import CasePersonalDataErased
from shared.contracts.reporting import CaseView, DisclosureRecorded
from shared.decider import CaseHandler
from shared.errors import CommandRejected
from shared.events import SYSTEM_ACTOR, RecordedEvent, utcnow
from shared.logging import get_logger
from shared.sharing import SharingPolicy

log = get_logger(__name__)

_PUBLISHED_CACHE = 50_000


class ViewsProjector:
    def __init__(
        self,
        policy: SharingPolicy,
        handler: CaseHandler[RecordDisclosure, CaseSharing],
        js: JetStreamContext,
        triggers: frozenset[str],
    ) -> None:
        self._policy = policy
        self._handler = handler
        self._js = js
        self._triggers = triggers
        # (case, recipient) -> digest of the view last published, so unchanged views are not resent.
        self._published: OrderedDict[tuple[str, str], str] = OrderedDict()

    async def on_event(self, event: RecordedEvent) -> None:
        if isinstance(event.payload, DisclosureRecorded) or event.type not in self._triggers:
            return  # nothing any view shows, and nothing that changes who may see what
        case_id = event.case_id
        folded = await self._handler.state_of(case_id)
        if folded.state.erased or isinstance(event.payload, CasePersonalDataErased):
            await purge_case_views(self._js, case_id)
            self._forget(case_id)
            log.info("case views purged", case_id=case_id)
            return
        for recipient in self._policy.recipients:
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
        state = (await self._handler.state_of(case_id)).state
        now = utcnow()
        for recipient in self._policy.recipients:
            view = case_view(self._policy, state, case_id, recipient, now)
            if view is not None:
                await self._publish_if_changed(view)

    async def _publish_if_changed(self, view: CaseView) -> None:
        key = (view.case_id, view.recipient.value)
        digest = hashlib.sha256(view.model_dump_json(exclude={"published_at"}).encode()).hexdigest()
        if self._published.get(key) == digest:
            return
        await publish_view(self._js, view)
        self._published[key] = digest
        self._published.move_to_end(key)
        while len(self._published) > _PUBLISHED_CACHE:
            self._published.popitem(last=False)
        log.info(
            "case view published",
            case_id=view.case_id,
            recipient=view.recipient.value,
            status=view.status,
            events=len(view.events),
        )

    def _forget(self, case_id: str) -> None:
        for key in [k for k in self._published if k[0] == case_id]:
            del self._published[key]
