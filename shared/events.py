"""The event envelope every event shares, the registry of event types, and upcasting.

Payload models are frozen pydantic models with ``extra="forbid"``, named in the past tense.
Each concrete payload class declares the service that owns it (``owner``) and its
``schema_version``; the registry finds the class for a stored ``type`` and upcasts older
versions on read, never rewriting what is stored.
"""

from __future__ import annotations

import enum
import weakref
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from shared.personal import personal_field_names

EventT = TypeVar("EventT", bound="Event")

# "keys" is the key custodian, whose only event records a case key's destruction.
OWNERS = ("referral", "assessment", "contractor", "reporting", "keys")


class Role(enum.StrEnum):
    """Who is acting. Services refuse commands from roles that may not issue them."""

    REFERRER = "referrer"
    COORDINATOR = "coordinator"
    POLICE_CPO = "police_cpo"
    PROTECTIVE_SECURITY_MANAGER = "protective_security_manager"
    FIRE_OFFICER = "fire_officer"
    FIRE_CONTROL = "fire_control"
    CONTRACTOR_OFFICE = "contractor_office"
    INSTALLER = "installer"
    IDVA = "idva"
    HOUSING_OFFICER = "housing_officer"
    AUDITOR = "auditor"
    FUNDER = "funder"
    SYSTEM = "system"


class Actor(BaseModel):
    """Agency (organisation), person (a staff identifier, not a client) and role."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    agency: str = Field(
        min_length=1, max_length=120, description="The organisation acting (1 to 120 characters)"
    )
    person: str = Field(
        min_length=1, max_length=120, description="A staff identifier of who acts, never a client's name"
    )
    role: Role = Field(
        description="The role acted in; a service refuses a command from a role that may not issue it"
    )


SYSTEM_ACTOR = Actor(agency="sanctuary", person="system", role=Role.SYSTEM)


class Event(BaseModel):
    """Base of every event payload. Subclasses set ``owner`` and may bump ``schema_version``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    owner: ClassVar[str] = ""
    schema_version: ClassVar[int] = 1

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if cls.owner:
            registry.register(cls)

    @classmethod
    def type_name(cls) -> str:
        return cls.__name__

    # Made without validation: marked, so the event store validates it before writing it.
    # (pydantic's mypy plugin declares model_construct with each model's fields: hence the ignores)
    @classmethod  # type: ignore[no-redef]
    def model_construct(cls, _fields_set: set[str] | None = None, **values: Any) -> Self:  # type: ignore[override]
        return _unvalidated(super().model_construct(_fields_set, **values))

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        copied = super().model_copy(update=update, deep=deep)
        return _unvalidated(copied) if update else copied

    def __copy__(self) -> Self:
        copied = super().__copy__()
        return copied if was_validated(self) else _unvalidated(copied)

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Self:
        copied = super().__deepcopy__(memo)
        return copied if was_validated(self) else _unvalidated(copied)

    @classmethod
    def from_command(cls, command: BaseModel, **decided: Any) -> Self:
        """The event recording what ``command`` said: each of its fields the command has by the same
        name is taken from the command; ``decided`` gives the rest (what the decision worked out)."""
        said = {
            name: getattr(command, name) for name in cls.model_fields if name in type(command).model_fields
        }
        return cls(**(said | decided))


# Payloads made without validation (model_construct, or model_copy with changes), by identity. Any
# other payload was validated when it was made and, frozen, has not changed since.
_UNVALIDATED: weakref.WeakValueDictionary[int, Event] = weakref.WeakValueDictionary()


def _unvalidated(payload: EventT) -> EventT:
    _UNVALIDATED[id(payload)] = payload
    return payload


def was_validated(payload: Event) -> bool:
    """Whether the payload was validated when it was made (by its constructor or model_validate)."""
    return _UNVALIDATED.get(id(payload)) is not payload


Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


class EventRegistry:
    def __init__(self) -> None:
        self._types: dict[str, type[Event]] = {}
        self._upcasters: dict[tuple[str, int], Upcaster] = {}

    def register(self, cls: type[Event]) -> None:
        if cls.owner not in OWNERS:
            raise ValueError(f"{cls.__name__}: owner must be one of {OWNERS}")
        existing = self._types.get(cls.type_name())
        if existing is not None and existing is not cls and existing.__qualname__ != cls.__qualname__:
            raise ValueError(f"event type {cls.type_name()} registered twice")
        self._types[cls.type_name()] = cls

    def upcaster(self, type_name: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
        """Register a function turning a version-``from_version`` payload into the next version."""

        def deco(fn: Upcaster) -> Upcaster:
            self._upcasters[(type_name, from_version)] = fn
            return fn

        return deco

    def get(self, type_name: str) -> type[Event]:
        try:
            return self._types[type_name]
        except KeyError:
            raise UnknownEventType(type_name) from None

    def upcast(self, type_name: str, version: int, payload: dict[str, Any]) -> dict[str, Any]:
        target = self.get(type_name).schema_version
        while version < target:
            step = self._upcasters.get((type_name, version))
            if step is None:
                raise UnknownEventType(f"{type_name} v{version}: no upcaster to v{version + 1}")
            payload = step(payload)
            version += 1
        return payload

    def all(self) -> dict[str, type[Event]]:
        return dict(self._types)

    def personal_keys(self) -> set[str]:
        keys: set[str] = set()
        for cls in self._types.values():
            keys |= personal_field_names(cls)
        return keys

    def json_schemas(self) -> dict[str, dict[str, Any]]:
        return {name: cls.model_json_schema() for name, cls in sorted(self._types.items())}


class UnknownEventType(LookupError):
    pass


registry = EventRegistry()


class RecordedEvent(BaseModel):
    """An event as read back from the stream: envelope, typed payload and stream position."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    event_id: str
    type: str
    schema_version: int
    case_id: str
    occurred_at: datetime
    recorded_at: datetime
    actor: Actor
    causation_id: str
    correlation_id: str
    payload: Event
    seq: int = 0
    subject: str = ""
    prev_hash: str = ""
    hash: str = ""
    signature: str = ""
    erased: bool = False


class NewEvent(BaseModel):
    """An event decided but not yet appended: the payload plus when it happened in the world."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    payload: Event
    occurred_at: datetime | None = None


def utcnow() -> datetime:
    return datetime.now(UTC)
