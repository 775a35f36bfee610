"""The published bus: each service's AsyncAPI lists every command subject of that service with the
command's own JSON Schema, and the schema files name every event and command. The documented
endpoint still does our own validation (every problem, by field, no values) and role check."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import nats
import pytest
from faststream.nats import NatsBroker

from sanctuary.launcher import missing_services
from sanctuary.schemas import SERVICES, all_commands, schema_settings, service_asyncapi, write_schemas
from shared.bus import command_endpoint
from shared.commands import CommandReply
from shared.decider import Outcome
from shared.events import registry
from shared.settings import REPO_ROOT
from tests.kernel_events import AddKernelNote

BUILT = [s for s in SERVICES if not missing_services([s], REPO_ROOT, entry="app.py")]


def payload_of(doc: dict[str, Any], subject: str) -> dict[str, Any]:
    channel = doc["channels"][subject]
    (ref,) = (m["$ref"] for m in channel["messages"].values())
    message = doc["components"]["messages"][ref.rsplit("/", 1)[-1]]
    schema_ref = message["payload"]["$ref"].rsplit("/", 1)[-1]
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
        assert set(schema["required"]) == {n for n, f in command.model_fields.items() if f.is_required()}
        assert "$ref" not in json.dumps(schema), "the command's schema must be self-contained"
    assert f"health.{service}" in listed


def test_schemas_command_writes_every_event_and_command(tmp_path: Path) -> None:
    written = write_schemas(tmp_path, tuple(BUILT))
    events = {p.stem for p in (tmp_path / "schemas" / "events").glob("*.json")}
    commands = {p.stem for p in (tmp_path / "schemas" / "commands").glob("*.json")}
    assert events == set(registry.all()) and events
    assert commands == set(all_commands()) and commands
    for name, cls in all_commands().items():
        schema = json.loads((tmp_path / "schemas" / "commands" / f"{name}.json").read_text())
        assert schema["x-subject"] == cls.subject()
        assert set(schema["x-allowed-roles"]) == {r.value for r in cls.allowed_roles}
    assert {p.stem for p in (tmp_path / "asyncapi").glob("*.json")} == set(BUILT)
    assert len(written) == len(events) + len(commands) + len(BUILT)


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
    command_endpoint(broker, cls, handle)  # type: ignore[arg-type]
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
