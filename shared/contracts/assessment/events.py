"""The assessment side's events (owner "assessment"), each published on
``case.<case_id>.assessment.<EventType>``: the police Crime Prevention Officer's (CPO) work item,
intelligence check, property visit and assessment (Darlington steps 4-6, seed 001); the DASH risk
assessment (CHS, seed 003); and the fire and rescue service's sanctuary address flag and fire safety
check (South Essex, seed 002)."""

from __future__ import annotations

from datetime import date

from pydantic import AwareDatetime, Field

from shared.catalogue import MeasureLine
from shared.contracts.assessment.options import (
    DASH_QUESTION_COUNT,
    DashAnswer,
    Finding,
    FlagRemovalReason,
    FlagReviewDecision,
    MaracCriterion,
    RiskLevel,
    SharingBasis,
)
from shared.contracts.assessment.parts import (
    FireFlagView,
    NotFeasibleMeasure,
    RecommendedMeasure,
    SanctuaryRoom,
)
from shared.events import Event
from shared.personal import Personal

__all__ = [
    "CpoWorkItemOpened",
    "DashRiskAssessed",
    "FireSafetyCheckRecorded",
    "IntelligenceCheckRecorded",
    "PropertyAssessed",
    "PropertyVisitScheduled",
    "SanctuaryAddressFlagged",
    "SanctuaryFlagRemoved",
    "SanctuaryFlagReviewed",
]


class CpoWorkItemOpened(Event):
    """An accepted referral reached the CPO unit. South Essex: referral to the crime reduction
    officer within one working day of acceptance; assessment within five working days of receipt."""

    owner = "assessment"

    accepted_on: date = Field(description="The day the coordinator accepted the referral (YYYY-MM-DD)")
    received_on: date = Field(description="The day the CPO unit received it (YYYY-MM-DD)")
    referral_due_by: date = Field(
        description="Referral to the CPO due by: the scheme's working days from acceptance (one by default)"
    )
    assessment_due_by: date = Field(
        description="Assessment due by: the scheme's working days from receipt of the referral (five by "
        "default)"
    )
    urgent: bool = Field(default=False, description="Same-day action (interim measures were asked for)")


class IntelligenceCheckRecorded(Event):
    """Darlington step 4: the CPO's research on police intelligence systems."""

    owner = "assessment"

    checked_on: date = Field(description="The day of the research (YYYY-MM-DD)")
    perpetrator_location: Personal[str | None] = Field(
        default=None, description="Where the perpetrator is known to be; null when not known"
    )
    access_to_weapons: Finding = Field(description="Does the perpetrator have access to weapons?")
    risk_to_visiting_staff: Finding = Field(description="Is there a risk to staff visiting the property?")
    precautions_for_visiting_staff: Personal[str | None] = Field(
        default=None, description="Precautions staff visiting the property must take; null when none"
    )
    findings: Personal[str | None] = Field(default=None, description="Anything else found; null when nothing")


class PropertyVisitScheduled(Event):
    """Darlington step 5: the CPO arranges to attend the property."""

    owner = "assessment"

    visit_at: AwareDatetime = Field(description="When the CPO will attend (ISO 8601 with a time zone)")
    same_gender_officer_requested: bool = Field(
        default=False, description="The client asked for an officer of the same gender"
    )


class PropertyAssessed(Event):
    """Darlington step 5: the CPO's recommendations. A later assessment replaces an earlier one."""

    owner = "assessment"

    assessed_on: date = Field(description="The day of the assessment (YYYY-MM-DD)")
    recommended_measures: list[RecommendedMeasure] = Field(
        min_length=1, description="The adaptations required: catalogue items, quantities and where"
    )
    sanctuary_room: SanctuaryRoom | None = Field(
        default=None, description="The sanctuary room chosen; null when the assessment recommends none"
    )
    not_feasible: list[NotFeasibleMeasure] = Field(
        default_factory=list,
        description="Measures judged not feasible, each with its alternative; empty when none",
    )
    within_timescale: bool = Field(description="Assessed by the work item's assessment_due_by")
    notes: Personal[str | None] = Field(default=None, description="The CPO's notes; null when none")


class DashRiskAssessed(Event):
    """A DASH RIC: the 27 answers (personal), and the score, risk level and MARAC decision
    (monitoring figures, kept after erasure)."""

    owner = "assessment"

    assessed_on: date = Field(description="The day of the risk assessment (YYYY-MM-DD)")
    answers: Personal[list[DashAnswer]] = Field(
        description="The 27 answers, in the order of the checklist's questions"
    )
    score: int = Field(
        ge=0, le=DASH_QUESTION_COUNT, description="The number of questions ticked (answered yes), 0 to 27"
    )
    risk_level: RiskLevel = Field(
        description="High, medium or low risk, from the score and the scheme's thresholds (by default 14 or "
        "more ticks is high, 10 or more medium); professional judgement may raise it to high, never lower "
        "it"
    )
    marac_referral: bool = Field(description="The client is referred to MARAC")
    marac_criterion: MaracCriterion | None = Field(
        default=None, description="Why the case goes to MARAC; null when it does not"
    )
    professional_judgement_reasons: Personal[str | None] = Field(
        default=None,
        description="The assessor's reasons, for a referral on professional judgement; null otherwise",
    )
    incidents_last_12_months: int | None = Field(
        default=None, ge=0, description="Incidents in the last 12 months, when counted (potential escalation)"
    )


class SanctuaryAddressFlagged(Event):
    """The sanctuary address on the fire service's call-out system: exactly the fire view, and the
    basis it was shared on."""

    owner = "assessment"

    flag: FireFlagView = Field(description="Everything the fire service holds of the address")
    shared_under: SharingBasis = Field(description="Why the fire service may hold it")


class SanctuaryFlagReviewed(Event):
    """The sanctuary address flag was reviewed: kept (until the next review) or removed."""

    owner = "assessment"

    reviewed_on: date = Field(description="The day of the review (YYYY-MM-DD)")
    decision: FlagReviewDecision = Field(description="Keep or remove the flag")
    next_review_by: date | None = Field(
        default=None, description="When the kept flag is next reviewed; null when removed or not set"
    )


class SanctuaryFlagRemoved(Event):
    """The sanctuary address is off the fire service's call-out system."""

    owner = "assessment"

    removed_on: date = Field(description="The day it was removed (YYYY-MM-DD)")
    reason: FlagRemovalReason = Field(description="Why it was removed")


class FireSafetyCheckRecorded(Event):
    """The fire service's fire safety check / risk assessment. South Essex: within ten working days
    of the works being completed."""

    owner = "assessment"

    checked_on: date = Field(description="The day of the check (YYYY-MM-DD)")
    due_by: date = Field(
        description="When it was due: the scheme's working days from the works' completion (ten by default)"
    )
    within_timescale: bool = Field(description="Checked by due_by")
    fire_measures_fitted: list[MeasureLine] = Field(
        default_factory=list,
        description="Fire safety measures fitted (catalogue fire items); empty when none",
    )
    further_action_needed: bool = Field(default=False, description="The fire service needs to act further")
    findings: Personal[str | None] = Field(
        default=None, description="What the check found; null when nothing noted"
    )
