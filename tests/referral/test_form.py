"""The referral form as a command: every mandatory field, option list and conditional answer.

Given a submission with bad input, when it is parsed, then every problem is reported at once, each
naming its field, no value is echoed, and nothing reaches the decider (so nothing is stored)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from shared.bus import parse_command
from shared.contracts.referral import (
    AgeBand,
    EthnicGroup,
    Gender,
    ReferralSubmitted,
    SubmitReferral,
    age_band,
    case_id_for,
)
from shared.errors import CommandRejected
from shared.events import Role
from shared.personal import ERASED, merge_personal, split_personal
from tests.referral.scenarios import NOW, case, form_data, submission

SYNTHETIC_VALUES = (
    "Alice Example",
    "Peter Perp",
    "1 Test Road",
    "07700 900123",
    "Rita Referrer",
    "2999-01-01",
)


def problems_of(body: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(CommandRejected) as caught:
        parse_command(SubmitReferral, json.dumps(body).encode())
    text = str(caught.value)
    leaked = [v for v in SYNTHETIC_VALUES if v in text]
    assert not leaked, "a problem message quoted a submitted value"
    return {p.field: p.problem for p in caught.value.problems}


def test_a_complete_form_parses_and_its_case_id_is_derived_from_the_command_id() -> None:
    body = submission()
    command = parse_command(SubmitReferral, json.dumps(body).encode())
    assert isinstance(command, SubmitReferral)
    assert command.case_id == case_id_for(body["command_id"])
    assert command.case_id.startswith("SR-") and len(command.case_id) == 13
    # A retried submission (same command id) maps to the same case.
    again = parse_command(SubmitReferral, json.dumps(body).encode())
    assert again.case_id == command.case_id


def test_a_case_id_given_by_the_caller_is_kept() -> None:
    command = parse_command(SubmitReferral, json.dumps(submission(case_id="AGENCY-REF-1")).encode())
    assert command.case_id == "AGENCY-REF-1"


@pytest.mark.parametrize(
    ("section", "name"),
    [
        ("referrer", "organisation"),
        ("client", "full_name"),
        ("client", "date_of_birth"),
        ("client", "address"),
        ("client", "telephone"),
        ("household", "tenure"),
        ("household", "accommodation_type"),
        ("household", "names_on_tenancy"),
        ("household", "number_of_children"),
        ("safety", "perpetrator_name"),
        ("safety", "perpetrator_whereabouts"),
        ("safety", "recent_incidents"),
        ("safety", "dash_completed"),
        ("safety", "marac_referral"),
        ("safety", "police_involvement"),
        ("safety", "risk_of_arson"),
        ("safety", "specialist_service_referral"),
        ("safety", "civil_order"),
    ],
)
def test_a_missing_mandatory_field_is_named(section: str, name: str) -> None:
    body = submission()
    del body["form"][section][name]
    assert problems_of(body) == {f"form.{section}.{name}": "Field required"}


def test_missing_referral_source_and_consent_answers_are_named() -> None:
    body = submission()
    del body["form"]["referral_source"]
    del body["consents"]["follow_up_contact"]
    assert set(problems_of(body)) == {"form.referral_source", "consents.follow_up_contact"}


def answered(field: str, answer: object) -> dict[str, Any]:
    """A submission with one answer, at ``field`` (a dotted path), changed."""
    body = submission()
    *sections, name = field.split(".")
    part = body
    for section in sections:
        part = part[section]
    part[name] = answer
    return body


def test_every_problem_is_reported_at_once() -> None:
    body = submission()
    form = body["form"]
    del form["client"]["full_name"]
    form["about_client"]["gender"] = "Woman"
    form["household"]["number_of_children"] = "two"
    form["client"]["date_of_birth"] = "2999-01-01"
    form["safety"]["civil_order_expiry"] = "2001-01-01"
    form["about_client"]["ethnicity"] = "Prefer to self-describe"
    assert set(problems_of(body)) == {
        "form.client.full_name",
        "form.about_client.gender",
        "form.household.number_of_children",
        "form.client.date_of_birth",
        "form.safety.civil_order_expiry",
        "form.about_client.ethnicity_self_description",
    }


def test_an_unknown_option_is_refused() -> None:
    body = submission()
    body["form"]["referral_source"] = "Neighbour"
    problems = problems_of(body)
    assert set(problems) == {"form.referral_source"}
    assert "Housing association" in problems["form.referral_source"]


@pytest.mark.parametrize(
    ("field", "answer"),
    [
        pytest.param("form.safety.ric_score", "high", id="a_wrong_type"),
        pytest.param("form.household.ages_of_children", [4], id="one_age_per_child"),
        pytest.param(
            "form.about_client.disabilities", ["No disability", "Physical"], id="no_disability_alone"
        ),
        pytest.param("form.client.nickname", "Al", id="an_unexpected_field"),
        pytest.param("actor.role", Role.CONTRACTOR_OFFICE.value, id="a_contractor_may_not_submit"),
    ],
)
def test_a_bad_answer_is_refused_naming_its_field(field: str, answer: object) -> None:
    assert set(problems_of(answered(field, answer))) == {field}


@pytest.mark.parametrize(
    ("field", "answer", "problem"),
    [
        pytest.param("form.client.date_of_birth", "2999-01-01", "date of birth is in the future", id="born"),
        pytest.param(
            "form.safety.civil_order_expiry",
            "2001-01-01",
            "the civil order has already expired",
            id="expired",
        ),
    ],
)
def test_a_date_on_the_wrong_side_of_today_is_refused(field: str, answer: str, problem: str) -> None:
    assert problems_of(answered(field, answer)) == {field: problem}


@pytest.mark.parametrize(
    ("question", "answer", "text_field"),
    [
        ("gender", "Prefer to self-describe", "gender_self_description"),
        ("sexual_orientation", "Prefer to self-describe", "sexual_orientation_self_description"),
        ("ethnicity", "Prefer to self-describe", "ethnicity_self_description"),
    ],
)
def test_self_description_without_text_is_refused(question: str, answer: str, text_field: str) -> None:
    body = submission()
    body["form"]["about_client"][question] = answer
    assert problems_of(body) == {f"form.about_client.{text_field}": "self-description needs its text"}


@pytest.mark.parametrize(
    ("section", "question", "answer", "follow_up"),
    [
        ("safety", "dash_completed", "Yes", "ric_score"),
        ("safety", "marac_referral", "Yes", "marac_date"),
        ("safety", "police_involvement", "Yes", "police_details"),
        ("safety", "risk_of_arson", "Yes", "arson_details"),
        ("safety", "civil_order", "Yes", "civil_order_expiry"),
        ("about_client", "interpreter_needed", "Yes", "language"),
        ("household", "tenure", "Other", "tenure_other"),
        ("household", "accommodation_type", "Other", "accommodation_other"),
    ],
)
def test_an_if_yes_question_needs_its_answer(
    section: str, question: str, answer: str, follow_up: str
) -> None:
    body = submission()
    body["form"][section][question] = answer
    body["form"][section].pop(follow_up, None)
    assert set(problems_of(body)) == {f"form.{section}.{follow_up}"}


def test_prefer_not_to_say_and_self_description_are_answers_distinct_from_unknown() -> None:
    form = form_data()
    form["about_client"] = {
        "gender": "Prefer to self-describe",
        "gender_self_description": "Non-binary",
        "sexual_orientation": "Prefer not to say",
    }
    command = SubmitReferral.model_validate(submission(form=form))
    about = command.form.about_client
    assert about.gender is Gender.PREFER_TO_SELF_DESCRIBE
    assert about.sexual_orientation == "Prefer not to say"
    assert about.ethnicity is None  # not answered: unknown, counted as "Unknown"
    [submitted, *_] = case().when(command).decided
    assert isinstance(submitted, ReferralSubmitted)
    assert submitted.ethnic_group is None


def test_the_age_band_ethnic_group_and_support_flag_are_kept_as_categories() -> None:
    form = form_data()
    form["about_client"]["adjustments"] = "Step-free access"
    [submitted, *_] = case().when(SubmitReferral.model_validate(submission(form=form))).decided
    assert isinstance(submitted, ReferralSubmitted)
    assert submitted.age_band is AgeBand.AGE_35_44  # born 1 May 1990, referred 2 June 2025
    assert submitted.ethnic_group is EthnicGroup.WHITE
    assert submitted.received_on == NOW.date()
    assert submitted.other_support_needs is True


@pytest.mark.parametrize(
    ("born", "band"),
    [
        ("2010-06-03", AgeBand.UNDER_18),
        ("2007-06-02", AgeBand.AGE_18_24),
        ("2000-06-02", AgeBand.AGE_25_34),
        ("1960-06-03", AgeBand.AGE_55_64),
        ("1960-06-02", AgeBand.AGE_65_OR_OLDER),
    ],
)
def test_age_bands_of_the_monitoring_template(born: str, band: AgeBand) -> None:
    assert age_band(date.fromisoformat(born), NOW.date()) is band
    assert age_band(None, NOW.date()) is AgeBand.UNKNOWN


def test_after_erasure_the_personal_fields_read_as_erased_and_the_categories_remain() -> None:
    [event, *_] = case().when(SubmitReferral.model_validate(submission())).decided
    data = event.model_dump(mode="json")
    split_personal(ReferralSubmitted, data)
    erased = ReferralSubmitted.model_validate(merge_personal(ReferralSubmitted, data, None))
    assert erased.form.client.full_name == ERASED and erased.form.client.date_of_birth == ERASED
    assert erased.form.safety.perpetrator_name == ERASED and erased.form.household.names_on_tenancy == ERASED
    assert erased.age_band is AgeBand.AGE_35_44 and erased.ethnic_group is EthnicGroup.WHITE
    assert erased.other_support_needs is False and erased.form.about_client.adjustments == ERASED
    assert (
        erased.form.household.tenure == "Housing Association"
        and erased.form.household.ages_of_children == [4, 9]
    )
