"""The referral form's first sections: Referrer Details, Client Details, and the questions about
the client (gender, sexual orientation, ethnicity, interpreter, disability, additional support
needs). Labels are the form's own (seed 000)."""

from __future__ import annotations

from datetime import date

from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError

from shared.contracts.common import MessagePart, ShortText, Text, UnsafeContactWindow
from shared.contracts.referral._answers import (
    Email,
    FollowUp,
    Postcode,
    Telephone,
    follow_up_field,
    follow_ups,
)
from shared.contracts.referral.options import (
    Disability,
    Ethnicity,
    Gender,
    SexualOrientation,
    YesNoUnknown,
)
from shared.personal import Personal

__all__ = ["AboutTheClient", "ClientDetails", "ReferrerDetails"]


class ReferrerDetails(MessagePart):
    """Referrer Details: the professional making the referral."""

    full_name: Personal[ShortText] = Field(description="Full name of the referrer")
    job_title: ShortText = Field(description="Job title of the referrer")
    organisation: ShortText = Field(description="Organisation name: the referring agency")
    email: Personal[Email] = Field(description="Email of the referrer (name@domain)")
    telephone: Personal[Telephone] = Field(
        description="Contact telephone of the referrer: digits, spaces, brackets and hyphens, an optional "
        "leading +"
    )


class ClientDetails(MessagePart):
    """Client Details: who is at risk, where the installations are required and when not to call."""

    full_name: Personal[ShortText] = Field(description="Full name of the client")
    date_of_birth: Personal[date] = Field(
        description="Date of birth of the client (YYYY-MM-DD); not in the future when submitted. Gives the "
        "age band kept for monitoring"
    )
    address: Personal[Text] = Field(
        description="Address where Sanctuary installations are required, on one line beginning with the "
        "house number or name (the fire control room asks by it)"
    )
    postcode: Personal[Postcode] = Field(
        description="Postcode of that address (5 to 8 letters, digits, spaces)"
    )
    telephone: Personal[Telephone] = Field(
        description="Contact telephone of the client: digits, spaces, brackets and hyphens, an optional "
        "leading +"
    )
    unsafe_contact_times: Personal[Text | None] = Field(
        default=None,
        description="Times when it is not safe to contact, in the referrer's words; leave out when there "
        "are none",
    )
    unsafe_contact_windows: Personal[list[UnsafeContactWindow]] = Field(
        default_factory=list,
        description="The same times in a form the contractor's scheduler can respect (weekdays, from, to, "
        "UK local time); empty when there are none. A contact attempt inside one is refused",
    )


class AboutTheClient(MessagePart):
    """Gender, identity, orientation, ethnicity, language, disability and additional support needs.

    Each may be left unanswered (None: unknown, counted as "Unknown" in monitoring); "Prefer not to
    say" and "Prefer to self-describe" are answers, the latter with its text."""

    gender: Gender | None = Field(
        default=None, description="Gender, one of the form's boxes; leave out when not known"
    )
    gender_self_description: Personal[ShortText | None] = follow_up_field(
        "Prefer to self-describe: the gender in the client's words; required when gender is "
        "'Prefer to self-describe', otherwise left out"
    )
    gender_identity_same_as_sex_at_birth: YesNoUnknown = Field(
        default=YesNoUnknown.UNKNOWN,
        description="Is the client's gender identity the same as the sex they were assigned at birth? "
        "'Unknown' when not answered",
    )
    sexual_orientation: SexualOrientation | None = Field(
        default=None, description="Sexual orientation, one of the form's boxes; leave out when not known"
    )
    sexual_orientation_self_description: Personal[ShortText | None] = follow_up_field(
        "Prefer to self-describe: the sexual orientation in the client's words; required when "
        "sexual_orientation is 'Prefer to self-describe', otherwise left out"
    )
    ethnicity: Ethnicity | None = Field(
        default=None,
        description="Ethnicity: one box of the form's tree (its heading is derived); leave out when not "
        "known",
    )
    ethnicity_self_description: Personal[ShortText | None] = follow_up_field(
        "Prefer to self-describe: the ethnicity in the client's words; required when ethnicity "
        "is 'Prefer to self-describe', otherwise left out"
    )
    interpreter_needed: YesNoUnknown = Field(
        default=YesNoUnknown.UNKNOWN, description="Interpreter needed; 'Unknown' when not answered"
    )
    language: ShortText | None = follow_up_field(
        "If yes, please specify language: required when interpreter_needed is 'Yes'"
    )
    disabilities: list[Disability] = Field(
        default_factory=list,
        description="Disability: every box that applies, none repeated; 'No disability' and 'Prefer not to "
        "say' stand alone. Empty when not answered",
    )
    adjustments: Personal[Text | None] = Field(
        default=None,
        description="Please provide any information on adjustments that may need to be made to best support "
        "the client; leave out when there are none",
    )
    no_recourse_to_public_funds: YesNoUnknown = Field(
        default=YesNoUnknown.UNKNOWN,
        description="Additional support needs: No Recourse to Public Funds; 'Unknown' when not answered",
    )
    pregnant: YesNoUnknown = Field(
        default=YesNoUnknown.UNKNOWN,
        description="Additional support needs: Pregnant; 'Unknown' when not answered",
    )

    _follow_ups = follow_ups(
        gender_self_description=FollowUp(
            "gender", Gender.PREFER_TO_SELF_DESCRIBE, "self-description needs its text"
        ),
        sexual_orientation_self_description=FollowUp(
            "sexual_orientation", SexualOrientation.PREFER_TO_SELF_DESCRIBE, "self-description needs its text"
        ),
        ethnicity_self_description=FollowUp(
            "ethnicity", Ethnicity.PREFER_TO_SELF_DESCRIBE, "self-description needs its text"
        ),
        language=FollowUp(
            "interpreter_needed", YesNoUnknown.YES, "give the language when an interpreter is needed"
        ),
    )

    @field_validator("disabilities")
    @classmethod
    def _disabilities(cls, value: list[Disability]) -> list[Disability]:
        exclusive = {Disability.NO_DISABILITY, Disability.PREFER_NOT_TO_SAY}
        if len(set(value)) != len(value):
            raise PydanticCustomError("repeated", "an answer is repeated")
        if len(value) > 1 and exclusive & set(value):
            raise PydanticCustomError(
                "exclusive", "'No disability' and 'Prefer not to say' cannot be combined with other answers"
            )
        return value
