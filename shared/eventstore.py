"""The event store on NATS JetStream: one stream ``CASES``, one subject per event,
``case.<case_id>.<owner>.<EventType>``.

- Optimistic concurrency per case with ``Nats-Expected-Last-Subject-Sequence`` filtered on
  ``case.<case_id>.>`` (the server does not check the filter covers the subject; we do).
- Idempotency with ``Nats-Msg-Id`` = ``<command_id>:<n>``.
- Several events from one decision go as one atomic batch (all or nothing).
- Each event carries the hash of the case's previous event, and its owner's signature.
"""

from __future__ import annotations

import json
import re
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import orjson
import uuid6
from nats.aio.client import Client as NATS
from nats.errors import NoRespondersError
from nats.js import JetStreamContext
from nats.js.api import StreamConfig
from nats.js.errors import APIError, NoStreamResponseError, NotFoundError

from shared.codec import (
    GENESIS_HASH,
    CasePosition,
    build_record,
    chain_and_sign,
    decode_record,
    parse_json,
    recorded_from_written,
)
from shared.crypto import CaseErased, CaseKeys
from shared.directget import Stored, last_by_subject, read_all
from shared.errors import CommandRejected, ConcurrencyConflict, EventStoreError
from shared.events import Actor, Event, NewEvent, RecordedEvent, utcnow
from shared.signing import Signer
from shared.streams import record_stream_config

STREAM = "CASES"
CASE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
WRONG_LAST_SEQUENCE = 10071
_LAST_SEQ = re.compile(r"wrong last sequence: (\d+)")
_PUBLISH_TIMEOUT_S = 5.0  # nats-py's JetStream default


def case_filter(case_id: str) -> str:
    return f"case.{case_id}.>"


def of_types(filters: Sequence[str], types: Iterable[str]) -> list[str]:
    """``filters`` on CASES (``case.>``, ``case.<id>.>``) narrowed to events of ``types``, so a reader
    that reads nothing else is not sent the rest. A filter that names more is kept as it is."""
    narrowed: list[str] = []
    for subject in filters:
        tokens = subject.removesuffix(".>").split(".")
        if not subject.endswith(".>") or len(tokens) > 3:
            narrowed.append(subject)
            continue
        given = ".".join(tokens + ["*"] * (3 - len(tokens)))  # case, case id, owner
        narrowed += [f"{given}.{type_name}" for type_name in sorted(types)]
    return narrowed


def event_subject(case_id: str, owner: str, type_name: str) -> str:
    subject = f"case.{case_id}.{owner}.{type_name}"
    # The expected-sequence filter must cover the subject, or the check guards nothing.
    if not subject.startswith(f"case.{case_id}.") or subject.count(".") != 3:
        raise EventStoreError(f"subject {subject!r} is not covered by {case_filter(case_id)!r}")
    return subject


def stream_config(replicas: int = 1, duplicate_window_s: float = 120.0) -> StreamConfig:
    return record_stream_config(STREAM, ["case.>"], replicas, duplicate_window_s, allow_atomic=True)


async def ensure_stream(js: JetStreamContext, replicas: int = 1, duplicate_window_s: float = 120.0) -> None:
    """Create the CASES stream, or bring an existing one to these settings. Safe to call at every start."""
    config = stream_config(replicas, duplicate_window_s)
    try:
        await js.stream_info(STREAM)
    except NotFoundError:
        await js.add_stream(config)
        return
    await js.update_stream(config)


def new_event_id() -> str:
    return str(uuid6.uuid7())


# Stream messages decoded lately, kept so that a process's readers and case loads do not decode
# the same message twice (the reporting service's read models and its views both read each event).
DECODED_HELD = 4096


