"""How an event is written to and read from the stream: canonical JSON, personal fields sealed
under the case key, and the hash that chains it to the case's previous event."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from pydantic import ValidationError

from shared.crypto import open_json, seal_json
from shared.errors import InvalidEvent, problems_from_validation
from shared.events import Actor, Event, RecordedEvent, registry
from shared.personal import merge_personal, split_personal


def canonical(record: dict[str, Any]) -> bytes:
    return json.dumps(record, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


def event_hash(record: dict[str, Any]) -> str:
    """SHA-256 of the stored record without its own hash and signature."""
    body = {k: v for k, v in record.items() if k not in ("hash", "signature")}
    return hashlib.sha256(canonical(body)).hexdigest()


def validated_payload_json(payload: Event) -> dict[str, Any]:
    """Re-validate (a model_construct'ed payload skips validation) and dump to JSON-ready data."""
    cls = type(payload)
    data = payload.model_dump(mode="json")
    try:
        cls.model_validate(data)
    except ValidationError as exc:
        raise InvalidEvent(problems_from_validation(exc, prefix=f"{cls.type_name()}.")) from None
    return data


def build_record(
    *,
    event_id: str,
    payload: Event,
    case_id: str,
    occurred_at: datetime,
    recorded_at: datetime,
    actor: Actor,
    causation_id: str,
    correlation_id: str,
    prev_hash: str,
    key: bytes | None,
) -> dict[str, Any]:
    data = validated_payload_json(payload)
    personal = split_personal(type(payload), data)
    if personal and key is None:
        raise InvalidEvent.one(
            "case_id", "this case's personal data has been erased; no personal data can be added"
        )
    return {
        "event_id": event_id,
        "type": payload.type_name(),
        "schema_version": payload.schema_version,
        "case_id": case_id,
        "occurred_at": occurred_at.isoformat(),
        "recorded_at": recorded_at.isoformat(),
        "actor": actor.model_dump(mode="json"),
        "causation_id": causation_id,
        "correlation_id": correlation_id,
        "payload": data,
        # Bound to the event id so a sealed blob cannot be moved onto another event.
        "personal": seal_json(key, personal, event_id.encode()) if personal and key else None,
        "prev_hash": prev_hash,
    }


def decode_record(
    record: dict[str, Any], *, key: bytes | None, seq: int = 0, subject: str = ""
) -> RecordedEvent:
    """Typed event from a stored record. ``key=None`` means the case was erased."""
    cls = registry.get(record["type"])
    data = registry.upcast(record["type"], int(record["schema_version"]), dict(record["payload"]))
    personal: dict[str, Any] | None = None
    if record.get("personal"):
        if key is not None:
            try:
                personal = open_json(key, record["personal"], record["event_id"].encode())
            except InvalidTag:
                raise ValueError(
                    f"event {record['event_id']}: personal data does not open with the case key"
                ) from None
    elif key is not None:
        personal = {}
    merge_personal(cls, data, personal)
    payload = cls.model_validate(data)
    return RecordedEvent(
        event_id=record["event_id"],
        type=record["type"],
        schema_version=cls.schema_version,
        case_id=record["case_id"],
        occurred_at=record["occurred_at"],
        recorded_at=record["recorded_at"],
        actor=Actor.model_validate(record["actor"]),
        causation_id=record["causation_id"],
        correlation_id=record["correlation_id"],
        payload=payload,
        seq=seq,
        subject=subject,
        prev_hash=record.get("prev_hash", ""),
        hash=record.get("hash", ""),
        signature=record.get("signature", ""),
        erased=key is None,
    )


def recorded_from_written(
    record: dict[str, Any], payload: Event, *, seq: int, subject: str, erased: bool
) -> RecordedEvent:
    """The RecordedEvent of a record we have just written, from the payload we hold (already
    validated by ``build_record``): no decryption or re-validation on the append path."""
    return RecordedEvent.model_construct(
        event_id=record["event_id"],
        type=record["type"],
        schema_version=record["schema_version"],
        case_id=record["case_id"],
        occurred_at=datetime.fromisoformat(record["occurred_at"]),
        recorded_at=datetime.fromisoformat(record["recorded_at"]),
        actor=Actor.model_validate(record["actor"]),
        causation_id=record["causation_id"],
        correlation_id=record["correlation_id"],
        payload=payload,
        seq=seq,
        subject=subject,
        prev_hash=record["prev_hash"],
        hash=record["hash"],
        signature=record["signature"],
        erased=erased,
    )
