"""What the assessment service needs from the referral side's events (shared/contracts/referral/):
the address and household facts a fire crew needs, acceptance, the case's grounds for sharing
(consents as last answered, safeguarding overrides recorded), approval of the recommendations,
and closure. Nothing else of the form is kept: not the perpetrator, the demographics or the narrative.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from shared.contracts.referral import (
    CaseClosed,
    ConsentRecorded,
    ConsentWithdrawn,
    Disability,
    RecommendationsApproved,
    ReferralAccepted,
    ReferralForm,
    ReferralSubmitted,
    SafeguardingOverrideRecorded,
    YesNo,
)
from shared.contracts.reporting import ConsentPurpose, LawfulBasis
from shared.events import RecordedEvent
from shared.personal import ERASED
from shared.sharing import CaseGrounds

# Answers to the disability question that say nothing about rescue.
_NOT_A_NEED = frozenset({Disability.NO_DISABILITY, Disability.PREFER_NOT_TO_SAY})


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
    # The case exists for this service once its ReferralSubmitted has been seen.
    submitted: bool = False
    client: ClientForFire | None = None
    accepted: bool = False
    urgent: bool = False
    sharing: CaseGrounds = field(default_factory=CaseGrounds)
    recommendations_approved: bool = False
    closed: bool = False


def house_of(address: str) -> str:
    """The house number or name the control room asks by. The form has one address line, so it is
    derived: the first token of the line when it is a number ("12A High Street" -> "12A"), else the
    whole first part before a comma ("Rose Cottage, Mill Lane" -> "Rose Cottage", "Flat 2, ...")."""
    if address == ERASED:
        return ERASED
    first = address.split(",", 1)[0].strip()
    tokens = first.split()
    if tokens and tokens[0][0].isdigit():
        return tokens[0]
    return first


def rescue_needs_of(form: ReferralForm) -> str | None:
    """Needs that affect rescue: the disabilities ticked on the form (a crew needs to know of a
    physical or learning disability), the adjustments asked for, and the specific needs given for
    the installation. None when the form gives none."""
    parts: list[str] = []
    disabilities = [d.value for d in form.about_client.disabilities if d not in _NOT_A_NEED]
    if disabilities:
        parts.append("Disability: " + ", ".join(disabilities))
    for label, text in (
        ("Adjustments", form.about_client.adjustments),
        ("Specific needs", form.installation.specific_requests),
    ):
        if text and text != ERASED:
            parts.append(f"{label}: {text}")
    return "; ".join(parts) or None


def client_for_fire(form: ReferralForm) -> ClientForFire:
    children = form.household.number_of_children
    return ClientForFire(
        address=form.client.address,
        house=house_of(form.client.address),
        postcode=form.client.postcode,
        # The form asks for the children but not for other adults: the client and the children.
        occupants=1 + children,
        children=children,
        risk_of_arson=form.safety.risk_of_arson is YesNo.YES,
        rescue_needs=rescue_needs_of(form),
    )


def _with_consent(facts: ReferralFacts, purpose: ConsentPurpose, given: bool) -> ReferralFacts:
    consents = {**facts.sharing.consents, purpose: given}
    return replace(facts, sharing=CaseGrounds(consents=consents, overrides=facts.sharing.overrides))


def referral_facts(facts: ReferralFacts, event: RecordedEvent) -> ReferralFacts:
    """The facts after one event; the same object when the event tells us nothing."""
    payload = event.payload
    match payload:
        case ReferralSubmitted():
            return replace(facts, submitted=True, client=client_for_fire(payload.form), urgent=payload.urgent)
        case ReferralAccepted():
            return replace(facts, accepted=True, urgent=payload.urgent)
        case ConsentRecorded():
            return _with_consent(facts, payload.purpose, payload.given)
        case ConsentWithdrawn():
            return _with_consent(facts, payload.purpose, False)
        case SafeguardingOverrideRecorded():
            key = (payload.recipient, LawfulBasis(payload.lawful_basis.value))
            overrides = {**facts.sharing.overrides, key: event.event_id}
            return replace(facts, sharing=CaseGrounds(consents=facts.sharing.consents, overrides=overrides))
        case RecommendationsApproved():
            return replace(facts, recommendations_approved=True)
        case CaseClosed():
            return replace(facts, closed=True)
    return facts
