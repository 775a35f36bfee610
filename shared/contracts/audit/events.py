"""The audit side's events (owner "reporting"): audit reads and erasures, published on
``case.<case_id>.reporting.<EventType>``.

Both must be recordable on a case whose key has already been destroyed, so they hold no personal
fields.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from shared.contracts.audit.options import AuditReadOutcome, AuditView, ErasureBasis, Reason
from shared.events import Event

__all__ = ["AuditReadRecorded", "CasePersonalDataErased"]


class AuditReadRecorded(Event):
    """Someone (the envelope's actor) read a case's history, or was refused; with why."""

    owner = "reporting"
    view: AuditView = Field(description="What the reader looked at")
    as_of: datetime | None = Field(
        default=None, description="The history as it stood at this moment (ISO 8601); null: as it is now"
    )
    reason: Reason = Field(description="Why the case was read, 3 to 300 characters, describing no one")
    outcome: AuditReadOutcome = Field(description="What the sharing policy answered")
    refusal: str | None = Field(
        default=None, max_length=300, description="Why it was refused; null when granted"
    )


class CasePersonalDataErased(Event):
    """The case's key is destroyed: every personal field now reads as erased, everywhere."""

    owner = "reporting"
    basis: ErasureBasis = Field(description="Why the case is erased")
    reason: Reason = Field(description="More about why, 3 to 300 characters, describing no one")
    closed_at: datetime | None = Field(
        default=None, description="For a retention erasure: when the case was closed; null otherwise"
    )
    retention_years: int | None = Field(
        default=None,
        ge=1,
        le=100,
        description="For a retention erasure: the retention period applied, in years",
    )
