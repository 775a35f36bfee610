"""Each case is counted once: an accepted case is never also 'not accepted'."""

from __future__ import annotations

from datetime import date

from services.reporting.monitoring.report.facts import CaseFacts

ACCEPTED = date(2026, 4, 2)
DECLINED = date(2026, 4, 3)


def test_a_case_accepted_then_declined_by_an_old_history_counts_as_accepted_only() -> None:
    # Before a decision was final, a history could hold ReferralAccepted then ReferralDeclined.
    facts = CaseFacts(
        {"case_id": "c1", "accepted_on": ACCEPTED, "declined_on": DECLINED, "decline_reason": "Other"}
    )
    assert facts.not_accepted_on() is None
    assert facts.not_accepted_reason() is None


def test_a_declined_case_is_not_accepted_with_its_reason() -> None:
    facts = CaseFacts({"case_id": "c2", "declined_on": DECLINED, "decline_reason": "Out of area"})
    assert facts.not_accepted_on() == DECLINED
    assert facts.not_accepted_reason() == "Out of area"


def test_a_safeguarding_referral_instead_of_acceptance_is_not_accepted() -> None:
    facts = CaseFacts(
        {"case_id": "c3", "safeguarding_on": DECLINED, "safeguarding_recipient": "Children's Social Care"}
    )
    assert facts.not_accepted_on() == DECLINED
    assert facts.not_accepted_reason() == "Safeguarding referral to Children's Social Care"
