"""What each recipient may see of a case now, from the case's sharing state and the policy. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.reporting.views.state import CaseSharing, HeldEvent
from shared.contracts.reporting import CaseView, Recipient, ViewedEvent
from shared.sharing import Disclosure, Grounds, Refused, SharingPolicy, grounds_for


@dataclass(frozen=True)
class Visible:
    grounds: Grounds
    items: tuple[tuple[HeldEvent, Disclosure], ...]


def visible(policy: SharingPolicy, state: CaseSharing, recipient: Recipient) -> Visible | Refused:
    """The recipient's grounds and the events (pruned to the policy's fields) it may see."""
    if state.erased:
        return Refused("the case's personal data has been erased")
    terms = policy.terms(recipient)
    if terms is None:
        return Refused("the sharing agreement gives this recipient no case data")
    grounds = grounds_for(policy, recipient, state.grounds)
    if isinstance(grounds, Refused):
        return grounds
    ended = state.ended.get(recipient)
    items: list[tuple[HeldEvent, Disclosure]] = []
    for event_type in terms.events:
        held = state.held.get(event_type)
        if held is None or (ended is not None and held.seq <= ended[0]):
            continue
        fields, paths = held.pruned(recipient, terms)
        if fields:
            items.append((held, Disclosure(grounds=grounds, fields=fields, paths=paths)))
    if not items and ended is not None:
        return Refused(f"{ended[1]} recorded")
    return Visible(grounds, tuple(items))


class Sight:
    """``visible`` under one policy, remembered for the states asked about lately. A case's sharing
    state is never changed, only replaced, so the same state object sees the same: the projector
    and the disclosure decider, asking of one state, work it out once."""

    HELD = 256  # states remembered; all forgotten at once past this

    def __init__(self, policy: SharingPolicy) -> None:
        self.policy = policy
        self._states: dict[int, tuple[CaseSharing, dict[Recipient, Visible | Refused]]] = {}

    def __call__(self, state: CaseSharing, recipient: Recipient) -> Visible | Refused:
        entry = self._states.get(id(state))
        if entry is None or entry[0] is not state:
            if len(self._states) >= self.HELD:
                self._states.clear()
            entry = self._states[id(state)] = (state, {})
        seen = entry[1].get(recipient)
        if seen is None:
            seen = entry[1][recipient] = visible(self.policy, state, recipient)
        return seen


def case_view(
    policy: SharingPolicy, state: CaseSharing, case_id: str, recipient: Recipient, now: datetime
) -> CaseView | None:
    """The view to publish: the disclosed part of what is visible, a removal notice for a recipient
    that had the case and has lost it, or None (nothing to say)."""
    return view_of(policy, state, case_id, recipient, visible(policy, state, recipient), now)


def view_of(
    policy: SharingPolicy,
    state: CaseSharing,
    case_id: str,
    recipient: Recipient,
    seen: Visible | Refused,
    now: datetime,
) -> CaseView | None:
    """``case_view`` given what ``visible`` says of ``state`` (recording a disclosure, which
    changes only what was disclosed, does not change it)."""
    disclosed = state.disclosed.get(recipient, frozenset())
    if isinstance(seen, Refused) or not seen.items:
        if recipient not in state.ever_shared or state.erased:
            return None
        reason = seen.reason if isinstance(seen, Refused) else "nothing left to share"
        return CaseView(
            case_id=case_id,
            recipient=recipient,
            policy_version=policy.version,
            status="removed",
            reason=reason,
            published_at=now,
        )
    # Only what a DisclosureRecorded already covers is published: no disclosure goes unrecorded.
    events = [
        ViewedEvent(event_id=h.event_id, type=h.type, occurred_at=h.occurred_at, fields=d.fields)
        for h, d in seen.items
        if h.event_id in disclosed
    ]
    if not events:
        return None
    return CaseView(
        case_id=case_id,
        recipient=recipient,
        policy_version=policy.version,
        status="shared",
        basis_kind=seen.grounds.kind,
        basis=seen.grounds.basis,
        events=events,
        published_at=now,
    )
