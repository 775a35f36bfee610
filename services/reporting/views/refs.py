"""What the views reader needs of each CASES message: which case, which event, of what type.

Read from the stored record as it is, without opening its personal data or validating its payload:
the projector loads and decodes the case itself (``CaseHandler.state_of``), so decoding every
message here as well would do that work twice, and for the many events no view shows, for nothing.
A record that cannot be read even this far is parked by the reader; one whose payload does not
decode fails when its case is loaded, and is parked then.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson


@dataclass(frozen=True)
class EventRef:
    case_id: str
    event_id: str
    type: str


def event_ref(data: bytes) -> EventRef:
    """The case, event id and type of a stored event record (ValueError naming the field)."""
    record = orjson.loads(data)
    if not isinstance(record, dict):
        raise ValueError("an event record must be a JSON object")
    return EventRef(_text(record, "case_id"), _text(record, "event_id"), _text(record, "type"))


def _text(record: dict[str, object], name: str) -> str:
    value = record.get(name)
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name}: missing or not a string")
    return value
