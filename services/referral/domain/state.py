"""The coordinator's view of one case, folded from its events (every service's; the ones that do
not bear on a coordinator's decision are ignored)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from datetime import date

from shared.contracts.assessment import PropertyAssessed
from shared.contracts.contractor import InstallationCancelled, InstallationCompleted, WorksSuspended
from shared.contracts.referral import (
    CaseClosed,
    ComplaintReceived,
    ComplaintResolved,
    ConsentPurpose,
    ConsentRecorded,
    ConsentWithdrawn,
    EligibilityEvaluated,
    EligibilityOutcome,
    InterimMeasure,
    LandlordPermissionGranted,
    LandlordPermissionRefused,
    LandlordPermissionRequested,
    RecommendationsApproved,
    ReferralAccepted,
    ReferralDeclined,
    ReferralSubmitted,
    Tenure,
    WorksResumed,
)
from shared.events import RecordedEvent


class Triage(enum.StrEnum):
    NOT_SUBMITTED = "not submitted"
    AWAITING_DECISION = "awaiting the coordinator's decision"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class Landlord(enum.StrEnum):
    NOT_ASKED = "not asked"
    REQUESTED = "requested"
    GRANTED = "granted"
    REFUSED = "refused"


@dataclass(frozen=True)
class ReferralState:
    triage: Triage = Triage.NOT_SUBMITTED
    received_on: date | None = None
    tenure: Tenure | None = None
    urgent: bool = False
    interim_measures: tuple[InterimMeasure, ...] = ()
    # Consents as they stand now: given and not withdrawn.
    consents: frozenset[ConsentPurpose] = frozenset()
    eligibility: EligibilityOutcome | None = None
    landlord: Landlord = Landlord.NOT_ASKED
    # PropertyAssessed event id -> recommended (item code, quantity); a later assessment replaces one.
    recommendations: dict[str, dict[str, int]] = field(default_factory=dict)
    latest_assessment: str | None = None
    decided_assessments: frozenset[str] = frozenset()
    suspension: str | None = None  # the WorksSuspended event id not yet lifted
    installation_completed: bool = False
    installation_cancelled: bool = False
    complaints_open: frozenset[str] = frozenset()
    complaints_seen: frozenset[str] = frozenset()
    closed: bool = False

    @property
    def submitted(self) -> bool:
        return self.triage is not Triage.NOT_SUBMITTED

    def has_consent(self, purpose: ConsentPurpose) -> bool:
        return purpose in self.consents


def evolve(state: ReferralState, event: RecordedEvent) -> ReferralState:
    p = event.payload
    match p:
        case ReferralSubmitted():
            return replace(
                state,
                triage=Triage.AWAITING_DECISION,
                received_on=p.received_on,
                tenure=p.form.household.tenure,
                urgent=p.urgent,
                interim_measures=tuple(p.form.safety.interim_measures),
            )
        case ConsentRecorded():
            consents = state.consents | {p.purpose} if p.given else state.consents - {p.purpose}
            return replace(state, consents=consents)
        case ConsentWithdrawn():
            return replace(state, consents=state.consents - {p.purpose})
        case EligibilityEvaluated():
            return replace(state, eligibility=p.outcome)
        case ReferralAccepted():
            return replace(state, triage=Triage.ACCEPTED)
        case ReferralDeclined():
            return replace(state, triage=Triage.DECLINED)
        case LandlordPermissionRequested():
            return replace(state, landlord=Landlord.REQUESTED)
        case LandlordPermissionGranted():
            return replace(state, landlord=Landlord.GRANTED)
        case LandlordPermissionRefused():
            return replace(state, landlord=Landlord.REFUSED)
        case PropertyAssessed():
            lines = {m.item_code: m.quantity for m in p.recommended_measures}
            return replace(
                state,
                recommendations={**state.recommendations, event.event_id: lines},
                latest_assessment=event.event_id,
            )
        case RecommendationsApproved():
            return replace(state, decided_assessments=state.decided_assessments | {p.assessment_event_id})
        case WorksSuspended():
            return replace(state, suspension=event.event_id)
        case WorksResumed():
            return replace(state, suspension=None)
        case InstallationCompleted():
            return replace(state, installation_completed=True)
        case InstallationCancelled():
            return replace(state, installation_cancelled=True)
        case ComplaintReceived():
            return replace(
                state,
                complaints_open=state.complaints_open | {p.complaint_id},
                complaints_seen=state.complaints_seen | {p.complaint_id},
            )
        case ComplaintResolved():
            return replace(state, complaints_open=state.complaints_open - {p.complaint_id})
        case CaseClosed():
            return replace(state, closed=True)
    return state
