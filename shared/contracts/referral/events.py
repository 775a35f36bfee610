"""The referral side's events (owner "referral"): the referral received, consent, eligibility, the
coordinator's triage and decisions, the landlord's permission, follow-up, feedback, complaints and
closure. Each is published on ``case.<case_id>.referral.<EventType>``."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import AwareDatetime, Field

from shared.contracts.common import ConsentPurpose, ContactChannel, Recipient, ShortText, Text
from shared.contracts.referral.form import ReferralForm
from shared.contracts.referral.options import (
    AgeBand,
    ClosureReason,
    ComplaintSeverity,
    EligibilityOutcome,
    EthnicGroup,
    FollowUpKind,
    FollowUpOutcome,
    InterimMeasure,
    OverrideBasis,
    SafeguardingRecipient,
    SafetyOutcome,
    Satisfaction,
    YesNoUnknown,
)
from shared.contracts.referral.parts import ApprovedItem, DeclinedItem, RuleResult, Signpost
from shared.events import Actor, Event
from shared.personal import Personal

__all__ = [
    "CaseClosed",
    "ComplaintReceived",
    "ComplaintResolved",
    "ConsentRecorded",
    "ConsentWithdrawn",
    "EligibilityEvaluated",
    "FeedbackReceived",
    "FollowUpContactRecorded",
    "LandlordPermissionGranted",
    "LandlordPermissionRefused",
    "LandlordPermissionRequested",
    "RecommendationsApproved",
    "ReferralAccepted",
    "ReferralDeclined",
    "ReferralSubmitted",
    "SafeguardingOverrideRecorded",
    "SafeguardingReferralMade",
    "WorksResumed",
]


class ReferralSubmitted(Event):
    """A completed referral form was received; the case starts here."""

    owner = "referral"

    form: ReferralForm = Field(description="The referral form as submitted (consents are separate events)")
    scheme: str = Field(description="The scheme configuration's name the referral was made under")
    received_on: date = Field(description="The day the referral was received (YYYY-MM-DD)")
    age_band: AgeBand = Field(
        description="The client's age band on the day received, from the date of birth (kept after erasure)"
    )
    ethnic_group: EthnicGroup | None = Field(
        default=None,
        description="The heading of the ethnicity answer (kept after erasure); null when the ethnicity was "
        "not given, or was self-described or 'Prefer not to say'",
    )
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
    given: bool = Field(description="True: the client answered Yes; false: No")
    recorded_by: Actor = Field(description="The professional who recorded the answer")
    recorded_at: AwareDatetime = Field(description="When it was recorded (ISO 8601 with a time zone)")


class ConsentWithdrawn(Event):
    """A consent withdrawn by the client; later decisions respect it."""

    owner = "referral"

    purpose: ConsentPurpose = Field(description="The consent withdrawn (one event per consent)")
    recorded_by: Actor = Field(description="The professional the client told")
    withdrawn_at: AwareDatetime = Field(description="When the client withdrew it (ISO 8601 with a time zone)")
    note: Personal[Text | None] = Field(
        default=None, description="Anything the client said about it; null when nothing was noted"
    )


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
    reason: str = Field(
        min_length=1, max_length=300, description="Why, in up to 300 characters (no personal details)"
    )


class ReferralAccepted(Event):
    """The coordinator accepts the referral: it goes to the CPO unit (assessment)."""

    owner = "referral"

    accepted_on: date = Field(description="The day the coordinator accepted it (YYYY-MM-DD)")
    urgent: bool = Field(description="Same-day action (interim measures such as an emergency lock change)")
    interim_measures: list[InterimMeasure] = Field(
        default_factory=list, description="The interim measures the referral asked for; empty when none"
    )


class ReferralDeclined(Event):
    """The coordinator does not accept the referral: a reason from the scheme's list, and signposting."""

    owner = "referral"

    reason: ShortText = Field(description="Why not accepted: one of the scheme's decline reasons")
    signposting: list[Signpost] = Field(
        default_factory=list,
        description="Services the client is signposted to, where the Sanctuary Scheme will not meet the need",
    )
    note: Personal[Text | None] = Field(default=None, description="The coordinator's note; null when none")


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
    requested_on: date = Field(description="The day it was asked (YYYY-MM-DD)")


