"""Eligibility as data: the scheme's rules (config/schemes/*.yaml) applied to the facts of a referral.

Each rule's result is recorded with its reason. A reason quotes a coarse category (tenure, a Yes/No
answer), never a free-text answer or the client's age. A client under 18 is referred to children's
services whatever the scheme's rules say (Tower Hamlets specification; CHS safeguarding policy).
"""

from __future__ import annotations

from datetime import date

from shared.contracts.referral import (
    ConsentAnswers,
    EligibilityOutcome,
    ReferralForm,
    RuleOutcome,
    RuleResult,
    Tenure,
    YesNo,
    age_on,
)
from shared.scheme import EligibilityRule, Fact, SchemeConfig

ADULT_AGE = 18
NOT_APPLICABLE = "Not applicable"
UNKNOWN = "Unknown"
# Facts whose value may be free text or identifying: reasons do not quote them.
UNQUOTED = frozenset({Fact.AGE_YEARS, Fact.COUNCIL_AREA})

FactValue = str | int | None


def facts_of(form: ReferralForm, consents: ConsentAnswers, on: date) -> dict[Fact, FactValue]:
    facts = form.eligibility_facts
    safety = form.safety
    tenure = form.household.tenure
    landlord = NOT_APPLICABLE if tenure is Tenure.PRIVATELY_OWNED else consents.landlord_contact.value
    return {
        Fact.AGE_YEARS: age_on(form.client.date_of_birth, on),
        Fact.TENURE: tenure.value,
        Fact.COUNCIL_AREA: facts.council_area,
        Fact.POLICE_INVOLVEMENT: safety.police_involvement.value,
        Fact.CRIME_REFERENCE_NUMBER_GIVEN: (YesNo.YES if facts.crime_reference_number else YesNo.NO).value,
        Fact.PERPETRATOR_LIVES_AT_PROPERTY: facts.perpetrator_lives_at_property.value,
        Fact.WISHES_TO_REMAIN: facts.wishes_to_remain.value,
        Fact.RESIDENT_IN_BOROUGH: facts.resident_in_borough.value,
        Fact.ACCOMMODATION_PERMANENCE: facts.accommodation_permanence.value,
        Fact.IN_DIRECT_CONTACT_WITH_PERPETRATOR: facts.in_direct_contact_with_perpetrator.value,
        Fact.LANDLORD_CONTACT_CONSENT: landlord,
    }


def apply_rule(rule: EligibilityRule, value: FactValue) -> RuleResult:
    def result(outcome: RuleOutcome, reason: str) -> RuleResult:
        return RuleResult(rule_id=rule.id, description=rule.description, outcome=outcome, reason=reason)

    name = rule.fact.value.replace("_", " ")
    if value is None or value == UNKNOWN:
        return result(RuleOutcome.UNKNOWN, f"the referral does not say ({name})")
    if rule.op == "at_least":
        assert rule.minimum is not None  # the scheme loader checks it
        met = isinstance(value, int) and value >= rule.minimum
        reason = f"{name} is {'at least' if met else 'under'} {rule.minimum}"
        return result(RuleOutcome.MET if met else RuleOutcome.NOT_MET, reason)
    inside = str(value) in rule.values
    met = inside if rule.op == "in" else not inside
    accepted = ", ".join(rule.values)
    said = f"{name} is not quoted" if rule.fact in UNQUOTED else f"{name} is '{value}'"
    relation = "one of" if inside else "not one of"
    return result(RuleOutcome.MET if met else RuleOutcome.NOT_MET, f"{said}, {relation}: {accepted}")


def evaluate(
    scheme: SchemeConfig, form: ReferralForm, consents: ConsentAnswers, on: date
) -> tuple[EligibilityOutcome, list[RuleResult]]:
    facts = facts_of(form, consents, on)
    results = [apply_rule(rule, facts[rule.fact]) for rule in scheme.eligibility]
    age = facts[Fact.AGE_YEARS]
    if isinstance(age, int) and age < ADULT_AGE:
        return EligibilityOutcome.SAFEGUARDING_REFERRAL, results
    if all(r.outcome is RuleOutcome.MET for r in results):
        return EligibilityOutcome.ELIGIBLE, results
    return EligibilityOutcome.NOT_ELIGIBLE, results
