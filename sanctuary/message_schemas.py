"""The JSON Schema of every message on the bus, as an agency's developer builds or reads it: events
(and the envelope they travel in), commands, the other requests, their replies, and the views.
Personal fields carry ``"x-personal": true``; each file names its subject (``x-subject``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

import shared.contracts  # noqa: F401  (importing the package registers every event type)
from sanctuary.agency_access import all_commands
from shared.bus import inline_refs
from shared.commands import CommandReply
from shared.contracts.assessment import SANCTUARY_ADDRESS_QUERY, SanctuaryAddressAnswer, SanctuaryAddressQuery
from shared.contracts.envelope import StoredEvent
from shared.contracts.reporting import CaseView
from shared.events import Event, Role, registry
from shared.personal import PersonalData


@dataclass(frozen=True)
class Request:
    """A request/reply subject that is not a case command."""

    subject: str
    request: type[BaseModel]
    reply: type[BaseModel]
    allowed_roles: frozenset[Role]


OTHER_REQUESTS = (
    Request(
        SANCTUARY_ADDRESS_QUERY, SanctuaryAddressQuery, SanctuaryAddressAnswer, frozenset({Role.FIRE_CONTROL})
    ),
)


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
