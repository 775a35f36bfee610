"""Submitting a referral (with its consents and eligibility, one atomic batch) and withdrawing consent."""

from __future__ import annotations

from services.referral.domain.eligibility import evaluate
from services.referral.domain.rules import CoordinatorRules, today
from services.referral.domain.state import ReferralState
from shared.commands import when
from shared.contracts.referral import (
    ETHNIC_GROUP_OF,
    ConsentPurpose,
    ConsentRecorded,
    ConsentWithdrawn,
    EligibilityEvaluated,
    EligibilityOutcome,
    ReferralSubmitted,
    SafeguardingRecipient,
    SafeguardingReferralMade,
    SubmitReferral,
    WithdrawConsent,
    YesNo,
    age_band,
)
from shared.errors import CommandRejected, Problem, reject_if
from shared.events import Event


def submit(command: SubmitReferral, state: ReferralState, rules: CoordinatorRules) -> list[Event]:
    if state.submitted:
        raise CommandRejected.one("case_id", "a referral has already been submitted for this case")
    if command.consents.installation is YesNo.NO:
        # Darlington step 2: the form is completed with the client's consent. Without consent to the
        # installation there is nothing to progress, and nothing is stored.
        raise CommandRejected.one(
            "consents.installation",
            "the client has not consented to the installation; the referral is refused",
        )
    on = today(command)
    at = when(command)
    form = command.form.as_stored()
    ethnicity = form.about_client.ethnicity
    events: list[Event] = [
        ReferralSubmitted(
            form=form,
            scheme=rules.scheme.name,
            received_on=on,
            age_band=age_band(form.client.date_of_birth, on),
            ethnic_group=ETHNIC_GROUP_OF.get(ethnicity) if ethnicity else None,
            urgent=bool(form.safety.interim_measures),
            other_support_needs=bool(form.about_client.adjustments),
        )
    ]
    for purpose in ConsentPurpose:
        given = command.consents.given(purpose)
        events.append(
            ConsentRecorded(purpose=purpose, given=given, recorded_by=command.actor, recorded_at=at)
        )
    outcome, results = evaluate(rules.scheme, form, command.consents, on)
    events.append(EligibilityEvaluated(scheme=rules.scheme.name, outcome=outcome, results=results))
    if outcome is EligibilityOutcome.SAFEGUARDING_REFERRAL:
        events.append(
            SafeguardingReferralMade(
                recipient=SafeguardingRecipient.CHILDRENS_SOCIAL_CARE,
                reason="the client is under 18: a child protection referral, not an installation",
            )
        )
    return events


def withdraw(command: WithdrawConsent, state: ReferralState) -> list[Event]:
    # Consent can be withdrawn at any time, even after closure: so only "submitted" is required.
    if not state.submitted:
        raise CommandRejected.one("case_id", "no referral has been submitted for this case")
    purposes = command.purposes or [p for p in ConsentPurpose if state.has_consent(p)]
    problems = [
        Problem(field=f"purposes.{i}", problem=f"consent to {p.value} is not currently given")
        for i, p in enumerate(command.purposes)
        if not state.has_consent(p)
    ]
    if len(set(command.purposes)) != len(command.purposes):
        problems.append(Problem(field="purposes", problem="a purpose is repeated"))
    if not purposes:
        problems.append(
            Problem(field="purposes", problem="no consent is currently given; nothing to withdraw")
        )
    reject_if(problems)
    at = when(command)
    return [
        ConsentWithdrawn(purpose=p, recorded_by=command.actor, withdrawn_at=at, note=command.note)
        for p in purposes
    ]
