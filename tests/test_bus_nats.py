"""Command endpoints and event readers over a real nats-server (FastStream on real JetStream)."""

from __future__ import annotations

import json
import uuid

import nats
import pytest
from faststream.nats import NatsBroker

from shared import nats_headers
from shared.bus import case_commands, event_reader, send_command
from shared.deadletter import list_parked
from shared.events import Actor, RecordedEvent, Role
from shared.handler import CaseHandler
from shared.runtime import ServiceRuntime
from tests.kernel_events import AddKernelNote, KernelNoteAdded, notes_decider
from tests.waiting import until

pytestmark = pytest.mark.nats


async def start_notes_service(settings, seen, durable, fail_text="boom"):
    broker = NatsBroker(settings.nats_url)
    runtime = ServiceRuntime(settings, owner="referral")
    holder: dict[str, CaseHandler] = {}
    case_commands(broker, lambda: holder["h"], [AddKernelNote])

    async def on_note(event: RecordedEvent) -> None:
        if isinstance(event.payload, KernelNoteAdded) and event.payload.text == fail_text:
            raise RuntimeError("handler keeps failing")
        seen.append(event)

    event_reader(runtime, durable, ["case.*.referral.KernelNoteAdded"], on_note)
    await runtime.start()
    holder["h"] = CaseHandler(runtime.event_store, notes_decider)
    await runtime.start_readers()
    await broker.start()
    return broker, runtime


def cmd(case_id: str, text: str, role: Role = Role.COORDINATOR) -> AddKernelNote:
    return AddKernelNote(
        command_id=f"cmd-{uuid.uuid4().hex}",
        case_id=case_id,
        actor=Actor(agency="Test", person="p1", role=role),
        text=text,
        client_name="Bea Example",
    )


async def test_command_reply_role_refusal_and_field_errors(settings):
    seen: list[RecordedEvent] = []
    durable = f"notes-{uuid.uuid4().hex[:8]}"
    broker, runtime = await start_notes_service(settings, seen, durable)
    nc = await nats.connect(settings.nats_url)
    try:
        case_id = f"B-{uuid.uuid4().hex[:10]}"
        ok = await send_command(nc, cmd(case_id, "hello"))
        assert ok.ok and len(ok.event_ids) == 1
        refused = await send_command(nc, cmd(case_id, "x", role=Role.INSTALLER))
        assert not refused.ok and refused.errors[0].field == "actor.role"
        # Malformed JSON fields: every problem at once, each naming its field, no values echoed.
        bad = {
            "command_id": "short",
            "case_id": "bad id!",
            "actor": {"agency": "T", "person": "p", "role": "coordinator"},
            "text": "t",
            "client_name": "Secret Name",
            "also_count": "maybe",
        }
        reply = await nc.request(AddKernelNote.subject(), json.dumps(bad).encode(), timeout=5)
        body = json.loads(reply.data)
        assert {e["field"] for e in body["errors"]} == {"command_id", "case_id", "also_count"}
        assert "Secret Name" not in reply.data.decode()
        rejected = await send_command(nc, cmd(case_id, "forbidden"))
        assert rejected.errors[0].field == "text"
        # The reader starts at the stream's beginning: other tests' notes pass by too.
        mine = await until(lambda: [e for e in seen if e.case_id == case_id], "the note is read")
        notes = [e.payload for e in mine if isinstance(e.payload, KernelNoteAdded)]
        assert [n.text for n in notes] == ["hello"]
        assert notes[0].client_name == "Bea Example"
        # The service's connection (its readers', event store's and commands') reads headers the
        # cheaper way; the note above came through it whole.
        assert runtime.nc is not None and runtime.nc._parse_header_lines is nats_headers.parse
    finally:
        await nc.close()
        await broker.stop()
        await runtime.stop()


async def test_failing_handler_is_parked_at_once_and_the_reader_goes_on(settings):
    seen: list[RecordedEvent] = []
    durable = f"notes-{uuid.uuid4().hex[:8]}"
    fail_text = f"boom-{uuid.uuid4().hex[:6]}"
    broker, runtime = await start_notes_service(settings, seen, durable, fail_text=fail_text)
    nc = await nats.connect(settings.nats_url)
    try:
        case_id = f"D-{uuid.uuid4().hex[:10]}"
        await send_command(nc, cmd(case_id, fail_text))
        await send_command(nc, cmd(case_id, "after"))
        await until(
            lambda: any(e.case_id == case_id and getattr(e.payload, "text", None) == "after" for e in seen),
            "the note after the failing one is read",
        )
        parked = await list_parked(nc, durable)
        assert len(parked) == 1 and parked[0]["Sanctuary-Reason"] == "not applied: RuntimeError"
        assert parked[0]["Sanctuary-Subject"].startswith(f"case.{case_id}.")
    finally:
        await nc.close()
        await broker.stop()
        await runtime.stop()
