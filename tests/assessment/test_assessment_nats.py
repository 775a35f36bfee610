"""The assessment service on a real nats-server, end to end: an accepted referral opens the CPO work
item by reaction; the CPO's work goes through the command endpoints; a completed installation flags
the address by reaction; the fire control room finds it with the fire fields only; closure, or
withdrawn consent to information sharing, removes it by reaction."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from nats.aio.client import Client as NATS

from services.assessment.app import AssessmentParts, create_app
from shared.bus import send_command
from shared.contracts.assessment import (
    DASH_QUESTION_COUNT,
    FIRE_VIEW_FIELDS,
    SANCTUARY_ADDRESS_QUERY,
    CpoWorkItemOpened,
    DashAnswer,
    Finding,
    FlagRemovalReason,
    MaracCriterion,
    RecommendedMeasure,
    RecordDashRiskAssessment,
    RecordFireSafetyCheck,
    RecordIntelligenceCheck,
    RecordPropertyAssessment,
    SanctuaryAddressFlagged,
    SanctuaryFlagRemoved,
    SanctuaryRoom,
    SchedulePropertyVisit,
    SharingBasis,
)
from shared.contracts.contractor import InstallationCompleted
from shared.errors import ConcurrencyConflict
from shared.events import Actor, Event, RecordedEvent
from shared.eventstore import EventStore
from shared.service import Service
from tests.assessment.referral_events import (
    REFERRAL_COORDINATOR,
    closed,
    form,
    override,
    referral,
    submitted,
    withdrawn,
)
from tests.assessment.referral_events import consents as consent_events
from tests.assessment.scenarios import CONTROL, CPO, FIRE, cid
from tests.assessment.test_fire import NOT_FOR_FIRE
from tests.builders import sent_by
from tests.contractor.scenarios import OFFICE as CONTRACTOR
from tests.waiting import DEADLINE_S, until

pytestmark = pytest.mark.nats
StoreFor = Callable[[str], EventStore]


@pytest.fixture
async def assessment(settings: Any) -> AsyncIterator[Service[AssessmentParts]]:
    """The assessment service, started for the test and stopped after it."""
    app, service = create_app(settings)
    await app.start()
    yield service
    await app.stop()


def unique_address() -> tuple[str, str, str]:
    """A house number, address line and postcode no other test uses (the index is server-wide)."""
    n = uuid.uuid4().int
    house = str(100 + n % 900)
    postcode = f"TE{10 + n // 1000 % 90} {1 + n // 100000 % 9}ZZ"
    return house, f"{house} Test Road, Testtown", postcode


async def ask(nc: NATS, postcode: str, house: str, actor: Actor = CONTROL) -> tuple[dict[str, Any], bytes]:
    body = {"actor": actor.model_dump(mode="json"), "postcode": postcode, "house": house}
    reply = await nc.request(SANCTUARY_ADDRESS_QUERY, json.dumps(body).encode(), timeout=5)
    return json.loads(reply.data), reply.data


async def eventually(check: Callable[[], Awaitable[bool]], what: str, seconds: float = DEADLINE_S) -> None:
    await until(check, what, seconds)


async def until_flagged(nc: NATS, postcode: str, house: str, what: str, *, flagged: bool = True) -> None:
    """Wait until the control room finds the address flagged (or, ``flagged=False``, finds nothing)."""

    async def answered() -> bool:
        answer = (await ask(nc, postcode, house))[0]
        return bool(answer.get("found")) if flagged else answer == {"found": False}

    await eventually(answered, what)


async def append(store: EventStore, case_id: str, events: list[Event], actor: Actor) -> None:
    """Append as another service would: the service's own reactions may append to the case at the
    same moment, so a concurrency conflict means read the new end and try again."""
    command_id = cid()
    for _ in range(20):
        try:
            await store.append(
                case_id,
                events,
                expected=await store.last_position(case_id),
                actor=actor,
                command_id=command_id,
            )
            return
        except ConcurrencyConflict:
            continue
    raise AssertionError("the case kept changing")


def of_type(events: list[RecordedEvent], cls: type[Event]) -> list[Any]:
    return [e.payload for e in events if isinstance(e.payload, cls)]


def completed() -> InstallationCompleted:
    return InstallationCompleted(
        completed_at=datetime(2025, 6, 6, 15, tzinfo=UTC),
        total_cost_gbp=Decimal("480.00"),
        working_days_from_works_order=3,
        made_to_measure=False,
        within_timescale=True,
    )


@dataclass(frozen=True)
class AddressCase:
    """A new case at an address no other test uses, and the stores the other services write it with."""

    case_id: str
    house: str
    address: str
    postcode: str
    store_for: StoreFor

    async def refer(self, *events: Event) -> None:
        await append(self.store_for("referral"), self.case_id, list(events), REFERRAL_COORDINATOR)

    async def complete_works(self) -> None:
        await append(self.store_for("contractor"), self.case_id, [completed()], CONTRACTOR)

    async def recorded(self, cls: type[Event]) -> list[Any]:
        """The assessment service's events of this type on the case."""
        return of_type(await self.store_for("assessment").load(self.case_id), cls)


