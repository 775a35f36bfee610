"""The referral form's later sections: Household Details, Client Safety and Installation details,
and the eligibility facts some schemes test that the form does not ask. Labels are the form's own
(seed 000); the eligibility facts come from South Essex (seed 002) and Tower Hamlets (seed 004)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from shared.contracts.common import MessagePart, ShortText, Text
from shared.contracts.referral._answers import FollowUp, follow_up_field, follow_ups
from shared.contracts.referral.options import (
    AccommodationPermanence,
    AccommodationType,
    InterimMeasure,
    Tenure,
    YesNo,
    YesNoUnknown,
)
from shared.personal import Personal

__all__ = ["ClientSafety", "EligibilityFacts", "Household", "InstallationRequests"]


class Household(MessagePart):
    """Household Details: accommodation, tenure, names on the tenancy, children."""

    accommodation_type: AccommodationType = Field(description="Accommodation type, one of the form's boxes")
    accommodation_other: ShortText | None = follow_up_field(
        "Other (please specify): required when accommodation_type is 'Other', otherwise left out"
    )
    tenure: Tenure = Field(
        description="Tenure type, one of the form's boxes; a rented home needs the landlord's permission"
    )
    tenure_other: ShortText | None = follow_up_field(
        "Other (please specify): required when tenure is 'Other', otherwise left out"
    )
    names_on_tenancy: Personal[ShortText] = Field(description="Name(s) on tenancy or mortgage")
    number_of_children: int = Field(ge=0, le=20, description="Number of children in the household (0 to 20)")
    ages_of_children: list[Annotated[int, Field(ge=0, le=25)]] = Field(
        default_factory=list,
        validate_default=True,
        description="Ages of children in years (0 to 25), one per child: as many as number_of_children",
    )

    _follow_ups = follow_ups(
        accommodation_other=FollowUp("accommodation_type", AccommodationType.OTHER, "please specify 'Other'"),
        tenure_other=FollowUp("tenure", Tenure.OTHER, "please specify 'Other'"),
    )

    @field_validator("ages_of_children")
    @classmethod
    def _one_age_per_child(cls, value: list[int], info: ValidationInfo) -> list[int]:
        count = info.data.get("number_of_children")
        if count is not None and len(value) != count:
            raise PydanticCustomError(
                "ages_count", "give one age for each child (as many as the number of children)"
            )
        return value


class ClientSafety(MessagePart):
    """Client Safety: the perpetrator, recent incidents and the risk facts the form asks for."""

    perpetrator_name: Personal[ShortText] = Field(description="Name of perpetrator")
    perpetrator_whereabouts: Personal[Text] = Field(
        description="Whereabouts of perpetrator (where do they live? Local authority / have they attempted "
        "to gain entry to the property?)"
    )
    recent_incidents: Personal[Text] = Field(
        description="Brief description of recent domestic abuse incidents and risks (e.g. risk of arson, "
        "breaking and entering, police involvement)"
    )
    dash_completed: YesNo = Field(description="DASH risk assessment completed")
    ric_score: int | None = follow_up_field(
        "If yes, please provide the RIC score: the DASH RIC's ticks, 0 to 27; required when "
        "dash_completed is 'Yes'",
        ge=0,
        le=27,
    )
    marac_referral: YesNo = Field(description="Client referred to MARAC")
    marac_date: date | None = follow_up_field(
        "If yes, please provide the date of the MARAC meeting (YYYY-MM-DD); required when "
        "marac_referral is 'Yes'"
    )
    police_involvement: YesNo = Field(description="Police involvement")
    police_details: Personal[Text | None] = follow_up_field(
        "If yes, please provide details (of the police involvement); required when "
        "police_involvement is 'Yes'"
    )
    risk_of_arson: YesNo = Field(description="Risk of arson (counted as an arson concern in monitoring)")
    arson_details: Personal[Text | None] = follow_up_field(
        "If yes, please provide details (of the risk of arson); required when risk_of_arson is 'Yes'"
    )
    other_concerns: Personal[Text | None] = Field(
        default=None,
        description="Any other concerns regarding the risk from the perpetrator or those connected to the "
        "perpetrator (e.g. access to weapons, their occupation); leave out when there are none",
    )
    specialist_service_referral: YesNo = Field(
        description="Has the client been referred to a specialist domestic abuse service?"
    )
    specialist_service_details: Personal[Text | None] = Field(
        default=None, description="Please provide details (of that referral); may be left out"
    )
    interim_measures: list[InterimMeasure] = Field(
        default_factory=list,
        description="Interim measures required for the client's safety (e.g. emergency lock changes / "
        "emergency accommodation while they wait for installation): any makes the referral urgent, for "
        "same-day action. Empty when none",
    )
    interim_measures_details: Personal[Text | None] = Field(
        default=None, description="The interim measures in the referrer's words; may be left out"
    )
    concern_perpetrator_may_find_out: Personal[Text | None] = Field(
        default=None,
        description="Any concerns that the perpetrator may find out about the installation (e.g. from "
        "neighbours, children etc.); leave out when there are none",
    )
    concern_perpetrator_may_be_let_in: Personal[Text | None] = Field(
        default=None,
        description="Any concerns that the perpetrator may be let into the property (consider risks for "
        "housing in multiple occupation, blocks of flats etc. Does the perpetrator attend the property as "
        "part of ongoing child contact?); leave out when there are none",
    )
    civil_order: YesNo = Field(
        description="Civil order in place to restrict the perpetrator from the property"
    )
    civil_order_expiry: date | None = follow_up_field(
        "If yes, please include the expiry date (YYYY-MM-DD); required when civil_order is "
        "'Yes', and not already passed when submitted"
    )

    _follow_ups = follow_ups(
        ric_score=FollowUp("dash_completed", YesNo.YES, "give the RIC score when DASH was completed"),
        marac_date=FollowUp("marac_referral", YesNo.YES, "give the MARAC meeting date"),
        police_details=FollowUp("police_involvement", YesNo.YES, "give the details of police involvement"),
        arson_details=FollowUp("risk_of_arson", YesNo.YES, "give the details of the risk of arson"),
        civil_order_expiry=FollowUp("civil_order", YesNo.YES, "give the civil order's expiry date"),
    )


class InstallationRequests(MessagePart):
    """Installation details: specific needs, and the client's requests or concerns about the works."""

    specific_requests: Personal[Text | None] = Field(
        default=None,
        description="Specific requests from the client / additional needs that may affect the installation "
        "(e.g. restricted mobility, property type); leave out when there are none",
    )
    requests_or_concerns: Personal[Text | None] = Field(
        default=None,
        description="Requests or concerns from the client regarding the installation of works, in the "
        "referrer's words; leave out when there are none",
    )
    female_installer_requested: bool = Field(
        default=False,
        description="The client does not want a man entering the property: only a female installer may be "
        "allocated",
    )
    someone_present_requested: bool = Field(
        default=False, description="The client would like someone present for support"
    )
    password_requested: bool = Field(
        default=False, description="The client is requesting that the installer use a password"
    )


