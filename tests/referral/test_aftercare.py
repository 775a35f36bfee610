"""After the works: follow-up contacts (with the client's consent, by a female member of staff),
feedback, complaints received and resolved, and closure with the safety outcome."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from shared.contracts.contractor import InstallationCompleted
from shared.contracts.referral import (
    CaseClosed,
    CloseCase,
    ClosureReason,
    ComplaintReceived,
    ComplaintResolved,
    ComplaintSeverity,
    ContactChannel,
    FeedbackReceived,
    FollowUpContactRecorded,
    FollowUpKind,
    FollowUpOutcome,
    RecordComplaint,
    RecordFeedback,
    RecordFollowUpContact,
    ReferralAccepted,
    ReferralDeclined,
    ResolveComplaint,
    SafetyOutcome,
    Satisfaction,
    YesNoUnknown,
)
from shared.errors import Problem
from tests.referral.scenarios import CONSENTS_ALL_YES, NOW, case_command, referred

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
    referred().given(ACCEPTED, COMPLETED).when(follow_up()).then(
        FollowUpContactRecorded(
            kind=FollowUpKind.MONTHS_3,
            channel=ContactChannel.TELEPHONE,
            outcome=FollowUpOutcome.CONTACT_MADE,
            contacted_on=date(2025, 6, 2),
            female_staff=True,
        )
    )


def test_no_follow_up_without_consent() -> None:
    no_consent = referred(consents={**CONSENTS_ALL_YES, "follow_up_contact": "No"})
    no_consent.given(ACCEPTED, COMPLETED).when(follow_up()).then_rejected(("case_id", "follow up contact"))


def test_no_follow_up_before_the_installation_is_completed() -> None:
    referred().given(ACCEPTED).when(follow_up()).then_rejected(("case_id", "not completed"))


def test_the_follow_up_is_by_a_female_member_of_staff_and_not_dated_ahead() -> None:
    completed = referred().given(ACCEPTED, COMPLETED)
    completed.when(follow_up(female_staff=False, contacted_on="2025-07-01")).then_rejected(
        ("female_staff", "female member of staff"), Problem(field="contacted_on", problem="is in the future")
    )


def test_feedback_is_recorded() -> None:
    command = case_command(
        RecordFeedback, satisfaction="Very satisfied", feels_safer="Yes", received_on="2025-06-02"
    )
    referred().given(ACCEPTED, COMPLETED).when(command).then(
        FeedbackReceived(
            satisfaction=Satisfaction.VERY_SATISFIED,
            feels_safer=YesNoUnknown.YES,
            received_on=date(2025, 6, 2),
        )
    )


def test_a_complaint_is_received_and_resolved() -> None:
    command = case_command(
        RecordComplaint,
        complaint_id="CMP-1",
        severity="serious or significant",
        about="contractor",
        summary="Installer arrived late",
        received_on="2025-06-02",
    )
    received = (
        referred()
        .when(command)
        .then(
            ComplaintReceived(
                complaint_id="CMP-1",
                severity=ComplaintSeverity.SERIOUS,
                about="contractor",
                summary="Installer arrived late",
                received_on=date(2025, 6, 2),
            )
        )
    )
    open_complaint = referred().given(*received)
    open_complaint.when(command).then_rejected(("complaint_id", "already recorded"))  # recorded once
    resolve = case_command(
        ResolveComplaint, complaint_id="CMP-1", resolved_on="2025-06-02", upheld=True, within_procedure=True
    )
    resolved = open_complaint.when(resolve).then(
        ComplaintResolved(
            complaint_id="CMP-1", resolved_on=date(2025, 6, 2), upheld=True, within_procedure=True
        )
    )
    open_complaint.given(*resolved).when(resolve).then_rejected(("complaint_id", "not an open complaint"))


def test_resolving_an_unknown_complaint_is_refused() -> None:
    resolve = case_command(
        ResolveComplaint, complaint_id="CMP-9", resolved_on="2025-06-02", upheld=False, within_procedure=True
    )
    referred().when(resolve).then_rejected(
        Problem(field="complaint_id", problem="is not an open complaint of this case")
    )


def close(**fields: object) -> CloseCase:
    values: dict[str, Any] = {
        "reason": "works completed and follow-up finished",
        "safety_outcome": "Client feels safer in their home",
        "closed_on": "2025-06-02",
        **fields,
    }
    return case_command(CloseCase, **values)


def test_the_case_is_closed_with_its_safety_outcome() -> None:
    referred().given(ACCEPTED, COMPLETED).when(close()).then(
        CaseClosed(
            reason=ClosureReason.WORKS_COMPLETED,
            safety_outcome=SafetyOutcome.FEELS_SAFER,
            closed_on=date(2025, 6, 2),
        )
    )


def test_a_case_with_an_open_complaint_is_not_closed() -> None:
    referred().given(ACCEPTED, COMPLETED, COMPLAINT).when(close()).then_rejected(("case_id", "complaint"))


def test_the_closure_reason_must_match_the_case() -> None:
    referred().given(ACCEPTED).when(close()).then_rejected(("reason", "installation is not completed"))
    referred().when(close(reason="referral not accepted")).then_rejected(("reason", "was not declined"))
    declined = referred().given(ReferralDeclined(reason="Other"))
    declined.when(close(reason="referral not accepted", safety_outcome="Unknown")).then(
        CaseClosed(
            reason=ClosureReason.REFERRAL_DECLINED,
            safety_outcome=SafetyOutcome.UNKNOWN,
            closed_on=date(2025, 6, 2),
        )
    )


def test_a_closed_case_is_not_closed_again_nor_followed_up() -> None:
    closed = CaseClosed(reason="other", safety_outcome="Unknown", closed_on=NOW.date())
    after = referred().given(ACCEPTED, COMPLETED, closed)
    after.when(close(reason="other")).then_rejected(("case_id", "closed"))
    after.when(follow_up()).then_rejected(("case_id", "closed"))
