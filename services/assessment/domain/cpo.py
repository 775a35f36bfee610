"""The police CPO unit's part of a case: the work item opened when the referral is accepted (with
its due dates in working days), the intelligence check, the property visit and the assessment with
its recommended measures."""

from __future__ import annotations

from services.assessment.domain.rules import AssessmentRules
from services.assessment.domain.state import AssessmentCase
from shared.catalogue import MeasureLine
from shared.contracts.assessment import (
    CpoWorkItemOpened,
    IntelligenceCheckRecorded,
    OpenCpoWorkItem,
    PropertyAssessed,
    PropertyVisitScheduled,
    RecordIntelligenceCheck,
    RecordPropertyAssessment,
    SchedulePropertyVisit,
)
from shared.date_rules import not_before
from shared.errors import CommandRejected, Problem, reject_if
from shared.events import Event

# What no step of the CPO unit's can come before.
RECEIVED = "the CPO unit received the referral"


def _needs_work_item(state: AssessmentCase) -> CpoWorkItemOpened:
    if state.work_item is None:
        raise CommandRejected.one("case_id", "is not on the CPO work queue (no accepted referral)")
    return state.work_item


def open_work_item(command: OpenCpoWorkItem, state: AssessmentCase, rules: AssessmentRules) -> list[Event]:
    if state.work_item is not None:
        raise CommandRejected.one("case_id", "is already on the CPO work queue")
    if not state.referral.accepted:
        raise CommandRejected.one("case_id", "the referral has not been accepted")
    # The referral reaches the CPO unit the moment it is accepted: received on the same day.
    received = command.accepted_on
    return [
        CpoWorkItemOpened.from_command(
            command,
            received_on=received,
            referral_due_by=rules.add_working_days(
                command.accepted_on, rules.timescales.referral_to_cpo_working_days
            ),
            assessment_due_by=rules.add_working_days(received, rules.timescales.assessment_working_days),
        )
    ]


def record_intelligence_check(command: RecordIntelligenceCheck, state: AssessmentCase) -> list[Event]:
    item = _needs_work_item(state)
    reject_if(not_before("checked_on", command.checked_on, item.received_on, RECEIVED))
    return [IntelligenceCheckRecorded.from_command(command)]


def schedule_visit(command: SchedulePropertyVisit, state: AssessmentCase) -> list[Event]:
    item = _needs_work_item(state)
    reject_if(not_before("visit_at", command.visit_at.date(), item.received_on, RECEIVED))
    return [PropertyVisitScheduled.from_command(command)]


def record_assessment(
    command: RecordPropertyAssessment, state: AssessmentCase, rules: AssessmentRules
) -> list[Event]:
    item = _needs_work_item(state)
    catalogue = rules.catalogue
    problems: list[Problem] = []
    if state.referral.recommendations_approved:
        problems.append(Problem(field="case_id", problem="the recommendations are already approved"))
    problems += not_before("assessed_on", command.assessed_on, item.received_on, RECEIVED)
    recommended = [
        MeasureLine(item_code=m.item_code, quantity=m.quantity) for m in command.recommended_measures
    ]
    problems += catalogue.check_lines(recommended, "recommended_measures")
    recommended_codes = {m.item_code for m in recommended}
    for i, measure in enumerate(command.not_feasible):
        where = f"not_feasible.{i}"
        if measure.item_code not in catalogue:
            problems.append(
                Problem(field=f"{where}.item_code", problem="is not an item of the measures catalogue")
            )
        if measure.item_code in recommended_codes:
            problems.append(
                Problem(field=f"{where}.item_code", problem="is also among the recommended measures")
            )
        if measure.alternative is None and not measure.alternative_description:
            problems.append(
                Problem(
                    field=f"{where}.alternative",
                    problem="give the alternative: an item, a description or both",
                )
            )
        if measure.alternative is not None and measure.alternative.item_code not in catalogue:
            problems.append(
                Problem(
                    field=f"{where}.alternative.item_code", problem="is not an item of the measures catalogue"
                )
            )
    room = command.sanctuary_room
    if room is not None and not room.at_front_of_property and not room.why_not_at_front:
        problems.append(
            Problem(
                field="sanctuary_room.why_not_at_front",
                problem="is required when the sanctuary room is not at the front (fire rescue access)",
            )
        )
    reject_if(problems)
    return [
        PropertyAssessed.from_command(
            command, sanctuary_room=room, within_timescale=command.assessed_on <= item.assessment_due_by
        )
    ]