class LandlordPermissionGranted(Event):
    """The landlord gave permission for the works."""

    owner = "referral"

    granted_on: date = Field(description="The day the landlord gave permission (YYYY-MM-DD)")


class LandlordPermissionRefused(Event):
    """The landlord refused permission; the referral cannot be accepted."""

    owner = "referral"

    refused_on: date = Field(description="The day the landlord refused (YYYY-MM-DD)")
    reason: Personal[Text | None] = Field(
        default=None, description="The landlord's reason; null when not given"
    )


class RecommendationsApproved(Event):
    """The coordinator's decision on the assessment's recommended measures (all, some or none)."""

    owner = "referral"

    assessment_event_id: str = Field(description="The event id of the PropertyAssessed event decided on")
    approved_items: list[ApprovedItem] = Field(
        default_factory=list, description="Approved measures: catalogue item and quantity (empty: none)"
    )
    declined_items: list[DeclinedItem] = Field(
        default_factory=list, description="Recommended measures not approved, each with its reason"
    )
    estimated_cost_gbp: Decimal = Field(
        ge=0,
        max_digits=12,
        decimal_places=2,
        description="Catalogue cost of the approved items, in pounds sterling with two decimal places",
    )


class WorksResumed(Event):
    """The coordinator lifts the contractor's suspension of works."""

    owner = "referral"

    suspension_event_id: str = Field(description="The event id of the WorksSuspended event lifted")
    reason: Personal[Text] = Field(description="Why it is safe to resume")


class FollowUpContactRecorded(Event):
    """A follow-up contact with the client after installation (with the client's consent)."""

    owner = "referral"

    kind: FollowUpKind = Field(description="Which follow-up: the visit after the works, or 3, 6 or 12 months")
    channel: ContactChannel = Field(description="How the contact was made")
    outcome: FollowUpOutcome = Field(description="What came of it")
    contacted_on: date = Field(description="The day of the contact (YYYY-MM-DD)")
    female_staff: bool = Field(description="Made by a female member of staff, as the consent says")


class FeedbackReceived(Event):
    """The client's feedback on the service."""

    owner = "referral"

    satisfaction: Satisfaction = Field(description="How satisfied the client is with the service")
    feels_safer: YesNoUnknown = Field(
        default=YesNoUnknown.UNKNOWN, description="Does the client feel safer since the installation?"
    )
    comments: Personal[Text | None] = Field(default=None, description="The client's comments; null when none")
    received_on: date = Field(description="The day the feedback was given (YYYY-MM-DD)")


class ComplaintReceived(Event):
    """A complaint about the service (serious or significant ones are reported to the council)."""

    owner = "referral"

    complaint_id: ShortText = Field(description="The complaint's reference, unique within the case")
    severity: ComplaintSeverity = Field(description="Routine, or serious or significant")
    about: ShortText = Field(description="Which part of the service (e.g. contractor, coordination)")
    summary: Personal[Text] = Field(description="What the complaint is")
    received_on: date = Field(description="The day it was received (YYYY-MM-DD)")


class ComplaintResolved(Event):
    """A complaint resolved, and whether in accordance with the complaints procedure."""

    owner = "referral"

    complaint_id: ShortText = Field(description="The reference of the complaint resolved")
    resolved_on: date = Field(description="The day it was resolved (YYYY-MM-DD)")
    upheld: bool = Field(description="Was the complaint upheld?")
    within_procedure: bool = Field(description="Resolved in accordance with the complaints procedure")
    summary: Personal[Text | None] = Field(
        default=None, description="How it was resolved; null when not given"
    )


class CaseClosed(Event):
    """The case is closed, with the client's safety outcome at closure."""

    owner = "referral"

    reason: ClosureReason = Field(description="Why the case is closed")
    safety_outcome: SafetyOutcome = Field(
        description="The client's safety outcome at the point of case closure"
    )
    closed_on: date = Field(description="The day the case was closed (YYYY-MM-DD)")
    note: Personal[Text | None] = Field(
        default=None, description="The coordinator's closing note; null when none"
    )
