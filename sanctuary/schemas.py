"""The published description of the bus, for another agency's system to integrate against:
the AsyncAPI document of each service (FastStream's own generation from its broker, with a send
operation for every event the service publishes and, for reporting, every view), and the JSON
Schema of every message: events (and the envelope they travel in), commands, the other requests,
their replies, and the views. Personal fields carry ``"x-personal": true``."""

from __future__ import annotations

import base64
import importlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import unquote

from faststream.nats import NatsBroker
from faststream.specification.asyncapi import AsyncAPI
from pydantic import BaseModel, Field, WithJsonSchema

import shared.contracts  # noqa: F401  (importing the package registers every event type)
from shared.agency_access import all_commands
from shared.bus import inline_refs
from shared.commands import CASE_ID_PATTERN, CommandReply
from shared.contracts.assessment import SANCTUARY_ADDRESS_QUERY, SanctuaryAddressAnswer, SanctuaryAddressQuery
from shared.contracts.contractor import RegisterInstaller
from shared.contracts.envelope import StoredEvent
from shared.contracts.reporting import CaseView, Recipient
from shared.events import Event, Role, registry
from shared.personal import PersonalData
from shared.settings import Settings, load_settings

SERVICES = ("referral", "assessment", "contractor", "reporting")
VERSION = "0.1.0"
CASE_ID_PARAMETER = {"description": f"The case id ({CASE_ID_PATTERN})"}


@dataclass(frozen=True)
class Request:
    """A request/reply subject that is not a case command."""

    subject: str
    request: type[BaseModel]
    reply: type[BaseModel]
    allowed_roles: frozenset[Role]


OTHER_REQUESTS = (
    Request(RegisterInstaller.subject, RegisterInstaller, CommandReply, RegisterInstaller.allowed_roles),
    Request(
        SANCTUARY_ADDRESS_QUERY, SanctuaryAddressQuery, SanctuaryAddressAnswer, frozenset({Role.FIRE_CONTROL})
    ),
)


def schema_settings() -> Settings:
    # Building an app connects nothing, but settings must be valid: a throwaway key, never used.
    return load_settings(nats_url="nats://nats:4222", kek=base64.b64encode(bytes(32)).decode())


# -- JSON Schemas ------------------------------------------------------------------------------


def _submodels(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in getattr(annotation, "__args__", ()):
        yield from _submodels(arg)


def mark_personal(model: type[BaseModel], schema: dict[str, Any]) -> dict[str, Any]:
    """Add ``"x-personal": true`` to every personal field of ``model``'s schema (with ``$defs``)."""
    defs = schema.get("$defs", {})
    seen: set[type[BaseModel]] = set()

    def walk(cls: type[BaseModel], node: dict[str, Any] | None) -> None:
        if cls in seen or node is None:
            return
        seen.add(cls)
        properties = node.get("properties", {})
        for name, info in cls.model_fields.items():
            key = info.alias or name
            if any(isinstance(m, PersonalData) for m in info.metadata) and key in properties:
                properties[key]["x-personal"] = True
            for sub in _submodels(info.annotation):
                walk(sub, defs.get(sub.__name__))

    walk(model, schema)
    return schema


def published_events() -> list[type[Event]]:
    """The events of the contracts (a test may register events of its own), by type name."""
    found = [cls for cls in registry.all().values() if cls.__module__.startswith("shared.contracts.")]
    return sorted(found, key=lambda cls: cls.type_name())


def event_subject(cls: type[Event]) -> str:
    return f"case.{{case_id}}.{cls.owner}.{cls.type_name()}"


def event_schema(cls: type[Event]) -> dict[str, Any]:
    return mark_personal(cls, cls.model_json_schema()) | {
        "x-owner": cls.owner,
        "x-schema-version": cls.schema_version,
        "x-subject": event_subject(cls),
    }


def stored_event_schema(cls: type[Event]) -> dict[str, Any]:
    """The message on the event's subject: the envelope, with this event's type, version and payload."""
    schema = inline_refs(StoredEvent.model_json_schema())
    payload = _personal_not_required(inline_refs(mark_personal(cls, cls.model_json_schema())))
    payload["description"] = (
        f"{payload.get('description', '')}\n\nAs stored, the fields marked x-personal are not here: "
        "they are sealed in `personal`."
    ).strip()
    schema["properties"] |= {
        "type": {"const": cls.type_name(), "type": "string"},
        "schema_version": {"const": cls.schema_version, "type": "integer"},
        "payload": payload,
    }
    schema["title"] = f"{cls.type_name()}Event"
    schema["description"] = f"{cls.type_name()}, as stored in CASES. {schema['description']}"
    return schema


def _personal_not_required(node: Any) -> Any:
    """As stored, a personal field is absent from the payload (it is sealed in ``personal``)."""
    if isinstance(node, list):
        return [_personal_not_required(item) for item in node]
    if not isinstance(node, dict):
        return node
    found = {key: _personal_not_required(value) for key, value in node.items()}
    properties = found.get("properties")
    if isinstance(properties, dict) and "required" in found:
        found["required"] = [n for n in found["required"] if not properties.get(n, {}).get("x-personal")]
    return found


def request_schema(request: Request) -> dict[str, Any]:
    return mark_personal(request.request, request.request.model_json_schema()) | {
        "x-subject": request.subject,
        "x-allowed-roles": sorted(r.value for r in request.allowed_roles),
        "x-reply": request.reply.__name__,
    }


def json_schemas() -> dict[str, dict[str, Any]]:
    """Every message's schema, by its path under ``schemas/``."""
    files: dict[str, dict[str, Any]] = {"StoredEvent.json": StoredEvent.model_json_schema()}
    for cls in published_events():
        files[f"events/{cls.type_name()}.json"] = event_schema(cls)
    for name, command_cls in all_commands().items():
        files[f"commands/{name}.json"] = mark_personal(command_cls, command_cls.model_json_schema()) | {
            "x-subject": command_cls.subject(),
            "x-allowed-roles": sorted(r.value for r in command_cls.allowed_roles),
            "x-reply": CommandReply.__name__,
        }
    for request in OTHER_REQUESTS:
        folder = "commands" if request.subject.startswith("cmd.") else "queries"
        files[f"{folder}/{request.request.__name__}.json"] = request_schema(request)
    replies: set[type[BaseModel]] = {CommandReply, *(r.reply for r in OTHER_REQUESTS)}
    for reply in sorted(replies, key=lambda m: m.__name__):
        files[f"replies/{reply.__name__}.json"] = reply.model_json_schema()
    files["views/CaseView.json"] = CaseView.model_json_schema() | {
        "x-subject": "view.{recipient}.{case_id}",
        "x-stream": "VIEWS",
    }
    return files


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
    return _with_consumed_events(_with_parameters(dict(spec.to_specification().to_jsonable())))


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
