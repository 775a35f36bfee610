"""Published contract of the referral and coordination side (owner "referral"): the Standing Together
referral form, consent, eligibility, the coordinator's triage and decisions, follow-up and closure.

Sources: the referral form and monitoring template (seed 000, wording kept word for word in the
option lists), the Darlington pathway (seed 001), South Essex eligibility and service standards
(seed 002), CHS safeguarding (seed 003), Tower Hamlets eligibility (seed 004).

``SubmittedForm`` (the command's copy of the form) adds the checks that depend on the day of
submission (date of birth not in the future, civil order not already expired): a stored event must
not repeat them when it is read back years later.
"""

from __future__ import annotations

import base64
import enum
import hashlib
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from shared.commands import Command
from shared.contracts.contractor import UnsafeContactWindow
from shared.contracts.reporting import ConsentPurpose, Recipient
from shared.events import Actor, Event, Role
from shared.personal import Personal

Text = Annotated[str, Field(min_length=1, max_length=2000)]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]
Telephone = Annotated[str, Field(min_length=6, max_length=30, pattern=r"^\+?[0-9 ()-]+$")]
Email = Annotated[str, Field(min_length=3, max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


def _model_config() -> ConfigDict:
    return ConfigDict(frozen=True, extra="forbid")


# -- option lists (values are the seed's wording) ------------------------------------------------


class YesNo(enum.StrEnum):
    """A Yes/No question the form requires an answer to."""

    YES = "Yes"
    NO = "No"


class YesNoUnknown(enum.StrEnum):
    """A Yes/No question that may be left unanswered ("Unknown" is not the same as "No")."""

    YES = "Yes"
    NO = "No"
    UNKNOWN = "Unknown"


class Gender(enum.StrEnum):
    FEMALE = "Female"
    MALE = "Male"
    PREFER_NOT_TO_SAY = "Prefer not to say"
    PREFER_TO_SELF_DESCRIBE = "Prefer to self-describe"


class SexualOrientation(enum.StrEnum):
    BISEXUAL = "Bisexual"
    GAY_MAN = "Gay Man"
    GAY_WOMAN_LESBIAN = "Gay Woman / Lesbian"
    HETEROSEXUAL_STRAIGHT = "Heterosexual / Straight"
    PREFER_NOT_TO_SAY = "Prefer not to say"
    PREFER_TO_SELF_DESCRIBE = "Prefer to self-describe"


class EthnicGroup(enum.StrEnum):
    """The headings of the form's ethnicity tree (and of the monitoring template)."""

    ASIAN = "Asian or Asian British"
    BLACK = "Black, Black British, Caribbean or African"
    MIXED = "Mixed or multiple ethnic groups"
    WHITE = "White"
    OTHER = "Other ethnic group"


class Ethnicity(enum.StrEnum):
    """Every box of the form's ethnicity tree; ``ETHNIC_GROUP_OF`` gives its heading."""

    INDIAN = "Indian"
    PAKISTANI = "Pakistani"
    BANGLADESHI = "Bangladeshi"
    CHINESE = "Chinese"
    OTHER_ASIAN = "Other Asian background"
    CARIBBEAN = "Caribbean"
    AFRICAN = "African"
    OTHER_BLACK = "Other Black, Black British, or Caribbean background"
    WHITE_AND_BLACK_CARIBBEAN = "White and Black Caribbean"
    WHITE_AND_BLACK_AFRICAN = "White and Black African"
    WHITE_AND_ASIAN = "White and Asian"
    OTHER_MIXED = "Other Mixed or multiple ethnic background"
    BRITISH = "English, Welsh, Scottish, Northern Irish or British"
    IRISH = "Irish"
    GYPSY_OR_IRISH_TRAVELLER = "Gypsy or Irish Traveller"
    ROMA = "Roma"
    OTHER_WHITE = "Other White background"
    ARAB = "Arab"
    OTHER_ETHNIC_GROUP = "Other ethnic group"
    PREFER_TO_SELF_DESCRIBE = "Prefer to self-describe"
    PREFER_NOT_TO_SAY = "Prefer not to say"


ETHNIC_GROUP_OF: dict[Ethnicity, EthnicGroup] = {
    Ethnicity.INDIAN: EthnicGroup.ASIAN,
    Ethnicity.PAKISTANI: EthnicGroup.ASIAN,
    Ethnicity.BANGLADESHI: EthnicGroup.ASIAN,
    Ethnicity.CHINESE: EthnicGroup.ASIAN,
    Ethnicity.OTHER_ASIAN: EthnicGroup.ASIAN,
    Ethnicity.CARIBBEAN: EthnicGroup.BLACK,
    Ethnicity.AFRICAN: EthnicGroup.BLACK,
    Ethnicity.OTHER_BLACK: EthnicGroup.BLACK,
    Ethnicity.WHITE_AND_BLACK_CARIBBEAN: EthnicGroup.MIXED,
    Ethnicity.WHITE_AND_BLACK_AFRICAN: EthnicGroup.MIXED,
    Ethnicity.WHITE_AND_ASIAN: EthnicGroup.MIXED,
    Ethnicity.OTHER_MIXED: EthnicGroup.MIXED,
    Ethnicity.BRITISH: EthnicGroup.WHITE,
    Ethnicity.IRISH: EthnicGroup.WHITE,
    Ethnicity.GYPSY_OR_IRISH_TRAVELLER: EthnicGroup.WHITE,
    Ethnicity.ROMA: EthnicGroup.WHITE,
    Ethnicity.OTHER_WHITE: EthnicGroup.WHITE,
    Ethnicity.ARAB: EthnicGroup.OTHER,
    Ethnicity.OTHER_ETHNIC_GROUP: EthnicGroup.OTHER,
}


class Disability(enum.StrEnum):
    PHYSICAL = "Physical"
    LEARNING_DISABILITY = "Learning disability"
    MENTAL_ILLNESS = "Mental illness"
    MENTAL_IMPAIRMENT = "Mental impairment"
    NO_DISABILITY = "No disability"
    PREFER_NOT_TO_SAY = "Prefer not to say"


class AccommodationType(enum.StrEnum):
    BUNGALOW = "Bungalow"
    FLAT = "Flat"
    MAISONETTE = "Maisonette"
    SEMI_DETACHED = "Semi-detached"
    TERRACED = "Terraced"
    OTHER = "Other"


class Tenure(enum.StrEnum):
    """The referral form's tenure boxes."""

    COUNCIL_HOUSING = "Council housing"
    HOUSING_ASSOCIATION = "Housing Association"
    PRIVATELY_RENTED = "Privately rented"
    PRIVATELY_OWNED = "Privately owned"
    OTHER = "Other"


# A landlord's permission is needed before works on a rented home (Darlington step 2).
TENURES_WITH_LANDLORD = frozenset(
    {Tenure.COUNCIL_HOUSING, Tenure.HOUSING_ASSOCIATION, Tenure.PRIVATELY_RENTED}
)


class ReferralSource(enum.StrEnum):
    """The monitoring template's referral sources."""

    HOUSING_ASSOCIATION = "Housing association"
    POLICE = "Police"
    PRIVATE_RENTED_SECTOR_AGENCY = "Private rented sector agency"
    SOCIAL_SERVICES = "Social services"
    SPECIALIST_DOMESTIC_ABUSE_SERVICE = "Specialist domestic abuse service"
    OTHER = "Other"


class InterimMeasure(enum.StrEnum):
    """The form's examples of interim measures; any of them makes the referral urgent (same day)."""

    EMERGENCY_LOCK_CHANGE = "Emergency lock change"
    EMERGENCY_ACCOMMODATION = "Emergency accommodation while they wait for installation"
    OTHER = "Other"


class AccommodationPermanence(enum.StrEnum):
    """Tower Hamlets: permanent or long-term temporary accommodation is eligible."""

    PERMANENT = "Permanent"
    LONG_TERM_TEMPORARY = "Long-term temporary"
    SHORT_TERM_TEMPORARY = "Short-term temporary"
    UNKNOWN = "Unknown"


class AgeBand(enum.StrEnum):
    """The monitoring template's age bands; kept after erasure when the date of birth is gone."""

    UNDER_18 = "Under 18"
    AGE_18_24 = "18-24"
    AGE_25_34 = "25-34"
    AGE_35_44 = "35-44"
    AGE_45_54 = "45-54"
    AGE_55_64 = "55-64"
    AGE_65_OR_OLDER = "65 or older"
    UNKNOWN = "Unknown"


def age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def age_band(born: date | None, on: date) -> AgeBand:
    if born is None:
        return AgeBand.UNKNOWN
    age = age_on(born, on)
    for upper, band in (
        (18, AgeBand.UNDER_18),
        (25, AgeBand.AGE_18_24),
        (35, AgeBand.AGE_25_34),
        (45, AgeBand.AGE_35_44),
        (55, AgeBand.AGE_45_54),
        (65, AgeBand.AGE_55_64),
    ):
        if age < upper:
            return band
    return AgeBand.AGE_65_OR_OLDER


class RuleOutcome(enum.StrEnum):
    MET = "met"
    NOT_MET = "not met"
    UNKNOWN = "unknown"  # the form does not answer what the rule tests


class EligibilityOutcome(enum.StrEnum):
    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not eligible"
    # Under 18: a safeguarding referral to children's services, never an installation (seed 004).
    SAFEGUARDING_REFERRAL = "safeguarding referral"


class SignpostKind(enum.StrEnum):
    """Darlington: where the Sanctuary Scheme will not meet the need."""

    REFUGE = "refuge"
    HOUSING_OPTIONS = "housing options"
    SPECIALIST_SERVICES = "specialist services"


class SafeguardingRecipient(enum.StrEnum):
    CHILDRENS_SOCIAL_CARE = "Children's Social Care"
    ADULT_SOCIAL_CARE = "Adult Social Care"
    MARAC = "MARAC"


class OverrideBasis(enum.StrEnum):
    """Lawful bases for sharing despite refused or withdrawn consent (CHS policy, seed 003)."""

    VITAL_INTERESTS = "vital_interests"
    SAFEGUARDING = "safeguarding"
    LEGAL_OBLIGATION = "legal_obligation"


class ContactChannel(enum.StrEnum):
    TELEPHONE = "telephone"
    FACE_TO_FACE = "face to face"
    LETTER = "letter"
    OTHER = "other"


class FollowUpOutcome(enum.StrEnum):
    CONTACT_MADE = "contact made"
    NO_ANSWER = "no answer"
    NOT_SAFE_TO_TALK = "client not able to talk safely"
    DECLINED = "client declined"


class FollowUpKind(enum.StrEnum):
    """South Essex: a follow-up visit within 2 weeks, then contact at 3, 6 and 12 months."""

    VISIT_AFTER_INSTALLATION = "follow-up visit"
    MONTHS_3 = "3 months"
    MONTHS_6 = "6 months"
    MONTHS_12 = "12 months"
    OTHER = "other"


class Satisfaction(enum.StrEnum):
    """Tower Hamlets counts 'satisfied or very satisfied'."""

    VERY_SATISFIED = "Very satisfied"
    SATISFIED = "Satisfied"
    NEITHER = "Neither satisfied nor dissatisfied"
    DISSATISFIED = "Dissatisfied"
    VERY_DISSATISFIED = "Very dissatisfied"


class SafetyOutcome(enum.StrEnum):
    """Safety outcome at the point of case closure (Tower Hamlets performance indicators)."""

    FEELS_SAFER = "Client feels safer in their home"
    NO_CHANGE = "No change in how safe the client feels"
    FEELS_LESS_SAFE = "Client feels less safe"
    MOVED = "Client moved to alternative accommodation"
    UNKNOWN = "Unknown"


class ClosureReason(enum.StrEnum):
    WORKS_COMPLETED = "works completed and follow-up finished"
    REFERRAL_DECLINED = "referral not accepted"
    INSTALLATION_CANCELLED = "installation cancelled"
    CLIENT_WITHDREW = "client withdrew consent"
    SAFEGUARDING_REFERRAL = "referred to children's services"
    OTHER = "other"


class ComplaintSeverity(enum.StrEnum):
    """Tower Hamlets: a complaint at a serious or significant level must be reported to the council."""

    ROUTINE = "routine"
    SERIOUS = "serious or significant"


# -- helpers for conditional answers ----------------------------------------------------------


def _given(value: Any) -> bool:
    return value is not None and value != "" and value != []


def _needs(info: ValidationInfo, value: Any, when_field: str, when_values: set[Any], what: str) -> Any:
    """A follow-up answer the form asks for only after a certain answer ("If yes, please ...")."""
    if info.data.get(when_field) in when_values and not _given(value):
        raise PydanticCustomError("required_by_answer", what)
    return value


def _future(value: date | None, what: str) -> date | None:
    if value is not None and value > datetime.now(UTC).date():
        raise PydanticCustomError("date_in_future", what)
    return value


def _past(value: date | None, what: str) -> date | None:
    if value is not None and value < datetime.now(UTC).date():
        raise PydanticCustomError("date_in_past", what)
    return value


# -- the form's sections ----------------------------------------------------------------------


class ReferrerDetails(BaseModel):
    """Referrer Details: the professional making the referral."""

    model_config = _model_config()

    full_name: Personal[ShortText] = Field(description="Referrer's full name")
    job_title: ShortText = Field(description="Referrer's job title")
    organisation: ShortText = Field(description="Organisation name")
    email: Personal[Email] = Field(description="Referrer's email")
    telephone: Personal[Telephone] = Field(description="Referrer's contact telephone")


class ClientDetails(BaseModel):
    """Client Details: who is at risk, where the installations are required and when not to call."""

    model_config = _model_config()

    full_name: Personal[ShortText] = Field(description="Client's full name")
    date_of_birth: Personal[date] = Field(description="Client's date of birth")
    address: Personal[Text] = Field(description="Address where Sanctuary installations are required")
    postcode: Personal[Annotated[str, Field(min_length=5, max_length=8, pattern=r"^[A-Za-z0-9 ]+$")]] = Field(
        description="Postcode of that address"
    )
    telephone: Personal[Telephone] = Field(description="Client's contact telephone")
    unsafe_contact_times: Personal[Text | None] = Field(
        default=None, description="Times when it is not safe to contact, as the referrer wrote them"
    )
    unsafe_contact_windows: Personal[list[UnsafeContactWindow]] = Field(
        default_factory=list,
        description="The same times in a form the contractor's scheduler can respect (weekdays, from, to)",
    )


class AboutTheClient(BaseModel):
    """Gender, identity, orientation, ethnicity, language, disability and additional support needs.

    Each may be left unanswered (None: unknown, counted as "Unknown" in monitoring); "Prefer not to
    say" and "Prefer to self-describe" are answers, the latter with its text."""

    model_config = _model_config()

    gender: Gender | None = Field(default=None, description="Gender")
    gender_self_description: Personal[ShortText | None] = Field(
        default=None, validate_default=True, description="Gender in the client's words (self-described)"
    )
    gender_identity_same_as_sex_at_birth: YesNoUnknown = Field(
        default=YesNoUnknown.UNKNOWN,
        description="Is the client's gender identity the same as the sex they were assigned at birth?",
    )
    sexual_orientation: SexualOrientation | None = Field(default=None, description="Sexual orientation")
    sexual_orientation_self_description: Personal[ShortText | None] = Field(
        default=None, validate_default=True, description="Sexual orientation in the client's words"
    )
    ethnicity: Ethnicity | None = Field(default=None, description="Ethnicity (one box of the tree)")
    ethnicity_self_description: Personal[ShortText | None] = Field(
        default=None, validate_default=True, description="Ethnicity in the client's words"
    )
    interpreter_needed: YesNoUnknown = Field(default=YesNoUnknown.UNKNOWN, description="Interpreter needed")
    language: ShortText | None = Field(
        default=None, validate_default=True, description="If an interpreter is needed, the language"
    )
    disabilities: list[Disability] = Field(
        default_factory=list, description="Disability (any that apply); empty when not answered"
    )
    adjustments: Personal[Text | None] = Field(
        default=None, description="Adjustments that may need to be made to best support the client"
    )
    no_recourse_to_public_funds: YesNoUnknown = Field(
        default=YesNoUnknown.UNKNOWN, description="No Recourse to Public Funds"
    )
    pregnant: YesNoUnknown = Field(default=YesNoUnknown.UNKNOWN, description="Pregnant")

    @field_validator("gender_self_description")
    @classmethod
    def _gender_text(cls, value: Any, info: ValidationInfo) -> Any:
        return _needs(
            info, value, "gender", {Gender.PREFER_TO_SELF_DESCRIBE}, "self-description needs its text"
        )

    @field_validator("sexual_orientation_self_description")
    @classmethod
    def _orientation_text(cls, value: Any, info: ValidationInfo) -> Any:
        return _needs(
            info,
            value,
            "sexual_orientation",
            {SexualOrientation.PREFER_TO_SELF_DESCRIBE},
            "self-description needs its text",
        )

    @field_validator("ethnicity_self_description")
    @classmethod
    def _ethnicity_text(cls, value: Any, info: ValidationInfo) -> Any:
        return _needs(
            info, value, "ethnicity", {Ethnicity.PREFER_TO_SELF_DESCRIBE}, "self-description needs its text"
        )

    @field_validator("language")
    @classmethod
    def _language(cls, value: Any, info: ValidationInfo) -> Any:
        return _needs(
            info,
            value,
            "interpreter_needed",
            {YesNoUnknown.YES},
            "give the language when an interpreter is needed",
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


class Household(BaseModel):
    """Household Details: accommodation, tenure, names on the tenancy, children."""

    model_config = _model_config()

    accommodation_type: AccommodationType = Field(description="Accommodation type")
    accommodation_other: ShortText | None = Field(
        default=None, validate_default=True, description="Accommodation type when 'Other' (please specify)"
    )
    tenure: Tenure = Field(description="Tenure type")
    tenure_other: ShortText | None = Field(
        default=None, validate_default=True, description="Tenure type when 'Other' (please specify)"
    )
    names_on_tenancy: Personal[ShortText] = Field(description="Name(s) on tenancy or mortgage")
    number_of_children: int = Field(ge=0, le=20, description="Number of children")
    ages_of_children: list[Annotated[int, Field(ge=0, le=25)]] = Field(
        default_factory=list, validate_default=True, description="Ages of children, one per child"
    )

    @field_validator("accommodation_other")
    @classmethod
    def _accommodation_other(cls, value: Any, info: ValidationInfo) -> Any:
        return _needs(info, value, "accommodation_type", {AccommodationType.OTHER}, "please specify 'Other'")

    @field_validator("tenure_other")
    @classmethod
    def _tenure_other(cls, value: Any, info: ValidationInfo) -> Any:
        return _needs(info, value, "tenure", {Tenure.OTHER}, "please specify 'Other'")

    @field_validator("ages_of_children")
    @classmethod
    def _one_age_per_child(cls, value: list[int], info: ValidationInfo) -> list[int]:
        count = info.data.get("number_of_children")
        if count is not None and len(value) != count:
            raise PydanticCustomError(
                "ages_count", "give one age for each child (as many as the number of children)"
            )
        return value


class ClientSafety(BaseModel):
    """Client Safety: the perpetrator, recent incidents and the risk facts the form asks for."""

    model_config = _model_config()

    perpetrator_name: Personal[ShortText] = Field(description="Name of perpetrator")
    perpetrator_whereabouts: Personal[Text] = Field(
        description="Whereabouts of perpetrator (where they live, local authority, attempts to gain entry)"
    )
    recent_incidents: Personal[Text] = Field(
        description="Brief description of recent domestic abuse incidents and risks"
    )
    dash_completed: YesNo = Field(description="DASH risk assessment completed")
    ric_score: int | None = Field(
        default=None,
        ge=0,
        le=27,
        validate_default=True,
        description="If DASH completed, the RIC score (0-27)",
    )
    marac_referral: YesNo = Field(description="Client referred to MARAC")
    marac_date: date | None = Field(
        default=None, validate_default=True, description="If referred to MARAC, the date of the MARAC meeting"
    )
    police_involvement: YesNo = Field(description="Police involvement")
    police_details: Personal[Text | None] = Field(
        default=None, validate_default=True, description="If police are involved, the details"
    )
    risk_of_arson: YesNo = Field(description="Risk of arson")
    arson_details: Personal[Text | None] = Field(
        default=None, validate_default=True, description="If there is a risk of arson, the details"
    )
    other_concerns: Personal[Text | None] = Field(
        default=None,
        description="Any other concerns regarding the risk from the perpetrator or those connected to them",
    )
    specialist_service_referral: YesNo = Field(
        description="Has the client been referred to a specialist domestic abuse service?"
    )
    specialist_service_details: Personal[Text | None] = Field(
        default=None, description="Details of that referral"
    )
    interim_measures: list[InterimMeasure] = Field(
        default_factory=list, description="Interim measures required for the client's safety (urgent if any)"
    )
    interim_measures_details: Personal[Text | None] = Field(
        default=None, description="Interim measures in the referrer's words"
    )
    concern_perpetrator_may_find_out: Personal[Text | None] = Field(
        default=None, description="Any concerns that the perpetrator may find out about the installation"
    )
    concern_perpetrator_may_be_let_in: Personal[Text | None] = Field(
        default=None, description="Any concerns that the perpetrator may be let into the property"
    )
    civil_order: YesNo = Field(
        description="Civil order in place to restrict the perpetrator from the property"
    )
    civil_order_expiry: date | None = Field(
        default=None, validate_default=True, description="If a civil order is in place, its expiry date"
    )

    @field_validator("ric_score")
    @classmethod
    def _ric(cls, value: Any, info: ValidationInfo) -> Any:
        return _needs(
            info, value, "dash_completed", {YesNo.YES}, "give the RIC score when DASH was completed"
        )

    @field_validator("marac_date")
    @classmethod
    def _marac(cls, value: Any, info: ValidationInfo) -> Any:
        return _needs(info, value, "marac_referral", {YesNo.YES}, "give the MARAC meeting date")

    @field_validator("police_details")
    @classmethod
    def _police(cls, value: Any, info: ValidationInfo) -> Any:
        return _needs(
            info, value, "police_involvement", {YesNo.YES}, "give the details of police involvement"
        )

    @field_validator("arson_details")
    @classmethod
    def _arson(cls, value: Any, info: ValidationInfo) -> Any:
        return _needs(info, value, "risk_of_arson", {YesNo.YES}, "give the details of the risk of arson")

    @field_validator("civil_order_expiry")
    @classmethod
    def _order(cls, value: Any, info: ValidationInfo) -> Any:
        return _needs(info, value, "civil_order", {YesNo.YES}, "give the civil order's expiry date")


class InstallationRequests(BaseModel):
    """Installation details: specific needs, and the client's requests or concerns about the works."""

    model_config = _model_config()

    specific_requests: Personal[Text | None] = Field(
        default=None, description="Specific requests / additional needs that may affect the installation"
    )
    requests_or_concerns: Personal[Text | None] = Field(
        default=None, description="Requests or concerns regarding the installation of works"
    )
    female_installer_requested: bool = Field(
        default=False, description="The client asked that a man does not enter the property"
    )
    someone_present_requested: bool = Field(
        default=False, description="Would like someone present for support"
    )
    password_requested: bool = Field(default=False, description="Requests that the installer use a password")


class EligibilityFacts(BaseModel):
    """Facts the schemes' eligibility rules test that the Standing Together form does not ask."""

    model_config = _model_config()

    crime_reference_number: Personal[ShortText | None] = Field(
        default=None, description="Police crime reference number (South Essex requires one)"
    )
    council_area: ShortText | None = Field(
        default=None, description="Local authority the property is in (e.g. the council that is the landlord)"
    )
    perpetrator_lives_at_property: YesNoUnknown = Field(
        default=YesNoUnknown.UNKNOWN, description="Does the perpetrator still live at the property?"
    )
    wishes_to_remain: YesNoUnknown = Field(
        default=YesNoUnknown.UNKNOWN, description="Does the client wish to remain in their own home?"
    )
    resident_in_borough: YesNoUnknown = Field(
        default=YesNoUnknown.UNKNOWN, description="Does the client live in the scheme's borough?"
    )
    accommodation_permanence: AccommodationPermanence = Field(
        default=AccommodationPermanence.UNKNOWN, description="Permanent or temporary accommodation"
    )
    in_direct_contact_with_perpetrator: YesNoUnknown = Field(
        default=YesNoUnknown.UNKNOWN, description="Is the client in direct contact with the perpetrator?"
    )


class ReferralForm(BaseModel):
    """The Standing Together Sanctuary Scheme referral form, as stored (consents are recorded as events)."""

    model_config = _model_config()

    referrer: ReferrerDetails
    client: ClientDetails
    about_client: AboutTheClient = Field(default_factory=AboutTheClient)
    household: Household
    safety: ClientSafety
    installation: InstallationRequests = Field(default_factory=InstallationRequests)
    referral_source: ReferralSource = Field(description="Referral source (monitoring template categories)")
    referral_source_other: ShortText | None = Field(
        default=None, validate_default=True, description="Referral source when 'Other'"
    )
    eligibility_facts: EligibilityFacts = Field(default_factory=EligibilityFacts)

    @field_validator("referral_source_other")
    @classmethod
    def _source_other(cls, value: Any, info: ValidationInfo) -> Any:
        return _needs(info, value, "referral_source", {ReferralSource.OTHER}, "please specify 'Other'")


# The submission adds checks against the day it is made; a stored form is not re-judged later.


class SubmittedClientDetails(ClientDetails):
    @field_validator("date_of_birth")
    @classmethod
    def _born(cls, value: date) -> date | None:
        return _future(value, "date of birth is in the future")


class SubmittedClientSafety(ClientSafety):
    @field_validator("civil_order_expiry")
    @classmethod
    def _order_not_expired(cls, value: date | None) -> date | None:
        return _past(value, "the civil order has already expired")


class SubmittedForm(ReferralForm):
    client: SubmittedClientDetails
    safety: SubmittedClientSafety

    def as_stored(self) -> ReferralForm:
        return ReferralForm.model_validate(self.model_dump())


class ConsentAnswers(BaseModel):
    """The form's four consent questions, each answered Yes or No."""

    model_config = _model_config()

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


# -- parts of decisions -----------------------------------------------------------------------


class RuleResult(BaseModel):
    """One eligibility rule of the scheme, and what it found (the reason names no personal value)."""

    model_config = _model_config()

    rule_id: str = Field(description="The rule's id in the scheme configuration")
    description: str = Field(description="The rule in the scheme's words")
    outcome: RuleOutcome
    reason: str = Field(description="Why the rule is met, not met, or cannot be decided")


class Signpost(BaseModel):
    """A service the client is signposted to (from the scheme configuration)."""

    model_config = _model_config()

    kind: SignpostKind
    name: str = Field(min_length=1, max_length=200)
    contact: str | None = Field(default=None, max_length=300, description="The service's public contact")


class FunderApproval(BaseModel):
    """A funder's approval of a measure outside the scheme's scope."""

    model_config = _model_config()

    funder: ShortText = Field(description="The funding body")
    approved_by: ShortText = Field(description="Staff identifier of the person at the funder who approved")
    approved_on: date
    reference: ShortText | None = Field(default=None, description="The funder's reference")


class ApprovedItem(BaseModel):
    """A recommended measure the coordinator approves: catalogue item and quantity."""

    model_config = _model_config()

    item_code: str = Field(min_length=2, max_length=60, pattern=r"^[A-Z0-9][A-Z0-9-]*$")
    quantity: int = Field(ge=1, le=100)
    funder_approval: FunderApproval | None = Field(
        default=None, description="Required when the item's catalogue scope is outside the scheme's scope"
    )


class DeclinedItem(BaseModel):
    """A recommended measure the coordinator does not approve, and why."""

    model_config = _model_config()

    item_code: str = Field(min_length=2, max_length=60, pattern=r"^[A-Z0-9][A-Z0-9-]*$")
    quantity: int = Field(ge=1, le=100)
    reason: ShortText = Field(description="Why it is not approved (no personal details)")


# -- events -------------------------------------------------------------------------------------


class ReferralSubmitted(Event):
    """A completed referral form was received; the case starts here."""

    owner = "referral"

    form: ReferralForm = Field(description="The referral form as submitted (consents are separate events)")
    scheme: str = Field(description="The scheme configuration's name the referral was made under")
    received_on: date = Field(description="The day the referral was received")
    age_band: AgeBand = Field(description="Age band at submission (kept after erasure)")
    ethnic_group: EthnicGroup | None = Field(default=None, description="Heading of the ethnicity answer")
    urgent: bool = Field(description="Interim measures were asked for: same-day action")
    other_support_needs: bool = Field(
        default=False,
        description="Monitoring 'Additional support: Other': the form records adjustments needed to support "
        "the client (a flag kept after erasure, when the adjustments' text reads as erased)",
    )


class ConsentRecorded(Event):
    """One of the four consents, given or refused, with who recorded it and when."""

    owner = "referral"

    purpose: ConsentPurpose = Field(description="Which of the form's four consent questions")
    given: bool = Field(description="True: the client answered Yes")
    recorded_by: Actor = Field(description="The professional who recorded the answer")
    recorded_at: AwareDatetime = Field(description="When it was recorded")


class ConsentWithdrawn(Event):
    """A consent withdrawn by the client; later decisions respect it."""

    owner = "referral"

    purpose: ConsentPurpose = Field(description="The consent withdrawn")
    recorded_by: Actor = Field(description="The professional the client told")
    withdrawn_at: AwareDatetime = Field(description="When the client withdrew it")
    note: Personal[Text | None] = Field(default=None, description="Anything the client said about it")


class EligibilityEvaluated(Event):
    """The scheme's eligibility rules applied to the form: every rule's result with its reason."""

    owner = "referral"

    scheme: str = Field(description="The scheme configuration's name")
    outcome: EligibilityOutcome = Field(description="Eligible, not eligible, or a safeguarding referral")
    results: list[RuleResult] = Field(min_length=1, description="Every rule of the scheme, in its order")


class SafeguardingReferralMade(Event):
    """A safeguarding referral (e.g. a client under 18 to Children's Social Care), not an installation."""

    owner = "referral"

    recipient: SafeguardingRecipient = Field(description="Where the safeguarding referral went")
    reason: str = Field(min_length=1, max_length=300, description="Why (no personal details)")


class ReferralAccepted(Event):
    """The coordinator accepts the referral: it goes to the CPO unit (assessment)."""

    owner = "referral"

    accepted_on: date = Field(description="The day the coordinator accepted it")
    urgent: bool = Field(description="Same-day action (interim measures such as an emergency lock change)")
    interim_measures: list[InterimMeasure] = Field(
        default_factory=list, description="The interim measures the referral asked for"
    )


class ReferralDeclined(Event):
    """The coordinator does not accept the referral: a reason from the scheme's list, and signposting."""

    owner = "referral"

    reason: str = Field(min_length=1, max_length=200, description="One of the scheme's decline_reasons")
    signposting: list[Signpost] = Field(
        default_factory=list, description="Services the client is signposted to"
    )
    note: Personal[Text | None] = Field(default=None, description="The coordinator's note")


class SafeguardingOverrideRecorded(Event):
    """Sharing with a recipient despite refused or withdrawn consent, on a lawful basis, with a reason."""

    owner = "referral"

    recipient: Recipient = Field(description="The agency the case is shared with")
    lawful_basis: OverrideBasis = Field(description="Vital interests, safeguarding or a legal obligation")
    reason: Personal[Text] = Field(description="Why consent is overridden")


class LandlordPermissionRequested(Event):
    """The coordinator asked the landlord's permission for the works (with the client's consent)."""

    owner = "referral"

    landlord: Personal[ShortText] = Field(description="The landlord or managing agent asked")
    requested_on: date = Field(description="The day it was asked")


class LandlordPermissionGranted(Event):
    """The landlord gave permission for the works."""

    owner = "referral"

    granted_on: date = Field(description="The day the landlord gave permission")


class LandlordPermissionRefused(Event):
    """The landlord refused permission; the referral cannot be accepted."""

    owner = "referral"

    refused_on: date = Field(description="The day the landlord refused")
    reason: Personal[Text | None] = Field(default=None, description="The landlord's reason")


class RecommendationsApproved(Event):
    """The coordinator's decision on the assessment's recommended measures (all, some or none)."""

    owner = "referral"

    assessment_event_id: str = Field(description="The PropertyAssessed event decided on")
    approved_items: list[ApprovedItem] = Field(
        default_factory=list, description="Approved measures: catalogue item and quantity (empty: none)"
    )
    declined_items: list[DeclinedItem] = Field(
        default_factory=list, description="Recommended measures not approved, each with its reason"
    )
    estimated_cost_gbp: Decimal = Field(
        ge=0, max_digits=12, decimal_places=2, description="Catalogue cost of the approved items"
    )


class WorksResumed(Event):
    """The coordinator lifts the contractor's suspension of works."""

    owner = "referral"

    suspension_event_id: str = Field(description="The WorksSuspended event lifted")
    reason: Personal[Text] = Field(description="Why it is safe to resume")


class FollowUpContactRecorded(Event):
    """A follow-up contact with the client after installation (with the client's consent)."""

    owner = "referral"

    kind: FollowUpKind = Field(description="Which follow-up (visit, 3, 6 or 12 months)")
    channel: ContactChannel = Field(description="How the contact was made")
    outcome: FollowUpOutcome = Field(description="What came of it")
    contacted_on: date = Field(description="The day of the contact")
    female_staff: bool = Field(description="Made by a female member of staff, as the consent says")


class FeedbackReceived(Event):
    """The client's feedback on the service."""

    owner = "referral"

    satisfaction: Satisfaction = Field(description="How satisfied the client is with the service")
    feels_safer: YesNoUnknown = Field(
        default=YesNoUnknown.UNKNOWN, description="Does the client feel safer since the installation?"
    )
    comments: Personal[Text | None] = Field(default=None, description="The client's comments")
    received_on: date = Field(description="The day the feedback was given")


class ComplaintReceived(Event):
    """A complaint about the service (serious or significant ones are reported to the council)."""

    owner = "referral"

    complaint_id: ShortText = Field(description="The complaint's reference, unique within the case")
    severity: ComplaintSeverity = Field(description="Routine, or serious or significant")
    about: ShortText = Field(description="Which part of the service (e.g. contractor, coordination)")
    summary: Personal[Text] = Field(description="What the complaint is")
    received_on: date = Field(description="The day it was received")


class ComplaintResolved(Event):
    """A complaint resolved, and whether in accordance with the complaints procedure."""

    owner = "referral"

    complaint_id: ShortText = Field(description="The complaint resolved")
    resolved_on: date = Field(description="The day it was resolved")
    upheld: bool = Field(description="Was the complaint upheld?")
    within_procedure: bool = Field(description="Resolved in accordance with the complaints procedure")
    summary: Personal[Text | None] = Field(default=None, description="How it was resolved")


class CaseClosed(Event):
    """The case is closed, with the client's safety outcome at closure."""

    owner = "referral"

    reason: ClosureReason = Field(description="Why the case is closed")
    safety_outcome: SafetyOutcome = Field(description="The client's safety outcome at the point of closure")
    closed_on: date = Field(description="The day the case was closed")
    note: Personal[Text | None] = Field(default=None, description="The coordinator's closing note")


# -- commands -----------------------------------------------------------------------------------

REFERRERS = frozenset({Role.REFERRER, Role.COORDINATOR, Role.IDVA, Role.HOUSING_OFFICER, Role.POLICE_CPO})
COORDINATOR = frozenset({Role.COORDINATOR})


def case_id_for(command_id: str) -> str:
    """The case id of a submission: derived from its command id, so a retried submission maps to
    the same case. "SR-" and 10 base32 characters of SHA-256."""
    digest = hashlib.sha256(command_id.encode()).digest()
    return "SR-" + base64.b32encode(digest).decode()[:10]


class ReferralCommand(Command):
    """Base of the referral service's commands: served on ``cmd.referral.<Command>``; the
    coordinator's unless a command says otherwise."""

    service: ClassVar[str] = "referral"
    allowed_roles: ClassVar[frozenset[Role]] = COORDINATOR


class SubmitReferral(ReferralCommand):
    """Submit a completed referral form with the client's four consents. Creates the case; its id is
    derived from the command id when not given (``case_id_for``). Every mandatory field missing or
    malformed is reported at once; nothing is stored."""

    allowed_roles: ClassVar[frozenset[Role]] = REFERRERS
    derived_fields: ClassVar[frozenset[str]] = frozenset({"case_id"})

    form: SubmittedForm = Field(description="The referral form, every section")
    consents: ConsentAnswers = Field(description="The client's answers to the form's four consent questions")

    @model_validator(mode="before")
    @classmethod
    def _derive_case_id(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("case_id") and isinstance(data.get("command_id"), str):
            return {**data, "case_id": case_id_for(data["command_id"])}
        return data


class WithdrawConsent(ReferralCommand):
    """Withdraw one or more consents (all still given when ``purposes`` is empty), at any time."""

    allowed_roles: ClassVar[frozenset[Role]] = REFERRERS | {Role.COORDINATOR}

    purposes: list[ConsentPurpose] = Field(default_factory=list, description="Empty: withdraw every consent")
    note: Text | None = Field(default=None, description="Anything the client said about it (personal)")


class AcceptReferral(ReferralCommand):
    """The coordinator accepts an eligible referral (urgent ones are flagged for same-day action)."""


class DeclineReferral(ReferralCommand):
    """The coordinator declines a referral with a reason from the scheme's list, and signposts."""

    reason: str = Field(min_length=1, max_length=200, description="One of the scheme's decline_reasons")
    signpost_to: list[SignpostKind] = Field(default_factory=list, description="Kinds of service to signpost")
    note: Text | None = Field(default=None, description="The coordinator's note (personal)")


class RequestLandlordPermission(ReferralCommand):
    """Ask the landlord's permission for the works (needs the client's consent to contact the landlord)."""

    landlord: ShortText = Field(description="The landlord or managing agent asked")


class RecordLandlordPermissionGranted(ReferralCommand):
    """Record that the landlord gave permission."""

    granted_on: date = Field(description="The day the landlord gave permission (not in the future)")


class RecordLandlordPermissionRefused(ReferralCommand):
    """Record that the landlord refused permission."""

    refused_on: date = Field(description="The day the landlord refused (not in the future)")
    reason: Text | None = Field(default=None, description="The landlord's reason (personal)")


class ApproveRecommendations(ReferralCommand):
    """Approve all, some or none of the assessment's recommended measures. Every recommended item is
    either approved or declined with a reason; out-of-scope items need a funder approval."""

    assessment_event_id: str = Field(min_length=1, max_length=100, description="The PropertyAssessed event")
    approved_items: list[ApprovedItem] = Field(default_factory=list, description="The measures approved")
    declined_items: list[DeclinedItem] = Field(default_factory=list, description="The measures not approved")


class ResumeWorks(ReferralCommand):
    """Only the coordinator resumes works the contractor suspended."""

    reason: Text = Field(description="Why it is safe to resume (personal)")


class RecordSafeguardingOverride(ReferralCommand):
    """Share with a recipient despite refused or withdrawn consent, on a lawful basis, with a reason."""

    recipient: Recipient = Field(description="The agency the case is shared with")
    lawful_basis: OverrideBasis = Field(description="vital_interests, safeguarding or legal_obligation")
    reason: Text = Field(description="Why consent is overridden (personal)")


class RecordFollowUpContact(ReferralCommand):
    """Record a follow-up contact after installation (needs the follow-up consent)."""

    kind: FollowUpKind = Field(description="Which follow-up (visit, 3, 6 or 12 months)")
    channel: ContactChannel = Field(description="How the contact was made")
    outcome: FollowUpOutcome = Field(description="What came of it")
    contacted_on: date = Field(description="The day of the contact (not in the future)")
    female_staff: bool = Field(description="Made by a female member of staff (the consent requires it)")


class RecordFeedback(ReferralCommand):
    """Record the client's feedback on the service."""

    satisfaction: Satisfaction = Field(description="How satisfied the client is with the service")
    feels_safer: YesNoUnknown = Field(default=YesNoUnknown.UNKNOWN, description="Does the client feel safer?")
    comments: Text | None = Field(default=None, description="The client's comments (personal)")
    received_on: date = Field(description="The day the feedback was given (not in the future)")


class RecordComplaint(ReferralCommand):
    """Record a complaint about the service."""

    complaint_id: ShortText = Field(pattern=r"^[A-Za-z0-9_.-]+$", description="The complaint's reference")
    severity: ComplaintSeverity = Field(description="Routine, or serious or significant")
    about: ShortText = Field(description="Which part of the service")
    summary: Text = Field(description="What the complaint is (personal)")
    received_on: date = Field(description="The day it was received (not in the future)")


class ResolveComplaint(ReferralCommand):
    """Record that an open complaint is resolved."""

    complaint_id: ShortText = Field(pattern=r"^[A-Za-z0-9_.-]+$", description="The complaint resolved")
    resolved_on: date = Field(description="The day it was resolved (not in the future)")
    upheld: bool = Field(description="Was the complaint upheld?")
    within_procedure: bool = Field(description="Resolved in accordance with the complaints procedure")
    summary: Text | None = Field(default=None, description="How it was resolved (personal)")


class CloseCase(ReferralCommand):
    """Close the case with the client's safety outcome (no complaint may be open)."""

    reason: ClosureReason = Field(description="Why the case is closed")
    safety_outcome: SafetyOutcome = Field(description="The client's safety outcome at the point of closure")
    closed_on: date = Field(description="The day the case was closed (not in the future)")
    note: Text | None = Field(default=None, description="The coordinator's closing note (personal)")


CASE_COMMANDS: tuple[type[ReferralCommand], ...] = (
    SubmitReferral,
    WithdrawConsent,
    AcceptReferral,
    DeclineReferral,
    RequestLandlordPermission,
    RecordLandlordPermissionGranted,
    RecordLandlordPermissionRefused,
    ApproveRecommendations,
    ResumeWorks,
    RecordSafeguardingOverride,
    RecordFollowUpContact,
    RecordFeedback,
    RecordComplaint,
    ResolveComplaint,
    CloseCase,
)
