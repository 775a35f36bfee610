"""Consent: the form's four consents recorded with who and when; no consent to installation refuses
the referral; withdrawal, in whole or per purpose, at any time; later decisions respect it."""

from __future__ import annotations

from shared.contracts.assessment import PropertyAssessed, RecommendedMeasure
from shared.contracts.contractor import InstallationCompleted, SuspensionConcern, WorksSuspended
from shared.contracts.referral import (
    AcceptReferral,
    ApproveRecommendations,
    CaseClosed,
    ClosureReason,
    ConsentPurpose,
    ConsentRecorded,
    ConsentWithdrawn,
    ContactChannel,
    FollowUpKind,
    FollowUpOutcome,
    RecordFollowUpContact,
    RequestLandlordPermission,
    ResumeWorks,
    SafetyOutcome,
    WithdrawConsent,
)
from tests.referral.scenarios import (
    CONSENTS_ALL_YES,
    COORDINATOR,
    NOW,
    REFERRER,
    case,
    case_command,
    recorded,
    referred,
    submit,
    submitted,
)


def test_the_four_consents_are_recorded_with_who_and_when() -> None:
    events = submitted(consents={**CONSENTS_ALL_YES, "follow_up_contact": "No"})
    consents = {e.purpose: e for e in events if isinstance(e, ConsentRecorded)}
    assert set(consents) == set(ConsentPurpose)
    assert consents[ConsentPurpose.FOLLOW_UP_CONTACT].given is False
    assert consents[ConsentPurpose.INSTALLATION].given is True
    assert all(c.recorded_by == REFERRER and c.recorded_at == NOW for c in consents.values())


def test_no_consent_to_installation_refuses_the_referral_and_stores_nothing() -> None:
    case().when(submit(consents={**CONSENTS_ALL_YES, "installation": "No"})).then_rejected(
        ("consents.installation", "not consented to the installation")
    )


def test_withdrawing_one_purpose() -> None:
    referred().when(case_command(WithdrawConsent, REFERRER, purposes=["follow_up_contact"])).then(
        ConsentWithdrawn(purpose=ConsentPurpose.FOLLOW_UP_CONTACT, recorded_by=REFERRER, withdrawn_at=NOW)
    )


def test_withdrawing_everything_withdraws_each_consent_still_given() -> None:
    state = referred(consents={**CONSENTS_ALL_YES, "landlord_contact": "No"})
    state.when(case_command(WithdrawConsent, COORDINATOR)).then(
        *(
            ConsentWithdrawn(purpose=purpose, recorded_by=COORDINATOR, withdrawn_at=NOW)
            for purpose in (
                ConsentPurpose.INSTALLATION,
                ConsentPurpose.INFORMATION_SHARING,
                ConsentPurpose.FOLLOW_UP_CONTACT,
            )
        )
    )


def test_withdrawing_a_consent_not_given_is_refused() -> None:
    state = referred(consents={**CONSENTS_ALL_YES, "landlord_contact": "No"})
    state.when(case_command(WithdrawConsent, purposes=["installation", "landlord_contact"])).then_rejected(
        ("purposes.1", "is not currently given")
    )


def test_withdrawing_before_any_referral_is_refused() -> None:
    case().when(case_command(WithdrawConsent)).then_rejected(("case_id", "no referral has been submitted"))


def test_consent_can_be_withdrawn_after_closure() -> None:
    closed = CaseClosed(
        reason=ClosureReason.OTHER, safety_outcome=SafetyOutcome.UNKNOWN, closed_on=NOW.date()
    )
    referred().given(closed).when(case_command(WithdrawConsent, purposes=["information_sharing"])).then(
        ConsentWithdrawn(
            purpose=ConsentPurpose.INFORMATION_SHARING, recorded_by=COORDINATOR, withdrawn_at=NOW
        )
    )


def _withdrawn(purpose: ConsentPurpose) -> ConsentWithdrawn:
    return ConsentWithdrawn(purpose=purpose, recorded_by=REFERRER, withdrawn_at=NOW)


def test_a_referral_cannot_be_accepted_once_installation_consent_is_withdrawn() -> None:
    withdrawn = referred().given(_withdrawn(ConsentPurpose.INSTALLATION))
    withdrawn.when(case_command(AcceptReferral)).then_rejected(("case_id", "installation"))


def test_the_landlord_is_not_contacted_once_that_consent_is_withdrawn() -> None:
    withdrawn = referred().given(_withdrawn(ConsentPurpose.LANDLORD_CONTACT))
    withdrawn.when(case_command(RequestLandlordPermission, landlord="Test Homes")).then_rejected(
        ("case_id", "landlord contact")
    )


def test_follow_up_contact_respects_withdrawal() -> None:
    done = InstallationCompleted(
        completed_at=NOW,
        total_cost_gbp="100.00",
        working_days_from_works_order=3,
        made_to_measure=False,
        within_timescale=True,
    )
    withdrawn = referred().given(done, _withdrawn(ConsentPurpose.FOLLOW_UP_CONTACT))
    command = case_command(
        RecordFollowUpContact,
        kind=FollowUpKind.MONTHS_3,
        channel=ContactChannel.TELEPHONE,
        outcome=FollowUpOutcome.CONTACT_MADE,
        contacted_on=NOW.date(),
        female_staff=True,
    )
    withdrawn.when(command).then_rejected(("case_id", "follow up"))


def test_works_are_neither_approved_nor_resumed_once_installation_consent_is_withdrawn() -> None:
    assessed = recorded(
        PropertyAssessed(
            assessed_on=NOW.date(),
            recommended_measures=[RecommendedMeasure(item_code="DOOR-CHAIN", quantity=1)],
            within_timescale=True,
        ),
        event_id="assessment-1",
    )
    suspended = WorksSuspended(concern=SuspensionConcern.PERPETRATOR_VISITING, reported_by="inst-1")
    withdrawn = referred().given(assessed, suspended, _withdrawn(ConsentPurpose.INSTALLATION))
    approve = case_command(
        ApproveRecommendations,
        assessment_event_id="assessment-1",
        approved_items=[{"item_code": "DOOR-CHAIN", "quantity": 1}],
    )
    withdrawn.when(approve).then_rejected(
        ("case_id", "not been accepted"), ("case_id", "installation"), ("case_id", "landlord's permission")
    )
    withdrawn.when(case_command(ResumeWorks, reason="Police confirm arrest")).then_rejected(
        ("case_id", "installation")
    )
