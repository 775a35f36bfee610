"""The assessment service on a real nats-server: CPO work through to the fire check, the fire
control room's lookup (rebuilt from the flag events, role-checked, fire fields only) and removal."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from services.assessment.app import create_app
from shared.bus import send_command
from shared.contracts.assessment import (
    FIRE_VIEW_FIELDS,
    SANCTUARY_ADDRESS_QUERY,
    FireFlagView,
    FlagRemovalReason,
    OpenCpoWorkItem,
    RecommendedMeasure,
    RecordFireSafetyCheck,
    RecordPropertyAssessment,
    RemoveSanctuaryFlag,
    SanctuaryAddressFlagged,
    SanctuaryRoom,
    SharingBasis,
)
from shared.contracts.contractor import InstallationCompleted
from shared.decider import CasePosition
from shared.events import Actor, Role
from tests.assessment.gwt import COORDINATOR, CPO, FIRE, cid

pytestmark = pytest.mark.nats
CONTROL = Actor(agency="Test Fire Control", person="ctl-1", role=Role.FIRE_CONTROL)


def ask(postcode: str, house: str, actor: Actor = CONTROL) -> bytes:
    return json.dumps({"actor": actor.model_dump(mode="json"), "postcode": postcode, "house": house}).encode()


async def test_cpo_work_to_fire_check_and_the_fire_lookup(settings, nc, store_for) -> None:
    case_id = f"A-{uuid.uuid4().hex[:12]}"
    postcode = f"TE{uuid.uuid4().int % 90 + 10} 1ST"  # unique per run: the index is shared by the server
    flag = FireFlagView(
        address=f"7 Test Road, Testtown, {postcode}",
        house="7",
        postcode=postcode,
        sanctuary_room="front bedroom, first floor",
        sanctuary_room_at_front=True,
        risk_of_arson=True,
        occupants=2,
        children=1,
        flagged_on=date(2025, 6, 6),
    )
    app, _service = create_app(settings)
    await app.start()
    try:
        opened = await send_command(
            nc,
            OpenCpoWorkItem(
                command_id=cid(), case_id=case_id, actor=COORDINATOR, accepted_on=date(2025, 6, 2)
            ),
        )
        assert opened.ok
        assessment = RecordPropertyAssessment(
            command_id=cid(),
            case_id=case_id,
            actor=CPO,
            assessed_on=date(2025, 6, 3),
            recommended_measures=[RecommendedMeasure(item_code="SANCTUARY-ROOM-DOOR", quantity=1)],
            sanctuary_room=SanctuaryRoom(
                room="front bedroom", floor="first floor", at_front_of_property=True
            ),
        )
        assert (await send_command(nc, assessment)).ok
        before = await store_for("assessment").load(case_id)

        # A fire check before the works are completed: a clear error, nothing stored.
        check = RecordFireSafetyCheck(
            command_id=cid(), case_id=case_id, actor=FIRE, checked_on=date(2025, 6, 9)
        )
        refused = await send_command(nc, check)
        assert not refused.ok and refused.errors[0].field == "case_id"
        assert len(await store_for("assessment").load(case_id)) == len(before)

        # The contractor completes the works; the service catches up before deciding.
        contractor = store_for("contractor")
        await contractor.append(
            case_id,
            [
                InstallationCompleted(
                    completed_at=datetime(2025, 6, 6, 15, tzinfo=UTC),
                    total_cost_gbp=Decimal("480.00"),
                    working_days_from_works_order=3,
                    made_to_measure=False,
                    within_timescale=True,
                )
            ],
            expected=await contractor.last_position(case_id),
            actor=Actor(agency="Test Locks Ltd", person="office-1", role=Role.CONTRACTOR_OFFICE),
            command_id=cid(),
        )
        done = await send_command(nc, check.model_copy(update={"command_id": cid()}))
        assert done.ok, done.errors

        # A flag recorded on the case is found by the control room, with fire fields only.
        store = store_for("assessment")
        position: CasePosition = await store.last_position(case_id)
        await store.append(
            case_id,
            [SanctuaryAddressFlagged(flag=flag, shared_under=SharingBasis.CONSENT)],
            expected=position,
            actor=COORDINATOR,
            command_id=cid(),
        )
        answer: dict = {}
        for _ in range(50):
            reply = await nc.request(
                SANCTUARY_ADDRESS_QUERY, ask(postcode.lower().replace(" ", ""), " 7 "), timeout=5
            )
            answer = json.loads(reply.data)
            if answer.get("found"):
                break
            await asyncio.sleep(0.05)
        assert answer["found"] is True
        assert set(answer) == {"found", "flag"} and set(answer["flag"]) <= FIRE_VIEW_FIELDS
        assert answer["flag"]["sanctuary_room"] == "front bedroom, first floor"

        # Another door in the same postcode, or someone not in the control room: nothing.
        other = json.loads((await nc.request(SANCTUARY_ADDRESS_QUERY, ask(postcode, "9"), timeout=5)).data)
        assert other == {"found": False}
        wrong = json.loads(
            (await nc.request(SANCTUARY_ADDRESS_QUERY, ask(postcode, "7", FIRE), timeout=5)).data
        )
        assert wrong["found"] is False and wrong["errors"][0]["field"] == "actor.role" and "flag" not in wrong

        # A restarted service rebuilds the index from the flag events.
        app2, service2 = create_app(settings)
        await app2.start()
        try:
            assert service2.extras["sanctuary_index"].lookup(postcode, "7") is not None
        finally:
            await app2.stop()

        # Removed on closure: the control room no longer finds it.
        removed = await send_command(
            nc,
            RemoveSanctuaryFlag(
                command_id=cid(),
                case_id=case_id,
                actor=COORDINATOR,
                removed_on=date(2025, 9, 1),
                reason=FlagRemovalReason.CASE_CLOSED,
            ),
        )
        assert removed.ok, removed.errors
        for _ in range(50):
            answer = json.loads(
                (await nc.request(SANCTUARY_ADDRESS_QUERY, ask(postcode, "7"), timeout=5)).data
            )
            if not answer["found"]:
                break
            await asyncio.sleep(0.05)
        assert answer == {"found": False}
    finally:
        await app.stop()
