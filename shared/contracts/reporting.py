"""Published contract of the reporting side (owner "reporting"): disclosures to other agencies and
the shape of the per-agency case views it publishes on ``view.<recipient>.<case_id>``.

A disclosure names what was shared (event types and field paths), with whom and on what basis;
never the values. It holds no personal data, so it stays readable after the case is erased.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.events import Event


class Recipient(enum.StrEnum):
    """Agencies that receive a per-case view under the information-sharing agreement."""

    POLICE = "police"
    IDVA = "idva"
    HOUSING = "housing"
    CONTRACTOR = "contractor"
    # The fire service's sanctuary address register (kept on its call-out system).
    FIRE = "fire"


class ConsentPurpose(enum.StrEnum):
    """The referral form's four consent questions."""

    INSTALLATION = "installation"
    LANDLORD_CONTACT = "landlord_contact"
    INFORMATION_SHARING = "information_sharing"
    FOLLOW_UP_CONTACT = "follow_up_contact"


class LawfulBasis(enum.StrEnum):
    """Grounds for sharing without (or despite the absence of) consent."""

    VITAL_INTERESTS = "vital_interests"
    SAFEGUARDING = "safeguarding"
    LEGAL_OBLIGATION = "legal_obligation"
    PUBLIC_TASK = "public_task"


BasisKind = Literal["consent", "lawful_basis", "override"]

FieldPath = str  # "<EventType>.<dotted path into its payload>", e.g. "ReferralSubmitted.client.address"


class DisclosureRecorded(Event):
    """Case data was published to a recipient's view: which events, which fields, on what basis."""

    owner = "reporting"
    recipient: Recipient
    subject: str = Field(pattern=r"^view\.[a-z]+\.[A-Za-z0-9_-]{1,64}$")
    source_event_ids: list[str] = Field(min_length=1)
    event_types: list[str] = Field(min_length=1)
    fields: list[FieldPath] = Field(min_length=1)
    basis_kind: BasisKind
    # A consent purpose, or a lawful basis (for "lawful_basis" and "override").
    basis: str = Field(min_length=1, max_length=60)
    override_event_id: str | None = None
    policy_version: str = Field(min_length=1, max_length=40)


# -- the view messages (not events: they live in the VIEWS stream, one per case and recipient) --


class ViewedEvent(BaseModel):
    """One source event as the recipient sees it: only the fields the policy grants, same shape."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: str
    type: str
    occurred_at: datetime
    fields: dict[str, Any]


class CaseView(BaseModel):
    """The current view of one case for one recipient. ``status="removed"`` is a tombstone: no data,
    only why (consent withdrawn, and so on)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    case_id: str
    recipient: Recipient
    policy_version: str
    status: Literal["shared", "removed"]
    basis_kind: BasisKind | None = None
    basis: str | None = None
    reason: str | None = None
    events: list[ViewedEvent] = Field(default_factory=list)
    published_at: datetime
