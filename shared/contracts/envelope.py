"""The published shape of every event message in the CASES stream, on
``case.<case_id>.<owner>.<EventType>``: the envelope (shared/codec.py writes it) around one event's
payload. Only the owning service publishes it; readers decode it.

The payload holds the event's fields except those marked personal (``x-personal`` in the schemas):
those travel sealed in ``personal``, AES-256-GCM under the case's data key, and read as
``"[erased]"`` once the case key is destroyed.
"""

from __future__ import annotations

from typing import Any

from pydantic import AwareDatetime, Field

from shared.commands import CASE_ID_PATTERN
from shared.contracts.common import MessagePart
from shared.events import Actor

HEX_SHA256 = r"^[0-9a-f]{64}$"


class StoredEvent(MessagePart):
    """One event as stored and delivered: canonical JSON (keys sorted, no spaces, UTF-8)."""

    event_id: str = Field(description="UUIDv7 of the event")
    type: str = Field(description="The event type, as in the subject (e.g. ReferralSubmitted)")
    schema_version: int = Field(ge=1, description="The payload's version; older ones are upcast on read")
    case_id: str = Field(pattern=CASE_ID_PATTERN, description="The case the event belongs to")
    occurred_at: AwareDatetime = Field(description="When it happened in the world")
    recorded_at: AwareDatetime = Field(description="When it was appended")
    actor: Actor = Field(description="Who acted: agency, person (a staff identifier) and role")
    causation_id: str = Field(description="The command id that caused it")
    correlation_id: str = Field(description="The id shared by everything one request set off")
    payload: dict[str, Any] = Field(description="The event's fields, without the personal ones")
    personal: str | None = Field(
        description="The personal fields, {field path: value} as JSON, sealed under the case key: base64 of "
        "a 12-byte nonce and the AES-256-GCM ciphertext, the event id as associated data; null when the "
        "event has none"
    )
    prev_hash: str = Field(pattern=HEX_SHA256, description="hash of the case's previous event (zeros first)")
    hash: str = Field(
        pattern=HEX_SHA256,
        description="SHA-256 of this record's canonical JSON without hash and signature",
    )
    signature: str = Field(description="The owning service's signature of hash (empty when unsigned)")