class DecodedEvents:
    """The events a process decoded lately, by stream sequence. One is given back only for the same
    message (sequence, subject and bytes) opened with the same case key: after an erasure the key
    is gone, so the event is decoded again (and comes out erased). A RecordedEvent is frozen, so
    the readers that share one cannot change it for each other."""

    def __init__(self, held: int = DECODED_HELD) -> None:
        self._held = held
        # sequence -> (subject, stored bytes, the case key it was opened with, the event)
        self._events: OrderedDict[int, tuple[str, bytes, bytes | None, RecordedEvent]] = OrderedDict()

    def get(self, seq: int, subject: str, data: bytes, key: bytes | None) -> RecordedEvent | None:
        found = self._events.get(seq)
        if found is None or found[2] != key or found[0] != subject or found[1] != data:
            return None
        return found[3]

    def case_of(self, seq: int, subject: str, data: bytes) -> str | None:
        """The case of a message decoded lately (None if it was not), without parsing it."""
        found = self._events.get(seq)
        if found is None or found[0] != subject or found[1] != data:
            return None
        return found[3].case_id

    def keep(self, seq: int, subject: str, data: bytes, key: bytes | None, event: RecordedEvent) -> None:
        if seq <= 0:
            return  # not a stream message: nothing to know it by
        events = self._events
        events[seq] = (subject, data, key, event)
        events.move_to_end(seq)
        if len(events) > self._held:
            events.popitem(last=False)


