"""Eligibility as data: the three shipped schemes' rules, each result recorded with its reason.

Given a referral with these facts, when it is submitted under a scheme, then EligibilityEvaluated
records every rule of that scheme and the outcome; a client under 18 produces a safeguarding
referral to children's services, not an installation."""

from __future__ import annotations

from typing import Any

import pytest

from shared.contracts.referral import (
    EligibilityEvaluated,
    EligibilityOutcome,
    RuleOutcome,
    SafeguardingRecipient,
    SafeguardingReferralMade,
)
from shared.events import Event
from tests.referral.scenarios import CONSENTS_ALL_YES, DECIDERS, case, form_data, rules, submit


def evaluation(events: list[Event]) -> EligibilityEvaluated:
    [found] = [e for e in events if isinstance(e, EligibilityEvaluated)]
    return found


def submit_under(scheme: str, form: dict[str, Any] | None = None, **consents: str) -> list[Event]:
    return case(DECIDERS[scheme]).when(submit(form=form, consents={**CONSENTS_ALL_YES, **consents})).decided


def outcomes(result: EligibilityEvaluated) -> dict[str, RuleOutcome]:
    return {r.rule_id: r.outcome for r in result.results}


def with_facts(tenure: str = "Council housing", **facts: str) -> dict[str, Any]:
    form = form_data()
    form["household"]["tenure"] = tenure
    form["eligibility_facts"].update(facts)
    return form


@pytest.mark.parametrize("scheme", ["standing-together", "south-essex", "tower-hamlets"])
def test_an_eligible_referral_records_every_rule_as_met(scheme: str) -> None:
    result = evaluation(submit_under(scheme, with_facts()))
    assert result.outcome is EligibilityOutcome.ELIGIBLE
    assert [r.rule_id for r in result.results] == [r.id for r in rules(scheme).scheme.eligibility]
    assert all(r.outcome is RuleOutcome.MET and r.reason for r in result.results)


def test_south_essex_requires_a_council_tenant() -> None:
    result = evaluation(submit_under("south-essex", with_facts(tenure="Housing Association")))
    assert result.outcome is EligibilityOutcome.NOT_ELIGIBLE
    assert outcomes(result)["council_tenant"] is RuleOutcome.NOT_MET
    [rule] = [r for r in result.results if r.rule_id == "council_tenant"]
    assert "Housing Association" in rule.reason and "Council housing" in rule.reason


def test_south_essex_requires_a_crime_reference_number() -> None:
    form = with_facts()
    form["eligibility_facts"].pop("crime_reference_number")
    result = evaluation(submit_under("south-essex", form))
    assert outcomes(result)["crime_reference_number"] is RuleOutcome.NOT_MET
    assert result.outcome is EligibilityOutcome.NOT_ELIGIBLE


def test_south_essex_requires_police_involvement() -> None:
    form = with_facts()
    form["safety"]["police_involvement"] = "No"
    form["safety"].pop("police_details")
    assert outcomes(evaluation(submit_under("south-essex", form)))["police_involved"] is RuleOutcome.NOT_MET


def test_south_essex_perpetrator_must_no_longer_live_there() -> None:
    result = evaluation(submit_under("south-essex", with_facts(perpetrator_lives_at_property="Yes")))
    assert outcomes(result)["perpetrator_no_longer_lives_there"] is RuleOutcome.NOT_MET


def test_south_essex_tenant_must_wish_to_remain() -> None:
    result = evaluation(submit_under("south-essex", with_facts(wishes_to_remain="No")))
    assert outcomes(result)["wishes_to_remain"] is RuleOutcome.NOT_MET


def test_an_unanswered_fact_is_unknown_and_not_eligible() -> None:
    result = evaluation(submit_under("south-essex", with_facts(wishes_to_remain="Unknown")))
    assert outcomes(result)["wishes_to_remain"] is RuleOutcome.UNKNOWN
    assert result.outcome is EligibilityOutcome.NOT_ELIGIBLE


def test_tower_hamlets_requires_residence_in_the_borough() -> None:
    result = evaluation(submit_under("tower-hamlets", with_facts(resident_in_borough="No")))
    assert outcomes(result)["resident_in_borough"] is RuleOutcome.NOT_MET


@pytest.mark.parametrize(
    ("permanence", "expected"),
    [
        ("Permanent", RuleOutcome.MET),
        ("Long-term temporary", RuleOutcome.MET),
        ("Short-term temporary", RuleOutcome.NOT_MET),
        ("Unknown", RuleOutcome.UNKNOWN),
    ],
)
def test_tower_hamlets_requires_settled_accommodation(permanence: str, expected: RuleOutcome) -> None:
    result = evaluation(submit_under("tower-hamlets", with_facts(accommodation_permanence=permanence)))
    assert outcomes(result)["settled_accommodation"] is expected


