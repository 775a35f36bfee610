"""Published contract of the audit side (owner "reporting"): audit reads and erasures.

Both events must be recordable on a case whose key has already been destroyed, so they hold no
Personal fields. Their free-text reasons outlive erasure; they are refused if they contain
anything shaped like personal data (telephone, postcode, street address, e-mail).
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated, ClassVar

from pydantic import AfterValidator, Field

from shared.commands import Command
from shared.events import Event, Role
from shared.logging import scrub_text


def _no_personal_shapes(value: str) -> str:
    if scrub_text(value) != value:
        raise ValueError(
            "must not contain personal data (a telephone number, postcode, street address or e-mail)"
        )
    return value


# Why someone read or erased a case: kept after erasure, so it must not describe the client.
Reason = Annotated[str, Field(min_length=3, max_length=300), AfterValidator(_no_personal_shapes)]


class AuditView(enum.StrEnum):
    """What the reader looked at."""

    TIMELINE = "timeline"
    SUBJECT_ACCESS_EXPORT = "subject access export"
    DISCLOSURES = "disclosures"


class AuditReadOutcome(enum.StrEnum):
    PERSONAL_DATA_SHOWN = "granted, personal data shown"
    PERSONAL_DATA_WITHHELD = "granted, personal data withheld"
    REFUSED = "refused"


class ErasureBasis(enum.StrEnum):
    RETENTION = "retention"
    DATA_SUBJECT_REQUEST = "request from the data subject"
    RECORDED_IN_ERROR = "recorded in error"
    OTHER = "other"


class AuditReadRecorded(Event):
    """Someone (the envelope's actor) read a case's history, or was refused; with why."""

    owner = "reporting"
    view: AuditView
    as_of: datetime | None = None
    reason: Reason
    outcome: AuditReadOutcome
    refusal: str | None = Field(default=None, max_length=300)


class CasePersonalDataErased(Event):
    """The case's key is destroyed: every personal field now reads as erased, everywhere."""

    owner = "reporting"
    basis: ErasureBasis
    reason: Reason
    # For a retention erasure: when the case was closed, and the retention period applied.
    closed_at: datetime | None = None
    retention_years: int | None = Field(default=None, ge=1, le=100)


class RecordAuditRead(Command):
    """Ask to read a case for audit. The sharing policy decides; a refusal is recorded too."""

    service: ClassVar[str] = "reporting"
    # Every role may ask: the policy answers, and a refused read is itself evidence.
    allowed_roles: ClassVar[frozenset[Role]] = frozenset(Role)
    view: AuditView
    as_of: datetime | None = None
    reason: Reason


class EraseCase(Command):
    """Destroy the case's key (crypto-shredding) and record the erasure."""

    service: ClassVar[str] = "reporting"
    allowed_roles: ClassVar[frozenset[Role]] = frozenset({Role.COORDINATOR, Role.SYSTEM})
    basis: ErasureBasis
    reason: Reason
    closed_at: datetime | None = None
    retention_years: int | None = Field(default=None, ge=1, le=100)
