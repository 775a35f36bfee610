"""Published contract of the assessment side: the police Crime Prevention Officer (CPO) work item,
intelligence check, property visit and assessment; the DASH risk assessment; and the fire and rescue
service's sanctuary address flag and fire safety check.

Sources: Darlington pathway steps 4-6 (seed 001); South Essex Homes sanctuary room, fire service
call-out system and service standards (seed 002); CHS DASH RIC and MARAC (seed 003); the
Standing Together monitoring template (seed 000). Measures are catalogue lines (shared.catalogue).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Annotated, ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.catalogue import ItemCode, MeasureLine
from shared.commands import Command
from shared.errors import Problem
from shared.events import Actor, Event, Role
from shared.personal import Personal

FreeText = Annotated[str, Field(min_length=1, max_length=2000)]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]

CPO_ROLES = frozenset({Role.POLICE_CPO, Role.PROTECTIVE_SECURITY_MANAGER})
FIRE_ROLES = frozenset({Role.FIRE_OFFICER})
# The request/reply subject the fire service's control room asks on.
SANCTUARY_ADDRESS_QUERY = "query.fire.SanctuaryAddress"


# -- option lists ----------------------------------------------------------------------------


class Finding(enum.StrEnum):
    YES = "yes"
    NO = "no"
    NOT_KNOWN = "not known"


class DashAnswer(enum.StrEnum):
    """One DASH RIC answer; only "yes" is a tick that counts towards the score."""

    YES = "yes"
    NO = "no"
    NOT_KNOWN = "not known"


class RiskLevel(enum.StrEnum):
    """The monitoring template's "Client safety" rows (DASH calls the lowest band "standard")."""

    HIGH = "High risk"
    MEDIUM = "Medium risk"
    STANDARD = "Low risk"


class MaracCriterion(enum.StrEnum):
    """Why a case goes to MARAC (SafeLives referral criteria)."""

    VISIBLE_HIGH_RISK = "visible high risk"
    PROFESSIONAL_JUDGEMENT = "professional judgement"
    POTENTIAL_ESCALATION = "potential escalation"
    REPEAT_REFERRAL = "repeat referral"


class SharingBasis(enum.StrEnum):
    """Why the sanctuary address may be shared with the fire service."""

    CONSENT = "consent"
    SAFEGUARDING_OVERRIDE = "safeguarding override"
    # The sharing agreement names a lawful basis for the fire service that needs no consent.
    LAWFUL_BASIS = "lawful basis"


class FlagRemovalReason(enum.StrEnum):
    RISK_HAS_GONE = "risk has gone"
    CLIENT_HAS_MOVED = "client has moved"
    CASE_CLOSED = "case closed"
    CONSENT_WITHDRAWN = "consent to information sharing withdrawn"
    LAWFUL_BASIS_ENDED = "lawful basis for holding the flag has ended"


class FlagReviewDecision(enum.StrEnum):
    KEEP = "keep"
    REMOVE = "remove"


# The 27 questions of the ACPO DASH (2009) Risk Identification Checklist, police version, in order.
# "the abuser" stands where the form names them.
DASH_QUESTIONS: tuple[str, ...] = (
    "Has the current incident resulted in injury?",
    "Are you very frightened?",
    "What are you afraid of? Is it further injury or violence?",
    "Do you feel isolated from family/friends i.e. does the abuser try to stop you from seeing "
    "friends/family/doctor or others?",
    "Are you feeling depressed or having suicidal thoughts?",
    "Have you separated or tried to separate from the abuser within the past year?",
    "Is there conflict over child contact?",
    "Does the abuser constantly text, call, contact, follow, stalk or harass you?",
    "Are you pregnant or have you recently had a baby (within the last 18 months)?",
    "Are there any children, step-children that aren't the abuser's in the household? Or are there "
    "other dependants in the household (i.e. older relative)?",
    "Has the abuser ever hurt the children/dependants?",
    "Has the abuser ever threatened to hurt or kill the children/dependants?",
    "Is the abuse happening more often?",
    "Is the abuse getting worse?",
    "Does the abuser try to control everything you do and/or are they excessively jealous?",
    "Has the abuser ever used weapons or objects to hurt you?",
    "Has the abuser ever threatened to kill you or someone else and you believed them?",
    "Has the abuser ever attempted to strangle/choke/suffocate/drown you?",
    "Does the abuser do or say things of a sexual nature that make you feel bad or that physically "
    "hurt you or someone else?",
    "Is there any other person who has threatened you or who you are afraid of?",
    "Do you know if the abuser has hurt anyone else?",
    "Has the abuser ever mistreated an animal or the family pet?",
    "Are there any financial issues? For example, are you dependent on the abuser for money/have they "
    "recently lost their job/other financial issues?",
    "Has the abuser had problems in the past year with drugs (prescription or other), alcohol or "
    "mental health leading to problems in leading a normal life?",
    "Has the abuser ever threatened or attempted suicide?",
    "Has the abuser ever broken bail/an injunction and/or formal agreement for when they can see you "
    "and/or the children?",
    "Do you know if the abuser has ever been in trouble with the police or has a criminal history?",
)
DASH_QUESTION_COUNT = len(DASH_QUESTIONS)


