"""Synthetic referral-side events for the contractor's tests: a submitted form (made-up client),
consents, acceptance, approval and resumption. Nothing here is a real person."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

from shared.contracts.contractor import UnsafeContactWindow, Weekday
from shared.contracts.referral import (
    ApprovedItem,
    ClientDetails,
    ClientSafety,
    ConsentRecorded,
    Household,
    InstallationRequests,
    RecommendationsApproved,
    ReferralAccepted,
    ReferralForm,
    ReferralSource,
    ReferralSubmitted,
    WorksResumed,
    YesNo,
)
from shared.contracts.reporting import ConsentPurpose
from shared.events import Actor, Event, Role
from tests.builders import referrer

COORDINATOR = Actor(agency="Test Council", person="coord-1", role=Role.COORDINATOR)

CLIENT_NAME = "Alice Example"
CLIENT_ADDRESS = "1 Test Road, Testtown"
CLIENT_POSTCODE = "TE1 1ST"
CLIENT_PHONE = "07700 900123"
PERPETRATOR = "Bob Example"
# Weekday evenings, 17:00-21:00 UK time: not safe to call.
EVENINGS = UnsafeContactWindow(
    days=[Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY, Weekday.THURSDAY, Weekday.FRIDAY],
    start=time(17, 0),
    end=time(21, 0),
)

# No to every yes/no question on the form's safety section: no DASH, MARAC, police, arson risk,
# specialist service or civil order.
NOTHING_ELSE_YET = {name: YesNo.NO for name, f in ClientSafety.model_fields.items() if f.annotation is YesNo}


def referral_form(*, female_installer: bool = True, windows: bool = True) -> ReferralForm:
    return ReferralForm(
        referrer=referrer(),
        client=ClientDetails(
            full_name=CLIENT_NAME,
            date_of_birth=date(1990, 1, 1),
            address=CLIENT_ADDRESS,
            postcode=CLIENT_POSTCODE,
            telephone=CLIENT_PHONE,
            unsafe_contact_times="Weekday evenings when he may call round",
            unsafe_contact_windows=[EVENINGS] if windows else [],
        ),
        household=Household(
            accommodation_type="Flat",
            tenure="Council housing",
            names_on_tenancy=CLIENT_NAME,
            number_of_children=1,
            ages_of_children=[6],
        ),
        safety=ClientSafety(
            perpetrator_name=PERPETRATOR,
            perpetrator_whereabouts="Lives in another borough",
            recent_incidents="Threats by text message",
            **NOTHING_ELSE_YET,
        ),
        installation=InstallationRequests(
            requests_or_concerns="Please knock three times",
            female_installer_requested=female_installer,
            password_requested=True,
        ),
        referral_source=ReferralSource.POLICE,
    )


def submitted(**form: bool) -> ReferralSubmitted:
    return ReferralSubmitted(
        form=referral_form(**form),
        scheme="Standing Together",
        received_on=date(2025, 6, 2),
        age_band="35-44",
        urgent=False,
    )


def consents() -> list[Event]:
    at = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)
    return [
        ConsentRecorded(purpose=purpose, given=True, recorded_by=COORDINATOR, recorded_at=at)
        for purpose in ConsentPurpose
    ]


def accepted(urgent: bool = True) -> ReferralAccepted:
    return ReferralAccepted(accepted_on=date(2025, 6, 2), urgent=urgent)


def approved(*items: tuple[str, int], assessment_event_id: str = "assessment-1") -> RecommendationsApproved:
    return RecommendationsApproved(
        assessment_event_id=assessment_event_id,
        approved_items=[ApprovedItem(item_code=c, quantity=q) for c, q in items],
        estimated_cost_gbp=Decimal("0.00"),
    )


def resumed(suspension_event_id: str = "suspension-1") -> WorksResumed:
    return WorksResumed(suspension_event_id=suspension_event_id, reason="Police confirmed he has left")
