"""The first-contact deadline watch on a real nats-server: a works order whose 48 hours have passed
with no contact gets ContactNotEstablished from the running service, without any command, exactly
once: after more scans, after a restart, and when a second replica asks again."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest

from services.contractor.app import ContractorParts, create_app
from services.contractor.contact_watch import FirstContactWatch
from services.contractor.domain.first_contact_watch import overdue_report
from shared.contracts.contractor import ContactNotEstablished, NotEstablishedReason, WorksOrderReceived
from shared.events import SYSTEM_ACTOR, Event, RecordedEvent, utcnow
from shared.eventstore import EventStore
from shared.service import Service
from tests.contractor.referral_events import COORDINATOR, accepted, approved, consents, submitted
from tests.waiting import until

pytestmark = pytest.mark.nats

ITEMS = (("DEADLOCK-BS3621-5LEVER", 1),)


async def append(
    store: EventStore, case_id: str, *events: Event, occurred_at: datetime | None = None
) -> None:
    position = await store.last_position(case_id)
    command_id = f"cmd-{uuid.uuid4().hex}"
    await store.append(
        case_id,
        list(events),
        expected=position,
        actor=COORDINATOR,
        command_id=command_id,
        occurred_at=occurred_at,
    )


async def of_type(store: EventStore, case_id: str, kind: type[Event]) -> list[RecordedEvent]:
    return [e for e in await store.load(case_id) if isinstance(e.payload, kind)]


async def eventually(store: EventStore, case_id: str, kind: type[Event]) -> list[RecordedEvent]:
    found: list[RecordedEvent] = await until(
        lambda: of_type(store, case_id, kind), f"a {kind.__name__} arrives"
    )
    return found


def watch_of(service: Service[ContractorParts]) -> FirstContactWatch:
    return service.parts.contact_watch.watch


async def scans_past(watch: FirstContactWatch, count: int) -> None:
    await until(lambda: watch.scans > count, "the watch scans")


async def test_overdue_first_contact_is_recorded_once(settings, store_for, monkeypatch) -> None:
    monkeypatch.setenv("SANCTUARY_CONTACT_WATCH_INTERVAL_S", "0.1")
    overdue, not_yet = f"W-{uuid.uuid4().hex[:12]}", f"W-{uuid.uuid4().hex[:12]}"
    referral, reader = store_for("referral"), store_for("reporting")
    for case_id in (overdue, not_yet):
        await append(referral, case_id, submitted(), *consents())
        await append(referral, case_id, accepted(urgent=False))

    app, service = create_app(settings)
    await app.start()
    try:
        # Approved three days ago (the works order's clock starts then), and approved just now.
        await append(referral, overdue, approved(*ITEMS), occurred_at=utcnow() - timedelta(days=3))
        await append(referral, not_yet, approved(*ITEMS))
        (order,) = await eventually(reader, overdue, WorksOrderReceived)
        await eventually(reader, not_yet, WorksOrderReceived)
        assert isinstance(order.payload, WorksOrderReceived)
        due_by = order.payload.first_contact_due_by

        # Nobody sends a command: the service's own scan tells the coordinator.
        (told,) = await eventually(reader, overdue, ContactNotEstablished)
        assert told.actor == SYSTEM_ACTOR and told.occurred_at == due_by
        assert told.payload == ContactNotEstablished(
            attempts=0,
            channels_tried=[],
            first_contact_due_by=due_by,
            reason=NotEstablishedReason.DEADLINE_PASSED,
        )

        # More scans, and one asked for directly, record nothing more.
        watch = watch_of(service)
        await scans_past(watch, watch.scans + 2)
        assert overdue not in await watch.scan()
        assert len(await of_type(reader, overdue, ContactNotEstablished)) == 1
        assert await of_type(reader, not_yet, ContactNotEstablished) == []
    finally:
        await app.stop()

    # Restarted, the service folds the history again and finds nothing left to tell.
    app, service = create_app(settings)
    await app.start()
    try:
        watch = watch_of(service)
        await scans_past(watch, 0)
        assert [case for case, _ in watch.overdue(utcnow()) if case in (overdue, not_yet)] == []
        # A second replica that has not seen the report yet asks again: the same command id, no new event.
        outcome = await service.handler.handle(overdue_report(overdue, due_by))
        assert outcome.duplicate
        assert len(await of_type(reader, overdue, ContactNotEstablished)) == 1
        assert await of_type(reader, not_yet, ContactNotEstablished) == []
    finally:
        await app.stop()