@pytest.fixture
def case(store_for: StoreFor) -> AddressCase:
    house, address, postcode = unique_address()
    return AddressCase(f"A-{uuid.uuid4().hex[:12]}", house, address, postcode, store_for)


async def test_from_accepted_referral_to_the_flag_and_its_removal_on_closure(
    settings: Any, assessment: Service[AssessmentParts], nc: NATS, case: AddressCase
) -> None:
    case_id, house, postcode = case.case_id, case.house, case.postcode
    assessment_store = case.store_for("assessment")
    # Given an accepted referral (submitted with its consents, then accepted by the coordinator).
    await case.refer(*referral(referral_form=form(address=case.address, postcode=postcode)))

    async def work_item_open() -> bool:
        return bool(await case.recorded(CpoWorkItemOpened))

    await eventually(work_item_open, "the CPO work item opened by reaction")

    # The CPO's work, through the command endpoints over the bus.
    for command in (
        RecordIntelligenceCheck(
            **sent_by(CPO, case_id),
            checked_on=date(2025, 6, 2),
            access_to_weapons=Finding.NO,
            risk_to_visiting_staff=Finding.NOT_KNOWN,
        ),
        SchedulePropertyVisit(**sent_by(CPO, case_id), visit_at=datetime(2025, 6, 3, 10, tzinfo=UTC)),
        RecordPropertyAssessment(
            **sent_by(CPO, case_id),
            assessed_on=date(2025, 6, 3),
            recommended_measures=[RecommendedMeasure(item_code="SANCTUARY-ROOM-DOOR", quantity=1)],
            sanctuary_room=SanctuaryRoom(
                room="front bedroom", floor="first floor", at_front_of_property=True
            ),
        ),
        RecordDashRiskAssessment(
            **sent_by(CPO, case_id),
            assessed_on=date(2025, 6, 3),
            answers=[DashAnswer.YES] * 15 + [DashAnswer.NO] * (DASH_QUESTION_COUNT - 15),
            refer_to_marac=True,
            marac_criterion=MaracCriterion.VISIBLE_HIGH_RISK,
        ),
    ):
        reply = await send_command(nc, command)
        assert reply.ok, reply.errors

    # A fire check before the works are completed: a clear error, nothing stored.
    check = RecordFireSafetyCheck(**sent_by(FIRE, case_id), checked_on=date(2025, 6, 9))
    before = len(await assessment_store.load(case_id))
    refused = await send_command(nc, check)
    assert not refused.ok and [p.field for p in refused.errors] == ["case_id"]
    assert len(await assessment_store.load(case_id)) == before

    # When the contractor completes the installation, the address is flagged by reaction.
    await case.complete_works()
    answer: dict[str, Any] = {}
    raw = b""

    async def found() -> bool:
        nonlocal answer, raw
        answer, raw = await ask(nc, postcode.lower().replace(" ", ""), f" {house} ")
        return bool(answer.get("found"))

    await eventually(found, "the control room finding the flagged address")
    [flagged] = await case.recorded(SanctuaryAddressFlagged)
    assert flagged.shared_under is SharingBasis.CONSENT

    # The control room gets the fire fields only, never anything else of the case.
    assert set(answer) == {"found", "flag"} and set(answer["flag"]) <= FIRE_VIEW_FIELDS
    flag = answer["flag"]
    assert (flag["house"], flag["occupants"], flag["children"], flag["risk_of_arson"]) == (
        house,
        3,
        2,
        True,
    )
    assert flag["sanctuary_room"] == "front bedroom, first floor" and flag["sanctuary_room_at_front"]
    leaked = sorted(what for what, value in NOT_FOR_FIRE.items() if value.encode() in raw)
    assert leaked == [], "the control room's answer carries fields outside the fire list"
    assert assessment.parts.fire_lookup.counts.found >= 1

    # Another door in the postcode, or someone not in the control room: nothing.
    assert (await ask(nc, postcode, "9999"))[0] == {"found": False}
    wrong, _ = await ask(nc, postcode, house, FIRE)
    assert wrong["found"] is False and "flag" not in wrong
    assert [e["field"] for e in wrong["errors"]] == ["actor.role"]

    # The fire safety check now follows the completed works.
    done = await send_command(nc, check.model_copy(update={"command_id": cid()}))
    assert done.ok, done.errors

    # A restarted service rebuilds the index from the flag events.
    app2, service2 = create_app(settings)
    await app2.start()
    try:
        assert service2.parts.fire_lookup.index.lookup(postcode, house) is not None
    finally:
        await app2.stop()

    # The referral side closes the case: the flag is removed by reaction and the lookup answers nothing.
    await case.refer(closed())
    await until_flagged(nc, postcode, house, "the flag removed on closure", flagged=False)
    [removed] = await case.recorded(SanctuaryFlagRemoved)
    assert removed.reason is FlagRemovalReason.CASE_CLOSED


