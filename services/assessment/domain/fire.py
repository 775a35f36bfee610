"""The fire and rescue service's part of a case: the sanctuary address flag (only when the
information-sharing agreement lets the fire service hold it), its review and removal, and the fire
safety check after the works are completed."""

from __future__ import annotations

from services.assessment.domain.rules import AssessmentRules
from services.assessment.domain.state import AssessmentCase
from shared.contracts.assessment import (
    FireFlagView,
    FireSafetyCheckRecorded,
    FlagRemovalReason,
    FlagReviewDecision,
    FlagSanctuaryAddress,
    RecordFireSafetyCheck,
    RemoveSanctuaryFlag,
    ReviewSanctuaryFlag,
    SanctuaryAddressFlagged,
    SanctuaryFlagRemoved,
    SanctuaryFlagReviewed,
    SharingBasis,
)
from shared.contracts.reporting import Recipient
from shared.date_rules import not_before
from shared.errors import CommandRejected, Problem, reject_if
from shared.events import Event
from shared.personal import ERASED
from shared.sharing import Grounds, Refused, grounds_for

# What no review or removal of the flag can come before.
FLAGGED = "the address was flagged"

_BASIS_OF_GROUNDS = {
    "consent": SharingBasis.CONSENT,
    "override": SharingBasis.SAFEGUARDING_OVERRIDE,
    "lawful_basis": SharingBasis.LAWFUL_BASIS,
}


def fire_grounds(state: AssessmentCase, rules: AssessmentRules) -> Grounds | Refused:
    """May the fire service hold this case's address now (the sharing agreement's fire terms)?"""
    return grounds_for(rules.sharing, Recipient.FIRE, state.referral.sharing)


def flag_address(command: FlagSanctuaryAddress, state: AssessmentCase, rules: AssessmentRules) -> list[Event]:
    if state.flag is not None:
        raise CommandRejected.one("case_id", "the address is already flagged to the fire service")
    problems: list[Problem] = []
    if state.works_completed_on is None:
        problems.append(Problem(field="case_id", problem="the installation is not completed yet"))
    else:
        problems += not_before(
            "flagged_on", command.flagged_on, state.works_completed_on, "the installation was completed"
        )
    grounds = fire_grounds(state, rules)
    if isinstance(grounds, Refused):
        problems.append(
            Problem(field="case_id", problem=f"the fire service may not hold this address: {grounds.reason}")
        )
    client = state.referral.client
    if client is None:
        problems.append(Problem(field="case_id", problem="no referral form on this case"))
    elif ERASED in (client.address, client.postcode):
        problems.append(Problem(field="case_id", problem="the case's personal data has been erased"))
    reject_if(problems)
    assert client is not None and isinstance(grounds, Grounds)
    room = state.assessment.sanctuary_room if state.assessment else None
    flag = FireFlagView(
        address=client.address,
        house=client.house,
        postcode=client.postcode,
        sanctuary_room=f"{room.room}, {room.floor}" if room else None,
        sanctuary_room_at_front=room.at_front_of_property if room else None,
        risk_of_arson=client.risk_of_arson,
        occupants=client.occupants,
        children=client.children,
        rescue_needs=client.rescue_needs,
        flagged_on=command.flagged_on,
    )
    return [SanctuaryAddressFlagged(flag=flag, shared_under=_BASIS_OF_GROUNDS[grounds.kind])]


def _needs_flag(state: AssessmentCase) -> FireFlagView:
    if state.flag is None:
        raise CommandRejected.one("case_id", "the address is not flagged to the fire service")
    return state.flag


def _reason_holds(reason: FlagRemovalReason, state: AssessmentCase, rules: AssessmentRules) -> Problem | None:
    """A removal for a reason the case's events decide must match them (a reaction may run on a
    copy of the case that is a moment old; the refusal makes the handler catch up and decide again)."""
    if reason is FlagRemovalReason.CASE_CLOSED and not state.referral.closed:
        return Problem(field="reason", problem="the case is not closed")
    if reason is FlagRemovalReason.CONSENT_WITHDRAWN:
        grounds = fire_grounds(state, rules)
        if isinstance(grounds, Grounds):
            return Problem(
                field="reason",
                problem=f"the fire service may still hold the flag ({grounds.kind}: {grounds.basis})",
            )
    return None


def remove_flag(command: RemoveSanctuaryFlag, state: AssessmentCase, rules: AssessmentRules) -> list[Event]:
    flag = _needs_flag(state)
    problems = not_before("removed_on", command.removed_on, flag.flagged_on, FLAGGED)
    reason_problem = _reason_holds(command.reason, state, rules)
    if reason_problem is not None:
        problems.append(reason_problem)
    reject_if(problems)
    return [SanctuaryFlagRemoved.from_command(command)]


def review_flag(command: ReviewSanctuaryFlag, state: AssessmentCase, rules: AssessmentRules) -> list[Event]:
    flag = _needs_flag(state)
    problems = not_before("reviewed_on", command.reviewed_on, flag.flagged_on, FLAGGED)
    removing = command.decision is FlagReviewDecision.REMOVE
    if removing and command.removal_reason is None:
        problems.append(
            Problem(field="removal_reason", problem="is required when the review removes the flag")
        )
    if removing and command.removal_reason is not None:
        reason_problem = _reason_holds(command.removal_reason, state, rules)
        if reason_problem is not None:
            problems.append(reason_problem.model_copy(update={"field": "removal_reason"}))
    if not removing and command.removal_reason is not None:
        problems.append(Problem(field="removal_reason", problem="given, but the review keeps the flag"))
    if removing and command.next_review_by is not None:
        problems.append(Problem(field="next_review_by", problem="given, but the review removes the flag"))
    if command.next_review_by is not None and command.next_review_by <= command.reviewed_on:
        problems.append(Problem(field="next_review_by", problem="must be after the review"))
    reject_if(problems)
    events: list[Event] = [SanctuaryFlagReviewed.from_command(command)]
    if removing and command.removal_reason is not None:
        events.append(SanctuaryFlagRemoved(removed_on=command.reviewed_on, reason=command.removal_reason))
    return events


def record_fire_check(
    command: RecordFireSafetyCheck, state: AssessmentCase, rules: AssessmentRules
) -> list[Event]:
    completed = state.works_completed_on
    if completed is None:
        raise CommandRejected.one(
            "case_id", "the works are not completed yet; the fire safety check follows completion"
        )
    problems = rules.catalogue.check_lines(
        command.fire_measures_fitted, "fire_measures_fitted", fire_measures_only=True
    )
    problems += not_before("checked_on", command.checked_on, completed, "the works were completed")
    reject_if(problems)
    due = rules.add_working_days(completed, rules.timescales.fire_check_working_days)
    return [
        FireSafetyCheckRecorded.from_command(command, due_by=due, within_timescale=command.checked_on <= due)
    ]