def test_tower_hamlets_refuses_direct_contact_with_the_perpetrator() -> None:
    result = evaluation(submit_under("tower-hamlets", with_facts(in_direct_contact_with_perpetrator="Yes")))
    assert outcomes(result)["no_direct_contact"] is RuleOutcome.NOT_MET


def test_landlord_permission_rule_needs_consent_to_contact_the_landlord_of_a_rented_home() -> None:
    result = evaluation(submit_under("tower-hamlets", with_facts(), landlord_contact="No"))
    assert outcomes(result)["landlord_permission"] is RuleOutcome.NOT_MET


def test_landlord_permission_rule_does_not_apply_to_an_owner_occupier() -> None:
    form = with_facts(tenure="Privately owned")
    result = evaluation(submit_under("tower-hamlets", form, landlord_contact="No"))
    [rule] = [r for r in result.results if r.rule_id == "landlord_permission"]
    assert rule.outcome is RuleOutcome.MET and "Not applicable" in rule.reason


@pytest.mark.parametrize("scheme", ["standing-together", "south-essex", "tower-hamlets"])
def test_a_client_under_18_is_a_safeguarding_referral_not_an_installation(scheme: str) -> None:
    form = with_facts()
    form["client"]["date_of_birth"] = "2010-01-01"
    events = submit_under(scheme, form)
    result = evaluation(events)
    assert result.outcome is EligibilityOutcome.SAFEGUARDING_REFERRAL
    assert outcomes(result)["adult"] is RuleOutcome.NOT_MET
    [referral] = [e for e in events if isinstance(e, SafeguardingReferralMade)]
    assert referral.recipient is SafeguardingRecipient.CHILDRENS_SOCIAL_CARE
    [rule] = [r for r in result.results if r.rule_id == "adult"]
    assert "15" not in rule.reason  # the reason says "under 18", never the age


def test_standing_together_refuses_when_the_perpetrator_lives_at_the_property() -> None:
    result = evaluation(submit_under("standing-together", with_facts(perpetrator_lives_at_property="Yes")))
    assert result.outcome is EligibilityOutcome.NOT_ELIGIBLE
    assert outcomes(result) == {
        "adult": RuleOutcome.MET,
        "wishes_to_remain": RuleOutcome.MET,
        "perpetrator_not_resident": RuleOutcome.NOT_MET,
        "landlord_can_be_asked": RuleOutcome.MET,
    }


# The eligibility facts answered on the form whose answer alone makes their rule not met.
FACT_ANSWERS_NOT_MET = {
    "perpetrator_lives_at_property": "Yes",
    "wishes_to_remain": "No",
    "resident_in_borough": "No",
    "accommodation_permanence": "Short-term temporary",
    "in_direct_contact_with_perpetrator": "Yes",
}


def _violate(fact: str, form: dict[str, Any], consents: dict[str, str]) -> None:
    """Change the one answer a rule on ``fact`` tests so that the rule is not met."""
    facts, safety = form["eligibility_facts"], form["safety"]
    match fact:
        case "age_years":
            form["client"]["date_of_birth"] = "2009-01-01"
        case "tenure":
            form["household"]["tenure"] = "Privately rented"
        case "police_involvement":
            safety["police_involvement"] = "No"
            safety.pop("police_details")
        case "crime_reference_number_given":
            facts.pop("crime_reference_number")
        case _ if fact in FACT_ANSWERS_NOT_MET:
            facts[fact] = FACT_ANSWERS_NOT_MET[fact]
        case "landlord_contact_consent":
            consents["landlord_contact"] = "No"
        case _:
            raise AssertionError(f"no violation written for fact {fact}")


EVERY_RULE = [
    (scheme, rule.id, rule.fact.value)
    for scheme in ("standing-together", "south-essex", "tower-hamlets")
    for rule in rules(scheme).scheme.eligibility
]


@pytest.mark.parametrize(("scheme", "rule_id", "fact"), EVERY_RULE)
def test_each_rule_of_each_scheme_alone_makes_a_referral_ineligible(
    scheme: str, rule_id: str, fact: str
) -> None:
    form, consents = with_facts(), dict(CONSENTS_ALL_YES)
    _violate(fact, form, consents)
    result = evaluation(case(DECIDERS[scheme]).when(submit(form=form, consents=consents)).decided)
    assert {r: o for r, o in outcomes(result).items() if o is not RuleOutcome.MET} == {
        rule_id: RuleOutcome.NOT_MET
    }
    expected = (
        EligibilityOutcome.SAFEGUARDING_REFERRAL if fact == "age_years" else EligibilityOutcome.NOT_ELIGIBLE
    )
    assert result.outcome is expected
