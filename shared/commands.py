"""Commands (imperative, request/reply on ``cmd.<service>.<CommandName>``) and their replies."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from shared.errors import Problem
from shared.events import Actor, Role

CASE_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"


class Command(BaseModel):
    """Base of every command. ``command_id`` is chosen by the caller: a retried command is a no-op."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    service: ClassVar[str] = ""
    # Roles that may issue this command; the service refuses any other with a clear error.
    allowed_roles: ClassVar[frozenset[Role]] = frozenset()

    command_id: str = Field(min_length=8, max_length=100, pattern=r"^[A-Za-z0-9_.:-]+$")
    case_id: str = Field(pattern=CASE_ID_PATTERN)
    actor: Actor
    occurred_at: datetime | None = None
    correlation_id: str | None = None

    @classmethod
    def name(cls) -> str:
        return cls.__name__

    @classmethod
    def subject(cls) -> str:
        return f"cmd.{cls.service}.{cls.__name__}"


class CommandReply(BaseModel):
    """The reply to every command: the new events' ids, or every problem found."""

    ok: bool
    case_id: str | None = None
    event_ids: list[str] = Field(default_factory=list)
    errors: list[Problem] = Field(default_factory=list)
    duplicate: bool = False
    data: dict[str, Any] | None = None