# -- parts -----------------------------------------------------------------------------------


class RecommendedMeasure(BaseModel):
    """A catalogue item, how many, and where in the property (free text, so personal)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    item_code: ItemCode
    quantity: int = Field(ge=1, le=100)
    where: Personal[str | None] = None


class SanctuaryRoom(BaseModel):
    """The chosen sanctuary room. South Essex: at the front of the property where possible, to help
    fire rescue; if not, say why."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    room: Personal[str]
    floor: Personal[str]
    at_front_of_property: bool
    why_not_at_front: Personal[str | None] = None


class NotFeasibleMeasure(BaseModel):
    """A measure judged not feasible, why, and the alternative (a catalogue item, a description, or both)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    item_code: ItemCode
    reason: Personal[str]
    alternative: MeasureLine | None = None
    alternative_description: Personal[str | None] = None


class FireFlagView(BaseModel):
    """Everything the fire service sees of a sanctuary address, and nothing more: never the
    perpetrator, the demographics or the case narrative."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    address: Personal[str]
    house: Personal[str]  # the number or name the control room asks by
    postcode: Personal[str]
    sanctuary_room: Personal[str | None] = None
    sanctuary_room_at_front: bool | None = None
    risk_of_arson: bool
    occupants: int = Field(ge=1)
    children: int = Field(ge=0)
    rescue_needs: Personal[str | None] = None
    flagged_on: date


FIRE_VIEW_FIELDS = frozenset(FireFlagView.model_fields)


# -- events ----------------------------------------------------------------------------------


class CpoWorkItemOpened(Event):
    """An accepted referral reached the CPO unit. South Essex: referral to the crime reduction
    officer within one working day of acceptance; assessment within five working days of receipt."""

    owner = "assessment"

    accepted_on: date
    received_on: date
    referral_due_by: date
    assessment_due_by: date
    urgent: bool = False


class IntelligenceCheckRecorded(Event):
    """Darlington step 4: the CPO's research on police intelligence systems."""

    owner = "assessment"

    checked_on: date
    perpetrator_location: Personal[str | None] = None
    access_to_weapons: Finding
    risk_to_visiting_staff: Finding
    precautions_for_visiting_staff: Personal[str | None] = None
    findings: Personal[str | None] = None


class PropertyVisitScheduled(Event):
    owner = "assessment"

    visit_at: AwareDatetime
    same_gender_officer_requested: bool = False


class PropertyAssessed(Event):
    """Darlington step 5: the CPO's recommendations. A later assessment replaces an earlier one."""

    owner = "assessment"

    assessed_on: date
    recommended_measures: list[RecommendedMeasure] = Field(min_length=1)
    sanctuary_room: SanctuaryRoom | None = None
    not_feasible: list[NotFeasibleMeasure] = Field(default_factory=list)
    within_timescale: bool
    notes: Personal[str | None] = None


class DashRiskAssessed(Event):
    """A DASH RIC: the 27 answers (personal), and the score, risk level and MARAC decision
    (monitoring figures, kept after erasure)."""

    owner = "assessment"

    assessed_on: date
    answers: Personal[list[DashAnswer]]
    score: int = Field(ge=0, le=DASH_QUESTION_COUNT)
    risk_level: RiskLevel
    marac_referral: bool
    marac_criterion: MaracCriterion | None = None
    professional_judgement_reasons: Personal[str | None] = None
    incidents_last_12_months: int | None = Field(default=None, ge=0)


class SanctuaryAddressFlagged(Event):
    """The sanctuary address on the fire service's call-out system: exactly the fire view, and the
    basis it was shared on."""

    owner = "assessment"

    flag: FireFlagView
    shared_under: SharingBasis


class SanctuaryFlagReviewed(Event):
    owner = "assessment"

    reviewed_on: date
    decision: FlagReviewDecision
    next_review_by: date | None = None


class SanctuaryFlagRemoved(Event):
    owner = "assessment"

    removed_on: date
    reason: FlagRemovalReason


class FireSafetyCheckRecorded(Event):
    """The fire service's fire safety check / risk assessment. South Essex: within ten working days
    of the works being completed."""

    owner = "assessment"

    checked_on: date
    due_by: date
    within_timescale: bool
    fire_measures_fitted: list[MeasureLine] = Field(default_factory=list)
    further_action_needed: bool = False
    findings: Personal[str | None] = None


