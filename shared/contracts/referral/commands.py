"""The referral side's commands, served by the referral service on ``cmd.referral.<Command>``
(request/reply; the reply is a CommandReply). Every command also carries the common fields of
``shared.commands.Command``.

Free-text fields marked "(personal)" are stored sealed under the case's key.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import date
from typing import Any, ClassVar

from pydantic import Field, model_validator

from shared.commands import Command
from shared.contracts.common import ConsentPurpose, ContactChannel, Recipient, ShortText, Text
from shared.contracts.referral.form import ConsentAnswers, SubmittedForm
from shared.contracts.referral.options import (
    ClosureReason,
    ComplaintSeverity,
    FollowUpKind,
    FollowUpOutcome,
    OverrideBasis,
    SafetyOutcome,
    Satisfaction,
    SignpostKind,
    YesNoUnknown,
)
from shared.contracts.referral.parts import ApprovedItem, DeclinedItem
from shared.events import Role

__all__ = [
    "CASE_COMMANDS",
    "COMPLAINT_ID",
    "COORDINATOR",
    "REFERRERS",
    "AcceptReferral",
    "ApproveRecommendations",
    "CloseCase",
    "DeclineReferral",
    "RecordComplaint",
    "RecordFeedback",
    "RecordFollowUpContact",
    "RecordLandlordPermissionGranted",
    "RecordLandlordPermissionRefused",
    "RecordSafeguardingOverride",
    "ReferralCommand",
    "RequestLandlordPermission",
    "ResolveComplaint",
    "ResumeWorks",
    "SubmitReferral",
    "WithdrawConsent",
    "case_id_for",
]

REFERRERS = frozenset({Role.REFERRER, Role.COORDINATOR, Role.IDVA, Role.HOUSING_OFFICER, Role.POLICE_CPO})
COORDINATOR = frozenset({Role.COORDINATOR})
COMPLAINT_ID = r"^[A-Za-z0-9_.-]+$"


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

    purposes: list[ConsentPurpose] = Field(
        default_factory=list,
        description="The consents withdrawn; empty or left out: every consent still given",
    )
    note: Text | None = Field(
        default=None, description="Anything the client said about it (personal); may be left out"
    )


class AcceptReferral(ReferralCommand):
    """The coordinator accepts an eligible referral (urgent ones are flagged for same-day action)."""


class DeclineReferral(ReferralCommand):
    """The coordinator declines a referral with a reason from the scheme's list, and signposts."""

    reason: ShortText = Field(description="Why not accepted: one of the scheme's decline reasons")
    signpost_to: list[SignpostKind] = Field(
        default_factory=list,
        description="Kinds of service to signpost the client to (the scheme names the services); may be "
        "empty",
    )
    note: Text | None = Field(default=None, description="The coordinator's note (personal); may be left out")


class RequestLandlordPermission(ReferralCommand):
    """Ask the landlord's permission for the works (needs the client's consent to contact the landlord)."""

    landlord: ShortText = Field(description="The landlord or managing agent asked (personal)")


class RecordLandlordPermissionGranted(ReferralCommand):
    """Record that the landlord gave permission."""

    granted_on: date = Field(
        description="The day the landlord gave permission (YYYY-MM-DD, not in the future)"
    )


class RecordLandlordPermissionRefused(ReferralCommand):
    """Record that the landlord refused permission."""

    refused_on: date = Field(description="The day the landlord refused (YYYY-MM-DD, not in the future)")
    reason: Text | None = Field(default=None, description="The landlord's reason (personal); may be left out")


class ApproveRecommendations(ReferralCommand):
    """Approve all, some or none of the assessment's recommended measures. Every recommended item is
    either approved or declined with a reason; out-of-scope items need a funder approval."""

    assessment_event_id: str = Field(
        min_length=1, max_length=100, description="The event id of the PropertyAssessed event decided on"
    )
    approved_items: list[ApprovedItem] = Field(
        default_factory=list, description="The measures approved; empty when none"
    )
    declined_items: list[DeclinedItem] = Field(
        default_factory=list, description="The measures not approved, each with its reason; empty when none"
    )


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

    kind: FollowUpKind = Field(description="Which follow-up: the visit after the works, or 3, 6 or 12 months")
    channel: ContactChannel = Field(description="How the contact was made")
    outcome: FollowUpOutcome = Field(description="What came of it")
    contacted_on: date = Field(description="The day of the contact (YYYY-MM-DD, not in the future)")
    female_staff: bool = Field(
        description="Made by a female member of staff: must be true (the consent is to contact by one)"
    )


class RecordFeedback(ReferralCommand):
    """Record the client's feedback on the service."""

    satisfaction: Satisfaction = Field(description="How satisfied the client is with the service")
    feels_safer: YesNoUnknown = Field(
        default=YesNoUnknown.UNKNOWN,
        description="Does the client feel safer since the installation? 'Unknown' when left out",
    )
    comments: Text | None = Field(
        default=None, description="The client's comments (personal); may be left out"
    )
    received_on: date = Field(description="The day the feedback was given (YYYY-MM-DD, not in the future)")


class RecordComplaint(ReferralCommand):
    """Record a complaint about the service."""

    complaint_id: ShortText = Field(
        pattern=COMPLAINT_ID,
        description="The complaint's reference, unique within the case (letters, digits, '_', '.', '-')",
    )
    severity: ComplaintSeverity = Field(
        description="Routine, or serious or significant (then the council must be informed)"
    )
    about: ShortText = Field(description="Which part of the service (e.g. contractor, coordination)")
    summary: Text = Field(description="What the complaint is (personal)")
    received_on: date = Field(description="The day it was received (YYYY-MM-DD, not in the future)")


class ResolveComplaint(ReferralCommand):
    """Record that an open complaint is resolved."""

    complaint_id: ShortText = Field(
        pattern=COMPLAINT_ID, description="The reference of the complaint resolved"
    )
    resolved_on: date = Field(description="The day it was resolved (YYYY-MM-DD, not in the future)")
    upheld: bool = Field(description="Was the complaint upheld?")
    within_procedure: bool = Field(description="Resolved in accordance with the complaints procedure")
    summary: Text | None = Field(default=None, description="How it was resolved (personal); may be left out")


class CloseCase(ReferralCommand):
    """Close the case with the client's safety outcome (no complaint may be open)."""

    reason: ClosureReason = Field(description="Why the case is closed")
    safety_outcome: SafetyOutcome = Field(
        description="The client's safety outcome at the point of case closure"
    )
    closed_on: date = Field(description="The day the case was closed (YYYY-MM-DD, not in the future)")
    note: Text | None = Field(
        default=None, description="The coordinator's closing note (personal); may be left out"
    )


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
