"""The contractor service on a real nats-server: from the coordinator's approval to the completed
installation and its invoice. Referral and assessment events are synthetic, appended as those services
would; everything the contractor does goes through its command endpoints."""

from __future__ import annotations

import contextlib
import csv
import json
import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from nats.aio.client import Client as NATS
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.errors import KeyNotFoundError
from openpyxl import load_workbook

from sanctuary.cli_invoice import produce_invoice
from services.contractor.app import create_app
from services.contractor.domain.rules import UK_TIME
from services.contractor.invoice import write_invoice
from services.contractor.invoice_source import load_installations
from services.contractor.staff import STAFF_BUCKET
from shared.bus import send_command
from shared.codec import CasePosition
from shared.commands import Command, CommandReply
from shared.contracts.assessment import PropertyAssessed, RecommendedMeasure
from shared.contracts.contractor import (
    AllocateInstaller,
    BookInstallationVisit,
    CompleteInstallation,
    ContactChannel,
    ContactOutcome,
    DeclareConflictOfInterest,
    InstalledItemLine,
    InstallerGender,
    InstallerRecord,
    ItemsInstalled,
    RecordContactAttempt,
    RecordItemsInstalled,
    RegisterInstaller,
    SuspendWorks,
    SuspensionConcern,
    WorksOrderReceived,
)
from shared.events import Actor, Event, RecordedEvent
from shared.eventstore import EventStore
from tests.assessment.scenarios import CPO
from tests.builders import sent_by
from tests.contractor.referral_events import (
    CLIENT_ADDRESS,
    CLIENT_NAME,
    CLIENT_POSTCODE,
    COORDINATOR,
    approved,
    consents,
    resumed,
    submitted,
)
from tests.contractor.referral_events import accepted as accepted_event
from tests.contractor.scenarios import INSTALLER, OFFICE
from tests.contractor.test_invoice_and_contract import WORKS_ORDER_FIELDS
from tests.waiting import until

pytestmark = pytest.mark.nats

ITEMS = (("DEADLOCK-BS3621-5LEVER", 1), ("HINGE-BOLTS", 2))


def cid() -> str:
    return f"cmd-{uuid.uuid4().hex}"


def uk(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UK_TIME)


def next_weekday_after(moment: datetime) -> date:
    day = moment.astimezone(UK_TIME).date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


async def append(
    store: EventStore, case_id: str, actor: Actor, *events: Event, at: datetime | None = None
) -> list[RecordedEvent]:
    position: CasePosition = await store.last_position(case_id)
    return await store.append(
        case_id, list(events), expected=position, actor=actor, command_id=cid(), occurred_at=at
    )


async def served(nc: NATS, app: Any) -> None:
    """Start the app and wait until the server routes its requests: subscriptions can reach the
    server a moment after app.start() returns (a request then meets no responders). The staff
    register is the last endpoint subscribed; an empty request is answered with a refusal."""
    await app.start()

    async def answers() -> bool:
        # No responders yet; or, on a loaded machine, no answer yet: asked again until the deadline.
        with contextlib.suppress(NoRespondersError, NatsTimeoutError):
            await nc.request(RegisterInstaller.subject(), b"{}", timeout=5)
            return True
        return False

    await until(answers, "the contractor service answers")


async def contractor_events(store: EventStore, case_id: str) -> list[RecordedEvent]:
    return [e for e in await store.load(case_id) if e.payload.owner == "contractor"]


async def refused(nc: NATS, store: EventStore, command: Command, field: str) -> CommandReply:
    """The command is refused naming ``field``, and nothing is stored on the case."""
    before = len(await store.load(command.case_id))
    reply = await send_command(nc, command)
    assert not reply.ok and reply.errors[0].field == field, [str(p) for p in reply.errors]
    assert len(await store.load(command.case_id)) == before
    return reply


async def register(nc: NATS, record: InstallerRecord | dict[str, Any], actor: Actor = OFFICE) -> CommandReply:
    body = {
        "command_id": cid(),
        "actor": actor.model_dump(mode="json"),
        "installer": record.model_dump(mode="json") if isinstance(record, InstallerRecord) else record,
    }
    reply = await nc.request(RegisterInstaller.subject(), json.dumps(body).encode(), timeout=5)
    return CommandReply.model_validate_json(reply.data)


