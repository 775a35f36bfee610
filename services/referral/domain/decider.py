"""The referral service's decider: each command to its decision, on the case folded by ``evolve``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.referral.domain import aftercare, decisions, intake, triage
from services.referral.domain.rules import CoordinatorRules
from services.referral.domain.state import ReferralState, evolve
from shared.contracts import referral as r
from shared.decider import Decider
from shared.errors import CommandRejected
from shared.events import Event

Decision = Callable[[Any, ReferralState, CoordinatorRules], list[Event]]

DECISIONS: dict[type[r.ReferralCommand], Decision] = {
    r.SubmitReferral: intake.submit,
    r.WithdrawConsent: lambda c, s, _: intake.withdraw(c, s),
    r.AcceptReferral: lambda c, s, _: triage.accept(c, s),
    r.DeclineReferral: triage.decline,
    r.RequestLandlordPermission: lambda c, s, _: triage.request_landlord(c, s),
    r.RecordLandlordPermissionGranted: lambda c, s, _: triage.landlord_granted(c, s),
    r.RecordLandlordPermissionRefused: lambda c, s, _: triage.landlord_refused(c, s),
    r.ApproveRecommendations: decisions.approve,
    r.ResumeWorks: lambda c, s, _: decisions.resume(c, s),
    r.RecordSafeguardingOverride: lambda c, s, _: decisions.record_override(c, s),
    r.RecordFollowUpContact: lambda c, s, _: aftercare.follow_up(c, s),
    r.RecordFeedback: lambda c, s, _: aftercare.feedback(c, s),
    r.RecordComplaint: lambda c, s, _: aftercare.complaint(c, s),
    r.ResolveComplaint: lambda c, s, _: aftercare.resolve_complaint(c, s),
    r.CloseCase: lambda c, s, _: aftercare.close(c, s),
}


def referral_decider(rules: CoordinatorRules) -> Decider[r.ReferralCommand, ReferralState]:
    def decide(command: r.ReferralCommand, state: ReferralState) -> list[Event]:
        decision = DECISIONS.get(type(command))
        if decision is None:
            raise CommandRejected.one("(command)", f"{command.name()} is not a referral command")
        # Only a submission creates a case: nothing is written for a case id nobody referred.
        if not state.submitted and not isinstance(command, r.SubmitReferral):
            raise CommandRejected.one("case_id", "no referral has been submitted for this case")
        return decision(command, state, rules)

    return Decider(initial=ReferralState, decide=decide, evolve=evolve)
