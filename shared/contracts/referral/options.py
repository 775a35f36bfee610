"""The referral side's option lists: the boxes of the Standing Together referral form and the rows
of its monitoring template, each value in the seed's own wording (seed 000), and the lists of the
coordinator's decisions, follow-up and closure (seeds 001-004).

An agency sends the value (the text on the right), exactly as written here.
"""

from __future__ import annotations

import enum
from datetime import date

__all__ = [
    "ETHNIC_GROUP_OF",
    "TENURES_WITH_LANDLORD",
    "AccommodationPermanence",
    "AccommodationType",
    "AgeBand",
    "ClosureReason",
    "ComplaintSeverity",
    "Disability",
    "EligibilityOutcome",
    "EthnicGroup",
    "Ethnicity",
    "FollowUpKind",
    "FollowUpOutcome",
    "Gender",
    "InterimMeasure",
    "OverrideBasis",
    "ReferralSource",
    "RuleOutcome",
    "SafeguardingRecipient",
    "SafetyOutcome",
    "Satisfaction",
    "SexualOrientation",
    "SignpostKind",
    "Tenure",
    "YesNo",
    "YesNoUnknown",
    "age_band",
    "age_on",
]


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
    """The form's Gender boxes; "Prefer to self-describe" comes with the client's own words."""

    FEMALE = "Female"
    MALE = "Male"
    PREFER_NOT_TO_SAY = "Prefer not to say"
    PREFER_TO_SELF_DESCRIBE = "Prefer to self-describe"


class SexualOrientation(enum.StrEnum):
    """The form's Sexual orientation boxes; "Prefer to self-describe" comes with the client's own words."""

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
    """The form's Disability boxes (any that apply)."""

    PHYSICAL = "Physical"
    LEARNING_DISABILITY = "Learning disability"
    MENTAL_ILLNESS = "Mental illness"
    MENTAL_IMPAIRMENT = "Mental impairment"
    NO_DISABILITY = "No disability"
    PREFER_NOT_TO_SAY = "Prefer not to say"


class AccommodationType(enum.StrEnum):
    """The form's Accommodation type boxes; "Other" comes with what it is."""

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
    """Age in whole years on a day."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def age_band(born: date | None, on: date) -> AgeBand:
    """The monitoring template's age band on a day (Unknown without a date of birth)."""
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
    """What one eligibility rule found."""

    MET = "met"
    NOT_MET = "not met"
    UNKNOWN = "unknown"  # the form does not answer what the rule tests


class EligibilityOutcome(enum.StrEnum):
    """The result of the scheme's eligibility rules taken together."""

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
    """Where a safeguarding referral goes (the CHS domestic abuse policy; the Tower Hamlets specification)."""

    CHILDRENS_SOCIAL_CARE = "Children's Social Care"
    ADULT_SOCIAL_CARE = "Adult Social Care"
    MARAC = "MARAC"


class OverrideBasis(enum.StrEnum):
    """Lawful bases for sharing despite refused or withdrawn consent (the CHS domestic abuse policy)."""

    VITAL_INTERESTS = "vital_interests"
    SAFEGUARDING = "safeguarding"
    LEGAL_OBLIGATION = "legal_obligation"


class FollowUpOutcome(enum.StrEnum):
    """What came of a follow-up contact."""

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
    """Why a case is closed."""

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
