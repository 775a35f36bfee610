"""The synthetic year is deterministic and has every ingredient a real scheme year shows."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from typing import Any

import pytest

from sanctuary.demo.generator import financial_year_start, generate, year_end
from sanctuary.demo.storyline import REQUIRED_PATHS, Path, Storyline
from shared.catalogue import load_catalogue
from shared.contracts import assessment as A
from shared.contracts import contractor as K
from shared.contracts import referral as R
from shared.scheme import load_scheme
from shared.settings import CONFIG_DIR

SCHEME = load_scheme(CONFIG_DIR / "schemes" / "standing-together.yaml")
CATALOGUE = load_catalogue(CONFIG_DIR / "catalogue.yaml")
START = date(2025, 4, 1)


def year(seed: int = 7, cases: int = 60) -> list[Storyline]:
    return generate(seed, cases, START, SCHEME, CATALOGUE)


def fingerprint(stories: list[Storyline]) -> list[tuple[str, str, list[str]]]:
    return [(s.case_id, s.path.value, [step.command.model_dump_json() for step in s.steps]) for s in stories]


def commands(stories: list[Storyline], cls: type[Any]) -> list[Any]:
    return [step.command for s in stories for step in s.steps if isinstance(step.command, cls)]


def test_same_seed_same_year_and_another_seed_another() -> None:
    assert fingerprint(year(7)) == fingerprint(year(7))
    assert fingerprint(year(7)) != fingerprint(year(8))


def test_the_last_complete_financial_year() -> None:
    assert financial_year_start(date(2026, 11, 23)) == date(2025, 4, 1)
    assert financial_year_start(date(2026, 3, 31)) == date(2024, 4, 1)
    assert year_end(date(2025, 4, 1)) == date(2026, 3, 31)


def test_every_command_happens_inside_the_year_in_order_with_a_unique_id() -> None:
    stories = year()
    assert len(stories) == 60
    ids = [step.command.command_id for s in stories for step in s.steps]
    assert len(ids) == len(set(ids))
    for story in stories:
        times = [step.at for step in story.steps]
        assert times == sorted(times), story.case_id
        assert all(START <= t.date() <= year_end(START) for t in times), story.case_id
        assert all(step.command.occurred_at == step.at for step in story.steps)
    received = [s.received_on for s in stories]
    assert received == sorted(received)
    assert {(d.month - 4) % 12 // 3 for d in received} == {0, 1, 2, 3}  # referrals in every quarter


@pytest.mark.parametrize("cases", [9, 10, 60])
def test_every_pathway_appears(cases: int) -> None:
    paths = Counter(s.path for s in year(cases=cases))
    assert set(REQUIRED_PATHS) <= set(paths)
    assert paths[Path.SUSPENDED] == 1 and paths[Path.COMPLAINT] == 1


def test_declines_cancellations_withdrawals_suspension_and_complaint_are_as_the_scheme_says() -> None:
    stories = year()
    declines = commands(stories, R.DeclineReferral)
    assert declines and all(d.reason in SCHEME.decline_reasons for d in declines)
    assert any(d.signpost_to for d in declines)
    cancels = commands(stories, K.CancelInstallation)
    assert {c.reason for c in cancels} >= {
        "Client could not be contacted",
        "Client moved out of the property",
    }
    assert all(c.reason in SCHEME.cancellation_reasons for c in cancels)
    withdrawals = commands(stories, R.WithdrawConsent)
    assert any(not w.purposes for w in withdrawals)  # every consent, before the works
    assert any(w.purposes == [R.ConsentPurpose.INFORMATION_SHARING] for w in withdrawals)  # after them
    assert len(commands(stories, K.SuspendWorks)) == len(commands(stories, R.ResumeWorks)) == 1
    assert len(commands(stories, R.RecordComplaint)) == len(commands(stories, R.ResolveComplaint)) == 1
    kinds = {f.kind for f in commands(stories, R.RecordFollowUpContact)}
    assert {
        R.FollowUpKind.VISIT_AFTER_INSTALLATION,
        R.FollowUpKind.MONTHS_3,
        R.FollowUpKind.MONTHS_6,
    } <= kinds
    assert commands(stories, R.RecordFeedback)
    reasons = Counter(c.reason for c in commands(stories, R.CloseCase))
    assert reasons[R.ClosureReason.WORKS_COMPLETED] and reasons[R.ClosureReason.SAFEGUARDING_REFERRAL]


def test_urgent_cases_have_their_lock_changed_the_day_they_are_approved() -> None:
    urgent = [s for s in year() if s.path is Path.URGENT]
    assert urgent
    for story in urgent:
        approved = story.commands_named("ApproveRecommendations")[0].occurred_at
        lock = story.commands_named("RecordEmergencyLockChange")[0]
        assert isinstance(lock, K.RecordEmergencyLockChange)
        assert approved is not None and lock.completed_at.date() == approved.date() == story.received_on


def test_the_mix_of_people_has_unknowns_and_prefer_not_to_say() -> None:
    forms = [c.form for c in commands(year(), R.SubmitReferral)]
    assert {f.referral_source for f in forms} == set(R.ReferralSource)
    genders = {f.about_client.gender for f in forms}
    assert {None, R.Gender.PREFER_NOT_TO_SAY, R.Gender.FEMALE, R.Gender.MALE} <= genders
    ethnicities = {f.about_client.ethnicity for f in forms}
    assert {None, R.Ethnicity.PREFER_NOT_TO_SAY} <= ethnicities
    disabilities = [tuple(f.about_client.disabilities) for f in forms]
    assert () in disabilities and (R.Disability.PREFER_NOT_TO_SAY,) in disabilities
    assert len({f.household.tenure for f in forms}) >= 4
    assert any(f.household.number_of_children for f in forms)
    assert any(f.safety.risk_of_arson is R.YesNo.YES for f in forms)


def test_dash_scores_span_high_medium_and_standard_risk() -> None:
    scores = [
        sum(a is A.DashAnswer.YES for a in d.answers) for d in commands(year(), A.RecordDashRiskAssessment)
    ]
    high, medium = SCHEME.dash.high_threshold, SCHEME.dash.medium_threshold
    assert any(s >= high for s in scores)
    assert any(medium <= s < high for s in scores)
    assert any(s < medium for s in scores)


def test_the_people_are_invented() -> None:
    for form in (c.form for c in commands(year(), R.SubmitReferral)):
        assert re.fullmatch(r"07700 900\d{3}", form.client.telephone)
        assert re.fullmatch(r"020 7946 0\d{3}", form.referrer.telephone)
        assert form.client.postcode.startswith("TE") and "Demoton" in form.client.address
        assert form.referrer.email.endswith("@example.org")


def test_a_year_needs_at_least_one_case() -> None:
    with pytest.raises(ValueError, match="cases"):
        year(cases=0)