class EventStore:
    """Append and load one case's events. ``owner`` is the only service whose events this instance writes."""

    def __init__(self, nc: NATS, keys: CaseKeys, owner: str, signer: Signer | None = None) -> None:
        self._nc = nc
        self._keys = keys
        self.owner = owner
        self._signer = signer
        self._decoded = DecodedEvents()

    @property
    def keys(self) -> CaseKeys:
        return self._keys

    # -- writing ---------------------------------------------------------------------------

    async def append(
        self,
        case_id: str,
        events: Sequence[Event | NewEvent],
        *,
        expected: CasePosition,
        actor: Actor,
        command_id: str,
        correlation_id: str | None = None,
        occurred_at: datetime | None = None,
    ) -> list[RecordedEvent]:
        if not CASE_ID.match(case_id):
            raise CommandRejected.one("case_id", "must be 1-64 letters, digits, '-' or '_'")
        if not events:
            return []
        try:
            key: bytes | None = await self._keys.key_for_writing(case_id)
        except CaseErased:
            key = None  # events without personal fields may still be recorded on an erased case
        now = utcnow()
        records: list[dict[str, Any]] = []
        stored: list[bytes] = []
        payloads: list[Event] = []
        subjects: list[str] = []
        prev = expected.last_hash or GENESIS_HASH
        for item in events:
            new = item if isinstance(item, NewEvent) else NewEvent(payload=item)
            if new.payload.owner != self.owner:
                raise EventStoreError(f"{self.owner} may not write {new.payload.type_name()} events")
            event_id = new_event_id()
            record = build_record(
                event_id=event_id,
                payload=new.payload,
                case_id=case_id,
                occurred_at=new.occurred_at or occurred_at or now,
                recorded_at=now,
                actor=actor,
                causation_id=command_id,
                correlation_id=correlation_id or command_id,
                prev_hash=prev,
                key=key,
            )
            stored.append(chain_and_sign(record, self._signer.sign if self._signer else None))
            prev = record["hash"]
            records.append(record)
            payloads.append(new.payload)
            subjects.append(event_subject(case_id, self.owner, new.payload.type_name()))
        if len(records) == 1:
            seqs = [await self._publish_one(case_id, subjects[0], stored[0], expected.seq, command_id)]
        else:
            seqs = await self._publish_batch(case_id, subjects, stored, expected.seq, command_id)
        return [
            recorded_from_written(r, p, seq=s, subject=subj, erased=key is None)
            for r, p, s, subj in zip(records, payloads, seqs, subjects, strict=True)
        ]

    def _headers(self, case_id: str, expected_seq: int, msg_id: str) -> dict[str, str]:
        return {
            "Nats-Msg-Id": msg_id,
            "Nats-Expected-Last-Subject-Sequence": str(expected_seq),
            "Nats-Expected-Last-Subject-Sequence-Subject": case_filter(case_id),
        }

    async def _publish_one(
        self, case_id: str, subject: str, data: bytes, expected_seq: int, command_id: str
    ) -> int:
        # A JetStream publish is a request answered by the stream's ack. Sent and read here rather than
        # by js.publish, whose JSON decode and PubAck dataclass cost more than the ack is worth.
        headers = self._headers(case_id, expected_seq, f"{command_id}:0")
        try:
            reply = await self._nc.request(subject, data, headers=headers, timeout=_PUBLISH_TIMEOUT_S)
        except NoRespondersError:
            raise NoStreamResponseError from None
        ack = orjson.loads(reply.data)
        error = ack.get("error")
        if error:
            if error.get("code") != 400:
                raise APIError.from_error(error)  # as js.publish raises it
            if error.get("err_code") == WRONG_LAST_SEQUENCE:
                raise ConcurrencyConflict(case_id, expected_seq, _actual(error.get("description")))
            raise EventStoreError(f"append refused: {error.get('description')}")
        if ack.get("duplicate"):
            # Same command id inside the duplicate window: the first append stands.
            raise ConcurrencyConflict(case_id, expected_seq, None)
        return int(ack["seq"])

    async def _publish_batch(
        self,
        case_id: str,
        subjects: list[str],
        stored: list[bytes],
        expected_seq: int,
        command_id: str,
    ) -> list[int]:
        batch_id = uuid.uuid4().hex
        last = len(stored)
        for i, (subject, data) in enumerate(zip(subjects, stored, strict=True), start=1):
            headers = {
                "Nats-Batch-Id": batch_id,
                "Nats-Batch-Sequence": str(i),
                "Nats-Msg-Id": f"{command_id}:{i - 1}",
            }
            if i == 1:
                # The expected-sequence check goes on the first message only.
                headers |= self._headers(case_id, expected_seq, headers["Nats-Msg-Id"])
            if i < last:
                await self._nc.publish(subject, data, headers=headers)
                continue
            headers["Nats-Batch-Commit"] = "1"
            reply = await self._nc.request(subject, data, headers=headers, timeout=10)
            answer = json.loads(reply.data or b"{}")
            error = answer.get("error")
            if error:
                if error.get("err_code") == WRONG_LAST_SEQUENCE:
                    raise ConcurrencyConflict(case_id, expected_seq, _actual(error.get("description", "")))
                if error.get("err_code") == 10201:  # duplicate message id: this command was applied
                    raise ConcurrencyConflict(case_id, expected_seq, None)
                raise EventStoreError(f"batch refused: {error.get('description')}")
            final = int(answer["seq"])
            return list(range(final - last + 1, final + 1))
        raise AssertionError("unreachable")

    # -- reading ---------------------------------------------------------------------------

    async def last_position(self, case_id: str) -> CasePosition:
        last = await last_by_subject(self._nc, STREAM, case_filter(case_id))
        if last is None:
            return CasePosition()
        seq, _, data = last
        return CasePosition(seq=seq, last_hash=json.loads(data).get("hash", ""))

    async def read_raw(self, case_id: str, after_seq: int = 0) -> list[Stored]:
        """(sequence, subject, stored bytes) of a case's events after ``after_seq``, in order."""
        return await read_matching(self._nc, case_filter(case_id), after_seq)

    async def case_key(self, case_id: str) -> bytes | None:
        """The case's data key, or None once erased."""
        try:
            return await self._keys.key_for_reading(case_id)
        except CaseErased:
            return None
        except KeyError:
            return None

    async def load(self, case_id: str, after_seq: int = 0) -> list[RecordedEvent]:
        raw = await self.read_raw(case_id, after_seq)
        if not raw:
            return []
        key = await self.case_key(case_id)
        return [self._decode_with(key, seq, subj, data) for seq, subj, data in raw]

    async def decode(self, data: bytes, seq: int = 0, subject: str = "") -> RecordedEvent:
        """Decode one stored message (for projections and reactors reading the whole stream)."""
        case_id = self._decoded.case_of(seq, subject, data)
        if case_id is not None:
            key = await self.case_key(case_id)
            event = self._decoded.get(seq, subject, data, key)
            if event is not None:
                return event
        record = parse_json(data)
        key = await self.case_key(record["case_id"])
        event = decode_record(record, key=key, seq=seq, subject=subject)
        self._decoded.keep(seq, subject, data, key, event)
        return event

    def _decode_with(self, key: bytes | None, seq: int, subject: str, data: bytes) -> RecordedEvent:
        event = self._decoded.get(seq, subject, data, key)
        if event is None:
            event = decode_record(parse_json(data), key=key, seq=seq, subject=subject)
            self._decoded.keep(seq, subject, data, key, event)
        return event


async def read_matching(nc: NATS, subject_filter: str, after_seq: int = 0) -> list[Stored]:
    """(sequence, subject, stored bytes) of every CASES message matching ``subject_filter`` after
    ``after_seq``, in order: one case loads in a round trip or two."""
    return await read_all(nc, STREAM, subject_filter, after_seq)


def _actual(description: str | None) -> int | None:
    match = _LAST_SEQ.search(description or "")
    return int(match.group(1)) if match else None
