"""The assessment side's commands, served by the assessment service on ``cmd.assessment.<Command>``
(request/reply; the reply is a CommandReply). Every command also carries the common fields of
``shared.commands.Command``. Free text marked "(personal)" is stored sealed under the case's key.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from pydantic import AwareDatetime, Field

from shared.catalogue import MeasureLine
from shared.commands import Command
from shared.contracts.assessment.options import (
    DashAnswer,
    Finding,
    FlagRemovalReason,
    FlagReviewDecision,
    FreeText,
    MaracCriterion,
)
from shared.contracts.assessment.parts import NotFeasibleMeasure, RecommendedMeasure, SanctuaryRoom
from shared.events import Role

__all__ = [
    "ASSESSMENT_COMMANDS",
    "CPO_ROLES",
    "FIRE_ROLES",
    "FlagSanctuaryAddress",
    "OpenCpoWorkItem",
    "RecordDashRiskAssessment",
    "RecordFireSafetyCheck",
    "RecordIntelligenceCheck",
    "RecordPropertyAssessment",
    "RemoveSanctuaryFlag",
    "ReviewSanctuaryFlag",
    "SchedulePropertyVisit",
]

CPO_ROLES = frozenset({Role.POLICE_CPO, Role.PROTECTIVE_SECURITY_MANAGER})
FIRE_ROLES = frozenset({Role.FIRE_OFFICER})


class OpenCpoWorkItem(Command):
    """Put an accepted referral on the CPO unit's queue (the service does this on ReferralAccepted)."""

    service: ClassVar[str] = "assessment"
    allowed_roles: ClassVar[frozenset[Role]] = frozenset({Role.SYSTEM, Role.COORDINATOR})

    accepted_on: date = Field(description="The day the coordinator accepted the referral (YYYY-MM-DD)")
    urgent: bool = Field(default=False, description="Same-day action (interim measures were asked for)")


class RecordIntelligenceCheck(Command):
    """Record the CPO's research on police intelligence systems (Darlington step 4)."""

    service: ClassVar[str] = "assessment"
    allowed_roles: ClassVar[frozenset[Role]] = CPO_ROLES

    checked_on: date = Field(
        description="The day of the research (YYYY-MM-DD), not before the CPO unit received it"
    )
    perpetrator_location: FreeText | None = Field(
        default=None, description="Where the perpetrator is known to be (personal); may be left out"
    )
    access_to_weapons: Finding = Field(description="Does the perpetrator have access to weapons?")
    risk_to_visiting_staff: Finding = Field(description="Is there a risk to staff visiting the property?")
    precautions_for_visiting_staff: FreeText | None = Field(
        default=None,
        description="Precautions staff visiting the property must take (personal); may be left out",
    )
    findings: FreeText | None = Field(
        default=None, description="Anything else found (personal); may be left out"
    )


class SchedulePropertyVisit(Command):
    """Arrange the CPO's visit to the property (Darlington step 5)."""

    service: ClassVar[str] = "assessment"
    allowed_roles: ClassVar[frozenset[Role]] = CPO_ROLES

    visit_at: AwareDatetime = Field(
        description="When the CPO will attend (ISO 8601 with a time zone), not before the CPO unit received "
        "it"
    )
    same_gender_officer_requested: bool = Field(
        default=False, description="The client asked for an officer of the same gender"
    )


class RecordPropertyAssessment(Command):
    """Record the CPO's assessment of what adaptations are required (Darlington step 5); a later one
    replaces an earlier one until the coordinator approves."""

    service: ClassVar[str] = "assessment"
    allowed_roles: ClassVar[frozenset[Role]] = CPO_ROLES

    assessed_on: date = Field(description="The day of the assessment (YYYY-MM-DD), not before receipt")
    recommended_measures: list[RecommendedMeasure] = Field(
        min_length=1,
        description="The adaptations required: catalogue items, quantities and where (at least one)",
    )
    sanctuary_room: SanctuaryRoom | None = Field(
        default=None, description="The sanctuary room chosen; may be left out when none is recommended"
    )
    not_feasible: list[NotFeasibleMeasure] = Field(
        default_factory=list,
        description="Measures judged not feasible, each with its alternative; may be empty",
    )
    notes: FreeText | None = Field(default=None, description="The CPO's notes (personal); may be left out")


