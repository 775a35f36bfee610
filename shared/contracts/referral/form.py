"""The Standing Together Sanctuary Scheme referral form as a whole (seed 000), and its four consent
questions.

``SubmittedForm`` (the command's copy of the form) adds the checks that depend on the day of
submission (date of birth not in the future, civil order not already expired): a stored event must
not repeat them when it is read back years later.
"""

from __future__ import annotations

from datetime import date

from pydantic import Field, field_validator

from shared.contracts.common import ConsentPurpose, MessagePart, ShortText
from shared.contracts.referral._answers import FollowUp, follow_up_field, follow_ups, not_future, not_past
from shared.contracts.referral.household import (
    ClientSafety,
    EligibilityFacts,
    Household,
    InstallationRequests,
)
from shared.contracts.referral.options import ReferralSource, YesNo
from shared.contracts.referral.people import AboutTheClient, ClientDetails, ReferrerDetails

__all__ = [
    "ConsentAnswers",
    "ReferralForm",
    "SubmittedClientDetails",
    "SubmittedClientSafety",
    "SubmittedForm",
]


class ReferralForm(MessagePart):
    """The Standing Together Sanctuary Scheme referral form, as stored (consents are recorded as events)."""

    referrer: ReferrerDetails = Field(description="Referrer Details")
    client: ClientDetails = Field(description="Client Details")
    about_client: AboutTheClient = Field(
        default_factory=AboutTheClient,
        description="Gender, sexual orientation, ethnicity, interpreter, disability and additional support "
        "needs; every answer may be left out (unknown)",
    )
    household: Household = Field(description="Household Details")
    safety: ClientSafety = Field(description="Client Safety")
    installation: InstallationRequests = Field(
        default_factory=InstallationRequests,
        description="Installation details: the client's specific needs, requests and concerns; may be left "
        "out",
    )
    referral_source: ReferralSource = Field(
        description="Referral source, one of the monitoring template's referral sources"
    )
    referral_source_other: ShortText | None = follow_up_field(
        "The referral source when 'Other': required then, otherwise left out"
    )
    eligibility_facts: EligibilityFacts = Field(
        default_factory=EligibilityFacts,
        description="Facts the scheme's eligibility rules test that the form does not ask; may be left out",
    )

    _follow_ups = follow_ups(
        referral_source_other=FollowUp("referral_source", ReferralSource.OTHER, "please specify 'Other'")
    )


# The submission adds checks against the day it is made; a stored form is not re-judged later.


class SubmittedClientDetails(ClientDetails):
    """Client Details as submitted: the date of birth may not be in the future."""

    @field_validator("date_of_birth")
    @classmethod
    def _born(cls, value: date) -> date | None:
        return not_future(value, "date of birth is in the future")


class SubmittedClientSafety(ClientSafety):
    """Client Safety as submitted: a civil order may not have expired already."""

    @field_validator("civil_order_expiry")
    @classmethod
    def _order_not_expired(cls, value: date | None) -> date | None:
        return not_past(value, "the civil order has already expired")


class SubmittedForm(ReferralForm):
    """The referral form as a referrer submits it (stored as ``ReferralForm``)."""

    client: SubmittedClientDetails = Field(description="Client Details")
    safety: SubmittedClientSafety = Field(description="Client Safety")

    def as_stored(self) -> ReferralForm:
        return ReferralForm.model_validate(self.model_dump())


class ConsentAnswers(MessagePart):
    """The form's four consent questions, each answered Yes or No."""

    installation: YesNo = Field(description="I consent to have Sanctuary Scheme installed in my home")
    landlord_contact: YesNo = Field(
        description="I consent for an agency involved in administering this scheme to contact my landlord "
        "(if applicable) for permission for Sanctuary Scheme installations to be carried out"
    )
    information_sharing: YesNo = Field(
        description="I consent to have my information shared with the organisations involved in delivering "
        "the Sanctuary Scheme"
    )
    follow_up_contact: YesNo = Field(
        description="I consent for a female member of staff to contact me 3 to 6 months after the Sanctuary "
        "Scheme is installed to gather feedback on the works"
    )

    def given(self, purpose: ConsentPurpose) -> bool:
        return getattr(self, purpose.value) is YesNo.YES
