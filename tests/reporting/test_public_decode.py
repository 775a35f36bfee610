"""The monitoring read models are built without personal data. A rebuild decodes every event without
its case key (its personal fields read as erased); the live reader decodes with the key, as the
process's other readers do, but reads an event whose personal data will not open under it, or
whose key the custodian refuses, as the rebuild does. So the two still agree on such an event
(sealed under another key, its sealed part tampered with, its case key overwritten), and neither
parks an event that the projection can read; a custodian that does not answer is waited out. An
event whose public part cannot be read is parked by the one and left out by the other, as before."""

from __future__ import annotations

import os
from typing import Any

import pytest

from services.reporting.monitoring.projecting import LeftOut, decode_public
from services.reporting.monitoring.readmodel.consumer import public_decode
from services.reporting.monitoring.readmodel.projection import PROJECTED_TYPES
from shared.case_keys import KeyCustodianError, KeyCustodianUnavailable
from shared.codec import PersonalDataUnreadable, build_record, chain_and_sign, decode_record, parse_json
from shared.events import RecordedEvent
from shared.personal import ERASED, split_personal
from tests.reporting.test_projection import PROJECT
from tests.reporting.year import year

CASE_KEY = os.urandom(32)
ANOTHER_KEY = os.urandom(32)


def stored(event: RecordedEvent, key: bytes) -> bytes:
    """The event as the event store writes it, its personal fields sealed under ``key``."""
    record = build_record(
        event_id=event.event_id,
        payload=event.payload,
        case_id=event.case_id,
        occurred_at=event.occurred_at,
        recorded_at=event.recorded_at,
        actor=event.actor,
        causation_id=event.causation_id,
        correlation_id=event.correlation_id,
        prev_hash="",
        key=key,
    )
    return chain_and_sign(record, None)


class KeyedStore:
    """The event store as the live reader uses it: each case's events opened with ``key``."""

    def __init__(self, key: bytes) -> None:
        self.key = key

    async def decode(self, data: bytes, seq: int = 0, subject: str = "") -> RecordedEvent:
        return decode_record(parse_json(data), key=self.key, seq=seq, subject=subject)


def with_personal_data() -> list[RecordedEvent]:
    events = []
    for event in year().events:
        data = event.payload.model_dump(mode="json")
        if split_personal(type(event.payload), data) and event.type in PROJECTED_TYPES:
            events.append(event)
    assert len({e.type for e in events}) >= 3  # the year's events that hold personal data
    return events


async def test_live_and_rebuild_project_an_event_whose_personal_data_will_not_open_alike() -> None:
    live_store: Any = KeyedStore(CASE_KEY)
    for event in with_personal_data():
        data = stored(event, ANOTHER_KEY)  # sealed under a key that is not the case's
        subject = f"case.{event.case_id}.referral.{event.type}"
        with pytest.raises(PersonalDataUnreadable):
            await live_store.decode(data, seq=event.seq, subject=subject)
        live = await public_decode(live_store, event.seq, subject, data)
        rebuilt = decode_public(event.seq, subject, data, PROJECTED_TYPES, [])
        assert rebuilt is not None
        assert PROJECT(live) == PROJECT(rebuilt) == PROJECT(event), event.type
        assert live.erased and rebuilt.erased


async def test_live_reader_opens_the_personal_data_for_the_other_readers_and_rebuild_never_does() -> None:
    live_store: Any = KeyedStore(CASE_KEY)
    for event in with_personal_data():
        data = stored(event, CASE_KEY)
        subject = f"case.{event.case_id}.referral.{event.type}"
        live = await public_decode(live_store, event.seq, subject, data)
        rebuilt = decode_public(event.seq, subject, data, PROJECTED_TYPES, [])
        assert rebuilt is not None
        assert live.payload == event.payload and not live.erased
        personal = split_personal(
            type(rebuilt.payload), rebuilt.payload.model_dump(mode="json", warnings=False)
        )
        assert personal and set(personal.values()) == {ERASED}
        assert PROJECT(live) == PROJECT(rebuilt), event.type


async def test_an_event_whose_public_part_is_unreadable_is_parked_live_and_left_out_by_a_rebuild() -> None:
    live_store: Any = KeyedStore(CASE_KEY)
    event = next(e for e in with_personal_data() if e.type == "ReferralSubmitted")
    record = parse_json(stored(event, CASE_KEY))
    record["payload"]["received_on"] = "not a date"
    data = chain_and_sign({k: v for k, v in record.items() if k not in ("hash", "signature")}, None)
    subject = f"case.{event.case_id}.referral.{event.type}"
    with pytest.raises(ValueError, match="received_on"):
        await public_decode(live_store, event.seq, subject, data)  # the live reader parks it
    notes: list[LeftOut] = []
    assert decode_public(event.seq, subject, data, PROJECTED_TYPES, notes) is None
    assert notes == [LeftOut(event.seq, "an undecodable message", "ValidationError")]  # no value in it


class Refusing:
    """An event store whose key custodian refuses the case's key (``error``) or does not answer."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    async def decode(self, data: bytes, seq: int = 0, subject: str = "") -> RecordedEvent:
        raise self.error


async def test_a_refused_key_reads_as_a_rebuild_reads_it_and_no_answer_is_waited_out() -> None:
    event = with_personal_data()[0]
    data = stored(event, CASE_KEY)
    subject = f"case.{event.case_id}.referral.{event.type}"
    refused: Any = Refusing(KeyCustodianError("case key get refused: the key does not unwrap"))
    live = await public_decode(refused, event.seq, subject, data)
    rebuilt = decode_public(event.seq, subject, data, PROJECTED_TYPES, [])
    assert rebuilt is not None and PROJECT(live) == PROJECT(rebuilt) == PROJECT(event)
    silent: Any = Refusing(KeyCustodianUnavailable("the key custodian did not answer get"))
    with pytest.raises(KeyCustodianUnavailable):  # transient: the reader tries the event again
        await public_decode(silent, event.seq, subject, data)
