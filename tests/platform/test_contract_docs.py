"""The published language documents itself, on every side: every event, command, request, reply and
view has a docstring, and every field of it, and of every model nested in it, has a description, so
the published JSON Schema (and the AsyncAPI built from it) explains each field to an agency's
developer. Each side is a package that imports no other side, no contract module grows past 500
lines, and every command of a side is served."""

from __future__ import annotations

import ast
import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from sanctuary.agency_access import all_commands
from sanctuary.message_schemas import OTHER_REQUESTS, published_events
from shared.commands import Command
from shared.contracts import assessment, contractor, referral
from shared.contracts.envelope import StoredEvent
from shared.contracts.reporting import CaseView
from shared.events import OWNERS, registry
from shared.settings import REPO_ROOT

CONTRACTS = REPO_ROOT / "shared" / "contracts"
SIDES = ("referral", "assessment", "contractor", "reporting", "audit")

MESSAGES: list[type[BaseModel]] = [
    *published_events(),
    *all_commands().values(),
    *(r.request for r in OTHER_REQUESTS),
    *(r.reply for r in OTHER_REQUESTS),
    CaseView,
    StoredEvent,
]


def models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in getattr(annotation, "__args__", ()):
        yield from models_in(arg)


def reachable(model: type[BaseModel]) -> list[type[BaseModel]]:
    """The model and every model nested in its fields, at any depth."""
    found: list[type[BaseModel]] = []
    pending = [model]
    while pending:
        cls = pending.pop()
        if cls in found:
            continue
        found.append(cls)
        for info in cls.model_fields.values():
            pending.extend(models_in(info.annotation))
    return found


@pytest.mark.parametrize("model", MESSAGES, ids=lambda m: m.__name__)
def test_every_field_of_every_message_is_described(model: type[BaseModel]) -> None:
    assert model.__dict__.get("__doc__"), "no docstring"
    undocumented = [
        f"{cls.__name__}.{name}"
        for cls in reachable(model)
        for name, info in cls.model_fields.items()
        if not (info.description or "").strip()
    ]
    assert undocumented == []


def test_every_side_has_events_and_commands_to_document() -> None:
    owners = {cls.owner for cls in published_events()}
    services = {cls.service for cls in all_commands().values()}
    assert owners == set(OWNERS)
    assert services == {"referral", "assessment", "contractor", "reporting"}
    assert len(MESSAGES) > 80


def test_every_event_is_registered_once_under_its_own_name() -> None:
    events = published_events()
    assert len({cls.type_name() for cls in events}) == len(events)
    assert all(registry.get(cls.type_name()) is cls for cls in events)


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return found


@pytest.mark.parametrize("side", SIDES)
def test_a_side_is_a_package_that_imports_no_other_side(side: str) -> None:
    package = CONTRACTS / side
    assert (package / "__init__.py").is_file() and not (CONTRACTS / f"{side}.py").exists()
    others = {f"shared.contracts.{other}" for other in (*SIDES, "keys") if other != side}
    crossing = sorted(
        f"{path.name}: {module}"
        for path in package.glob("*.py")
        for module in _imports(path)
        if any(module == other or module.startswith(f"{other}.") for other in others)
    )
    assert crossing == []


def test_no_contract_module_is_over_500_lines() -> None:
    sizes = {
        p.relative_to(CONTRACTS).as_posix(): len(p.read_text().splitlines()) for p in CONTRACTS.rglob("*.py")
    }
    assert {name: n for name, n in sizes.items() if n > 500} == {}


@pytest.mark.parametrize("side", SIDES)
def test_a_side_re_exports_every_public_name_of_its_modules(side: str) -> None:
    package = __import__(f"shared.contracts.{side}", fromlist=["__all__"])
    for path in (CONTRACTS / side).glob("*.py"):
        if path.name.startswith("_"):  # __init__, and helpers private to the side
            continue
        module = __import__(f"shared.contracts.{side}.{path.stem}", fromlist=["_"])
        own = [
            name
            for name, value in vars(module).items()
            if not name.startswith("_")
            and (inspect.isclass(value) or inspect.isfunction(value))
            and getattr(value, "__module__", None) == module.__name__
        ]
        missing = sorted(name for name in own if getattr(package, name, None) is not getattr(module, name))
        assert missing == [], path.name


@pytest.mark.parametrize(
    ("side", "base", "served"),
    [
        (referral, referral.ReferralCommand, set(referral.CASE_COMMANDS)),
        (contractor, contractor.ContractorCommand, {*contractor.CASE_COMMANDS, contractor.AllocateInstaller}),
        (assessment, Command, set(assessment.ASSESSMENT_COMMANDS)),
    ],
    ids=["referral", "contractor", "assessment"],
)
def test_every_command_of_a_side_is_served(
    side: Any, base: type[Command], served: set[type[Command]]
) -> None:
    service = side.__name__.rsplit(".", 1)[-1]
    commands = {c for c in all_commands().values() if c.service == service and issubclass(c, base)}
    assert commands == served
    assert all(c.subject() == f"cmd.{service}.{c.__name__}" for c in commands)


def test_a_derived_field_keeps_its_description_and_says_it_may_be_left_out() -> None:
    case_id = referral.SubmitReferral.model_json_schema()["properties"]["case_id"]["description"]
    assert case_id.startswith(Command.model_fields["case_id"].description or "(none)")
    assert case_id.endswith("may be left out: the service then derives it")
