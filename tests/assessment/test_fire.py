"""Fire and rescue: the sanctuary address flag (when sharing allows), its review and removal, and
the fire safety check after the works are completed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from services.assessment.domain.referral_facts import ClientForFire, ReferralFacts
from services.assessment.domain.state import AssessmentCase
from shared.catalogue import MeasureLine
from shared.contracts.assessment import (
    FIRE_VIEW_FIELDS,
    FireSafetyCheckRecorded,
    FlagRemovalReason,
    FlagReviewDecision,
    FlagSanctuaryAddress,
    PropertyAssessed,
    RecommendedMeasure,
    RecordFireSafetyCheck,
    RemoveSanctuaryFlag,
    ReviewSanctuaryFlag,
    SanctuaryAddressFlagged,
    SanctuaryFlagRemoved,
    SanctuaryFlagReviewed,
    SanctuaryRoom,
    SharingBasis,
)
from shared.contracts.contractor import InstallationCompleted
from shared.events import SYSTEM_ACTOR
from tests.assessment.gwt import COORDINATOR, FIRE, cid, given, rejected, when

CLIENT = ClientForFire(
    address="1 Test Road, Testtown, TE1 1ST",
    house="1",
    postcode="TE1 1ST",
    occupants=3,
    children=2,
    risk_of_arson=True,
    rescue_needs="uses a wheelchair",
)
COMPLETED = InstallationCompleted(
    completed_at=datetime(2025, 6, 6, 15, tzinfo=UTC),  # Friday
    total_cost_gbp=Decimal("150.00"),
    working_days_from_works_order=3,
    made_to_measure=False,
    within_timescale=True,
)
ASSESSED = PropertyAssessed(
    assessed_on=date(2025, 6, 3),
    recommended_measures=[RecommendedMeasure(item_code="SANCTUARY-ROOM-DOOR", quantity=1)],
    sanctuary_room=SanctuaryRoom(room="front bedroom", floor="first floor", at_front_of_property=True),
    within_timescale=True,
)


def case(consent: bool = True, override: bool = False, completed: bool = True) -> AssessmentCase:
    facts = ReferralFacts(
        client=CLIENT, accepted=True, information_sharing_consent=consent, fire_safeguarding_override=override
    )
    events = [ASSESSED, COMPLETED] if completed else [ASSESSED]
    return given(*events, state=AssessmentCase(referral=facts))


def flag_cmd() -> FlagSanctuaryAddress:
    return FlagSanctuaryAddress(
        command_id=cid(), case_id="C-FIRE-1", actor=SYSTEM_ACTOR, flagged_on=date(2025, 6, 6)
    )


def flagged(**kw: bool) -> AssessmentCase:
    return given(*when(case(**kw), flag_cmd()), state=case(**kw))


def remove_cmd(reason: FlagRemovalReason, on: date = date(2025, 9, 1)) -> RemoveSanctuaryFlag:
    return RemoveSanctuaryFlag(
        command_id=cid(), case_id="C-FIRE-1", actor=SYSTEM_ACTOR, removed_on=on, reason=reason
    )


def fire_check(
    on: date = date(2025, 6, 13), measures: list[MeasureLine] | None = None
) -> RecordFireSafetyCheck:
    return RecordFireSafetyCheck(
        command_id=cid(),
        case_id="C-FIRE-1",
        actor=FIRE,
        checked_on=on,
        fire_measures_fitted=measures or [],
    )


def test_completed_installation_with_consent_flags_only_what_a_fire_crew_needs() -> None:
    [event] = when(case(), flag_cmd())
    assert isinstance(event, SanctuaryAddressFlagged) and event.shared_under is SharingBasis.CONSENT
    flag = event.flag
    assert set(flag.model_dump()) == FIRE_VIEW_FIELDS
    assert flag.sanctuary_room == "front bedroom, first floor" and flag.sanctuary_room_at_front
    assert (flag.occupants, flag.children, flag.risk_of_arson) == (3, 2, True)
    assert flag.flagged_on == date(2025, 6, 6)


def test_a_safeguarding_override_for_the_fire_service_allows_the_flag_without_consent() -> None:
    [event] = when(case(consent=False, override=True), flag_cmd())
    assert isinstance(event, SanctuaryAddressFlagged)
    assert event.shared_under is SharingBasis.SAFEGUARDING_OVERRIDE


def test_no_flag_without_consent_or_override_or_before_completion() -> None:
    assert "case_id" in rejected(case(consent=False), flag_cmd())
    assert "case_id" in rejected(case(completed=False), flag_cmd())
    assert "case_id" in rejected(flagged(), flag_cmd())  # already flagged


def test_flag_removed_when_consent_withdrawn_or_case_closed() -> None:
    for reason in (FlagRemovalReason.CONSENT_WITHDRAWN, FlagRemovalReason.CASE_CLOSED):
        [event] = when(flagged(), remove_cmd(reason))
        assert isinstance(event, SanctuaryFlagRemoved) and event.reason is reason
    state = given(*when(flagged(), remove_cmd(FlagRemovalReason.CASE_CLOSED)), state=flagged())
    assert state.flag is None
    assert set(rejected(state, remove_cmd(FlagRemovalReason.CASE_CLOSED))) == {"case_id"}


def test_withdrawn_consent_does_not_remove_a_flag_held_under_safeguarding_override() -> None:
    state = flagged(consent=False, override=True)
    assert set(rejected(state, remove_cmd(FlagRemovalReason.CONSENT_WITHDRAWN))) == {"reason"}
    [event] = when(state, remove_cmd(FlagRemovalReason.LAWFUL_BASIS_ENDED))
    assert isinstance(event, SanctuaryFlagRemoved)


def test_review_keeps_or_removes_the_flag() -> None:
    keep = ReviewSanctuaryFlag(
        command_id=cid(),
        case_id="C-FIRE-1",
        actor=COORDINATOR,
        reviewed_on=date(2025, 9, 1),
        decision=FlagReviewDecision.KEEP,
        next_review_by=date(2025, 12, 1),
    )
    [kept] = when(flagged(), keep)
    assert isinstance(kept, SanctuaryFlagReviewed) and kept.decision is FlagReviewDecision.KEEP
    remove = keep.model_copy(
        update={
            "decision": FlagReviewDecision.REMOVE,
            "removal_reason": FlagRemovalReason.CLIENT_HAS_MOVED,
            "next_review_by": None,
        }
    )
    reviewed, removed = when(flagged(), remove)
    assert isinstance(reviewed, SanctuaryFlagReviewed)
    assert isinstance(removed, SanctuaryFlagRemoved) and removed.reason is FlagRemovalReason.CLIENT_HAS_MOVED
    no_reason = remove.model_copy(update={"removal_reason": None})
    assert set(rejected(flagged(), no_reason)) == {"removal_reason"}
    assert set(rejected(case(), keep)) == {"case_id"}  # nothing flagged to review


def test_fire_safety_check_within_ten_working_days_of_completion() -> None:
    measures = [
        MeasureLine(item_code="FIREPROOF-LETTERBOX", quantity=1),
        MeasureLine(item_code="SMOKE-DETECTOR", quantity=2),
    ]
    [event] = when(case(), fire_check(measures=measures))
    assert isinstance(event, FireSafetyCheckRecorded)
    assert event.due_by == date(2025, 6, 20) and event.within_timescale
    assert event.fire_measures_fitted == measures
    [late] = when(case(), fire_check(on=date(2025, 6, 23)))
    assert isinstance(late, FireSafetyCheckRecorded) and not late.within_timescale


def test_fire_safety_check_before_the_works_are_completed_is_refused() -> None:
    problems = rejected(case(completed=False), fire_check())
    assert set(problems) == {"case_id"} and "not completed" in problems["case_id"]
    assert set(rejected(case(), fire_check(on=date(2025, 6, 5)))) == {"checked_on"}


def test_fire_measures_must_be_fire_items_of_the_catalogue() -> None:
    measures = [
        MeasureLine(item_code="DOOR-CHAIN", quantity=1),
        MeasureLine(item_code="NOT-AN-ITEM", quantity=1),
    ]
    problems = rejected(case(), fire_check(measures=measures))
    assert problems == {
        "fire_measures_fitted.0.item_code": "is not a fire safety measure",
        "fire_measures_fitted.1.item_code": "is not an item of the measures catalogue",
    }
