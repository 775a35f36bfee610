"""Published contract of the assessment side (owner "assessment"): the police Crime Prevention
Officer (CPO) work item, intelligence check, property visit and assessment; the DASH risk
assessment; and the fire and rescue service's sanctuary address flag and fire safety check.

Sources: Darlington pathway steps 4-6 (seed 001); South Essex Homes sanctuary room, fire service
call-out system and service standards (seed 002); CHS DASH RIC and MARAC (seed 003); the
Standing Together monitoring template (seed 000). Measures are catalogue lines (shared.catalogue).

The modules: ``options``, ``parts``, ``events``, ``commands`` and ``queries`` (the fire control
room's lookup). Every public name is re-exported here: import from ``shared.contracts.assessment``.
"""

from __future__ import annotations

from shared.contracts.assessment.commands import (
    ASSESSMENT_COMMANDS,
    CPO_ROLES,
    FIRE_ROLES,
    FlagSanctuaryAddress,
    OpenCpoWorkItem,
    RecordDashRiskAssessment,
    RecordFireSafetyCheck,
    RecordIntelligenceCheck,
    RecordPropertyAssessment,
    RemoveSanctuaryFlag,
    ReviewSanctuaryFlag,
    SchedulePropertyVisit,
)
from shared.contracts.assessment.events import (
    CpoWorkItemOpened,
    DashRiskAssessed,
    FireSafetyCheckRecorded,
    IntelligenceCheckRecorded,
    PropertyAssessed,
    PropertyVisitScheduled,
    SanctuaryAddressFlagged,
    SanctuaryFlagRemoved,
    SanctuaryFlagReviewed,
)
from shared.contracts.assessment.options import (
    DASH_QUESTION_COUNT,
    DASH_QUESTIONS,
    DashAnswer,
    Finding,
    FlagRemovalReason,
    FlagReviewDecision,
    FreeText,
    MaracCriterion,
    RiskLevel,
    SharingBasis,
)
from shared.contracts.assessment.parts import (
    FIRE_VIEW_FIELDS,
    FireFlagView,
    NotFeasibleMeasure,
    RecommendedMeasure,
    SanctuaryRoom,
)
from shared.contracts.assessment.queries import (
    SANCTUARY_ADDRESS_QUERY,
    SanctuaryAddressAnswer,
    SanctuaryAddressQuery,
)
from shared.contracts.common import ShortText

__all__ = [
    "ASSESSMENT_COMMANDS",
    "CPO_ROLES",
    "DASH_QUESTIONS",
    "DASH_QUESTION_COUNT",
    "FIRE_ROLES",
    "FIRE_VIEW_FIELDS",
    "SANCTUARY_ADDRESS_QUERY",
    "CpoWorkItemOpened",
    "DashAnswer",
    "DashRiskAssessed",
    "Finding",
    "FireFlagView",
    "FireSafetyCheckRecorded",
    "FlagRemovalReason",
    "FlagReviewDecision",
    "FlagSanctuaryAddress",
    "FreeText",
    "IntelligenceCheckRecorded",
    "MaracCriterion",
    "NotFeasibleMeasure",
    "OpenCpoWorkItem",
    "PropertyAssessed",
    "PropertyVisitScheduled",
    "RecommendedMeasure",
    "RecordDashRiskAssessment",
    "RecordFireSafetyCheck",
    "RecordIntelligenceCheck",
    "RecordPropertyAssessment",
    "RemoveSanctuaryFlag",
    "ReviewSanctuaryFlag",
    "RiskLevel",
    "SanctuaryAddressAnswer",
    "SanctuaryAddressFlagged",
    "SanctuaryAddressQuery",
    "SanctuaryFlagRemoved",
    "SanctuaryFlagReviewed",
    "SanctuaryRoom",
    "SchedulePropertyVisit",
    "SharingBasis",
    "ShortText",
]
