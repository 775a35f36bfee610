"""The published description of the bus, for another agency's system to integrate against:
the AsyncAPI document of each service (FastStream's own generation from its broker) and the JSON
Schema of every event and command in the contracts."""

from __future__ import annotations

import base64
import importlib
import json
from pathlib import Path
from typing import Any

from faststream.specification.asyncapi import AsyncAPI

import shared.contracts  # noqa: F401  (importing the package registers every event type)
from shared.agency_access import all_commands
from shared.events import registry
from shared.settings import Settings, load_settings

SERVICES = ("referral", "assessment", "contractor", "reporting")
VERSION = "0.1.0"


def schema_settings() -> Settings:
    # Building an app connects nothing, but settings must be valid: a throwaway key, never used.
    return load_settings(nats_url="nats://nats:4222", kek=base64.b64encode(bytes(32)).decode())


def service_asyncapi(name: str, settings: Settings) -> dict[str, Any]:
    """The AsyncAPI 3.0 document of one service's FastStream app."""
    module = importlib.import_module(f"services.{name}.app")
    _app, service = module.create_app(settings)
    spec = AsyncAPI(
        service.broker,
        title=f"Sanctuary {name} service",
        version=VERSION,
        description=f"Commands served, events consumed and health checks of the {name} service.",
    )
    return dict(spec.to_specification().to_jsonable())


def write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


def write_schemas(out: Path, services: tuple[str, ...] = SERVICES) -> list[Path]:
    """Write docs/asyncapi/<service>.json and docs/schemas/{events,commands}/<Name>.json."""
    written: list[Path] = []
    settings = schema_settings()
    for name in services:
        path = out / "asyncapi" / f"{name}.json"
        write_json(path, service_asyncapi(name, settings))
        written.append(path)
    for type_name, cls in registry.all().items():
        path = out / "schemas" / "events" / f"{type_name}.json"
        schema = cls.model_json_schema() | {"x-owner": cls.owner, "x-schema-version": cls.schema_version}
        write_json(path, schema)
        written.append(path)
    for command_name, command_cls in all_commands().items():
        path = out / "schemas" / "commands" / f"{command_name}.json"
        schema = command_cls.model_json_schema() | {
            "x-subject": command_cls.subject(),
            "x-allowed-roles": sorted(r.value for r in command_cls.allowed_roles),
        }
        write_json(path, schema)
        written.append(path)
    return written