async def test_approval_to_completion_and_the_invoice(settings, nc, store_for, tmp_path: Path) -> None:
    case_id = f"K-{uuid.uuid4().hex[:12]}"
    tag = uuid.uuid4().hex[:8]
    referral, assessment, reader = store_for("referral"), store_for("assessment"), store_for("reporting")

    # The referral side: the form with its consents, accepted as urgent.
    await append(referral, case_id, COORDINATOR, submitted(), *consents())
    await append(referral, case_id, COORDINATOR, accepted_event(urgent=True))
    (assessed,) = await append(
        assessment,
        case_id,
        CPO,
        PropertyAssessed(
            assessed_on=date(2025, 6, 3),
            recommended_measures=[RecommendedMeasure(item_code=c, quantity=q) for c, q in ITEMS],
            within_timescale=True,
        ),
    )

    app, _service = create_app(settings)
    await served(nc, app)
    try:
        # The coordinator approves: the contractor receives the works order on its own.
        # Approved on a past Monday, so the contractor's work that follows has happened by now (a
        # command recording a moment still to come is refused).
        await append(
            referral,
            case_id,
            COORDINATOR,
            approved(*ITEMS, assessment_event_id=assessed.event_id),
            at=datetime(2025, 6, 2, 9, tzinfo=UTC),
        )

        async def works_orders() -> list[RecordedEvent]:
            return [e for e in await reader.load(case_id) if isinstance(e.payload, WorksOrderReceived)]

        orders: list[RecordedEvent] = await until(works_orders, "the works order arrives")
        assert len(orders) == 1, "one works order"
        order = orders[0]
        assert isinstance(order.payload, WorksOrderReceived)
        assert set(order.payload.model_dump()) == WORKS_ORDER_FIELDS
        assert order.payload.client_name == CLIENT_NAME and order.payload.urgent
        assert order.payload.female_installer_requested
        # As stored: only the listed fields, the personal ones sealed (no name or address in clear).
        (raw,) = [data for seq, _, data in await reader.read_raw(case_id) if seq == order.seq]
        stored = json.loads(raw)
        assert set(stored["payload"]) <= WORKS_ORDER_FIELDS and stored["personal"]
        assert CLIENT_NAME.encode() not in raw and CLIENT_POSTCODE.encode() not in raw

        # The staff register: installers with their DBS dates, in the CONTRACTOR_STAFF bucket.
        dbs = date.today() - timedelta(days=200)
        female = InstallerRecord(
            installer_id=f"f1-{tag}",
            initials="JD",
            gender=InstallerGender.FEMALE,
            enhanced_dbs_checked_on=dbs,
        )
        conflicted = female.model_copy(update={"installer_id": f"f2-{tag}", "initials": "AK"})
        male = female.model_copy(
            update={"installer_id": f"m1-{tag}", "initials": "PS", "gender": InstallerGender.MALE}
        )
        # A check dated ahead would never expire: refused naming the field, nothing registered.
        ahead = female.model_dump(mode="json") | {
            "installer_id": f"x1-{tag}",
            "enhanced_dbs_checked_on": "2999-01-01",
        }
        reply = await register(nc, ahead)
        assert not reply.ok and [e.field for e in reply.errors] == ["installer.enhanced_dbs_checked_on"]
        for record in (female, conflicted, male):
            assert (await register(nc, record)).ok
        bucket = await nc.jetstream().key_value(STAFF_BUCKET)
        with pytest.raises(KeyNotFoundError):
            await bucket.get(f"x1-{tag}")
        entry = await bucket.get(female.installer_id)
        assert entry.value is not None and InstallerRecord.model_validate_json(entry.value) == female

        # The office allocates; conflicted, male (a female installer was asked for) and unknown refused.
        conflict = DeclareConflictOfInterest(
            **sent_by(INSTALLER, case_id), installer_id=conflicted.installer_id
        )
        assert (await send_command(nc, conflict)).ok
        for who, problem in (
            (conflicted.installer_id, "conflict of interest"),
            (male.installer_id, "female installer"),
            (f"nobody-{tag}", "staff register"),
        ):
            allocate = AllocateInstaller(**sent_by(OFFICE, case_id), installer_id=who)
            reply = await refused(nc, reader, allocate, "installer_id")
            assert problem in reply.errors[0].problem
        allocate = AllocateInstaller(**sent_by(OFFICE, case_id), installer_id=female.installer_id)
        assert (await send_command(nc, allocate)).ok

        # No completion before contact; no call in the client's unsafe evening; then a call by day.
        day = next_weekday_after(order.occurred_at)
        done_at = uk(day, 15)
        complete = CompleteInstallation(**sent_by(INSTALLER, case_id), completed_at=done_at)
        await refused(nc, reader, complete, "case_id")
        call = RecordContactAttempt(
            **sent_by(OFFICE, case_id),
            channel=ContactChannel.TELEPHONE,
            outcome=ContactOutcome.CONTACT_MADE,
            attempted_at=uk(day, 18),
        )
        await refused(nc, reader, call, "attempted_at")
        reached = call.model_copy(update={"command_id": cid(), "attempted_at": uk(day, 9)})
        assert (await send_command(nc, reached)).ok
        book = BookInstallationVisit(**sent_by(OFFICE, case_id), visit_on=day)
        assert (await send_command(nc, book)).ok

        def lines(*rows: tuple[str, int, str]) -> list[InstalledItemLine]:
            return [InstalledItemLine(item_code=c, quantity=q, unit_cost_gbp=Decimal(u)) for c, q, u in rows]

        fitted = RecordItemsInstalled(
            **sent_by(INSTALLER, case_id),
            occurred_at=uk(day, 12),
            items=lines(("DEADLOCK-BS3621-5LEVER", 1, "60.00"), ("HINGE-BOLTS", 2, "10.00")),
        )
        # Bad lines are refused by field, and nothing is stored.
        for bad, field in (
            (lines(("NO-SUCH-ITEM", 1, "5.00")), "items.0.item_code"),
            (lines(("HINGE-BOLTS", 0, "10.00")), "items.0.quantity"),
            (lines(("HINGE-BOLTS", 2, "12.50")), "items.0.unit_cost_gbp"),
        ):
            await refused(nc, reader, fitted.model_copy(update={"command_id": cid(), "items": bad}), field)

        # The installer sees him at the address: works stop at once, until the coordinator resumes.
        suspend = SuspendWorks(
            **sent_by(INSTALLER, case_id),
            concern=SuspensionConcern.PERPETRATOR_VISITING,
            reported_by=female.installer_id,
        )
        suspension = await send_command(nc, suspend)
        assert suspension.ok
        await refused(nc, reader, fitted, "case_id")
        await append(referral, case_id, COORDINATOR, resumed(suspension.event_ids[0]))
        # The contractor's copy of the case still says suspended; the kernel catches up and decides again.
        installed = await send_command(nc, fitted)
        assert installed.ok, [str(p) for p in installed.errors]
        assert (await send_command(nc, complete.model_copy(update={"command_id": cid()}))).ok
        # The works order is dated in the past, so the first-contact watch may rightly have recorded
        # that the 48 hours ran out before the office's call; that record is not this test's subject.
        kinds = [
            e.type for e in await contractor_events(reader, case_id) if e.type != "ContactNotEstablished"
        ]
        assert kinds == [
            "WorksOrderReceived",
            "ConflictOfInterestDeclared",
            "InstallerAllocated",
            "ClientContactAttempted",
            "InstallationVisitBooked",
            "WorksSuspended",
            "ItemsInstalled",
            "InstallationCompleted",
        ]
    finally:
        await app.stop()

    # The invoice from the stream: this case's lines by reference, in CSV and XLSX, no name or address.
    mine = [e for e in await load_installations(nc) if e.case_id == case_id]
    assert len(mine) == 1 and isinstance(mine[0].payload, ItemsInstalled)
    invoice = await produce_invoice(settings.nats_url, settings.catalogue_path, day, day)
    assert invoice.case_totals()[case_id] == Decimal("80.00")
    csv_path, xlsx_path = write_invoice(invoice, tmp_path)
    rows = [row for row in csv.reader(csv_path.open(encoding="utf-8")) if row[0] == case_id]
    assert rows[0][2:] == ["DEADLOCK-BS3621-5LEVER", "BS3621 5 Lever Deadlock", "1", "60.00", "60.00"]
    assert rows[-1][3:] == [f"Subtotal for case {case_id}", "", "", "80.00"]
    sheet = load_workbook(xlsx_path).active
    assert sheet is not None
    cells = " ".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None)
    assert case_id in cells
    for text in (csv_path.read_text(encoding="utf-8"), cells):
        for personal in (CLIENT_NAME, CLIENT_ADDRESS, CLIENT_POSTCODE, "07700"):
            assert personal not in text, "client details found in the invoice"


