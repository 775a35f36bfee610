"""The monitoring projection reads no personal field: every event of the year, with its personal fields
read as erased (as after crypto-shredding), projects to exactly the same row changes. And the form's
answers become the template's categories as decided in readmodel/categories.py."""

from __future__ import annotations

from datetime import date

import pytest

from services.reporting.monitoring.readmodel import categories as C
from services.reporting.monitoring.readmodel.changes import SetCase
from services.reporting.monitoring.readmodel.projection import PROJECTED_TYPES, MonitoringProjection
from shared.catalogue import load_catalogue
from shared.contracts import referral as R
from shared.events import RecordedEvent
from shared.personal import merge_personal, split_personal
from tests.reporting.history import form, submitted
from tests.reporting.year import year

PROJECT = MonitoringProjection(load_catalogue())


def erased(event: RecordedEvent) -> RecordedEvent:
    cls = type(event.payload)
    data = event.payload.model_dump(mode="json")
    split_personal(cls, data)
    merge_personal(cls, data, None)
    return event.model_copy(update={"payload": cls.model_validate(data), "erased": True})


def test_erased_events_project_to_the_same_rows() -> None:
    events = year().events
    assert any(erased(e).payload != e.payload for e in events)  # the year does hold personal data
    for event in events:
        assert PROJECT(erased(event)) == PROJECT(event), event.type


def answers(f: R.ReferralForm, band: R.AgeBand = R.AgeBand.AGE_25_34) -> dict[str, object]:
    changes = PROJECT(
        RecordedEvent.model_validate(
            {
                **year().events[0].model_dump(),
                "payload": submitted(f, date(2024, 4, 1), band),
                "type": "ReferralSubmitted",
            }
        )
    )
    first = changes[0]
    assert isinstance(first, SetCase)
    return first.values


@pytest.mark.parametrize(
    ("gender", "category"),
    [
        (R.Gender.FEMALE, "Female"),
        (R.Gender.MALE, "Male"),
        (R.Gender.PREFER_TO_SELF_DESCRIBE, "Other"),
        (R.Gender.PREFER_NOT_TO_SAY, None),
        (None, None),
    ],
)
def test_gender_as_the_template_counts_it(gender: R.Gender | None, category: str | None) -> None:
    assert answers(form(gender=gender))["gender"] == category


@pytest.mark.parametrize(
    ("ethnicity", "row", "group"),
    [
        (R.Ethnicity.PAKISTANI, "Pakistani", "Asian or Asian British"),
        (R.Ethnicity.ROMA, "Roma", "White"),
        (R.Ethnicity.ARAB, "Other", "Other ethnic group"),
        (R.Ethnicity.OTHER_ETHNIC_GROUP, "Other", "Other ethnic group"),
        (R.Ethnicity.PREFER_TO_SELF_DESCRIBE, "Other", "Other ethnic group"),
        (R.Ethnicity.PREFER_NOT_TO_SAY, None, None),
        (None, None, None),
    ],
)
def test_ethnicity_as_the_template_counts_it(
    ethnicity: R.Ethnicity | None, row: str | None, group: str | None
) -> None:
    values = answers(form(ethnicity=ethnicity))
    assert (values["ethnicity"], values["ethnic_group"]) == (row, group)


@pytest.mark.parametrize(
    ("tenure", "other", "category"),
    [
        (R.Tenure.COUNCIL_HOUSING, None, "Social housing"),
        (R.Tenure.HOUSING_ASSOCIATION, None, "Social housing"),
        (R.Tenure.PRIVATELY_RENTED, None, "Privately rented accommodation"),
        (R.Tenure.PRIVATELY_OWNED, None, "Privately owned accommodation"),
        (R.Tenure.OTHER, "living with a friend/family member", "Living with a friend/family member"),
        (R.Tenure.OTHER, " Sheltered/supported accommodation ", "Sheltered/supported accommodation"),
        (R.Tenure.OTHER, "Boat", "Other"),
    ],
)
def test_tenure_as_the_template_counts_it(tenure: R.Tenure, other: str | None, category: str) -> None:
    values = answers(form(tenure=tenure, tenure_other=other))
    assert values["tenure_type"] == category
    assert (
        other is None or other.strip() not in {str(v) for v in values.values()} or other.strip() == category
    )


def test_yes_no_unknown_and_the_form_s_risk_facts() -> None:
    values = answers(
        form(
            same_identity=R.YesNoUnknown.NO,
            interpreter=R.YesNoUnknown.UNKNOWN,
            nrpf=R.YesNoUnknown.YES,
            children=(3, 5),
            ric_score=9,
            marac=True,
            arson=True,
        ),
        R.AgeBand.UNKNOWN,
    )
    assert values["gender_identity_differs"] is True
    assert values["interpreter_needed"] is None
    assert values["nrpf"] is True and values["pregnant"] is False
    assert values["age_band"] is None
    assert (values["children_count"], values["form_ric_score"], values["form_marac_referral"]) == (2, 9, True)
    assert values["arson_risk"] is True
    assert C.identity_differs(R.YesNoUnknown.UNKNOWN) is None


def test_the_projected_types_are_every_type_that_changes_anything() -> None:
    """A rebuild decodes only PROJECTED_TYPES: any other type must change nothing."""
    seen = set()
    for event in year().events:
        if event.type in PROJECTED_TYPES:
            seen.add(event.type)
        else:
            assert PROJECT(event) == [], event.type
    assert len(seen) >= 15, "the year exercises most of the projected types"
