"""DASH RIC: scoring, its boundaries, and the MARAC criteria."""

from __future__ import annotations

from dataclasses import replace

import pytest

from services.assessment.domain.decide import assessment_decider
from shared.bus import parse_command
from shared.contracts.assessment import (
    DashAnswer,
    DashRiskAssessed,
    MaracCriterion,
    RecordDashRiskAssessment,
    RiskLevel,
)
from shared.errors import CommandRejected
from shared.events import Event
from shared.scheme import CONFIG_DIR, DashSettings, load_scheme
from tests.assessment.scenarios import IDVA, MONDAY, REFERRED, RULES
from tests.builders import sent_by
from tests.gwt import Scenario

Y, N, K = DashAnswer.YES, DashAnswer.NO, DashAnswer.NOT_KNOWN


def answers(ticks: int, not_known: int = 0) -> list[DashAnswer]:
    return [Y] * ticks + [K] * not_known + [N] * (27 - ticks - not_known)


def dash(
    ticks: int = 0, *, given_answers: list[DashAnswer] | None = None, **kw: object
) -> RecordDashRiskAssessment:
    return RecordDashRiskAssessment(
        **sent_by(IDVA, "C-DASH-1"),
        assessed_on=MONDAY,
        answers=given_answers if given_answers is not None else answers(ticks),
        refer_to_marac=kw.pop("refer_to_marac", False),
        **kw,
    )


def only(events: list[Event]) -> DashRiskAssessed:
    assert len(events) == 1 and isinstance(events[0], DashRiskAssessed)
    return events[0]


@pytest.mark.parametrize(
    ("ticks", "level"),
    [(0, RiskLevel.STANDARD), (9, RiskLevel.STANDARD), (10, RiskLevel.MEDIUM), (13, RiskLevel.MEDIUM)],
)
def test_score_below_14_gives_its_band_without_marac(ticks: int, level: RiskLevel) -> None:
    event = only(REFERRED.when(dash(ticks)).decided)
    assert (event.score, event.risk_level, event.marac_referral, event.marac_criterion) == (
        ticks,
        level,
        False,
        None,
    )


@pytest.mark.parametrize("ticks", [14, 27])
def test_14_or_more_ticks_is_visible_high_risk_referred_to_marac(ticks: int) -> None:
    event = only(REFERRED.when(dash(ticks, refer_to_marac=True)).decided)
    assert event.risk_level is RiskLevel.HIGH
    assert event.marac_referral and event.marac_criterion is MaracCriterion.VISIBLE_HIGH_RISK


def test_not_known_answers_are_not_ticks() -> None:
    event = only(REFERRED.when(dash(given_answers=answers(13, not_known=14))).decided)
    assert event.score == 13 and event.risk_level is RiskLevel.MEDIUM
    assert len(event.answers) == 27


def test_a_high_score_cannot_be_downgraded_by_professional_judgement() -> None:
    REFERRED.when(dash(14, refer_to_marac=False)).then_rejected(("refer_to_marac", "cannot downgrade"))


def test_a_high_score_is_referred_as_visible_high_risk_not_another_criterion() -> None:
    command = dash(
        15,
        refer_to_marac=True,
        marac_criterion=MaracCriterion.PROFESSIONAL_JUDGEMENT,
        professional_judgement_reasons="Synthetic reasons",
    )
    REFERRED.when(command).then_rejected(("marac_criterion", "a high score is referred as visible high risk"))


def test_visible_high_risk_needs_14_ticks() -> None:
    command = dash(13, refer_to_marac=True, marac_criterion=MaracCriterion.VISIBLE_HIGH_RISK)
    REFERRED.when(command).then_rejected(("marac_criterion", "visible high risk needs a score of 14 or more"))