class RecordDashRiskAssessment(Command):
    """Record a DASH RIC. ``refer_to_marac`` and ``marac_criterion`` are the assessor's decision;
    the service checks it against the score and the criteria."""

    service: ClassVar[str] = "assessment"
    allowed_roles: ClassVar[frozenset[Role]] = frozenset(
        {Role.POLICE_CPO, Role.IDVA, Role.COORDINATOR, Role.REFERRER}
    )

    assessed_on: date = Field(description="The day of the risk assessment (YYYY-MM-DD)")
    answers: list[DashAnswer] = Field(
        description="Exactly 27 answers (yes, no, not known), in the order of the checklist's questions; "
        "personal"
    )
    refer_to_marac: bool = Field(
        description="The assessor refers the client to MARAC: must be true at or above the scheme's high "
        "threshold (14 ticks by default)"
    )
    marac_criterion: MaracCriterion | None = Field(
        default=None,
        description="Why: required when referring, left out otherwise; visible high risk only at or above "
        "the high threshold",
    )
    professional_judgement_reasons: FreeText | None = Field(
        default=None, description="The assessor's reasons (personal): required for professional judgement"
    )
    incidents_last_12_months: int | None = Field(
        default=None,
        ge=0,
        le=1000,
        description="Incidents in the last 12 months: required for potential escalation (the scheme's "
        "minimum, three by default)",
    )
    referred_to_marac_in_last_12_months: bool = Field(
        default=False,
        description="Referred to MARAC in the last 12 months: required true for a repeat referral",
    )


class FlagSanctuaryAddress(Command):
    """Flag the address to the fire service (the service does this on InstallationCompleted)."""

    service: ClassVar[str] = "assessment"
    allowed_roles: ClassVar[frozenset[Role]] = frozenset({Role.SYSTEM, Role.COORDINATOR})

    flagged_on: date = Field(description="The day the address goes on the call-out system (YYYY-MM-DD)")


class ReviewSanctuaryFlag(Command):
    """Review the sanctuary address flag: keep it (with the next review date) or remove it (with why)."""

    service: ClassVar[str] = "assessment"
    allowed_roles: ClassVar[frozenset[Role]] = frozenset({Role.COORDINATOR, Role.FIRE_OFFICER})

    reviewed_on: date = Field(description="The day of the review (YYYY-MM-DD), not before the flag was set")
    decision: FlagReviewDecision = Field(description="Keep or remove the flag")
    removal_reason: FlagRemovalReason | None = Field(
        default=None, description="Why it is removed: required when removing, left out when keeping"
    )
    next_review_by: date | None = Field(
        default=None,
        description="When to review again, after this review; only when keeping, may be left out",
    )


class RemoveSanctuaryFlag(Command):
    """Take the sanctuary address off the fire service's call-out system."""

    service: ClassVar[str] = "assessment"
    allowed_roles: ClassVar[frozenset[Role]] = frozenset({Role.SYSTEM, Role.COORDINATOR, Role.FIRE_OFFICER})

    removed_on: date = Field(description="The day it is removed (YYYY-MM-DD), not before the flag was set")
    reason: FlagRemovalReason = Field(description="Why it is removed; the case's events must bear it out")


class RecordFireSafetyCheck(Command):
    """Record the fire service's fire safety check after the works are completed."""

    service: ClassVar[str] = "assessment"
    allowed_roles: ClassVar[frozenset[Role]] = FIRE_ROLES

    checked_on: date = Field(
        description="The day of the check (YYYY-MM-DD), not before the works were completed"
    )
    fire_measures_fitted: list[MeasureLine] = Field(
        default_factory=list,
        description="Fire safety measures fitted: catalogue fire items only; may be empty",
    )
    further_action_needed: bool = Field(default=False, description="The fire service needs to act further")
    findings: FreeText | None = Field(
        default=None, description="What the check found (personal); may be left out"
    )


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
