"""The published bus: each service's AsyncAPI lists every command subject of that service with the
command's own JSON Schema, the other requests with theirs, and a send operation for every event it
publishes; the schema files name every message, mark every personal field, and the committed docs/
is exactly what ``sanctuary schemas`` writes. The documented endpoint still does our own
validation (every problem, by field, no values) and role check."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import nats
import pytest
from faststream.nats import NatsBroker

from sanctuary.agency_access import all_commands
from sanctuary.message_schemas import (
    OTHER_REQUESTS,
    event_subject,
    json_schemas,
    published_events,
    stored_event_schema,
)
from sanctuary.schemas import CASE_ID_PARAMETER, SERVICES, schema_settings, service_asyncapi, write_schemas
from shared.bus import command_endpoint
from shared.codec import build_record, chain_and_sign
from shared.commands import CommandReply
from shared.contracts.contractor import SuspensionConcern, WorksOrderReceived, WorksSuspended
from shared.contracts.envelope import StoredEvent
from shared.contracts.reporting import Recipient
from shared.events import SYSTEM_ACTOR
from shared.handler import Outcome
from shared.personal import personal_field_names
from shared.settings import REPO_ROOT
from tests.kernel_events import AddKernelNote

# Named here, not read from the files that exist: a missing service fails these tests.
BUILT = ("referral", "assessment", "contractor", "reporting")
DOCS = REPO_ROOT / "docs"


def payload_of(doc: dict[str, Any], address: str) -> dict[str, Any]:
    """The payload schema of the (one) channel on ``address``."""
    (channel,) = (c for c in doc["channels"].values() if c["address"] == address)
    return channel_payload(doc, channel)


def channel_payload(doc: dict[str, Any], channel: dict[str, Any]) -> dict[str, Any]:
    (ref,) = (m["$ref"] for m in channel["messages"].values())
    message = doc["components"]["messages"][unquote(ref.removeprefix("#/components/messages/"))]
    schema_ref = message["payload"]["$ref"].removeprefix("#/components/schemas/")
    return dict(doc["components"]["schemas"][schema_ref])


@pytest.mark.parametrize("service", BUILT)
def test_asyncapi_lists_every_command_subject_with_its_schema(service: str) -> None:
    doc = service_asyncapi(service, schema_settings())
    assert doc["asyncapi"].startswith("3.")
    commands = [c for c in all_commands().values() if c.service == service]
    assert commands, "a service with no commands in its contract"
    listed = {channel["address"] for channel in doc["channels"].values()}
    missing = sorted(c.subject() for c in commands if c.subject() not in listed)
    assert missing == []
    for command in commands:
        schema = payload_of(doc, command.subject())
        assert schema["title"] == command.name()
        required = {n for n, f in command.model_fields.items() if f.is_required()} - command.derived_fields
        assert set(schema["required"]) == required
        assert "$ref" not in json.dumps(schema), "the command's schema must be self-contained"
    assert f"health.{service}" in listed


@pytest.mark.parametrize("service", BUILT)
def test_asyncapi_documents_every_event_the_service_publishes(service: str) -> None:
    doc = service_asyncapi(service, schema_settings())
    sends = {
        doc["channels"][unquote(op["channel"]["$ref"].removeprefix("#/channels/"))]["address"]
        for op in doc["operations"].values()
        if op["action"] == "send"
    }
    owned = {cls for cls in published_events() if cls.owner == service}
    assert owned, "a service that publishes no events"
    assert {event_subject(cls) for cls in owned} <= sends
    for cls in owned:
        message = payload_of(doc, event_subject(cls))
        assert message["properties"]["type"]["const"] == cls.type_name()
        assert message["properties"]["schema_version"]["const"] == cls.schema_version
        assert set(message["properties"]) == set(StoredEvent.model_fields)
        assert message["properties"]["payload"]["title"] == cls.type_name()
        assert doc["channels"][event_subject(cls)]["parameters"] == {"case_id": CASE_ID_PARAMETER}
    if service == "reporting":
        assert {f"view.{r.value}.{{case_id}}" for r in Recipient} <= sends


@pytest.mark.parametrize("service", BUILT)
def test_no_message_an_agency_builds_is_documented_as_empty(service: str) -> None:
    doc = service_asyncapi(service, schema_settings())
    for channel in doc["channels"].values():
        if (channel["address"] or "").startswith("health."):
            continue  # the health check is asked with an empty body
        assert channel_payload(doc, channel)["title"] != "EmptyPayload", channel["address"]
    consumed = [c for c in doc["channels"].values() if (c["address"] or "").startswith("case.*.")]
    for channel in consumed:
        event_type = channel["address"].rsplit(".", 1)[-1]
        assert channel_payload(doc, channel)["properties"]["type"]["const"] == event_type
    for request in OTHER_REQUESTS:
        if request.subject in {c["address"] for c in doc["channels"].values()}:
            schema = payload_of(doc, request.subject)
            assert schema["title"] == request.request.__name__
            assert set(schema["required"]) == {
                n for n, f in request.request.model_fields.items() if f.is_required()
            }


@pytest.mark.parametrize("service", BUILT)
def test_every_command_and_query_names_its_reply(service: str) -> None:
    doc = service_asyncapi(service, schema_settings())
    replies = {r.subject: r.reply.__name__ for r in OTHER_REQUESTS}
    served = 0
    for operation in doc["operations"].values():
        channel = doc["channels"][unquote(operation["channel"]["$ref"].removeprefix("#/channels/"))]
        if operation["action"] != "receive" or not (channel["address"] or "").startswith(("cmd.", "query.")):
            continue
        served += 1
        reply_channel = doc["channels"][
            unquote(operation["reply"]["channel"]["$ref"].removeprefix("#/channels/"))
        ]
        assert reply_channel["address"] is None  # the requester's inbox
        expected = replies.get(channel["address"], "CommandReply")
        assert channel_payload(doc, reply_channel)["title"] == expected
    assert served


def test_the_schemas_command_covers_every_service() -> None:
    assert SERVICES == BUILT


def test_schemas_command_writes_every_message(tmp_path: Path) -> None:
    written = write_schemas(tmp_path, BUILT)
    events = {p.stem for p in (tmp_path / "schemas" / "events").glob("*.json")}
    commands = {p.stem for p in (tmp_path / "schemas" / "commands").glob("*.json")}
    assert events == {cls.type_name() for cls in published_events()} and events
    assert commands == set(all_commands())
    assert "RegisterInstaller" in commands
    for name, cls in all_commands().items():
        schema = json.loads((tmp_path / "schemas" / "commands" / f"{name}.json").read_text())
        assert schema["x-subject"] == cls.subject()
        assert set(schema["x-allowed-roles"]) == {r.value for r in cls.allowed_roles}
    installer = json.loads((tmp_path / "schemas" / "commands" / "RegisterInstaller.json").read_text())
    assert installer["x-subject"] == "cmd.contractor.RegisterInstaller"
    query = json.loads((tmp_path / "schemas" / "queries" / "SanctuaryAddressQuery.json").read_text())
    assert query["x-subject"] == "query.fire.SanctuaryAddress" and query["x-allowed-roles"] == [
        "fire_control"
    ]
    for other in ("replies/CommandReply", "replies/SanctuaryAddressAnswer", "views/CaseView", "StoredEvent"):
        assert (tmp_path / "schemas" / f"{other}.json").is_file()
    assert {p.stem for p in (tmp_path / "asyncapi").glob("*.json")} == set(BUILT)
    assert len(written) == len(set(written))


def test_a_submission_may_leave_its_case_id_out_and_its_schema_says_so() -> None:
    schema = json_schemas()["commands/SubmitReferral.json"]
    assert "case_id" not in schema["required"] and "case_id" in schema["properties"]
    assert "case_id" in json_schemas()["commands/AcceptReferral.json"]["required"]


def test_the_committed_schema_of_contact_not_established_has_its_reason() -> None:
    committed = json.loads((DOCS / "schemas" / "commands" / "ReportContactNotEstablished.json").read_text())
    assert "reason" in committed["properties"]


def marked_personal(node: Any) -> set[str]:
    """Every property name marked x-personal anywhere in a schema."""
    found: set[str] = set()
    if isinstance(node, dict):
        for name, value in node.get("properties", {}).items():
            if isinstance(value, dict) and value.get("x-personal"):
                found.add(name)
        for value in node.values():
            found |= marked_personal(value)
    elif isinstance(node, list):
        for value in node:
            found |= marked_personal(value)
    return found


def test_every_personal_field_is_marked_in_the_published_schemas() -> None:
    schemas = json_schemas()
    for cls in published_events():
        assert marked_personal(schemas[f"events/{cls.type_name()}.json"]) == personal_field_names(cls)
    submit = schemas["commands/SubmitReferral.json"]
    assert {"full_name", "address", "perpetrator_name"} <= marked_personal(submit)
    # As stored, a personal field is not in the payload, so the envelope's payload does not require it.
    order = stored_event_schema(WorksOrderReceived)["properties"]["payload"]
    assert "client_name" not in order["required"] and order["properties"]["client_name"]["x-personal"]


def test_the_envelope_schema_is_what_the_codec_writes() -> None:
    record = build_record(
        event_id="0190a6b0-0000-7000-8000-000000000001",
        payload=WorksSuspended(concern=SuspensionConcern.PERPETRATOR_VISITING, reported_by="inst-1"),
        case_id="C-1",
        occurred_at=datetime(2025, 6, 2, 9, tzinfo=UTC),
        recorded_at=datetime(2025, 6, 2, 9, tzinfo=UTC),
        actor=SYSTEM_ACTOR,
        causation_id="cmd-1",
        correlation_id="cmd-1",
        prev_hash="0" * 64,
        key=bytes(32),
    )
    chain_and_sign(record, None)
    assert set(record) == set(StoredEvent.model_fields)
    StoredEvent.model_validate(record)


def test_committed_docs_are_exactly_what_sanctuary_schemas_writes(tmp_path: Path) -> None:
    """Regenerate with ``sanctuary schemas --out docs`` after changing a contract or a service's
    subscriptions."""
    written = write_schemas(tmp_path, SERVICES)
    generated = {p.relative_to(tmp_path).as_posix(): p.read_bytes() for p in written}
    committed = {
        p.relative_to(DOCS).as_posix(): p.read_bytes()
        for folder in ("asyncapi", "schemas")
        for p in (DOCS / folder).rglob("*.json")
    }
    assert sorted(committed) == sorted(generated), "files added or left over: run sanctuary schemas"
    stale = sorted(name for name, data in generated.items() if committed[name] != data)
    assert stale == [], "docs/ differs from the contracts: run sanctuary schemas --out docs"


@pytest.mark.nats
async def test_documented_endpoint_still_validates_and_checks_roles(settings) -> None:
    handled: list[AddKernelNote] = []

    async def handle(command: AddKernelNote) -> Outcome:
        handled.append(command)
        return Outcome(command.case_id, ["e1"], [])

    broker = NatsBroker(settings.nats_url)
    subject_prefix = f"t{uuid.uuid4().hex[:6]}"
    cls: type[AddKernelNote] = type(
        f"AddKernelNote{subject_prefix}", (AddKernelNote,), {"__module__": __name__}
    )
    command_endpoint(broker, cls, handle)
    await broker.start()
    nc = await nats.connect(settings.nats_url)
    try:

        async def send(body: bytes) -> CommandReply:
            reply = await nc.request(cls.subject(), body, timeout=5)
            return CommandReply.model_validate_json(reply.data)

        not_json = await send(b"Alice Example, 1 Test Road")
        assert not not_json.ok and not_json.errors
        assert "Alice" not in not_json.model_dump_json()

        bad = {"command_id": "x", "case_id": "no spaces!", "client_name": "Alice Example"}
        reply = await send(json.dumps(bad).encode())
        assert {e.field for e in reply.errors} == {"command_id", "case_id", "actor", "text"}
        assert "Alice" not in reply.model_dump_json()

        base = {"command_id": "cmd-000001", "case_id": "C-1", "text": "t", "client_name": "Alice Example"}
        installer = {"agency": "A", "person": "p", "role": "installer"}
        refused = await send(json.dumps(base | {"actor": installer}).encode())
        assert [e.field for e in refused.errors] == ["actor.role"]

        ok = await send(json.dumps(base | {"actor": installer | {"role": "coordinator"}}).encode())
        assert ok.ok and ok.event_ids == ["e1"] and len(handled) == 1
    finally:
        await nc.close()
        await broker.stop()
