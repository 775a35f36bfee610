"""How an event is written to and read from the stream: canonical JSON, personal fields sealed
under the case key, and the hash that chains it to the case's previous event (``CasePosition``:
where a case's history ends)."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
import pydantic_core
from cryptography.exceptions import InvalidTag
from pydantic import BaseModel, ValidationError

from shared.crypto import open_sealed, seal
from shared.errors import InvalidEvent, problems_from_validation
from shared.events import Actor, Event, RecordedEvent, registry, was_validated
from shared.personal import merge_personal, personal_field_names, split_personal

GENESIS_HASH = "0" * 64  # the "previous hash" of a case's first event


@dataclass(frozen=True)
class CasePosition:
    """Where a case's history ends: the stream sequence of its last event and that event's hash."""

    seq: int = 0
    last_hash: str = GENESIS_HASH


def canonical(record: dict[str, Any]) -> bytes:
    """Compact JSON, keys sorted, UTF-8 unescaped: the bytes stored and hashed.

    The definition is the standard library's ``json.dumps(separators=(",", ":"), sort_keys=True,
    ensure_ascii=False)``. orjson writes the same bytes, six times faster, for plain JSON data
    without floats (tests/test_codec.py proves it over generated records); floats (orjson spells
    1e-05 as 0.00001), integers beyond 64 bits and anything not plain JSON take the standard path.
    """
    return _dumps(record, _plain_json_without_floats(record))


def _dumps(record: dict[str, Any], plain: bool) -> bytes:
    if plain:
        try:
            return orjson.dumps(record, option=orjson.OPT_SORT_KEYS)
        except orjson.JSONEncodeError:
            pass  # an integer beyond 64 bits, or nesting deeper than orjson goes
    return standard_canonical(record)


def standard_canonical(record: dict[str, Any]) -> bytes:
    """The definition of ``canonical``, with the standard library."""
    return json.dumps(record, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


def _plain_json_without_floats(value: Any) -> bool:
    """Only exact str, int, bool, None, lists and dicts with str keys (what json.loads and a JSON-mode
    model_dump give), and no float anywhere. Subclasses (enums) are refused: no guessing."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return True
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or not _plain_json_without_floats(item):
                return False
        return True
    if kind is list:
        return all(_plain_json_without_floats(item) for item in value)
    return False


def event_hash(record: dict[str, Any]) -> str:
    """SHA-256 of the stored record without its own hash and signature."""
    return _hash_body(record, _plain_json_without_floats(record))


def _hash_body(record: dict[str, Any], plain: bool) -> str:
    body = {k: v for k, v in record.items() if k not in ("hash", "signature")}
    return hashlib.sha256(_dumps(body, plain)).hexdigest()


def canonical_and_hash(record: dict[str, Any]) -> tuple[bytes, str]:
    """``canonical(record)`` and ``event_hash(record)``, the record checked for plain JSON once
    (what checking a stored record needs: a part of plain JSON is plain JSON)."""
    plain = _plain_json_without_floats(record)
    return _dumps(record, plain), _hash_body(record, plain)


def chain_and_sign(record: dict[str, Any], sign: Callable[[str], str] | None) -> bytes:
    """Give a record from ``build_record`` its hash (exactly ``event_hash``: the record has no hash or
    signature yet, so it is its own hash body) and signature, and return its bytes to publish.

    The record is checked for plain JSON once: adding two strings keeps it plain.
    """
    if "hash" in record or "signature" in record:
        raise ValueError("record already has a hash or signature")
    plain = _plain_json_without_floats(record)
    record["hash"] = hashlib.sha256(_dumps(record, plain)).hexdigest()
    record["signature"] = sign(record["hash"]) if sign else ""
    return _dumps(record, plain)


def personal_plaintext(personal: dict[str, Any]) -> bytes:
    """The bytes sealed for an event's personal fields, the same as they have always been:
    ``json.dumps(separators=(",", ":"), sort_keys=True)``, non-ASCII escaped. orjson writes the same
    when its output is ASCII without DEL (which json escapes)."""
    if _plain_json_without_floats(personal):
        try:
            out = orjson.dumps(personal, option=orjson.OPT_SORT_KEYS)
        except orjson.JSONEncodeError:
            pass  # an integer beyond 64 bits
        else:
            if out.isascii() and b"\x7f" not in out:
                return out
    return json.dumps(personal, separators=(",", ":"), sort_keys=True).encode()


