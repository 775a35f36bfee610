"""What the assessment service needs from the referral side's events: the address and household
details a fire crew needs, acceptance, consent to information sharing, a safeguarding override
for the fire service, approval of the recommendations, and closure.

The referral contract (shared/contracts/referral.py) had not landed when this was written, so its
events are read by their agreed type names and the field names below; align them when it lands.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from shared.events import RecordedEvent


@dataclass(frozen=True)
class ClientForFire:
    """Only what a fire crew needs, taken from the referral form."""

    address: str
    house: str
    postcode: str
    occupants: int
    children: int
    risk_of_arson: bool
    rescue_needs: str | None = None


@dataclass(frozen=True)
class ReferralFacts:
    client: ClientForFire | None = None
    accepted: bool = False
    urgent: bool = False
    information_sharing_consent: bool = False
    fire_safeguarding_override: bool = False
    recommendations_approved: bool = False
    closed: bool = False


INFORMATION_SHARING = "information_sharing"
FIRE_RECIPIENTS = {"fire", "fire and rescue service"}


def _client(form: Any) -> ClientForFire:
    children = int(getattr(form, "number_of_children", 0) or 0)
    adults = int(getattr(form, "number_of_adults", 1) or 1)
    return ClientForFire(
        address=str(form.client_address),
        house=str(form.client_house),
        postcode=str(form.client_postcode),
        occupants=adults + children,
        children=children,
        risk_of_arson=bool(getattr(form, "risk_of_arson", False)),
        rescue_needs=getattr(form, "rescue_needs", None),
    )


def referral_facts(facts: ReferralFacts, event: RecordedEvent) -> ReferralFacts:
    """The facts after one event; the same object when the event tells us nothing."""
    payload = event.payload
    match event.type:
        case "ReferralSubmitted":
            return replace(facts, client=_client(payload))
        case "ReferralAccepted":
            return replace(facts, accepted=True, urgent=bool(getattr(payload, "urgent", False)))
        case "ConsentRecorded" if str(getattr(payload, "purpose", "")) == INFORMATION_SHARING:
            return replace(facts, information_sharing_consent=bool(getattr(payload, "given", True)))
        case "ConsentWithdrawn" if str(getattr(payload, "purpose", "")) == INFORMATION_SHARING:
            return replace(facts, information_sharing_consent=False)
        case "SafeguardingOverrideRecorded" if str(getattr(payload, "recipient", "")) in FIRE_RECIPIENTS:
            return replace(facts, fire_safeguarding_override=True)
        case "RecommendationsApproved":
            return replace(facts, recommendations_approved=True)
        case "CaseClosed":
            return replace(facts, closed=True)
    return facts
