"""Builders shared by every side's tests: a command's opening fields, an event as if it had been read
back from the stream, the
referrer on a referral form, and the fire flag the assessment service publishes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from shared.contracts.assessment import FireFlagView, SanctuaryAddressFlagged, SharingBasis
from shared.contracts.referral import ReferrerDetails
from shared.events import Actor, Event, RecordedEvent


def sent_by(actor: Actor, case_id: str) -> dict[str, Any]:
    """The fields a command starts with: a new command id, its case and who sends it."""
    return {"command_id": f"cmd-{uuid.uuid4().hex}", "case_id": case_id, "actor": actor}


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


def referrer() -> ReferrerDetails:
    """The made-up IDVA who refers every test's client."""
    return ReferrerDetails(
        full_name="Rita Referrer",
        job_title="IDVA",
        organisation="Test IDVA Service",
        email="rita@example.org",
        telephone="07700 900001",
    )


def fire_flag_view(**fields: object) -> FireFlagView:
    """A synthetic sanctuary address as the fire control room sees it; ``fields`` change any of it."""
    return FireFlagView.model_validate(
        {
            "address": "1 Test Road, Testtown",
            "house": "1",
            "postcode": "TE1 1ST",
            "sanctuary_room": "front bedroom, first floor",
            "sanctuary_room_at_front": True,
            "risk_of_arson": True,
            "occupants": 3,
            "children": 2,
            "rescue_needs": "Disability: Physical",
            "flagged_on": date(2025, 6, 6),
        }
        | fields
    )


def fire_flagged(**fields: object) -> SanctuaryAddressFlagged:
    """The address flagged for the fire service with the client's consent (see ``fire_flag_view``)."""
    return SanctuaryAddressFlagged(flag=fire_flag_view(**fields), shared_under=SharingBasis.CONSENT)