def test_professional_judgement_raises_the_risk_to_high_and_needs_reasons() -> None:
    event = only(
        REFERRED.when(
            dash(
                6,
                refer_to_marac=True,
                marac_criterion=MaracCriterion.PROFESSIONAL_JUDGEMENT,
                professional_judgement_reasons="Extreme fear; unable to disclose",
            )
        ).decided
    )
    assert event.risk_level is RiskLevel.HIGH and event.score == 6
    assert event.marac_criterion is MaracCriterion.PROFESSIONAL_JUDGEMENT
    no_reasons = dash(6, refer_to_marac=True, marac_criterion=MaracCriterion.PROFESSIONAL_JUDGEMENT)
    REFERRED.when(no_reasons).then_rejected(("professional_judgement_reasons", "are required"))


@pytest.mark.parametrize(("incidents", "ok"), [(None, False), (2, False), (3, True), (7, True)])
def test_potential_escalation_needs_the_configured_number_of_incidents(
    incidents: int | None, ok: bool
) -> None:
    command = dash(
        8,
        refer_to_marac=True,
        marac_criterion=MaracCriterion.POTENTIAL_ESCALATION,
        incidents_last_12_months=incidents,
    )
    if ok:
        event = only(REFERRED.when(command).decided)
        assert event.marac_criterion is MaracCriterion.POTENTIAL_ESCALATION
        assert event.risk_level is RiskLevel.STANDARD and event.incidents_last_12_months == incidents
    else:
        REFERRED.when(command).then_rejected(
            ("incidents_last_12_months", "potential escalation needs 3 or more")
        )


def test_repeat_referral_needs_a_marac_referral_in_the_last_12_months() -> None:
    command = dash(11, refer_to_marac=True, marac_criterion=MaracCriterion.REPEAT_REFERRAL)
    REFERRED.when(command).then_rejected(("referred_to_marac_in_last_12_months", "a repeat referral needs"))
    event = only(
        REFERRED.when(
            dash(
                11,
                refer_to_marac=True,
                marac_criterion=MaracCriterion.REPEAT_REFERRAL,
                referred_to_marac_in_last_12_months=True,
            )
        ).decided
    )
    assert event.marac_referral and event.risk_level is RiskLevel.MEDIUM


def test_a_referral_needs_a_criterion_and_no_referral_takes_none() -> None:
    REFERRED.when(dash(5, refer_to_marac=True)).then_rejected(("marac_criterion", "is required"))
    REFERRED.when(dash(5, marac_criterion=MaracCriterion.REPEAT_REFERRAL)).then_rejected(
        ("marac_criterion", "given, but no MARAC referral is made")
    )


@pytest.mark.parametrize("count", [0, 26, 28])
def test_anything_but_27_answers_is_refused_naming_the_field(count: int) -> None:
    REFERRED.when(dash(given_answers=[N] * count)).then_rejected(("answers", f"got {count}"))


def test_an_answer_off_the_list_is_refused_at_parsing() -> None:
    body = dash(3).model_dump(mode="json")
    body["answers"][4] = "perhaps"
    with pytest.raises(CommandRejected) as info:
        parse_command(RecordDashRiskAssessment, __import__("json").dumps(body).encode())
    assert [p.field for p in info.value.problems] == ["answers.4"]


def test_the_bands_and_escalation_count_are_the_schemes_dash_settings() -> None:
    scheme = load_scheme(CONFIG_DIR / "south-essex.yaml")
    assert RULES.dash == scheme.dash  # read from the scheme file, not written in the code
    stricter = replace(
        RULES, dash=DashSettings(high_threshold=14, medium_threshold=5, escalation_incidents_12_months=2)
    )
    referred = Scenario(assessment_decider(stricter)).given(*REFERRED.history)
    [event] = referred.when(dash(5)).decided
    assert isinstance(event, DashRiskAssessed) and event.risk_level is RiskLevel.MEDIUM
    escalation = dash(
        5,
        refer_to_marac=True,
        marac_criterion=MaracCriterion.POTENTIAL_ESCALATION,
        incidents_last_12_months=2,
    )
    [event] = referred.when(escalation).decided
    assert isinstance(event, DashRiskAssessed) and event.marac_referral