# -- commands --------------------------------------------------------------------------------


class OpenCpoWorkItem(Command):
    """Put an accepted referral on the CPO unit's queue (the service does this on ReferralAccepted)."""

    service: ClassVar[str] = "assessment"
    allowed_roles: ClassVar[frozenset[Role]] = frozenset({Role.SYSTEM, Role.COORDINATOR})

    accepted_on: date
    urgent: bool = False


class RecordIntelligenceCheck(Command):
    service: ClassVar[str] = "assessment"
    allowed_roles: ClassVar[frozenset[Role]] = CPO_ROLES

    checked_on: date
    perpetrator_location: FreeText | None = None
    access_to_weapons: Finding
    risk_to_visiting_staff: Finding
    precautions_for_visiting_staff: FreeText | None = None
    findings: FreeText | None = None


class SchedulePropertyVisit(Command):
    service: ClassVar[str] = "assessment"
    allowed_roles: ClassVar[frozenset[Role]] = CPO_ROLES

    visit_at: AwareDatetime
    same_gender_officer_requested: bool = False


class RecordPropertyAssessment(Command):
    service: ClassVar[str] = "assessment"
    allowed_roles: ClassVar[frozenset[Role]] = CPO_ROLES

    assessed_on: date
    recommended_measures: list[RecommendedMeasure] = Field(min_length=1)
    sanctuary_room: SanctuaryRoom | None = None
    not_feasible: list[NotFeasibleMeasure] = Field(default_factory=list)
    notes: FreeText | None = None


class RecordDashRiskAssessment(Command):
    """Record a DASH RIC. ``refer_to_marac`` and ``marac_criterion`` are the assessor's decision;
    the service checks it against the score and the criteria."""

    service: ClassVar[str] = "assessment"
    allowed_roles: ClassVar[frozenset[Role]] = frozenset(
        {Role.POLICE_CPO, Role.IDVA, Role.COORDINATOR, Role.REFERRER}
    )

    assessed_on: date
    answers: list[DashAnswer]
    refer_to_marac: bool
    marac_criterion: MaracCriterion | None = None
    professional_judgement_reasons: FreeText | None = None
    incidents_last_12_months: int | None = Field(default=None, ge=0, le=1000)
    referred_to_marac_in_last_12_months: bool = False


class FlagSanctuaryAddress(Command):
    """Flag the address to the fire service (the service does this on InstallationCompleted)."""

    service: ClassVar[str] = "assessment"
    allowed_roles: ClassVar[frozenset[Role]] = frozenset({Role.SYSTEM, Role.COORDINATOR})

    flagged_on: date


class ReviewSanctuaryFlag(Command):
    service: ClassVar[str] = "assessment"
    allowed_roles: ClassVar[frozenset[Role]] = frozenset({Role.COORDINATOR, Role.FIRE_OFFICER})

    reviewed_on: date
    decision: FlagReviewDecision
    removal_reason: FlagRemovalReason | None = None
    next_review_by: date | None = None


class RemoveSanctuaryFlag(Command):
    service: ClassVar[str] = "assessment"
    allowed_roles: ClassVar[frozenset[Role]] = frozenset({Role.SYSTEM, Role.COORDINATOR, Role.FIRE_OFFICER})

    removed_on: date
    reason: FlagRemovalReason


class RecordFireSafetyCheck(Command):
    service: ClassVar[str] = "assessment"
    allowed_roles: ClassVar[frozenset[Role]] = FIRE_ROLES

    checked_on: date
    fire_measures_fitted: list[MeasureLine] = Field(default_factory=list)
    further_action_needed: bool = False
    findings: FreeText | None = None


ASSESSMENT_COMMANDS: tuple[type[Command], ...] = (
    OpenCpoWorkItem,
    RecordIntelligenceCheck,
    SchedulePropertyVisit,
    RecordPropertyAssessment,
    RecordDashRiskAssessment,
    FlagSanctuaryAddress,
    ReviewSanctuaryFlag,
    RemoveSanctuaryFlag,
    RecordFireSafetyCheck,
)


# -- the fire control room's lookup (request/reply, not a case command) ----------------------


class SanctuaryAddressQuery(BaseModel):
    """ "Is this address a sanctuary address?" One address at a time; nothing can be listed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    actor: Actor
    postcode: str = Field(min_length=5, max_length=10)
    house: str = Field(min_length=1, max_length=100, description="house number or name")
    asked_at: datetime | None = None


class SanctuaryAddressAnswer(BaseModel):
    """The flag when the address is a sanctuary address; ``found`` false otherwise, and with
    ``errors`` (each a field and a problem) when the question was malformed or not allowed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    found: bool
    flag: FireFlagView | None = None
    errors: list[Problem] | None = None
