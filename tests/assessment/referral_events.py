"""Synthetic referral-side events (the real referral contract) for the assessment tests: a submitted
form with its consents, acceptance, withdrawal, a safeguarding override and closure."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from shared.contracts.referral import (
    AgeBand,
    CaseClosed,
    ClosureReason,
    ConsentRecorded,
    ConsentWithdrawn,
    OverrideBasis,
    ReferralAccepted,
    ReferralForm,
    ReferralSubmitted,
    SafeguardingOverrideRecorded,
    SafetyOutcome,
)
from shared.contracts.reporting import ConsentPurpose, Recipient
from shared.events import Actor, Event, Role

REFERRAL_COORDINATOR = Actor(agency="Test Council", person="coord-1", role=Role.COORDINATOR)
AT = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)


def form(
    address: str = "1 Test Road, Testtown",
    postcode: str = "TE1 1ST",
    children: int = 2,
    arson: bool = True,
    **about: Any,
) -> ReferralForm:
    """A complete referral form; perpetrator and narrative fields hold synthetic text a fire view
    must never carry."""
    return ReferralForm.model_validate(
        {
            "referrer": {
                "full_name": "Rita Referrer",
                "job_title": "IDVA",
                "organisation": "Test IDVA Service",
                "email": "rita@example.org",
                "telephone": "07700 900001",
            },
            "client": {
                "full_name": "Alice Example",
                "date_of_birth": "1990-05-01",
                "address": address,
                "postcode": postcode,
                "telephone": "07700 900123",
            },
            "about_client": {
                "gender": "Female",
                "ethnicity": "Irish",
                "disabilities": about.get("disabilities", ["Physical"]),
                "adjustments": about.get("adjustments", "Uses a wheelchair"),
            },
            "household": {
                "accommodation_type": "Flat",
                "tenure": "Council housing",
                "names_on_tenancy": "Alice Example",
                "number_of_children": children,
                "ages_of_children": [4, 9, 12, 15][:children],
            },
            "safety": {
                "perpetrator_name": "Peter Perp",
                "perpetrator_whereabouts": "Lives in another borough",
                "recent_incidents": "Threats by text message",
                "dash_completed": "No",
                "marac_referral": "No",
                "police_involvement": "No",
                "risk_of_arson": "Yes" if arson else "No",
                "arson_details": "Threatened to set fire to the door" if arson else None,
                "specialist_service_referral": "No",
                "civil_order": "No",
            },
            "installation": {"specific_requests": about.get("specific_requests")},
            "referral_source": "Police",
        }
    )


def submitted(referral_form: ReferralForm | None = None) -> ReferralSubmitted:
    return ReferralSubmitted(
        form=referral_form or form(),
        scheme="South Essex Homes Sanctuary Scheme",
        received_on=date(2025, 6, 2),
        age_band=AgeBand.AGE_35_44,
        urgent=False,
    )


def consents(information_sharing: bool = True) -> list[Event]:
    return [
        ConsentRecorded(
            purpose=purpose,
            given=information_sharing if purpose is ConsentPurpose.INFORMATION_SHARING else True,
            recorded_by=REFERRAL_COORDINATOR,
            recorded_at=AT,
        )
        for purpose in ConsentPurpose
    ]


def accepted(on: date = date(2025, 6, 2), urgent: bool = False) -> ReferralAccepted:
    return ReferralAccepted(accepted_on=on, urgent=urgent)


def withdrawn(purpose: ConsentPurpose = ConsentPurpose.INFORMATION_SHARING) -> ConsentWithdrawn:
    return ConsentWithdrawn(
        purpose=purpose, recorded_by=REFERRAL_COORDINATOR, withdrawn_at=datetime(2025, 7, 1, 10, tzinfo=UTC)
    )


def override(
    recipient: Recipient = Recipient.FIRE, basis: OverrideBasis = OverrideBasis.VITAL_INTERESTS
) -> SafeguardingOverrideRecorded:
    return SafeguardingOverrideRecorded(
        recipient=recipient, lawful_basis=basis, reason="High risk of arson at the address"
    )


def closed(on: date = date(2025, 9, 1)) -> CaseClosed:
    return CaseClosed(
        reason=ClosureReason.WORKS_COMPLETED, safety_outcome=SafetyOutcome.FEELS_SAFER, closed_on=on
    )


def referral(information_sharing: bool = True, referral_form: ReferralForm | None = None) -> list[Event]:
    """Submitted with its consents, and accepted."""
    return [submitted(referral_form), *consents(information_sharing), accepted()]
