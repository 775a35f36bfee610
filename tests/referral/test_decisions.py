"""The coordinator's decisions on the works: approval of the assessment's recommendations (all,
some or none; out-of-scope items need a funder's approval), resuming suspended works, and the
safeguarding override of consent."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

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
from shared.errors import CommandRejected, Problem
from shared.events import Event, RecordedEvent
from tests.referral.scenarios import (
    COORDINATOR,
    DECIDERS,
    NOW,
    case,
    case_command,
    cid,
    form_data,
    recorded,
    referred,
    submitted,
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


ASSESSED = case().given(
    *owner_occupier(), ReferralAccepted(accepted_on=NOW.date(), urgent=False), assessment()
)


def approval(**fields: Any) -> ApproveRecommendations:
    return case_command(ApproveRecommendations, **{"assessment_event_id": "assessment-1", **fields})


FUNDER = {"funder": "Test Funder", "approved_by": "fund-1", "approved_on": "2025-06-01"}


def test_approve_all_with_the_funder_approval_for_an_out_of_scope_item() -> None:
    # Standing Together's scope is standard and additional kit; Tower Hamlets' only standard.
    command = approval(
        approved_items=[
            {"item_code": "DOOR-CHAIN", "quantity": 1},
            {"item_code": "WINDOW-LOCK", "quantity": 4},
            {"item_code": "WINDOW-GRILLE", "quantity": 2},
        ]
    )
    [event] = ASSESSED.when(command).decided
    assert isinstance(event, RecommendationsApproved)
    assert event.estimated_cost_gbp == Decimal("15.00") + 4 * Decimal("12.00") + 2 * Decimal("180.00")
    assert event.declined_items == []


def test_approve_some_and_decline_the_rest_with_reasons() -> None:
    command = approval(
        approved_items=[
            {"item_code": "DOOR-CHAIN", "quantity": 1},
            {"item_code": "WINDOW-LOCK", "quantity": 2},
        ],
        declined_items=[{"item_code": "WINDOW-GRILLE", "quantity": 2, "reason": "Fire escape route"}],
    )
    [event] = ASSESSED.when(command).decided
    assert isinstance(event, RecommendationsApproved)
    assert [i.item_code for i in event.approved_items] == ["DOOR-CHAIN", "WINDOW-LOCK"]
    assert event.declined_items[0].reason == "Fire escape route"


def test_approve_none() -> None:
    command = approval(
        declined_items=[
            {"item_code": "DOOR-CHAIN", "quantity": 1, "reason": "Already fitted"},
            {"item_code": "WINDOW-LOCK", "quantity": 4, "reason": "Already fitted"},
            {"item_code": "WINDOW-GRILLE", "quantity": 2, "reason": "Fire escape route"},
        ]
    )
    [event] = ASSESSED.when(command).decided
    assert isinstance(event, RecommendationsApproved)
    assert event.approved_items == [] and event.estimated_cost_gbp == Decimal("0.00")


def test_an_out_of_scope_item_needs_a_funder_approval() -> None:
    tower_hamlets = DECIDERS["tower-hamlets"]
    form = form_data()
    form["household"]["tenure"] = "Privately owned"
    assessed = referred(tower_hamlets, form=form).given(ACCEPTED, assessment())
    items = [
        {"item_code": "DOOR-CHAIN", "quantity": 1},
        {"item_code": "WINDOW-LOCK", "quantity": 4},
        {"item_code": "WINDOW-GRILLE", "quantity": 2},
    ]
    assessed.when(approval(approved_items=items)).then_rejected(
        ("approved_items.2.funder_approval", "outside the scheme's scope")
    )
    items[2] = {**items[2], "funder_approval": FUNDER}
    [event] = assessed.when(approval(approved_items=items)).decided
    assert isinstance(event, RecommendationsApproved)
    assert event.approved_items[2].funder_approval is not None


def test_every_recommended_item_is_decided_once_and_only_recommended_ones() -> None:
    command = approval(
        approved_items=[
            {"item_code": "DOOR-CHAIN", "quantity": 2},
            {"item_code": "SPY-HOLE", "quantity": 1},
            {"item_code": "WINDOW-LOCK", "quantity": 1},
        ],
        declined_items=[{"item_code": "WINDOW-LOCK", "quantity": 1, "reason": "Not needed"}],
    )
    ASSESSED.when(command).then_rejected(
        Problem(field="approved_items.0.quantity", problem="is more than the assessment recommended"),
        Problem(field="approved_items.1.item_code", problem="was not recommended by the assessment"),
        Problem(field="declined_items.0.item_code", problem="is decided twice"),
        ("approved_items", "WINDOW-GRILLE is neither approved nor declined"),
    )


def test_approval_needs_an_accepted_referral_and_a_known_assessment() -> None:
    not_accepted = case().given(*owner_occupier(), assessment())
    not_accepted.when(approval(assessment_event_id="unknown", approved_items=[])).then_rejected(
        ("case_id", "not been accepted"),
        Problem(field="assessment_event_id", problem="is not a property assessment of this case"),
    )


def test_a_later_assessment_replaces_an_earlier_one() -> None:
    reassessed = ASSESSED.given(assessment("assessment-2", **{"SPY-HOLE": 1}))
    reassessed.when(approval(approved_items=[{"item_code": "DOOR-CHAIN", "quantity": 1}])).then_rejected(
        Problem(field="assessment_event_id", problem="a later assessment replaces this one"),
        ("approved_items", "WINDOW-LOCK is neither approved nor declined"),
        ("approved_items", "WINDOW-GRILLE is neither approved nor declined"),
    )


def test_an_assessment_is_decided_once() -> None:
    items = [{"item_code": "DOOR-CHAIN", "quantity": 1}]
    decided = RecommendationsApproved(
        assessment_event_id="assessment-1", approved_items=items, estimated_cost_gbp=Decimal("15.00")
    )
    ASSESSED.given(decided).when(approval(approved_items=items)).then_rejected(
        Problem(field="assessment_event_id", problem="has already been decided"),
        ("approved_items", "WINDOW-LOCK is neither approved nor declined"),
        ("approved_items", "WINDOW-GRILLE is neither approved nor declined"),
    )


def test_a_rented_home_needs_the_landlords_permission_before_works_are_approved() -> None:
    items = [
        {"item_code": "DOOR-CHAIN", "quantity": 1},
        {"item_code": "WINDOW-LOCK", "quantity": 4},
        {"item_code": "WINDOW-GRILLE", "quantity": 2},
    ]
    referred().given(ACCEPTED, assessment()).when(approval(approved_items=items)).then_rejected(
        ("case_id", "landlord")
    )
    requested = LandlordPermissionRequested(landlord="Test Homes", requested_on=NOW.date())
    granted = referred().given(
        ACCEPTED, requested, LandlordPermissionGranted(granted_on=NOW.date()), assessment()
    )
    assert len(granted.when(approval(approved_items=items)).decided) == 1


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
    on_hold = case().given(*owner_occupier(), ACCEPTED, suspended)
    resumed = on_hold.when(case_command(ResumeWorks, reason="Perpetrator arrested; bail conditions")).then(
        WorksResumed(suspension_event_id="susp-1", reason="Perpetrator arrested; bail conditions")
    )
    on_hold.given(*resumed).when(case_command(ResumeWorks, reason="again")).then_rejected(
        ("case_id", "not suspended")
    )


def test_works_that_are_not_suspended_cannot_be_resumed() -> None:
    accepted = case().given(*owner_occupier(), ACCEPTED)
    accepted.when(case_command(ResumeWorks, reason="Checked")).then_rejected(("case_id", "not suspended"))


# -- safeguarding override -------------------------------------------------------------------------


def test_a_safeguarding_override_records_recipient_basis_and_reason() -> None:
    command = case_command(
        RecordSafeguardingOverride,
        recipient="police",
        lawful_basis="vital_interests",
        reason="Threat to life",
    )
    [event] = referred().when(command).decided
    assert isinstance(event, SafeguardingOverrideRecorded)
    assert event.lawful_basis is OverrideBasis.VITAL_INTERESTS and event.recipient == "police"


def test_an_override_needs_a_case_and_a_listed_lawful_basis() -> None:
    command = case_command(
        RecordSafeguardingOverride, recipient="police", lawful_basis="safeguarding", reason="Child at risk"
    )
    case().when(command).then_rejected(("case_id", "no referral has been submitted"))
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
