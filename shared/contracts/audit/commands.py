"""The audit side's commands, served by the reporting service on ``cmd.reporting.<Command>``
(request/reply; the reply is a CommandReply). Every command also carries the common fields of
``shared.commands.Command``."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import Field

from shared.commands import Command
from shared.contracts.audit.options import AuditView, ErasureBasis, Reason
from shared.events import Role

__all__ = ["EraseCase", "RecordAuditRead"]


class RecordAuditRead(Command):
    """Ask to read a case for audit. The sharing policy decides; a refusal is recorded too."""

    service: ClassVar[str] = "reporting"
    # Every role may ask: the policy answers, and a refused read is itself evidence.
    allowed_roles: ClassVar[frozenset[Role]] = frozenset(Role)
    view: AuditView = Field(description="What to look at")
    as_of: datetime | None = Field(
        default=None,
        description="Read the history as it stood at this moment (ISO 8601); left out: as it is now",
    )
    reason: Reason = Field(
        description="Why the case is read, 3 to 300 characters; refused if it holds a telephone number, "
        "postcode, street address or e-mail"
    )


class EraseCase(Command):
    """Destroy the case's key (crypto-shredding) and record the erasure."""

    service: ClassVar[str] = "reporting"
    allowed_roles: ClassVar[frozenset[Role]] = frozenset({Role.COORDINATOR, Role.SYSTEM})
    basis: ErasureBasis = Field(description="Why the case is erased")
    reason: Reason = Field(
        description="More about why, 3 to 300 characters; refused if it holds a telephone number, postcode, "
        "street address or e-mail"
    )
    closed_at: datetime | None = Field(
        default=None,
        description="When the case was closed (ISO 8601): required for a retention erasure, otherwise left "
        "out",
    )
    retention_years: int | None = Field(
        default=None,
        ge=1,
        le=100,
        description="The retention period applied, in years (1 to 100): required for a retention erasure",
    )
