"""The published description of the bus, for another agency's system to integrate against:
the AsyncAPI document of each service (FastStream's own generation from its broker, with a send
operation for every event the service publishes and, for reporting, every view), and the JSON
Schema of every message (sanctuary/message_schemas.py)."""

from __future__ import annotations

import base64
import importlib
import json
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, unquote

from faststream.nats import NatsBroker
from faststream.specification.asyncapi import AsyncAPI
from pydantic import Field, WithJsonSchema

from sanctuary.message_schemas import (
    OTHER_REQUESTS,
    event_subject,
    json_schemas,
    published_events,
    stored_event_schema,
)
from shared.bus import inline_refs
from shared.commands import CASE_ID_PATTERN, CommandReply
from shared.contracts.envelope import StoredEvent
from shared.contracts.reporting import CaseView, Recipient
from shared.events import Event
from shared.settings import Settings, load_settings

SERVICES = ("referral", "assessment", "contractor", "reporting")
VERSION = "0.1.0"
CASE_ID_PARAMETER = {"description": f"The case id ({CASE_ID_PATTERN})"}


def schema_settings() -> Settings:
    # Building an app connects nothing, but settings must be valid: a throwaway key, never used.
    return load_settings(nats_url="nats://nats:4222", kek=base64.b64encode(bytes(32)).decode())


# -- AsyncAPI ----------------------------------------------------------------------------------


def _as_payload(schema: dict[str, Any]) -> Any:
    return Annotated[Any, WithJsonSchema(schema), Field(title=schema["title"])]


def document_publications(broker: NatsBroker, owner: str) -> None:
    """A send operation for each event the service publishes (and, for reporting, each view)."""
    for cls in published_events():
        if cls.owner == owner:
            broker.publisher(
                event_subject(cls),
                title=event_subject(cls),
                description=cls.__doc__ if cls.__doc__ != Event.__doc__ else None,
                schema=_as_payload(stored_event_schema(cls)),
            )
    if owner == "reporting":
        view = inline_refs(CaseView.model_json_schema())
        for recipient in Recipient:
            subject = f"view.{recipient.value}.{{case_id}}"
            broker.publisher(
                subject,
                title=subject,
                description=f"The current view of one case for {recipient.value} (stream VIEWS, one per "
                "case: read the last message of the subject).",
                schema=_as_payload(view),
            )


def _with_parameters(spec: dict[str, Any]) -> dict[str, Any]:
    """AsyncAPI 3 declares every ``{parameter}`` of a channel address."""
    for channel in spec.get("channels", {}).values():
        address = channel.get("address") or ""
        if "{case_id}" in address:
            channel["parameters"] = {"case_id": dict(CASE_ID_PARAMETER)}
    return spec


def _with_consumed_events(spec: dict[str, Any]) -> dict[str, Any]:
    """The event consumers read the stored event (their handlers take the raw message, which
    FastStream documents as empty): ``case.*.<owner>.<EventType>`` that event, ``case.>`` any."""
    components = spec.setdefault("components", {})
    schemas, messages = components.setdefault("schemas", {}), components.setdefault("messages", {})
    types = {cls.type_name(): cls for cls in published_events()}
    for channel in spec.get("channels", {}).values():
        address = channel.get("address") or ""
        if not address.startswith("case."):
            continue
        for ref in channel.get("messages", {}).values():
            message = messages[unquote(ref["$ref"].removeprefix("#/components/messages/"))]
            if message.get("payload") != {"$ref": "#/components/schemas/EmptyPayload"}:
                continue
            cls = types.get(address.rsplit(".", 1)[-1])
            schema = stored_event_schema(cls) if cls else inline_refs(StoredEvent.model_json_schema())
            schemas.setdefault(schema["title"], schema)
            message["payload"] = {"$ref": f"#/components/schemas/{schema['title']}"}
    if not any(m.get("payload") == {"$ref": "#/components/schemas/EmptyPayload"} for m in messages.values()):
        schemas.pop("EmptyPayload", None)
    return spec


def _with_replies(spec: dict[str, Any]) -> dict[str, Any]:
    """Each command and query is request/reply: its operation names the reply, which goes to the
    requester's own inbox (a channel whose address is only known at run time, hence null)."""
    replies = {r.subject: r.reply for r in OTHER_REQUESTS}
    channels = spec.setdefault("channels", {})
    components = spec.setdefault("components", {})
    schemas, messages = components.setdefault("schemas", {}), components.setdefault("messages", {})
    for operation in spec.get("operations", {}).values():
        key = unquote(operation["channel"]["$ref"].removeprefix("#/channels/"))
        address = channels[key].get("address") or ""
        if operation["action"] != "receive" or not address.startswith(("cmd.", "query.")):
            continue
        model = replies.get(address, CommandReply)
        name = model.__name__
        schemas.setdefault(name, inline_refs(model.model_json_schema()))
        messages.setdefault(
            name, {"name": name, "title": name, "payload": {"$ref": f"#/components/schemas/{name}"}}
        )
        reply_key = f"{key}:reply"
        channels[reply_key] = {
            "address": None,
            "description": "The requester's inbox (NATS request/reply answers on the reply subject).",
            "messages": {name: {"$ref": f"#/components/messages/{name}"}},
        }
        ref = f"#/channels/{quote(reply_key, safe=':')}"
        operation["reply"] = {"channel": {"$ref": ref}, "messages": [{"$ref": f"{ref}/messages/{name}"}]}
    return spec


def service_asyncapi(name: str, settings: Settings) -> dict[str, Any]:
    """The AsyncAPI 3.0 document of one service's FastStream app."""
    module = importlib.import_module(f"services.{name}.app")
    _app, service = module.create_app(settings)
    document_publications(service.broker, name)
    spec = AsyncAPI(
        service.broker,
        title=f"Sanctuary {name} service",
        version=VERSION,
        description=f"Commands served, events published and consumed, and health checks of the {name} "
        "service. Every command is request/reply: the reply is a CommandReply (docs/schemas/replies).",
    )
    document = dict(spec.to_specification().to_jsonable())
    return _with_replies(_with_consumed_events(_with_parameters(document)))


# -- writing -----------------------------------------------------------------------------------


def write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


def write_schemas(out: Path, services: tuple[str, ...] = SERVICES) -> list[Path]:
    """Write ``asyncapi/<service>.json`` and every message schema under ``schemas/``."""
    written: list[Path] = []
    settings = schema_settings()
    for name in services:
        path = out / "asyncapi" / f"{name}.json"
        write_json(path, service_asyncapi(name, settings))
        written.append(path)
    for relative, schema in json_schemas().items():
        path = out / "schemas" / relative
        write_json(path, schema)
        written.append(path)
    # A message that no longer exists leaves no schema behind.
    for stale in set((out / "schemas").rglob("*.json")) - set(written):
        stale.unlink()
    return written
