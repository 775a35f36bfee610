"""Triage by the coordinator: accept (urgent ones flagged for same-day action), decline with a reason
from the scheme's list and its signposting, and landlord permission."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from services.referral.domain.decide import referral_decider
from services.referral.domain.rules import CoordinatorRules
from shared.bus import parse_command
from shared.contracts.contractor import InstallationCancelled
from shared.contracts.referral import (
    AcceptReferral,
    CaseClosed,
    CloseCase,
    ClosureReason,
    DeclineReferral,
    InterimMeasure,
    LandlordPermissionGranted,
    LandlordPermissionRefused,
    LandlordPermissionRequested,
    RecordLandlordPermissionGranted,
    RecordLandlordPermissionRefused,
    ReferralAccepted,
    ReferralDeclined,
    RequestLandlordPermission,
    ResolveComplaint,
    SafetyOutcome,
    SignpostKind,
)
from shared.errors import CommandRejected, Problem
from shared.scheme import SignpostEntry
from tests.referral.scenarios import (
    CATALOGUE,
    CONSENTS_ALL_YES,
    NOW,
    REFERRER,
    case,
    case_command,
    cid,
    form_data,
    referred,
    rules,
)


def _form(**safety: Any) -> dict[str, Any]:
    form = form_data()
    form["safety"].update(safety)
    return form


def test_given_an_eligible_referral_when_accepted_then_it_is_accepted_today() -> None:
    referred().when(case_command(AcceptReferral)).then(
        ReferralAccepted(accepted_on=NOW.date(), urgent=False, interim_measures=[])
    )


def test_an_urgent_referral_is_flagged_for_same_day_action() -> None:
    form = _form(interim_measures=["Emergency lock change"], interim_measures_details="Locks changed today")
    referred(form=form).when(case_command(AcceptReferral)).then(
        ReferralAccepted(
            accepted_on=NOW.date(), urgent=True, interim_measures=[InterimMeasure.EMERGENCY_LOCK_CHANGE]
        )
    )


def test_an_ineligible_referral_cannot_be_accepted() -> None:
    form = form_data()
    form["eligibility_facts"]["perpetrator_lives_at_property"] = "Yes"
    referred(form=form).when(case_command(AcceptReferral)).then_rejected(("case_id", "eligibility"))


def test_a_child_is_never_accepted_for_installation() -> None:
    form = form_data()
    form["client"]["date_of_birth"] = "2012-02-02"
    referred(form=form).when(case_command(AcceptReferral)).then_rejected(("case_id", "children's services"))


def test_a_referral_is_accepted_once() -> None:
    accepted = referred().given(ReferralAccepted(accepted_on=NOW.date(), urgent=False))
    accepted.when(case_command(AcceptReferral)).then_rejected(("case_id", "already accepted"))


def test_nothing_to_accept_before_a_referral() -> None:
    case().when(case_command(AcceptReferral)).then_rejected(("case_id", ""))


@pytest.mark.parametrize("command", [AcceptReferral, DeclineReferral])
def test_only_the_coordinator_triages(command: type[Any]) -> None:
    body = {
        "command_id": cid(),
        "case_id": "SR-TEST",
        "actor": REFERRER.model_dump(mode="json"),
        "reason": "Other",
    }
    if command is AcceptReferral:
        body.pop("reason")
    with pytest.raises(CommandRejected) as caught:
        parse_command(command, json.dumps(body).encode())
    assert [p.field for p in caught.value.problems] == ["actor.role"]


def test_declined_with_a_reason_from_the_list_and_signposting_from_the_scheme() -> None:
    command = case_command(
        DeclineReferral,
        reason="Sanctuary Scheme will not meet the need (refuge or rehousing required)",
        signpost_to=["refuge", "housing options"],
        note="Client wants to move",
    )
    [event] = referred().when(command).decided
    assert isinstance(event, ReferralDeclined)
    assert event.reason == "Sanctuary Scheme will not meet the need (refuge or rehousing required)"
    assert {s.kind for s in event.signposting} == {SignpostKind.REFUGE, SignpostKind.HOUSING_OPTIONS}
    assert all(s.name for s in event.signposting)


def test_a_decline_reason_not_in_the_list_is_refused() -> None:
    referred().when(case_command(DeclineReferral, reason="Too busy")).then_rejected(
        Problem(field="reason", problem="is not one of the scheme's decline reasons")
    )


def test_signposting_to_a_service_the_scheme_does_not_list_is_refused() -> None:
    base = rules()
    only_refuge = base.scheme.model_copy(
        update={"signposting": [SignpostEntry(kind="refuge", name="Test Refuge")]}
    )
    decider = referral_decider(CoordinatorRules(scheme=only_refuge, catalogue=CATALOGUE))
    command = case_command(DeclineReferral, reason="Other", signpost_to=["refuge", "specialist services"])
    referred(decider).when(command).then_rejected(("signpost_to.1", "no such service"))


def test_an_unknown_signposting_kind_is_refused_at_parse() -> None:
    body = {
        "command_id": cid(),
        "case_id": "SR-TEST",
        "actor": {"agency": "Test Council", "person": "coord-1", "role": "coordinator"},
        "reason": "Other",
        "signpost_to": ["hotel"],
    }
    with pytest.raises(CommandRejected) as caught:
        parse_command(DeclineReferral, json.dumps(body).encode())
    assert [p.field for p in caught.value.problems] == ["signpost_to.0"]


def test_a_declined_referral_is_not_accepted_afterwards() -> None:
    declined = referred().given(ReferralDeclined(reason="Other"))
    declined.when(case_command(AcceptReferral)).then_rejected(("case_id", "already declined"))


def test_given_an_accepted_referral_when_declined_then_refused_naming_the_way_out() -> None:
    # Acceptance testing found ReferralAccepted, CpoWorkItemOpened, ReferralDeclined on one case.
    accepted = referred().given(ReferralAccepted(accepted_on=NOW.date(), urgent=False))
    accepted.when(case_command(DeclineReferral, reason="Other")).then_rejected(
        Problem(
            field="case_id",
            problem="the referral is already accepted; cancel the works or close the case instead",
        )
    )


def test_given_an_accepted_referral_the_case_is_closed_with_a_reason_instead() -> None:
    accepted = referred().given(ReferralAccepted(accepted_on=NOW.date(), urgent=False))
    command = case_command(
        CloseCase, reason="client withdrew consent", safety_outcome="Unknown", closed_on="2025-06-02"
    )
    accepted.when(command).then(
        CaseClosed(
            reason=ClosureReason.CLIENT_WITHDREW,
            safety_outcome=SafetyOutcome.UNKNOWN,
            closed_on=date(2025, 6, 2),
        )
    )
    # ...and "referral not accepted" is not a reason an accepted case can give.
    wrong = case_command(
        CloseCase, reason="referral not accepted", safety_outcome="Unknown", closed_on="2025-06-02"
    )
    accepted.when(wrong).then_rejected(Problem(field="reason", problem="the referral was not declined"))
    # "installation cancelled" needs the contractor's cancellation first (CancelInstallation, with
    # one of the scheme's cancellation reasons).
    cancelled = case_command(
        CloseCase, reason="installation cancelled", safety_outcome="Unknown", closed_on="2025-06-02"
    )
    accepted.when(cancelled).then_rejected(
        Problem(field="reason", problem="the installation was not cancelled")
    )
    after = accepted.given(InstallationCancelled(reason="Client moved out of the property"))
    after.when(cancelled).then(
        CaseClosed(
            reason=ClosureReason.INSTALLATION_CANCELLED,
            safety_outcome=SafetyOutcome.UNKNOWN,
            closed_on=date(2025, 6, 2),
        )
    )


def test_a_referral_is_decided_once_whichever_decision_comes_first() -> None:
    accept, decline = case_command(AcceptReferral), case_command(DeclineReferral, reason="Other")
    for first, second in ((accept, decline), (decline, accept)):
        [decision] = referred().when(first).decided
        referred().given(decision).when(second).then_rejected(("case_id", "already"))


# -- landlord permission --------------------------------------------------------------------------


def test_landlord_permission_requested_then_granted() -> None:
    requested = referred().when(case_command(RequestLandlordPermission, landlord="Test Homes"))
    requested.then(LandlordPermissionRequested(landlord="Test Homes", requested_on=NOW.date()))
    asked = referred().given(*requested.decided)
    asked.when(case_command(RecordLandlordPermissionGranted, granted_on="2025-06-01")).then(
        LandlordPermissionGranted(granted_on=date(2025, 6, 1))
    )


def test_a_refused_landlord_blocks_acceptance() -> None:
    requested = LandlordPermissionRequested(landlord="Test Homes", requested_on=NOW.date())
    asked = referred().given(requested)
    refused = asked.when(case_command(RecordLandlordPermissionRefused, refused_on="2025-06-02")).then(
        LandlordPermissionRefused(refused_on=date(2025, 6, 2))
    )
    asked.given(*refused).when(case_command(AcceptReferral)).then_rejected(("case_id", "landlord refused"))


def test_an_owner_occupier_has_no_landlord_to_ask() -> None:
    form = form_data()
    form["household"]["tenure"] = "Privately owned"
    referred(form=form).when(case_command(RequestLandlordPermission, landlord="Test Homes")).then_rejected(
        ("case_id", "no landlord")
    )


def test_the_landlord_is_not_asked_without_consent() -> None:
    no_consent = referred(consents={**CONSENTS_ALL_YES, "landlord_contact": "No"})
    no_consent.when(case_command(RequestLandlordPermission, landlord="Test Homes")).then_rejected(
        ("case_id", "landlord contact")
    )


def test_an_answer_needs_a_request_first() -> None:
    referred().when(case_command(RecordLandlordPermissionGranted, granted_on="2025-06-01")).then_rejected(
        ("case_id", "not been requested")
    )


def test_a_landlord_answer_dated_in_the_future_is_refused() -> None:
    requested = LandlordPermissionRequested(landlord="Test Homes", requested_on=NOW.date())
    asked = referred().given(requested)
    asked.when(case_command(RecordLandlordPermissionGranted, granted_on="2025-07-01")).then_rejected(
        Problem(field="granted_on", problem="is in the future")
    )


def test_landlord_permission_is_asked_once() -> None:
    requested = LandlordPermissionRequested(landlord="Test Homes", requested_on=NOW.date())
    asked = referred().given(requested)
    asked.when(case_command(RequestLandlordPermission, landlord="Test Homes")).then_rejected(
        ("case_id", "already requested")
    )


def test_commands_on_a_case_nobody_referred_are_refused_naming_case_id() -> None:
    for command in (
        case_command(AcceptReferral),
        case_command(DeclineReferral, reason="Other"),
        case_command(RequestLandlordPermission, landlord="Test Homes"),
        case_command(
            ResolveComplaint,
            complaint_id="CMP-1",
            resolved_on="2025-06-02",
            upheld=False,
            within_procedure=True,
        ),
        case_command(CloseCase, reason="other", safety_outcome="Unknown", closed_on="2025-06-02"),
    ):
        case().when(command).then_rejected(
            Problem(field="case_id", problem="no referral has been submitted for this case")
        )
