"""The referral service's decider: each command to its decision, on the case folded by ``evolve``.

Pure: no clock, no I/O. The decisions themselves live in intake, triage, decisions and aftercare.
"""

from __future__ import annotations

from functools import partial

from services.referral.domain import aftercare, decisions, intake, triage
from services.referral.domain.rules import CoordinatorRules
from services.referral.domain.state import ReferralState, evolve
from shared.commands import Command
from shared.contracts.referral import (
    AcceptReferral,
    ApproveRecommendations,
    CloseCase,
    DeclineReferral,
    RecordComplaint,
    RecordFeedback,
    RecordFollowUpContact,
    RecordLandlordPermissionGranted,
    RecordLandlordPermissionRefused,
    RecordSafeguardingOverride,
    ReferralCommand,
    RequestLandlordPermission,
    ResolveComplaint,
    ResumeWorks,
    SubmitReferral,
    WithdrawConsent,
)
from shared.decider import Decider
from shared.errors import CommandRejected
from shared.events import Event


def decide(command: Command, state: ReferralState, rules: CoordinatorRules) -> list[Event]:
    match command:
        case SubmitReferral():
            return intake.submit(command, state, rules)
        case ReferralCommand() if not state.submitted:
            # Only a submission creates a case: nothing is written for a case id nobody referred.
            raise CommandRejected.one("case_id", "no referral has been submitted for this case")
        case WithdrawConsent():
            return intake.withdraw(command, state)
        case AcceptReferral():
            return triage.accept(command, state)
        case DeclineReferral():
            return triage.decline(command, state, rules)
        case RequestLandlordPermission():
            return triage.request_landlord(command, state)
        case RecordLandlordPermissionGranted():
            return triage.landlord_granted(command, state)
        case RecordLandlordPermissionRefused():
            return triage.landlord_refused(command, state)
        case ApproveRecommendations():
            return decisions.approve(command, state, rules)
        case ResumeWorks():
            return decisions.resume(command, state)
        case RecordSafeguardingOverride():
            return decisions.record_override(command, state)
        case RecordFollowUpContact():
            return aftercare.follow_up(command, state)
        case RecordFeedback():
            return aftercare.feedback(command, state)
        case RecordComplaint():
            return aftercare.complaint(command, state)
        case ResolveComplaint():
            return aftercare.resolve_complaint(command, state)
        case CloseCase():
            return aftercare.close(command, state)
    raise CommandRejected.one("(command)", f"{command.name()} is not a referral command")


def referral_decider(rules: CoordinatorRules) -> Decider[Command, ReferralState]:
    return Decider(initial=ReferralState, decide=partial(decide, rules=rules), evolve=evolve)
