"""The reporting side's disclosure event (owner "reporting"), published on
``case.<case_id>.reporting.DisclosureRecorded``.

A disclosure names what was shared (event types and field paths), with whom and on what basis;
never the values. It holds no personal data, so it stays readable after the case is erased.
"""

from __future__ import annotations

from pydantic import Field

from shared.contracts.common import Recipient
from shared.contracts.reporting.options import BasisKind, FieldPath
from shared.events import Event

__all__ = ["DisclosureRecorded"]


class DisclosureRecorded(Event):
    """Case data was published to a recipient's view: which events, which fields, on what basis."""

    owner = "reporting"
    recipient: Recipient = Field(description="The agency the data was published to")
    subject: str = Field(
        pattern=r"^view\.[a-z]+\.[A-Za-z0-9_-]{1,64}$",
        description="The view subject it was published on: view.<recipient>.<case_id>",
    )
    source_event_ids: list[str] = Field(min_length=1, description="The event ids of the events disclosed")
    event_types: list[str] = Field(min_length=1, description="The types of the events disclosed")
    fields: list[FieldPath] = Field(
        min_length=1,
        description="The fields disclosed, each '<EventType>.<dotted path into its payload>' (never the "
        "values)",
    )
    basis_kind: BasisKind = Field(
        description="consent, lawful_basis (the sharing agreement's, no consent needed) or override (a "
        "recorded safeguarding override)"
    )
    basis: str = Field(
        min_length=1,
        max_length=60,
        description="The consent purpose (for consent), or the lawful basis (for lawful_basis and override)",
    )
    override_event_id: str | None = Field(
        default=None, description="The event id of the SafeguardingOverrideRecorded relied on; null otherwise"
    )
    policy_version: str = Field(
        min_length=1, max_length=40, description="The version of the information-sharing agreement applied"
    )
