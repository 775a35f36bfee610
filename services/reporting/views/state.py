"""One case's sharing state, folded from its whole history (every service's events): consents as
last answered, safeguarding overrides, the latest event of each type some recipient receives, what
each recipient has been disclosed, and whether the case was erased."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from services.reporting.views.grounds import consent_answers, override_granted
from shared.contracts.audit import CasePersonalDataErased
from shared.contracts.reporting import DisclosureRecorded, Recipient
from shared.events import RecordedEvent
from shared.sharing import CaseGrounds, RecipientTerms, Refused, SharingPolicy, grounds_for, prune

Pruned = tuple[dict[str, Any], tuple[str, ...]]  # the fields a recipient receives, the paths present


@dataclass(frozen=True)
class HeldEvent:
    event_id: str
    type: str
    seq: int
    occurred_at: datetime
    payload: Mapping[str, Any]  # JSON form, not yet filtered: the policy prunes it per recipient
    # Recipient -> (the terms it was pruned by, what they give): the payload never changes, and
    # every projection of the case asks again for each recipient.
    _pruned: dict[Recipient, tuple[RecipientTerms, Pruned]] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )

    def pruned(self, recipient: Recipient, terms: RecipientTerms) -> Pruned:
        """``shared.sharing.prune`` of this event for the recipient, worked out once per terms."""
        kept = self._pruned.get(recipient)
        if kept is not None and kept[0] is terms:
            return kept[1]
        result = prune(terms, self.type, self.payload)
        self._pruned[recipient] = (terms, result)
        return result


@dataclass(frozen=True)
class CaseSharing:
    grounds: CaseGrounds = field(default_factory=CaseGrounds)
    held: Mapping[str, HeldEvent] = field(default_factory=dict)
    # Recipient -> (sequence, event type) of the event that ended its view (e.g. flag removed).
    ended: Mapping[Recipient, tuple[int, str]] = field(default_factory=dict)
    # Event ids disclosed to each recipient since it last lost the case.
    disclosed: Mapping[Recipient, frozenset[str]] = field(default_factory=dict)
    ever_shared: frozenset[Recipient] = frozenset()
    erased: bool = False


def make_evolve(policy: SharingPolicy) -> Callable[[CaseSharing, RecordedEvent], CaseSharing]:
    relevant = policy.relevant_event_types()

    def evolve(state: CaseSharing, event: RecordedEvent) -> CaseSharing:
        if state.erased:
            return state
        payload = event.payload
        if event.erased or isinstance(payload, CasePersonalDataErased):
            return CaseSharing(ever_shared=state.ever_shared, erased=True)
        if isinstance(payload, DisclosureRecorded):
            ids = state.disclosed.get(payload.recipient, frozenset()) | set(payload.source_event_ids)
            return replace(
                state,
                disclosed={**state.disclosed, payload.recipient: ids},
                ever_shared=state.ever_shared | {payload.recipient},
            )
        grounds = _next_grounds(state.grounds, event)
        if grounds is not state.grounds:
            state = _forget_refused(policy, replace(state, grounds=grounds))
        if event.type in relevant:
            state = _hold(policy, state, event)
        return state

    return evolve


def _next_grounds(grounds: CaseGrounds, event: RecordedEvent) -> CaseGrounds:
    answers = consent_answers(event.payload)
    override = override_granted(event.payload)
    if not answers and override is None:
        return grounds
    overrides = dict(grounds.overrides)
    if override is not None:
        overrides[override] = event.event_id
    return CaseGrounds(consents={**grounds.consents, **answers}, overrides=overrides)


def _forget_refused(policy: SharingPolicy, state: CaseSharing) -> CaseSharing:
    # A recipient that loses its grounds must be disclosed afresh (and recorded) if they return.
    disclosed = {
        r: ids
        for r, ids in state.disclosed.items()
        if not isinstance(grounds_for(policy, r, state.grounds), Refused)
    }
    return replace(state, disclosed=disclosed)


def _hold(policy: SharingPolicy, state: CaseSharing, event: RecordedEvent) -> CaseSharing:
    ended = dict(state.ended)
    disclosed = dict(state.disclosed)
    for recipient, terms in policy.recipients.items():
        if event.type in terms.ended_by:
            ended[recipient] = (event.seq, event.type)
            disclosed.pop(recipient, None)
    held = dict(state.held)
    if any(event.type in terms.events for terms in policy.recipients.values()):
        held[event.type] = HeldEvent(
            event_id=event.event_id,
            type=event.type,
            seq=event.seq,
            occurred_at=event.occurred_at,
            payload=event.payload.model_dump(mode="json"),
        )
    return replace(state, held=held, ended=ended, disclosed=disclosed)