def validated_payload_json(payload: Event) -> dict[str, Any]:
    """JSON-ready data of a valid payload: one made without validation (model_construct, or
    model_copy with changes) is validated again here; any other was validated when it was made."""
    cls = type(payload)
    data = payload.model_dump(mode="json")
    if was_validated(payload):
        return data
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
        "personal": seal(key, personal_plaintext(personal), event_id.encode()) if personal and key else None,
        "prev_hash": prev_hash,
    }


def parse_json(data: bytes | str) -> Any:
    """JSON read as ``json.loads`` reads it, twice as fast: pydantic-core's parser gives the same
    values (big integers, NaN and Infinity included; tests/test_codec.py compares them), and what it
    refuses (a byte-order mark, UTF-16, lone surrogates) goes to ``json.loads``, which reads it or
    refuses it as it always did."""
    try:
        return pydantic_core.from_json(data)
    except ValueError:
        return json.loads(data)


_ACTORS: dict[tuple[str, str, str], Actor] = {}
_ACTORS_HELD = 4096  # distinct staff who recorded events; forgotten all at once past this


def _actor(data: Any) -> Actor:
    """The record's actor as a model. Few staff record many events, so each one validated is kept
    (an Actor is frozen): only a dict of exactly its three fields, all strings, is looked up."""
    if type(data) is not dict or len(data) != 3:
        return Actor.model_validate(data)
    agency, person, role = data.get("agency"), data.get("person"), data.get("role")
    if type(agency) is not str or type(person) is not str or type(role) is not str:
        return Actor.model_validate(data)
    key = (agency, person, role)
    actor = _ACTORS.get(key)
    if actor is None:
        actor = Actor.model_validate(data)
        if len(_ACTORS) >= _ACTORS_HELD:
            _ACTORS.clear()
        _ACTORS[key] = actor
    return actor


@functools.cache
def _has_personal(cls: type[BaseModel]) -> bool:
    """Whether any field of the event (or of a model in it) is personal: if none, merging personal
    values back, or marking them erased, changes nothing."""
    return bool(personal_field_names(cls))


def _as_stored(record: dict[str, Any]) -> dict[str, Any]:
    """The fields of a RecordedEvent that its record holds as they are (the actor as a model)."""
    return {
        "event_id": record["event_id"],
        "type": record["type"],
        "case_id": record["case_id"],
        "actor": _actor(record["actor"]),
        "causation_id": record["causation_id"],
        "correlation_id": record["correlation_id"],
    }


class PersonalDataUnreadable(ValueError):
    """An event's sealed personal data does not open with its case's key (tampered, or sealed under
    another key). Its public part may still be whole: a reader of public fields alone can read it
    without the key (``decode_record(key=None)``)."""


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
                plaintext = open_sealed(key, record["personal"], record["event_id"].encode())
            except InvalidTag:
                raise PersonalDataUnreadable(
                    f"event {record['event_id']}: personal data does not open with the case key"
                ) from None
            personal = parse_json(plaintext)
    elif key is not None:
        personal = {}
    # Nothing to put back (no personal values, or none the event could hold) changes nothing.
    if personal != {} and _has_personal(cls):
        merge_personal(cls, data, personal)
    payload = cls.model_validate(data)
    return RecordedEvent(
        **_as_stored(record),
        schema_version=cls.schema_version,
        occurred_at=record["occurred_at"],
        recorded_at=record["recorded_at"],
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
        **_as_stored(record),
        schema_version=record["schema_version"],
        occurred_at=datetime.fromisoformat(record["occurred_at"]),
        recorded_at=datetime.fromisoformat(record["recorded_at"]),
        payload=payload,
        seq=seq,
        subject=subject,
        prev_hash=record["prev_hash"],
        hash=record["hash"],
        signature=record["signature"],
        erased=erased,
    )
