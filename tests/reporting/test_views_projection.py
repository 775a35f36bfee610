"""The views' pure parts, given-when-then: folding a case's events and deciding its disclosures."""

from __future__ import annotations

from datetime import UTC, date, datetime

from services.reporting.views.disclosures import RecordDisclosure, views_decider
from services.reporting.views.project import Sight, case_view, visible
from services.reporting.views.state import CaseSharing
from shared.contracts.assessment import FlagRemovalReason, SanctuaryFlagRemoved
from shared.contracts.referral import ConsentRecorded
from shared.contracts.reporting import ConsentPurpose, DisclosureRecorded, Recipient
from shared.events import SYSTEM_ACTOR, Actor, Event, RecordedEvent, Role
from shared.settings import CONFIG_DIR
from shared.sharing import load_sharing_policy
from tests.builders import recorded_event
from tests.gwt import Scenario
from tests.reporting.test_views_policy import flagged

POLICY = load_sharing_policy(CONFIG_DIR / "sharing-policy.yaml")
DECIDER = views_decider(POLICY)
NOW = datetime(2025, 6, 2, tzinfo=UTC)
COORDINATOR = Actor(agency="Test Council", person="coord-1", role=Role.COORDINATOR)


def recorded(payload: Event, seq: int) -> RecordedEvent:
    return recorded_event(payload, case_id="PJ-1", actor=COORDINATOR, at=NOW, seq=seq)


def case(*payloads: Event) -> Scenario[RecordDisclosure, CaseSharing]:
    """A case whose history is ``payloads``, at stream positions 1, 2, ..."""
    return Scenario(DECIDER).given(*(recorded(p, i) for i, p in enumerate(payloads, start=1)))


def consent(purpose: ConsentPurpose) -> ConsentRecorded:
    return ConsentRecorded(purpose=purpose, given=True, recorded_by=COORDINATOR, recorded_at=NOW)


def disclose(recipient: Recipient) -> RecordDisclosure:
    return RecordDisclosure(
        command_id="cmd-disclose-1", case_id="PJ-1", actor=SYSTEM_ACTOR, recipient=recipient
    )


def test_a_disclosure_is_decided_once_and_not_again_after_it_is_recorded():
    shared = case(consent(ConsentPurpose.INFORMATION_SHARING), flagged())
    [disclosure] = shared.when(disclose(Recipient.FIRE)).decided
    assert isinstance(disclosure, DisclosureRecorded)
    assert disclosure.source_event_ids == [shared.history[1].event_id]
    assert disclosure.subject == "view.fire.PJ-1"
    shared.given(recorded(disclosure, 3)).when(disclose(Recipient.FIRE)).then()


def test_nothing_is_disclosed_without_consent_or_to_a_recipient_without_terms_for_the_event():
    case(flagged()).when(disclose(Recipient.FIRE)).then()
    consented = case(consent(ConsentPurpose.INFORMATION_SHARING), flagged())
    consented.when(disclose(Recipient.POLICE)).then()


def test_a_removed_sanctuary_flag_takes_the_address_off_the_fire_register_until_flagged_again():
    shared = case(consent(ConsentPurpose.INFORMATION_SHARING), flagged())
    [disclosure] = shared.when(disclose(Recipient.FIRE)).decided
    removed = SanctuaryFlagRemoved(removed_on=date(2025, 7, 1), reason=FlagRemovalReason.RISK_HAS_GONE)
    after = shared.given(recorded(disclosure, 3), recorded(removed, 4))
    view = case_view(POLICY, after.state, "PJ-1", Recipient.FIRE, NOW)
    assert view is not None and view.status == "removed" and not view.events
    assert view.reason == "SanctuaryFlagRemoved recorded"
    after.when(disclose(Recipient.FIRE)).then()
    again = after.given(recorded(flagged(), 5))
    [fresh] = again.when(disclose(Recipient.FIRE)).decided
    assert isinstance(fresh, DisclosureRecorded) and fresh.source_event_ids == [again.history[-1].event_id]


def test_a_view_shows_only_what_a_recorded_disclosure_covers():
    shared = case(consent(ConsentPurpose.INFORMATION_SHARING), flagged())
    assert case_view(POLICY, shared.state, "PJ-1", Recipient.FIRE, NOW) is None
    [disclosure] = shared.when(disclose(Recipient.FIRE)).decided
    view = case_view(POLICY, shared.given(recorded(disclosure, 3)).state, "PJ-1", Recipient.FIRE, NOW)
    assert view is not None and view.status == "shared" and len(view.events) == 1


def test_the_sight_of_a_state_is_worked_out_once_and_is_what_visible_says():
    sight = Sight(POLICY)
    before = case(consent(ConsentPurpose.INFORMATION_SHARING)).state
    after = case(consent(ConsentPurpose.INFORMATION_SHARING), flagged()).state
    for state in (before, after):
        for recipient in POLICY.recipients:
            assert sight(state, recipient) == visible(POLICY, state, recipient)
    # The same state asked again: the same answer, not worked out again.
    assert sight(after, Recipient.FIRE) is sight(after, Recipient.FIRE)
    # A decider sharing the sight decides as one without it.
    shared = views_decider(POLICY, sight)
    assert shared.decide(disclose(Recipient.FIRE), after) == DECIDER.decide(disclose(Recipient.FIRE), after)
