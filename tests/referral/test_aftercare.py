"""After the works: follow-up contacts (with the client's consent, by a female member of staff),
feedback, complaints received and resolved, and closure with the safety outcome."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from shared.contracts.contractor import InstallationCompleted
from shared.contracts.referral import (
    CaseClosed,
    CloseCase,
    ComplaintReceived,
    ComplaintResolved,
    ComplaintSeverity,
    FeedbackReceived,
    FollowUpContactRecorded,
    RecordComplaint,
    RecordFeedback,
    RecordFollowUpContact,
    ReferralAccepted,
    ReferralDeclined,
    ResolveComplaint,
    SafetyOutcome,
    Satisfaction,
)
from tests.referral.gwt import CONSENTS_ALL_YES, NOW, case_command, given, rejected, submitted, when

ACCEPTED = ReferralAccepted(accepted_on=NOW.date(), urgent=False)
COMPLETED = InstallationCompleted(
    completed_at=NOW,
    total_cost_gbp=Decimal("250.00"),
    working_days_from_works_order=4,
    made_to_measure=False,
    within_timescale=True,
)
COMPLAINT = ComplaintReceived(
    complaint_id="CMP-1",
    severity=ComplaintSeverity.ROUTINE,
    about="contractor",
    summary="Installer arrived late",
    received_on=NOW.date(),
)


def follow_up(**fields: object) -> RecordFollowUpContact:
    values: dict[str, Any] = {
        "kind": "3 months",
        "channel": "telephone",
        "outcome": "contact made",
        "contacted_on": "2025-06-02",
        "female_staff": True,
        **fields,
    }
    return case_command(RecordFollowUpContact, **values)


def test_a_follow_up_contact_after_installation_is_recorded() -> None:
    [event] = when(given(*submitted(), ACCEPTED, COMPLETED), follow_up())
    assert isinstance(event, FollowUpContactRecorded) and event.kind == "3 months"


def test_no_follow_up_without_consent() -> None:
    state = given(*submitted(consents={**CONSENTS_ALL_YES, "follow_up_contact": "No"}), ACCEPTED, COMPLETED)
    assert "follow up contact" in rejected(state, follow_up())["case_id"]


def test_no_follow_up_before_the_installation_is_completed() -> None:
    assert "not completed" in rejected(given(*submitted(), ACCEPTED), follow_up())["case_id"]


def test_the_follow_up_is_by_a_female_member_of_staff_and_not_dated_ahead() -> None:
    problems = rejected(
        given(*submitted(), ACCEPTED, COMPLETED), follow_up(female_staff=False, contacted_on="2025-07-01")
    )
    assert set(problems) == {"female_staff", "contacted_on"}


def test_feedback_is_recorded() -> None:
    command = case_command(
        RecordFeedback, satisfaction="Very satisfied", feels_safer="Yes", received_on="2025-06-02"
    )
    [event] = when(given(*submitted(), ACCEPTED, COMPLETED), command)
    assert isinstance(event, FeedbackReceived) and event.satisfaction is Satisfaction.VERY_SATISFIED


def test_a_complaint_is_received_and_resolved() -> None:
    state = given(*submitted())
    command = case_command(
        RecordComplaint,
        complaint_id="CMP-1",
        severity="serious or significant",
        about="contractor",
        summary="Installer arrived late",
        received_on="2025-06-02",
    )
    [received] = when(state, command)
    assert isinstance(received, ComplaintReceived)
    assert set(rejected(given(*submitted(), received), command)) == {"complaint_id"}  # recorded once
    resolve = case_command(
        ResolveComplaint, complaint_id="CMP-1", resolved_on="2025-06-02", upheld=True, within_procedure=True
    )
    [resolved] = when(given(*submitted(), received), resolve)
    assert isinstance(resolved, ComplaintResolved) and resolved.upheld
    assert set(rejected(given(*submitted(), received, resolved), resolve)) == {"complaint_id"}


def test_resolving_an_unknown_complaint_is_refused() -> None:
    resolve = case_command(
        ResolveComplaint, complaint_id="CMP-9", resolved_on="2025-06-02", upheld=False, within_procedure=True
    )
    assert rejected(given(*submitted()), resolve) == {"complaint_id": "is not an open complaint of this case"}


def close(**fields: object) -> CloseCase:
    values: dict[str, Any] = {
        "reason": "works completed and follow-up finished",
        "safety_outcome": "Client feels safer in their home",
        "closed_on": "2025-06-02",
        **fields,
    }
    return case_command(CloseCase, **values)


def test_the_case_is_closed_with_its_safety_outcome() -> None:
    [event] = when(given(*submitted(), ACCEPTED, COMPLETED), close())
    assert isinstance(event, CaseClosed) and event.safety_outcome is SafetyOutcome.FEELS_SAFER


def test_a_case_with_an_open_complaint_is_not_closed() -> None:
    problems = rejected(given(*submitted(), ACCEPTED, COMPLETED, COMPLAINT), close())
    assert "complaint" in problems["case_id"]


def test_the_closure_reason_must_match_the_case() -> None:
    assert set(rejected(given(*submitted(), ACCEPTED), close())) == {"reason"}
    assert set(rejected(given(*submitted()), close(reason="referral not accepted"))) == {"reason"}
    declined = ReferralDeclined(reason="Other")
    [event] = when(
        given(*submitted(), declined), close(reason="referral not accepted", safety_outcome="Unknown")
    )
    assert isinstance(event, CaseClosed)


def test_a_closed_case_is_not_closed_again_nor_followed_up() -> None:
    closed = CaseClosed(reason="other", safety_outcome="Unknown", closed_on=NOW.date())
    state = given(*submitted(), ACCEPTED, COMPLETED, closed)
    assert "closed" in rejected(state, close(reason="other"))["case_id"]
    assert "closed" in rejected(state, follow_up())["case_id"]
