"""After the works: follow-up contacts, feedback, complaints, and closing the case."""

from __future__ import annotations

from services.referral.domain.rules import consent_needed, open_case, today
from services.referral.domain.state import ReferralState, Triage
from shared.contracts.referral import (
    CaseClosed,
    CloseCase,
    ClosureReason,
    ComplaintReceived,
    ComplaintResolved,
    ConsentPurpose,
    FeedbackReceived,
    FollowUpContactRecorded,
    RecordComplaint,
    RecordFeedback,
    RecordFollowUpContact,
    ResolveComplaint,
)
from shared.date_rules import not_future
from shared.errors import CommandRejected, Problem, reject_if
from shared.events import Event


def follow_up(command: RecordFollowUpContact, state: ReferralState) -> list[Event]:
    problems = open_case(state)
    if state.submitted:
        problems += consent_needed(state, ConsentPurpose.FOLLOW_UP_CONTACT, "contact the client to follow up")
    if state.submitted and not state.installation_completed:
        problems.append(Problem(field="case_id", problem="the installation is not completed"))
    if not command.female_staff:
        problems.append(
            Problem(
                field="female_staff", problem="the client consented to contact by a female member of staff"
            )
        )
    problems += not_future("contacted_on", command.contacted_on, today(command))
    reject_if(problems)
    return [FollowUpContactRecorded.from_command(command)]


def feedback(command: RecordFeedback, state: ReferralState) -> list[Event]:
    problems = open_case(state) + not_future("received_on", command.received_on, today(command))
    reject_if(problems)
    return [FeedbackReceived.from_command(command)]


def complaint(command: RecordComplaint, state: ReferralState) -> list[Event]:
    # A complaint can arrive after the case is closed.
    if not state.submitted:
        raise CommandRejected.one("case_id", "no referral has been submitted for this case")
    problems = not_future("received_on", command.received_on, today(command))
    if command.complaint_id in state.complaints_seen:
        problems.append(Problem(field="complaint_id", problem="is already recorded for this case"))
    reject_if(problems)
    return [ComplaintReceived.from_command(command)]


def resolve_complaint(command: ResolveComplaint, state: ReferralState) -> list[Event]:
    problems = not_future("resolved_on", command.resolved_on, today(command))
    if command.complaint_id not in state.complaints_open:
        problems.append(Problem(field="complaint_id", problem="is not an open complaint of this case"))
    reject_if(problems)
    return [ComplaintResolved.from_command(command)]


def close(command: CloseCase, state: ReferralState) -> list[Event]:
    problems = open_case(state) + not_future("closed_on", command.closed_on, today(command))
    if state.complaints_open:
        problems.append(Problem(field="case_id", problem="a complaint is still open; resolve it first"))
    if command.reason is ClosureReason.WORKS_COMPLETED and not state.installation_completed:
        problems.append(Problem(field="reason", problem="the installation is not completed"))
    if command.reason is ClosureReason.REFERRAL_DECLINED and state.triage is not Triage.DECLINED:
        problems.append(Problem(field="reason", problem="the referral was not declined"))
    if command.reason is ClosureReason.INSTALLATION_CANCELLED and not state.installation_cancelled:
        problems.append(Problem(field="reason", problem="the installation was not cancelled"))
    reject_if(problems)
    return [CaseClosed.from_command(command)]
