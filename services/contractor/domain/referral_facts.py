"""What the contractor takes from the referral side's events: the client details the works order
carries (from ReferralSubmitted), the urgent flag (from the coordinator's ReferralAccepted), the
approved items (RecommendationsApproved) and the coordinator's decision to resume works (WorksResumed).

Only the fields the works order lists are kept; the rest of the form never enters the contractor's state.
"""

from __future__ import annotations

from dataclasses import replace

from services.contractor.domain.state import ClientFacts, WorksState
from shared.contracts.contractor import UnsafeContactWindow, WorkItem
from shared.contracts.referral import (
    RecommendationsApproved,
    ReferralAccepted,
    ReferralForm,
    ReferralSubmitted,
    WorksResumed,
)
from shared.events import RecordedEvent
from shared.personal import ERASED


def evolve_referral(state: WorksState, event: RecordedEvent) -> WorksState:
    p = event.payload
    if isinstance(p, ReferralSubmitted):
        return replace(state, client=client_facts(p.form))
    if isinstance(p, ReferralAccepted):
        return replace(state, urgent=p.urgent)
    if isinstance(p, RecommendationsApproved):
        if not p.approved_items:
            # Nothing approved: no works order follows this decision.
            return state
        items = tuple(WorkItem(item_code=i.item_code, quantity=i.quantity) for i in p.approved_items)
        return replace(state, approved_items=items, approvals=state.approvals + 1)
    if isinstance(p, WorksResumed):
        return replace(state, suspended=False)
    return state


def client_facts(form: ReferralForm) -> ClientFacts:
    client, wishes = form.client, form.installation
    erased = client.full_name == ERASED
    windows = client.unsafe_contact_windows
    requests = [text for text in (wishes.specific_requests, wishes.requests_or_concerns) if text]
    return ClientFacts(
        name=client.full_name,
        # The works order has one address line: the form's address with its postcode.
        address=client.address if erased else f"{client.address}, {client.postcode}",
        telephone=client.telephone,
        unsafe_contact_times=client.unsafe_contact_times,
        unsafe_contact_windows=tuple(w for w in windows if isinstance(w, UnsafeContactWindow))
        if isinstance(windows, list)
        else (),
        female_installer_requested=wishes.female_installer_requested,
        password_requested=wishes.password_requested,
        someone_present_requested=wishes.someone_present_requested,
        installation_requests="\n".join(requests) if requests and not erased else None,
        erased=erased,
    )