class EligibilityFacts(MessagePart):
    """Facts the schemes' eligibility rules test that the Standing Together form does not ask.

    Every one may be left out; a rule that needs a fact left out finds it "unknown"."""

    crime_reference_number: Personal[ShortText | None] = Field(
        default=None, description="Police crime reference number (South Essex requires one)"
    )
    council_area: ShortText | None = Field(
        default=None,
        description="Local authority the property is in (the council whose tenant the client is, where it "
        "is the landlord)",
    )
    perpetrator_lives_at_property: YesNoUnknown = Field(
        default=YesNoUnknown.UNKNOWN,
        description="Does the perpetrator still live at the property? (South Essex: they must no longer)",
    )
    wishes_to_remain: YesNoUnknown = Field(
        default=YesNoUnknown.UNKNOWN,
        description="Does the client wish to remain in their own home and not want to move?",
    )
    resident_in_borough: YesNoUnknown = Field(
        default=YesNoUnknown.UNKNOWN, description="Does the client live in the scheme's borough?"
    )
    accommodation_permanence: AccommodationPermanence = Field(
        default=AccommodationPermanence.UNKNOWN,
        description="Permanent or long-term temporary accommodation (Tower Hamlets: required), or "
        "short-term temporary",
    )
    in_direct_contact_with_perpetrator: YesNoUnknown = Field(
        default=YesNoUnknown.UNKNOWN,
        description="Is the client in direct contact with the perpetrator of abuse? (Tower Hamlets: must "
        "not be)",
    )
