"""The coordinator's triage: accept or decline (with signposting), and landlord permission."""

from __future__ import annotations

from services.referral.domain.rules import CoordinatorRules, consent_needed, open_case, today
from services.referral.domain.state import Landlord, ReferralState, Triage
from shared.contracts.referral import (
    TENURES_WITH_LANDLORD,
    AcceptReferral,
    ConsentPurpose,
    DeclineReferral,
    EligibilityOutcome,
    LandlordPermissionGranted,
    LandlordPermissionRefused,
    LandlordPermissionRequested,
    RecordLandlordPermissionGranted,
    RecordLandlordPermissionRefused,
    ReferralAccepted,
    ReferralDeclined,
    RequestLandlordPermission,
    Signpost,
    SignpostKind,
    Tenure,
)
from shared.date_rules import not_future
from shared.errors import CommandRejected, Problem, reject_if
from shared.events import Event


def accept(command: AcceptReferral, state: ReferralState) -> list[Event]:
    problems = open_case(state)
    if state.submitted and state.triage is not Triage.AWAITING_DECISION:
        problems.append(Problem(field="case_id", problem=f"the referral is already {state.triage.value}"))
    if state.eligibility is EligibilityOutcome.SAFEGUARDING_REFERRAL:
        problems.append(
            Problem(
                field="case_id", problem="the client is under 18: referred to children's services instead"
            )
        )
    elif state.submitted and state.eligibility is not EligibilityOutcome.ELIGIBLE:
        problems.append(
            Problem(field="case_id", problem="the referral does not meet the scheme's eligibility rules")
        )
    if state.submitted:
        problems += consent_needed(state, ConsentPurpose.INSTALLATION, "accept the referral")
    if state.landlord is Landlord.REFUSED:
        problems.append(Problem(field="case_id", problem="the landlord refused permission"))
    reject_if(problems)
    return [
        ReferralAccepted(
            accepted_on=today(command), urgent=state.urgent, interim_measures=list(state.interim_measures)
        )
    ]


def decline(command: DeclineReferral, state: ReferralState, rules: CoordinatorRules) -> list[Event]:
    problems = open_case(state)
    if state.triage is Triage.DECLINED:
        problems.append(Problem(field="case_id", problem="the referral is already declined"))
    if state.triage is Triage.ACCEPTED:
        # A decision, once made, stands: the case is counted once, as accepted. What follows
        # acceptance is ended by cancelling the works or closing the case, each with its reason.
        problems.append(
            Problem(
                field="case_id",
                problem="the referral is already accepted; cancel the works or close the case instead",
            )
        )
    if command.reason not in rules.scheme.decline_reasons:
        problems.append(Problem(field="reason", problem="is not one of the scheme's decline reasons"))
    offered = {SignpostKind(s.kind) for s in rules.scheme.signposting}
    for i, kind in enumerate(command.signpost_to):
        if kind not in offered:
            problems.append(
                Problem(field=f"signpost_to.{i}", problem="the scheme has no such service to signpost")
            )
    reject_if(problems)
    wanted = set(command.signpost_to)
    signposts = [
        Signpost(kind=SignpostKind(s.kind), name=s.name, contact=s.contact)
        for s in rules.scheme.signposting
        if SignpostKind(s.kind) in wanted
    ]
    return [ReferralDeclined.from_command(command, signposting=signposts)]


def request_landlord(command: RequestLandlordPermission, state: ReferralState) -> list[Event]:
    problems = open_case(state)
    if state.tenure is not None and state.tenure not in TENURES_WITH_LANDLORD | {Tenure.OTHER}:
        problems.append(Problem(field="case_id", problem="the client's tenure has no landlord to ask"))
    if state.submitted:
        problems += consent_needed(state, ConsentPurpose.LANDLORD_CONTACT, "contact the landlord")
    if state.landlord in (Landlord.REQUESTED, Landlord.GRANTED):
        problems.append(
            Problem(field="case_id", problem=f"landlord permission is already {state.landlord.value}")
        )
    if state.triage is Triage.DECLINED:
        problems.append(Problem(field="case_id", problem="the referral was declined"))
    reject_if(problems)
    return [LandlordPermissionRequested(landlord=command.landlord, requested_on=today(command))]


def _awaiting_landlord(state: ReferralState) -> None:
    reject_if(open_case(state))
    if state.landlord is not Landlord.REQUESTED:
        raise CommandRejected.one(
            "case_id", "landlord permission has not been requested (or is already answered)"
        )


def landlord_granted(command: RecordLandlordPermissionGranted, state: ReferralState) -> list[Event]:
    _awaiting_landlord(state)
    reject_if(not_future("granted_on", command.granted_on, today(command)))
    return [LandlordPermissionGranted(granted_on=command.granted_on)]


def landlord_refused(command: RecordLandlordPermissionRefused, state: ReferralState) -> list[Event]:
    _awaiting_landlord(state)
    reject_if(not_future("refused_on", command.refused_on, today(command)))
    return [LandlordPermissionRefused.from_command(command)]
