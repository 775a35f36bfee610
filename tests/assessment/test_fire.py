"""Fire and rescue: the sanctuary address flag (when sharing allows), its review and removal, and
the fire safety check after the works are completed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from services.assessment.domain.referral_facts import house_of
from services.assessment.domain.state import AssessmentCase
from services.assessment.reactions import flag_address as flag_reaction
from services.assessment.reactions import remove_flag as removal_reaction
from shared.catalogue import MeasureLine
from shared.commands import Command
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
from shared.contracts.referral import OverrideBasis, ReferralForm
from shared.contracts.reporting import ConsentPurpose, Recipient
from shared.errors import Problem
from shared.events import SYSTEM_ACTOR, Event
from tests.assessment.referral_events import closed, form, referral, withdrawn
from tests.assessment.referral_events import override as fire_override
from tests.assessment.scenarios import COORDINATOR, FIRE, RULES, case, recorded
from tests.builders import sent_by
from tests.gwt import Scenario

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


def installed(
    consent: bool = True,
    override: bool = False,
    completed: bool = True,
    referral_form: ReferralForm | None = None,
) -> Scenario[Command, AssessmentCase]:
    """A referral submitted with its consents and accepted, assessed, and (by default) installed."""
    events: list[Event] = [*referral(information_sharing=consent, referral_form=referral_form), ASSESSED]
    if override:
        events.append(fire_override())
    if completed:
        events.append(COMPLETED)
    return case().given(*events)


def flag_cmd() -> FlagSanctuaryAddress:
    return FlagSanctuaryAddress(**sent_by(SYSTEM_ACTOR, "C-FIRE-1"), flagged_on=date(2025, 6, 6))


def flagged(consent: bool = True, override: bool = False) -> Scenario[Command, AssessmentCase]:
    done = installed(consent=consent, override=override)
    return done.given(*done.when(flag_cmd()).decided)


def remove_cmd(reason: FlagRemovalReason, on: date = date(2025, 9, 1)) -> RemoveSanctuaryFlag:
    return RemoveSanctuaryFlag(**sent_by(SYSTEM_ACTOR, "C-FIRE-1"), removed_on=on, reason=reason)


def fire_check(
    on: date = date(2025, 6, 13), measures: list[MeasureLine] | None = None
) -> RecordFireSafetyCheck:
    return RecordFireSafetyCheck(
        **sent_by(FIRE, "C-FIRE-1"),
        checked_on=on,
        fire_measures_fitted=measures or [],
    )


# Values of the form a fire crew must never see, by what they are (never printed themselves).
NOT_FOR_FIRE = {
    "client's name": "Alice Example",
    "client's telephone": "07700 900123",
    "referrer's name": "Rita Referrer",
    "perpetrator's name": "Peter Perp",
    "perpetrator's whereabouts": "Lives in another borough",
    "incident narrative": "Threats by text message",
    "arson details": "Threatened to set fire",
    "ethnicity": "Irish",
    "gender": "Female",
    "tenure": "Council housing",
    "date of birth": "1990",
}


def test_completed_installation_with_consent_flags_only_what_a_fire_crew_needs() -> None:
    [event] = installed().when(flag_cmd()).decided
    assert isinstance(event, SanctuaryAddressFlagged) and event.shared_under is SharingBasis.CONSENT
    flag = event.flag
    assert set(flag.model_dump()) == FIRE_VIEW_FIELDS
    assert (flag.address, flag.house, flag.postcode) == ("1 Test Road, Testtown", "1", "TE1 1ST")
    assert flag.sanctuary_room == "front bedroom, first floor" and flag.sanctuary_room_at_front
    # The client and two children; the arson risk from the form's Client Safety section.
    assert (flag.occupants, flag.children, flag.risk_of_arson) == (3, 2, True)
    assert flag.rescue_needs == "Disability: Physical; Adjustments: Uses a wheelchair"
    assert flag.flagged_on == date(2025, 6, 6)
    text = event.model_dump_json()
    leaked = sorted(what for what, value in NOT_FOR_FIRE.items() if value in text)
    assert leaked == [], "the fire flag carries fields outside its list"


def test_the_flag_reads_no_rescue_needs_when_the_form_gives_none() -> None:
    quiet = form(children=0, arson=False, disabilities=["No disability"], adjustments=None)
    [event] = installed(referral_form=quiet).when(flag_cmd()).decided
    assert isinstance(event, SanctuaryAddressFlagged)
    assert (event.flag.occupants, event.flag.children, event.flag.risk_of_arson) == (1, 0, False)
    assert event.flag.rescue_needs is None
    needs = form(
        disabilities=["Learning disability"], adjustments=None, specific_requests="Ground floor only"
    )
    [event] = installed(referral_form=needs).when(flag_cmd()).decided
    assert isinstance(event, SanctuaryAddressFlagged)
    assert event.flag.rescue_needs == "Disability: Learning disability; Specific needs: Ground floor only"


@pytest.mark.parametrize(
    ("address", "house"),
    [
        ("1 Test Road, Testtown", "1"),
        ("12A High Street, Testtown", "12A"),
        ("Rose Cottage, Mill Lane, Testtown", "Rose Cottage"),
        ("Flat 2, Rose Court, Testtown", "Flat 2"),
    ],
)
def test_the_house_number_or_name_is_taken_from_the_address_line(address: str, house: str) -> None:
    assert house_of(address) == house


def test_a_safeguarding_override_for_the_fire_service_allows_the_flag_without_consent() -> None:
    [event] = installed(consent=False, override=True).when(flag_cmd()).decided
    assert isinstance(event, SanctuaryAddressFlagged)
    assert event.shared_under is SharingBasis.SAFEGUARDING_OVERRIDE


def test_an_override_for_another_agency_or_on_a_basis_the_agreement_does_not_name_allows_nothing() -> None:
    for other in (
        fire_override(recipient=Recipient.POLICE),
        fire_override(basis=OverrideBasis.LEGAL_OBLIGATION),  # fire overrides: vital interests, safeguarding
    ):
        installed(consent=False).given(other).when(flag_cmd()).then_rejected(
            ("case_id", "the fire service may not hold this address")
        )


def test_no_flag_without_consent_or_override_or_before_completion() -> None:
    installed(consent=False).when(flag_cmd()).then_rejected(("case_id", "information_sharing"))
    installed(completed=False).when(flag_cmd()).then_rejected(
        Problem(field="case_id", problem="the installation is not completed yet")
    )
    flagged().when(flag_cmd()).then_rejected(("case_id", "already flagged"))
    early = flag_cmd().model_copy(update={"flagged_on": date(2025, 6, 5)})
    installed().when(early).then_rejected(("flagged_on", "is before the installation was completed"))
    installed().given(closed()).when(flag_cmd()).then_rejected(
        Problem(field="case_id", problem="the case is closed")
    )


def test_consent_withdrawn_removes_the_flag_only_once_it_is_withdrawn() -> None:
    command = remove_cmd(FlagRemovalReason.CONSENT_WITHDRAWN)
    flagged().when(command).then_rejected(("reason", "may still hold the flag"))  # consent still given
    flagged().given(withdrawn()).when(command).then(
        SanctuaryFlagRemoved(removed_on=date(2025, 9, 1), reason=FlagRemovalReason.CONSENT_WITHDRAWN)
    )
    other_purpose = flagged().given(withdrawn(ConsentPurpose.FOLLOW_UP_CONTACT))
    other_purpose.when(command).then_rejected(("reason", "may still hold the flag"))


def test_case_closed_removes_the_flag_once_the_case_is_closed() -> None:
    command = remove_cmd(FlagRemovalReason.CASE_CLOSED)
    flagged().when(command).then_rejected(Problem(field="reason", problem="the case is not closed"))
    closed_case = flagged().given(closed())
    removed = closed_case.when(command).then(
        SanctuaryFlagRemoved(removed_on=date(2025, 9, 1), reason=FlagRemovalReason.CASE_CLOSED)
    )
    after = closed_case.given(*removed)
    assert after.state.flag is None
    after.when(remove_cmd(FlagRemovalReason.CASE_CLOSED)).then_rejected(("case_id", "is not flagged"))
    closed_case.when(remove_cmd(FlagRemovalReason.CASE_CLOSED, on=date(2025, 6, 1))).then_rejected(
        ("removed_on", "is before the address was flagged")
    )


def test_withdrawn_consent_does_not_remove_a_flag_held_under_safeguarding_override() -> None:
    withdrawn_case = flagged(override=True).given(withdrawn())
    withdrawn_case.when(remove_cmd(FlagRemovalReason.CONSENT_WITHDRAWN)).then_rejected(("reason", "override"))
    withdrawn_case.when(remove_cmd(FlagRemovalReason.LAWFUL_BASIS_ENDED)).then(
        SanctuaryFlagRemoved(removed_on=date(2025, 9, 1), reason=FlagRemovalReason.LAWFUL_BASIS_ENDED)
    )


def test_reactions_turn_referral_and_contractor_events_into_flag_commands() -> None:
    [flag] = flag_reaction(recorded(COMPLETED))
    assert isinstance(flag, FlagSanctuaryAddress) and flag.flagged_on == date(2025, 6, 6)
    assert flag_reaction(recorded(fire_override(recipient=Recipient.POLICE))) == []
    [by_override] = flag_reaction(recorded(fire_override()))
    assert isinstance(by_override, FlagSanctuaryAddress)
    [removal] = removal_reaction(recorded(closed()))
    assert isinstance(removal, RemoveSanctuaryFlag)
    assert (removal.reason, removal.removed_on) == (FlagRemovalReason.CASE_CLOSED, date(2025, 9, 1))
    [removal] = removal_reaction(recorded(withdrawn()))
    assert isinstance(removal, RemoveSanctuaryFlag) and removal.reason is FlagRemovalReason.CONSENT_WITHDRAWN
    assert removal_reaction(recorded(withdrawn(ConsentPurpose.FOLLOW_UP_CONTACT))) == []


def test_review_keeps_or_removes_the_flag() -> None:
    keep = ReviewSanctuaryFlag(
        **sent_by(COORDINATOR, "C-FIRE-1"),
        reviewed_on=date(2025, 9, 1),
        decision=FlagReviewDecision.KEEP,
        next_review_by=date(2025, 12, 1),
    )
    flagged().when(keep).then(
        SanctuaryFlagReviewed(
            reviewed_on=date(2025, 9, 1), decision=FlagReviewDecision.KEEP, next_review_by=date(2025, 12, 1)
        )
    )
    remove = keep.model_copy(
        update={
            "decision": FlagReviewDecision.REMOVE,
            "removal_reason": FlagRemovalReason.CLIENT_HAS_MOVED,
            "next_review_by": None,
        }
    )
    flagged().when(remove).then(
        SanctuaryFlagReviewed(reviewed_on=date(2025, 9, 1), decision=FlagReviewDecision.REMOVE),
        SanctuaryFlagRemoved(removed_on=date(2025, 9, 1), reason=FlagRemovalReason.CLIENT_HAS_MOVED),
    )
    no_reason = remove.model_copy(update={"removal_reason": None})
    flagged().when(no_reason).then_rejected(("removal_reason", "is required"))
    installed().when(keep).then_rejected(("case_id", "is not flagged"))  # nothing flagged to review


def test_fire_safety_check_within_ten_working_days_of_completion() -> None:
    measures = [
        MeasureLine(item_code="FIREPROOF-LETTERBOX", quantity=1),
        MeasureLine(item_code="SMOKE-DETECTOR", quantity=2),
    ]
    installed().when(fire_check(measures=measures)).then(
        FireSafetyCheckRecorded(
            checked_on=date(2025, 6, 13),
            due_by=date(2025, 6, 20),
            within_timescale=True,
            fire_measures_fitted=measures,
        )
    )
    [late] = installed().when(fire_check(on=date(2025, 6, 23))).decided
    assert isinstance(late, FireSafetyCheckRecorded) and not late.within_timescale


def test_fire_safety_check_before_the_works_are_completed_is_refused() -> None:
    installed(completed=False).when(fire_check()).then_rejected(("case_id", "not completed"))
    installed().when(fire_check(on=date(2025, 6, 5))).then_rejected(
        ("checked_on", "is before the works were completed")
    )


def test_fire_measures_must_be_fire_items_of_the_catalogue() -> None:
    measures = [
        MeasureLine(item_code="DOOR-CHAIN", quantity=1),
        MeasureLine(item_code="NOT-AN-ITEM", quantity=1),
    ]
    installed().when(fire_check(measures=measures)).then_rejected(
        Problem(field="fire_measures_fitted.0.item_code", problem="is not a fire safety measure"),
        Problem(field="fire_measures_fitted.1.item_code", problem="is not an item of the measures catalogue"),
    )


def test_the_fire_view_is_exactly_the_sharing_agreements_fire_list() -> None:
    terms = RULES.sharing.terms(Recipient.FIRE)
    assert terms is not None
    listed = {path.removeprefix("flag.") for path in terms.events["SanctuaryAddressFlagged"]}
    assert listed == FIRE_VIEW_FIELDS
    assert set(terms.events) == {"SanctuaryAddressFlagged"}
