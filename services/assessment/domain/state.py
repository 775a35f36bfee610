"""What the assessment service knows of one case, folded from every side's events."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from services.assessment.domain.referral_facts import ReferralFacts, referral_facts
from shared.contracts.assessment import (
    CpoWorkItemOpened,
    DashRiskAssessed,
    FireFlagView,
    FireSafetyCheckRecorded,
    PropertyAssessed,
    SanctuaryAddressFlagged,
    SanctuaryFlagRemoved,
)
from shared.contracts.contractor import InstallationCompleted
from shared.events import RecordedEvent


@dataclass(frozen=True)
class AssessmentCase:
    referral: ReferralFacts = field(default_factory=ReferralFacts)
    work_item: CpoWorkItemOpened | None = None
    assessment: PropertyAssessed | None = None
    dash: DashRiskAssessed | None = None
    works_completed_on: date | None = None
    flag: FireFlagView | None = None  # the active flag, if any
    fire_check: FireSafetyCheckRecorded | None = None


def evolve(state: AssessmentCase, event: RecordedEvent) -> AssessmentCase:
    p = event.payload
    match p:
        case CpoWorkItemOpened():
            return replace(state, work_item=p)
        case PropertyAssessed():
            return replace(state, assessment=p)
        case DashRiskAssessed():
            return replace(state, dash=p)
        case SanctuaryAddressFlagged():
            return replace(state, flag=p.flag)
        case SanctuaryFlagRemoved():
            return replace(state, flag=None)
        case FireSafetyCheckRecorded():
            return replace(state, fire_check=p)
        case InstallationCompleted():
            return replace(state, works_completed_on=p.completed_at.date())
    # The referral side's events: what they tell this service is kept apart, in ReferralFacts.
    facts = referral_facts(state.referral, event)
    return state if facts is state.referral else replace(state, referral=facts)