async def test_staff_register_refuses_bad_input_and_stores_nothing(settings, nc) -> None:
    tag = uuid.uuid4().hex[:8]
    app, service = create_app(settings)
    await served(nc, app)
    try:
        record = InstallerRecord(
            installer_id=f"x-{tag}",
            initials="QB",
            gender=InstallerGender.FEMALE,
            enhanced_dbs_checked_on=None,
        )
        wrong_role = await register(nc, record, INSTALLER)
        assert not wrong_role.ok and wrong_role.errors[0].field == "actor.role"
        bad = {**record.model_dump(mode="json"), "initials": "Q9", "gender": "unknown"}
        malformed = await register(nc, bad)
        assert not malformed.ok and {p.field for p in malformed.errors} == {
            "installer.initials",
            "installer.gender",
        }
        bucket = await nc.jetstream().key_value(STAFF_BUCKET)
        with pytest.raises(KeyNotFoundError):
            await bucket.get(record.installer_id)
        # Registered without a DBS check: on the register, but never allocated.
        assert (await register(nc, record)).ok
        assert await service.parts.staff.register.get(record.installer_id) == record
    finally:
        await app.stop()


async def test_the_service_holds_one_connection_shared_by_its_broker_and_runtime(settings, nc) -> None:
    app, service = create_app(settings)
    await served(nc, app)
    try:
        connection = service.broker.connection
        assert service.runtime.connection is connection
        assert connection.is_connected
    finally:
        await app.stop()
    assert connection.is_closed, "the broker closed the one connection at shutdown"
