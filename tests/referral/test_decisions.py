"""The coordinator's decisions on the works: approval of the assessment's recommendations (all,
some or none; out-of-scope items need a funder's approval), resuming suspended works, and the
safeguarding override of consent."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from services.referral.domain.state import ReferralState
from shared.bus import parse_command
from shared.contracts.assessment import PropertyAssessed, RecommendedMeasure
from shared.contracts.contractor import SuspensionConcern, WorksSuspended
from shared.contracts.referral import (
    ApproveRecommendations,
    LandlordPermissionGranted,
    LandlordPermissionRequested,
    OverrideBasis,
    RecommendationsApproved,
    RecordSafeguardingOverride,
    ReferralAccepted,
    ResumeWorks,
    SafeguardingOverrideRecorded,
    WorksResumed,
)
from shared.errors import CommandRejected
from shared.events import Event, RecordedEvent
from tests.referral.gwt import (
    COORDINATOR,
    DECIDERS,
    NOW,
    case_command,
    cid,
    form_data,
    given,
    recorded,
    rejected,
    submitted,
    when,
)

ACCEPTED = ReferralAccepted(accepted_on=NOW.date(), urgent=False)


def assessment(event_id: str = "assessment-1", **items: int) -> RecordedEvent:
    lines = items or {"DOOR-CHAIN": 1, "WINDOW-LOCK": 4, "WINDOW-GRILLE": 2}
    return recorded(
        PropertyAssessed(
            assessed_on=NOW.date(),
            recommended_measures=[RecommendedMeasure(item_code=c, quantity=q) for c, q in lines.items()],
            within_timescale=True,
        ),
        event_id=event_id,
    )


def owner_occupier() -> list[Event]:
    form = form_data()
    form["household"]["tenure"] = "Privately owned"
    return submitted(form=form)


def approval(**fields: Any) -> ApproveRecommendations:
    return case_command(ApproveRecommendations, **{"assessment_event_id": "assessment-1", **fields})


FUNDER = {"funder": "Test Funder", "approved_by": "fund-1", "approved_on": "2025-06-01"}


def test_approve_all_with_the_funder_approval_for_an_out_of_scope_item() -> None:
    # Standing Together's scope is standard and additional kit; Tower Hamlets' only standard.
    state = given(*owner_occupier(), ACCEPTED, assessment())
    command = approval(
        approved_items=[
            {"item_code": "DOOR-CHAIN", "quantity": 1},
            {"item_code": "WINDOW-LOCK", "quantity": 4},
            {"item_code": "WINDOW-GRILLE", "quantity": 2},
        ]
    )
    [event] = when(state, command)
    assert isinstance(event, RecommendationsApproved)
    assert event.estimated_cost_gbp == Decimal("15.00") + 4 * Decimal("12.00") + 2 * Decimal("180.00")
    assert event.declined_items == []


def test_approve_some_and_decline_the_rest_with_reasons() -> None:
    state = given(*owner_occupier(), ACCEPTED, assessment())
    command = approval(
        approved_items=[
            {"item_code": "DOOR-CHAIN", "quantity": 1},
            {"item_code": "WINDOW-LOCK", "quantity": 2},
        ],
        declined_items=[{"item_code": "WINDOW-GRILLE", "quantity": 2, "reason": "Fire escape route"}],
    )
    [event] = when(state, command)
    assert isinstance(event, RecommendationsApproved)
    assert [i.item_code for i in event.approved_items] == ["DOOR-CHAIN", "WINDOW-LOCK"]
    assert event.declined_items[0].reason == "Fire escape route"


def test_approve_none() -> None:
    state = given(*owner_occupier(), ACCEPTED, assessment())
    command = approval(
        declined_items=[
            {"item_code": "DOOR-CHAIN", "quantity": 1, "reason": "Already fitted"},
            {"item_code": "WINDOW-LOCK", "quantity": 4, "reason": "Already fitted"},
            {"item_code": "WINDOW-GRILLE", "quantity": 2, "reason": "Fire escape route"},
        ]
    )
    [event] = when(state, command)
    assert isinstance(event, RecommendationsApproved)
    assert event.approved_items == [] and event.estimated_cost_gbp == Decimal("0.00")


def test_an_out_of_scope_item_needs_a_funder_approval() -> None:
    tower_hamlets = DECIDERS["tower-hamlets"]
    form = form_data()
    form["household"]["tenure"] = "Privately owned"
    state = given(*submitted(tower_hamlets, form=form), ACCEPTED, assessment(), decider=tower_hamlets)
    items = [
        {"item_code": "DOOR-CHAIN", "quantity": 1},
        {"item_code": "WINDOW-LOCK", "quantity": 4},
        {"item_code": "WINDOW-GRILLE", "quantity": 2},
    ]
    problems = rejected(state, approval(approved_items=items), tower_hamlets)
    assert set(problems) == {"approved_items.2.funder_approval"}
    assert "outside the scheme's scope" in problems["approved_items.2.funder_approval"]
    items[2] = {**items[2], "funder_approval": FUNDER}
    [event] = when(state, approval(approved_items=items), tower_hamlets)
    assert isinstance(event, RecommendationsApproved)
    assert event.approved_items[2].funder_approval is not None


def test_every_recommended_item_is_decided_once_and_only_recommended_ones() -> None:
    state = given(*owner_occupier(), ACCEPTED, assessment())
    command = approval(
        approved_items=[
            {"item_code": "DOOR-CHAIN", "quantity": 2},
            {"item_code": "SPY-HOLE", "quantity": 1},
            {"item_code": "WINDOW-LOCK", "quantity": 1},
        ],
        declined_items=[{"item_code": "WINDOW-LOCK", "quantity": 1, "reason": "Not needed"}],
    )
    problems = rejected(state, command)
    assert problems["approved_items.0.quantity"] == "is more than the assessment recommended"
    assert problems["approved_items.1.item_code"] == "was not recommended by the assessment"
    assert problems["declined_items.0.item_code"] == "is decided twice"
    assert "WINDOW-GRILLE is neither approved nor declined" in problems["approved_items"]


def test_approval_needs_an_accepted_referral_and_a_known_assessment() -> None:
    state = given(*owner_occupier(), assessment())
    problems = rejected(state, approval(assessment_event_id="unknown", approved_items=[]))
    assert "not been accepted" in problems["case_id"]
    assert problems["assessment_event_id"] == "is not a property assessment of this case"


def test_a_later_assessment_replaces_an_earlier_one() -> None:
    state = given(
        *owner_occupier(), ACCEPTED, assessment("assessment-1"), assessment("assessment-2", **{"SPY-HOLE": 1})
    )
    problems = rejected(state, approval(approved_items=[{"item_code": "DOOR-CHAIN", "quantity": 1}]))
    assert problems["assessment_event_id"] == "a later assessment replaces this one"


def test_an_assessment_is_decided_once() -> None:
    items = [{"item_code": "DOOR-CHAIN", "quantity": 1}]
    decided = RecommendationsApproved(
        assessment_event_id="assessment-1", approved_items=items, estimated_cost_gbp=Decimal("15.00")
    )
    state = given(*owner_occupier(), ACCEPTED, assessment(), decided)
    assert (
        rejected(state, approval(approved_items=items))["assessment_event_id"] == "has already been decided"
    )


def test_a_rented_home_needs_the_landlords_permission_before_works_are_approved() -> None:
    items = [
        {"item_code": "DOOR-CHAIN", "quantity": 1},
        {"item_code": "WINDOW-LOCK", "quantity": 4},
        {"item_code": "WINDOW-GRILLE", "quantity": 2},
    ]
    state = given(*submitted(), ACCEPTED, assessment())
    assert "landlord" in rejected(state, approval(approved_items=items))["case_id"]
    requested = LandlordPermissionRequested(landlord="Test Homes", requested_on=NOW.date())
    state = given(
        *submitted(), ACCEPTED, requested, LandlordPermissionGranted(granted_on=NOW.date()), assessment()
    )
    assert len(when(state, approval(approved_items=items))) == 1


def test_a_malformed_approval_is_refused_at_parse() -> None:
    body = {
        "command_id": cid(),
        "case_id": "SR-TEST",
        "actor": COORDINATOR.model_dump(mode="json"),
        "assessment_event_id": "assessment-1",
        "approved_items": [{"item_code": "door chain", "quantity": 0}],
    }
    with pytest.raises(CommandRejected) as caught:
        parse_command(ApproveRecommendations, json.dumps(body).encode())
    assert {p.field for p in caught.value.problems} == {
        "approved_items.0.item_code",
        "approved_items.0.quantity",
    }


# -- resuming works ------------------------------------------------------------------------------


def test_the_coordinator_resumes_suspended_works() -> None:
    suspended = recorded(
        WorksSuspended(concern=SuspensionConcern.PERPETRATOR_VISITING, reported_by="inst-1"),
        event_id="susp-1",
    )
    state = given(*owner_occupier(), ACCEPTED, suspended)
    [event] = when(state, case_command(ResumeWorks, reason="Perpetrator arrested; bail conditions"))
    assert isinstance(event, WorksResumed) and event.suspension_event_id == "susp-1"
    state = given(*owner_occupier(), ACCEPTED, suspended, event)
    assert "not suspended" in rejected(state, case_command(ResumeWorks, reason="again"))["case_id"]


def test_works_that_are_not_suspended_cannot_be_resumed() -> None:
    state = given(*owner_occupier(), ACCEPTED)
    assert "not suspended" in rejected(state, case_command(ResumeWorks, reason="Checked"))["case_id"]


# -- safeguarding override -------------------------------------------------------------------------


def test_a_safeguarding_override_records_recipient_basis_and_reason() -> None:
    state = given(*submitted())
    command = case_command(
        RecordSafeguardingOverride,
        recipient="police",
        lawful_basis="vital_interests",
        reason="Threat to life",
    )
    [event] = when(state, command)
    assert isinstance(event, SafeguardingOverrideRecorded)
    assert event.lawful_basis is OverrideBasis.VITAL_INTERESTS and event.recipient == "police"


def test_an_override_needs_a_case_and_a_listed_lawful_basis() -> None:
    command = case_command(
        RecordSafeguardingOverride, recipient="police", lawful_basis="safeguarding", reason="Child at risk"
    )
    assert set(rejected(ReferralState(), command)) == {"case_id"}
    body = {
        "command_id": cid(),
        "case_id": "SR-TEST",
        "actor": COORDINATOR.model_dump(mode="json"),
        "recipient": "police",
        "lawful_basis": "public_task",
        "reason": "Because",
    }
    with pytest.raises(CommandRejected) as caught:
        parse_command(RecordSafeguardingOverride, json.dumps(body).encode())
    assert [p.field for p in caught.value.problems] == ["lawful_basis"]