async def test_withdrawn_consent_to_information_sharing_removes_a_consent_based_flag(
    assessment: Service[AssessmentParts], nc: NATS, case: AddressCase
) -> None:
    await case.refer(*referral(referral_form=form(address=case.address, postcode=case.postcode)))
    await case.complete_works()
    await until_flagged(nc, case.postcode, case.house, "the flag on completion")
    await case.refer(withdrawn())
    await until_flagged(nc, case.postcode, case.house, "the flag removed on withdrawal", flagged=False)
    [removed] = await case.recorded(SanctuaryFlagRemoved)
    assert removed.reason is FlagRemovalReason.CONSENT_WITHDRAWN


async def test_without_consent_a_safeguarding_override_for_the_fire_service_flags_the_address(
    assessment: Service[AssessmentParts], nc: NATS, case: AddressCase
) -> None:
    # Consent to information sharing refused: completing the works flags nothing...
    refused = consent_events(information_sharing=False)
    await case.refer(submitted(form(address=case.address, postcode=case.postcode)), *refused)
    await case.complete_works()
    # ...until the coordinator records a safeguarding override for the fire service.
    await case.refer(override())
    await until_flagged(nc, case.postcode, case.house, "the flag under the override")
    [flagged] = await case.recorded(SanctuaryAddressFlagged)
    assert flagged.shared_under is SharingBasis.SAFEGUARDING_OVERRIDE

    # Withdrawing consent does not end a flag held under the override.
    await case.refer(withdrawn())
    await case.refer(closed())

    async def removed_on_closure() -> bool:
        return bool(await case.recorded(SanctuaryFlagRemoved))

    await eventually(removed_on_closure, "the flag removed on closure")
    [removed] = await case.recorded(SanctuaryFlagRemoved)
    assert removed.reason is FlagRemovalReason.CASE_CLOSED
