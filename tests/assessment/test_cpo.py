"""CPO work queue: the work item and its due dates, intelligence check, visit, property assessment."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from services.assessment.domain.state import AssessmentCase
from services.assessment.reactions import open_work_item as open_work_item_reaction
from shared.bus import parse_command
from shared.catalogue import MeasureLine
from shared.commands import Command
from shared.contracts.assessment import (
    DASH_QUESTION_COUNT,
    CpoWorkItemOpened,
    DashAnswer,
    Finding,
    IntelligenceCheckRecorded,
    NotFeasibleMeasure,
    OpenCpoWorkItem,
    PropertyAssessed,
    PropertyVisitScheduled,
    RecommendedMeasure,
    RecordDashRiskAssessment,
    RecordIntelligenceCheck,
    RecordPropertyAssessment,
    SanctuaryRoom,
    SchedulePropertyVisit,
)
from shared.contracts.referral import ApprovedItem, RecommendationsApproved
from shared.errors import CommandRejected, Problem
from shared.events import SYSTEM_ACTOR
from tests.assessment.referral_events import accepted, closed
from tests.assessment.scenarios import ACCEPTED, CPO, MONDAY, REFERRED, case, cid, recorded
from tests.builders import sent_by
from tests.gwt import Scenario


def opened(accepted_on: date = MONDAY) -> Scenario[Command, AssessmentCase]:
    return ACCEPTED.given(*ACCEPTED.when(open_item(accepted_on)).decided)


def open_item(accepted_on: date = MONDAY) -> OpenCpoWorkItem:
    return OpenCpoWorkItem(**sent_by(SYSTEM_ACTOR, "C-CPO-1"), accepted_on=accepted_on)


def assess(**kw: object) -> RecordPropertyAssessment:
    base: dict[str, object] = {
        "command_id": cid(),
        "case_id": "C-CPO-1",
        "actor": CPO,
        "assessed_on": date(2025, 6, 5),
        "recommended_measures": [RecommendedMeasure(item_code="DOOR-CHAIN", quantity=1, where="front door")],
        "sanctuary_room": SanctuaryRoom(room="front bedroom", floor="first floor", at_front_of_property=True),
    }
    return RecordPropertyAssessment(**(base | kw))


def test_accepted_referral_opens_work_item_with_working_day_due_dates() -> None:
    # Friday 22 August 2025 is followed by the August bank holiday Monday.
    ACCEPTED.when(open_item(date(2025, 8, 22))).then(
        CpoWorkItemOpened(
            accepted_on=date(2025, 8, 22),
            received_on=date(2025, 8, 22),
            referral_due_by=date(2025, 8, 26),
            assessment_due_by=date(2025, 9, 1),
        )
    )


def test_a_case_is_put_on_the_queue_once() -> None:
    opened().when(open_item()).then_rejected(("case_id", "already on the CPO work queue"))


def test_intelligence_check_records_the_findings() -> None:
    found: dict[str, object] = {
        "checked_on": MONDAY,
        "perpetrator_location": "Synthetic location",
        "access_to_weapons": Finding.YES,
        "risk_to_visiting_staff": Finding.NOT_KNOWN,
        "precautions_for_visiting_staff": "Visit in pairs",
    }
    command = RecordIntelligenceCheck(**sent_by(CPO, "C-CPO-1"), **found)
    opened().when(command).then(IntelligenceCheckRecorded(**found))
    ACCEPTED.when(command).then_rejected(("case_id", "is not on the CPO work queue"))
    early = command.model_copy(update={"checked_on": date(2025, 5, 30)})
    opened().when(early).then_rejected(("checked_on", "is before the CPO unit received the referral"))


def test_property_visit_is_scheduled_after_receipt() -> None:
    at = datetime(2025, 6, 4, 10, tzinfo=UTC)
    command = SchedulePropertyVisit(**sent_by(CPO, "C-CPO-1"), visit_at=at)
    opened().when(command).then(PropertyVisitScheduled(visit_at=at))
    before = command.model_copy(update={"visit_at": datetime(2025, 6, 1, 10, tzinfo=UTC)})
    opened().when(before).then_rejected(("visit_at", "is before the CPO unit received the referral"))


def test_property_assessment_within_five_working_days() -> None:
    command = assess()
    opened().when(command).then(
        PropertyAssessed(
            assessed_on=date(2025, 6, 5),
            recommended_measures=command.recommended_measures,
            sanctuary_room=command.sanctuary_room,
            within_timescale=True,
        )
    )
    [late] = opened().when(assess(assessed_on=date(2025, 6, 10))).decided
    assert isinstance(late, PropertyAssessed) and not late.within_timescale


def test_not_feasible_measure_is_recorded_with_its_alternative() -> None:
    not_feasible = [
        NotFeasibleMeasure(
            item_code="BIRMINGHAM-BAR",
            reason="uPVC door",
            alternative=MeasureLine(item_code="ANTI-THRUST-PLATE", quantity=1),
        )
    ]
    [event] = opened().when(assess(not_feasible=not_feasible)).decided
    assert isinstance(event, PropertyAssessed)
    assert event.not_feasible[0].alternative == MeasureLine(item_code="ANTI-THRUST-PLATE", quantity=1)


def test_not_feasible_measure_without_alternative_or_off_catalogue_is_refused() -> None:
    bad = [
        NotFeasibleMeasure(item_code="BIRMINGHAM-BAR", reason="uPVC door"),
        NotFeasibleMeasure(
            item_code="NO-SUCH-ITEM",
            reason="r",
            alternative=MeasureLine(item_code="ALSO-NOT-REAL", quantity=1),
        ),
        NotFeasibleMeasure(
            item_code="DOOR-CHAIN", reason="r", alternative_description="a described alternative"
        ),
    ]
    opened().when(assess(not_feasible=bad)).then_rejected(
        ("not_feasible.0.alternative", "give the alternative"),
        ("not_feasible.1.item_code", "is not an item of the measures catalogue"),
        ("not_feasible.1.alternative.item_code", "is not an item of the measures catalogue"),
        ("not_feasible.2.item_code", "is also among the recommended measures"),
    )


def test_unknown_catalogue_item_and_repeated_line_are_refused() -> None:
    measures = [
        RecommendedMeasure(item_code="GOLD-PLATED-GATE", quantity=1),
        RecommendedMeasure(item_code="DOOR-CHAIN", quantity=1),
        RecommendedMeasure(item_code="DOOR-CHAIN", quantity=2),
    ]
    opened().when(assess(recommended_measures=measures)).then_rejected(
        Problem(field="recommended_measures.0.item_code", problem="is not an item of the measures catalogue"),
        ("recommended_measures.2.item_code", "appears twice"),
    )


@pytest.mark.parametrize("quantity", [0, -1])
def test_zero_or_negative_quantity_is_refused_at_parsing(quantity: int) -> None:
    body = assess().model_dump(mode="json")
    body["recommended_measures"][0]["quantity"] = quantity
    with pytest.raises(CommandRejected) as info:
        parse_command(RecordPropertyAssessment, json.dumps(body).encode())
    assert [p.field for p in info.value.problems] == ["recommended_measures.0.quantity"]
    assert "front door" not in str(info.value)


def test_sanctuary_room_not_at_front_needs_the_reason() -> None:
    room = SanctuaryRoom(room="back bedroom", floor="first floor", at_front_of_property=False)
    opened().when(assess(sanctuary_room=room)).then_rejected(
        ("sanctuary_room.why_not_at_front", "is required")
    )


def test_no_reassessment_after_the_coordinator_approved_the_recommendations() -> None:
    approval = RecommendationsApproved(
        assessment_event_id="evt-assessed",
        approved_items=[ApprovedItem(item_code="DOOR-CHAIN", quantity=1)],
        estimated_cost_gbp=Decimal("10.00"),
    )
    opened().given(approval).when(assess()).then_rejected(
        Problem(field="case_id", problem="the recommendations are already approved")
    )


def test_a_closed_case_takes_no_more_assessment_work() -> None:
    opened().given(closed()).when(assess()).then_rejected(
        Problem(field="case_id", problem="the case is closed")
    )


def test_only_police_may_record_the_assessment() -> None:
    body = assess().model_dump(mode="json")
    body["actor"]["role"] = "installer"
    with pytest.raises(CommandRejected) as info:
        parse_command(RecordPropertyAssessment, json.dumps(body).encode())
    assert [p.field for p in info.value.problems] == ["actor.role"]


def test_an_accepted_referral_becomes_the_work_item_by_reaction() -> None:
    event = recorded(accepted(on=date(2025, 8, 22), urgent=True))
    [command] = open_work_item_reaction(event)
    assert isinstance(command, OpenCpoWorkItem)
    assert (command.accepted_on, command.urgent) == (date(2025, 8, 22), True)
    # A redelivered event gives the same command id, so the second is a no-op.
    assert open_work_item_reaction(event)[0].command_id == command.command_id
    ACCEPTED.when(command).then(
        CpoWorkItemOpened(
            accepted_on=date(2025, 8, 22),
            received_on=date(2025, 8, 22),
            referral_due_by=date(2025, 8, 26),
            assessment_due_by=date(2025, 9, 1),
            urgent=True,
        )
    )


def test_the_work_item_opens_once() -> None:
    opened().when(open_item()).then_rejected(
        Problem(field="case_id", problem="is already on the CPO work queue")
    )


# -- unknown cases ---------------------------------------------------------------------------------


def test_a_work_item_needs_an_accepted_referral() -> None:
    REFERRED.when(open_item()).then_rejected(
        Problem(field="case_id", problem="the referral has not been accepted")
    )


def test_commands_on_a_case_nobody_referred_are_refused_and_nothing_is_written() -> None:
    # Acceptance testing opened a CPO work item and recorded a DASH on made-up case ids.
    dash = RecordDashRiskAssessment(
        **sent_by(CPO, "NO-SUCH-CASE"),
        assessed_on=MONDAY,
        answers=[DashAnswer.NO] * DASH_QUESTION_COUNT,
        refer_to_marac=False,
    )
    for command in (open_item(), dash, assess()):
        case().when(command).then_rejected(
            Problem(field="case_id", problem="no referral has been submitted for this case")
        )
