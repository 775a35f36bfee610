"""Builders shared by every side's tests: an event as if it had been read back from the stream."""

from __future__ import annotations

import uuid
from datetime import datetime

from shared.events import Actor, Event, RecordedEvent


def recorded_event(
    payload: Event,
    *,
    case_id: str,
    actor: Actor,
    at: datetime,
    seq: int = 0,
    event_id: str | None = None,
    causation_id: str | None = None,
) -> RecordedEvent:
    """Given-When-Then histories: the envelope around a payload, at a given moment."""
    cause = causation_id or f"cmd-{uuid.uuid4().hex}"
    return RecordedEvent(
        event_id=event_id or f"ev-{uuid.uuid4().hex}",
        type=payload.type_name(),
        schema_version=payload.schema_version,
        case_id=case_id,
        occurred_at=at,
        recorded_at=at,
        actor=actor,
        causation_id=cause,
        correlation_id=cause,
        payload=payload,
        seq=seq,
    )
