"""Commands (imperative, request/reply on ``cmd.<service>.<CommandName>``) and their replies."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from shared.errors import CommandRejected, Problem
from shared.events import Actor, Role

CASE_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"

# The bounds of every moment a command speaks of (when it happened, and the dates and times it
# records): no sanctuary scheme's records go back before EARLIEST, and nothing has happened yet
# that lies beyond now. A caller's clock may run up to CLOCK_SKEW ahead of ours.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
CLOCK_SKEW = timedelta(minutes=5)
UK_TIME = ZoneInfo("Europe/London")


def aware(moment: datetime) -> datetime:
    """A moment given without a time zone is taken as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def when(command: BaseCommand) -> datetime:
    """The moment the command speaks for (given without a time zone: UTC); the service stamps the
    arrival time on a command that comes without one."""
    if command.occurred_at is None:
        raise CommandRejected.one("occurred_at", "is required")
    return aware(command.occurred_at)


def moment_problem(moment: datetime, now: datetime) -> str | None:
    """Why ``moment`` cannot be a moment that has happened by ``now`` (None when it can)."""
    at = aware(moment)
    if at < EARLIEST:
        return f"is before {EARLIEST.year}"
    if at > now + CLOCK_SKEW:
        return "is in the future"
    return None


def day_problem(day: date, now: datetime) -> str | None:
    """Why ``day`` cannot be a day that has begun by ``now`` in the UK (None when it can)."""
    if day < EARLIEST.date():
        return f"is before {EARLIEST.year}"
    if day > (now + CLOCK_SKEW).astimezone(UK_TIME).date():
        return "is in the future"
    return None


def _published_schema(schema: dict[str, Any], cls: type[Any]) -> None:
    """The JSON Schema a caller builds against: a field the command derives when left out (a
    submission's case id) is not required of the caller, whatever the model's type says."""
    derived: frozenset[str] = getattr(cls, "derived_fields", frozenset())
    if derived and "required" in schema:
        schema["required"] = [name for name in schema["required"] if name not in derived]
    for name in derived:
        prop = schema.get("properties", {}).get(name)
        if prop is not None:
            said = prop.get("description", "")
            prop["description"] = f"{said}; may be left out: the service then derives it".lstrip("; ")


class BaseCommand(BaseModel):
    """Base of every command, on ``cmd.<service>.<CommandName>``. ``command_id`` is chosen by the
    caller: a retried command is a no-op. Almost every command is about a case (``Command``); one
    that is not (registering an installer) derives from this directly."""

    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_extra=_published_schema)

    service: ClassVar[str] = ""
    # Roles that may issue this command; the service refuses any other with a clear error.
    allowed_roles: ClassVar[frozenset[Role]] = frozenset()
    # Fields the command fills in itself when the caller leaves them out (before validation).
    derived_fields: ClassVar[frozenset[str]] = frozenset()

    command_id: str = Field(
        min_length=8,
        max_length=100,
        pattern=r"^[A-Za-z0-9_.:-]+$",
        description="Chosen by the caller, unique per command (8 to 100 of letters, digits and _ . : -); "
        "a command sent again with the same id is not applied twice",
    )
    actor: Actor = Field(description="Who issues the command: agency, person (a staff identifier) and role")
    occurred_at: datetime | None = Field(
        default=None,
        description="When it happened in the world (ISO 8601, between 2000 and now); left out: when received",
    )
    correlation_id: str | None = Field(
        default=None,
        description="The id shared by everything one request set off; left out: the command id",
    )

    @field_validator("occurred_at")
    @classmethod
    def _occurred_within_bounds(cls, value: datetime | None) -> datetime | None:
        problem = None if value is None else moment_problem(value, datetime.now(UTC))
        if problem:
            raise PydanticCustomError("moment_out_of_range", problem)
        return value

    @classmethod
    def name(cls) -> str:
        return cls.__name__

    @classmethod
    def subject(cls) -> str:
        return f"cmd.{cls.service}.{cls.__name__}"


class Command(BaseCommand):
    """A command about one case: decided by the service's decider on the case's history."""

    case_id: str = Field(
        pattern=CASE_ID_PATTERN, description="The case (1 to 64 of letters, digits, _ and -)"
    )


class CommandReply(BaseModel):
    """The reply to every command: the new events' ids, or every problem found."""

    ok: bool = Field(description="True: the command was applied (or had been already); false: see errors")
    case_id: str | None = Field(default=None, description="The case the command was applied to")
    event_ids: list[str] = Field(default_factory=list, description="The ids of the events it recorded")
    errors: list[Problem] = Field(
        default_factory=list, description="Every problem found, each naming its field; empty when ok"
    )
    duplicate: bool = Field(
        default=False, description="The command id was seen before: nothing new was recorded this time"
    )
    data: dict[str, Any] | None = Field(
        default=None,
        description="What some commands give back (e.g. the installer_id registered); null otherwise",
    )
