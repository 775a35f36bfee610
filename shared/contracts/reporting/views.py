"""The shape of the per-agency case views the reporting service publishes on
``view.<recipient>.<case_id>`` (not events: they live in the VIEWS stream, one per case and
recipient; read the last message of the subject)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from shared.contracts.common import MessagePart, Recipient
from shared.contracts.reporting.options import BasisKind

__all__ = ["CaseView", "ViewedEvent"]


class ViewedEvent(MessagePart):
    """One source event as the recipient sees it: only the fields the policy grants, same shape."""

    event_id: str = Field(description="The source event's id")
    type: str = Field(description="The source event's type (e.g. ReferralAccepted)")
    occurred_at: datetime = Field(description="When it happened in the world (ISO 8601)")
    fields: dict[str, Any] = Field(
        description="The fields the sharing agreement grants this recipient, in the event's own shape"
    )


class CaseView(MessagePart):
    """The current view of one case for one recipient. ``status="removed"`` is a tombstone: no data,
    only why (consent withdrawn, and so on)."""

    case_id: str = Field(description="The case")
    recipient: Recipient = Field(description="The agency the view is for")
    policy_version: str = Field(description="The version of the information-sharing agreement applied")
    status: Literal["shared", "removed"] = Field(
        description="shared: the events below; removed: the recipient may no longer see the case"
    )
    basis_kind: BasisKind | None = Field(
        default=None, description="For a shared view: consent, lawful_basis or override; null when removed"
    )
    basis: str | None = Field(
        default=None, description="For a shared view: the consent purpose or lawful basis; null when removed"
    )
    reason: str | None = Field(default=None, description="For a removed view: why; null when shared")
    events: list[ViewedEvent] = Field(
        default_factory=list, description="The events the recipient may see; empty when removed"
    )
    published_at: datetime = Field(description="When this view was published (ISO 8601)")
