"""The kernel reader (shared/reader.py) on a real nats-server of its own: every poison kind parked at
once and the events after it applied; a transient failure retried in place, never parked and never
overtaken; a consumer deleted under it; a restart from the stored position; health that says when
it is stalled, and never says a level reader is behind."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig
from sqlalchemy.exc import OperationalError

from sanctuary.devtools.nats_server import NatsServer
from shared.crypto import KeyStore
from shared.deadletter import list_parked
from shared.events import RecordedEvent
from shared.eventstore import STREAM, EventStore, ensure_stream
from shared.health import ServiceHealth
from shared.positions import KvPositions
from shared.reader import CaseReader
from shared.signing import load_or_create_signer
from tests.conftest import TEST_KEK, provisioned
from tests.kernel_events import COORD, KernelNoteAdded
from tests.waiting import DEADLINE_S, until

pytestmark = pytest.mark.nats
EIGHT_MB = 8 * 1024 * 1024


@pytest.fixture(scope="module")
def big_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    """A server of this module's own that takes an 8 MB message (the default max_payload is 1 MB)."""
    server = NatsServer(
        store_dir=tmp_path_factory.mktemp("reader-nats"), config_extra="max_payload: 16777216"
    )
    server.start()
    yield provisioned(server)
    server.cleanup()


@dataclass
class Bus:
    nc: NATS
    writer: EventStore  # writes as the referral service
    reading: EventStore  # a second key cache, as another service would have
    keys: list[KeyStore] = field(default_factory=list)

    async def note(self, case_id: str, text: str) -> RecordedEvent:
        position = await self.writer.last_position(case_id)
        [recorded] = await self.writer.append(
            case_id,
            [KernelNoteAdded(text=text, client_name="Bea Example")],
            expected=position,
            actor=COORD,
            command_id=f"cmd-{uuid.uuid4().hex}",
        )
        return recorded

    def reader(
        self, name: str, seen: list[RecordedEvent], fail: Any = None, **options: Any
    ) -> CaseReader[RecordedEvent]:
        """A reader of the referral events that records each in ``seen``, after ``fail(event)``
        (which may raise); ``options`` are further CaseReader arguments (transient, stall_after_s)."""

        async def decode(seq: int, subject: str, data: bytes) -> RecordedEvent:
            return await self.reading.decode(data, seq=seq, subject=subject)

        async def apply(event: RecordedEvent) -> None:
            if fail is not None:
                fail(event)
            seen.append(event)

        positions = KvPositions(self.nc.jetstream, name)
        return CaseReader(name, ["case.*.referral.>"], decode, apply, positions, **options)

    async def read_past(
        self, name: str, seq: int, what: str, fail: Any = None, **options: Any
    ) -> tuple[CaseReader[RecordedEvent], list[RecordedEvent]]:
        """A reader (as ``reader`` makes it) run until it has passed ``seq``, then stopped: the
        reader and the events it recorded."""
        seen: list[RecordedEvent] = []
        reader = self.reader(name, seen, fail, **options)
        await reader.start(self.nc)
        try:
            await until(lambda: reader.position >= seq, what)
        finally:
            await reader.stop()
        return reader, seen


@pytest.fixture
async def bus(big_server: NatsServer, tmp_path: Path) -> AsyncIterator[Bus]:
    nc = await nats.connect(big_server.url)
    js = nc.jetstream()
    await ensure_stream(js)
    kek = base64.b64decode(TEST_KEK)
    writing, reading = KeyStore(js, kek), KeyStore(js, kek)
    await writing.start()
    await reading.start()
    signer = load_or_create_signer(tmp_path / "keys", "referral")
    bus = Bus(
        nc,
        EventStore(nc, writing, "referral", signer),
        EventStore(nc, reading, "referral"),
        [writing, reading],
    )
    yield bus
    for keys in bus.keys:
        await keys.stop()
    await nc.close()


async def parked_of(bus: Bus, reader: str, case_id: str) -> list[dict[str, str]]:
    """What ``reader`` parked of this case (the module's stream also holds the poison test's)."""
    return [
        p for p in await list_parked(bus.nc, reader) if p["Sanctuary-Subject"].startswith(f"case.{case_id}.")
    ]


def mine(seen: list[RecordedEvent], case_ids: set[str]) -> list[str]:
    return [e.payload.text for e in seen if e.case_id in case_ids and isinstance(e.payload, KernelNoteAdded)]


async def poison_kinds(bus: Bus, prefix: str) -> tuple[dict[str, tuple[str, bytes]], int]:
    """The 13 kinds of message a reader cannot use (name -> (subject, bytes)), and the sequence of
    the event whose key is overwritten, which is as unreadable as its copy among the 13."""
    template = await bus.note(f"{prefix}-T", "template")
    raw = (await bus.writer.read_raw(template.case_id))[-1][2]
    good: dict[str, Any] = json.loads(raw)

    def record(**changes: Any) -> bytes:
        return json.dumps({**good, **changes}).encode()

    without_type = {k: v for k, v in good.items() if k != "type"}
    overwritten = await bus.note(f"{prefix}-K", "its key is overwritten below")
    # The case's key replaced by one that does not open with the key-encryption key.
    await bus.keys[0].kv.put(overwritten.case_id, base64.b64encode(b"x" * 60))
    overwritten_raw = (await bus.writer.read_raw(overwritten.case_id))[-1][2]
    subject = f"case.{prefix}-P.referral.KernelNoteAdded"
    return {
        "not json": (subject, b"{this is not json"),
        "[]": (subject, b"[]"),
        "null": (subject, b"null"),
        "a string": (subject, b'"str"'),
        "a number": (subject, b"42"),
        "missing type": (subject, json.dumps(without_type).encode()),
        "unknown type": (subject, record(type="NoSuchEventType")),
        "schema_version null": (subject, record(schema_version=None)),
        "payload a list": (subject, record(payload=[1, 2, 3])),
        "10,000-deep nesting": (
            subject,
            record(payload="DEEP").replace(b'"DEEP"', b"[" * 10_000 + b"]" * 10_000),
        ),
        "an 8 MB body": (subject, record(payload={**good["payload"], "text": "x" * EIGHT_MB})),
        "a wrong-type field": (subject, record(payload={**good["payload"], "text": {"not": "a string"}})),
        "an overwritten key": (f"case.{overwritten.case_id}.referral.KernelNoteAdded", overwritten_raw),
    }, overwritten.seq


async def test_every_poison_kind_is_parked_at_once_and_later_events_are_applied(bus: Bus) -> None:
    prefix = f"P{uuid.uuid4().hex[:8]}"
    name = f"poison-{uuid.uuid4().hex[:8]}"
    kinds, unreadable = await poison_kinds(bus, prefix)
    assert len(kinds) == 13
    js = bus.nc.jetstream()
    first = await bus.note(f"{prefix}-A", "before")
    published: dict[int, str] = {}
    for kind, (subject, data) in kinds.items():
        ack = await js.publish(subject, data, stream=STREAM)
        published[ack.seq] = kind
    last = await bus.note(f"{prefix}-A", "after")

    reader, seen = await bus.read_past(name, last.seq, "the reader passes every poison message")

    ours = {first.case_id, f"{prefix}-T"}
    assert mine(seen, ours) == ["template", "before", "after"], "the good events, once each, in order"
    parked = {int(p["Sanctuary-Stream-Seq"]): p for p in await list_parked(bus.nc, name)}
    assert parked.pop(unreadable)["Sanctuary-Reason"] == "undecodable: RuntimeError"
    assert set(parked) == set(published), (
        f"not parked: {sorted(published[s] for s in set(published) - set(parked))}"
    )
    assert reader.parked == 14 and reader.status().parked == 14
    for seq, kind in published.items():
        p = parked[seq]
        assert p["Sanctuary-Stream"] == STREAM and p["Sanctuary-Subject"] == kinds[kind][0], kind
        assert p["Sanctuary-Reason"].startswith(("undecodable: ", "too large: ")), kind
        assert "Bea Example" not in str(p), "no personal data in what is parked beside the body"
    assert parked[next(s for s, k in published.items() if k == "an 8 MB body")][
        "Sanctuary-Reason"
    ].startswith("too large")
    assert (
        parked[next(s for s, k in published.items() if k == "10,000-deep nesting")]["Sanctuary-Reason"]
        == "undecodable: RecursionError"
    )


async def test_an_erased_case_is_read_as_erased_not_parked(bus: Bus) -> None:
    case_id = f"E{uuid.uuid4().hex[:10]}"
    name = f"erased-{uuid.uuid4().hex[:8]}"
    await bus.note(case_id, "before erasure")
    await bus.keys[0].erase(case_id)
    last = await bus.note(f"{case_id}-next", "after")
    _, seen = await bus.read_past(name, last.seq, "the reader passes the erased case")
    [erased] = [e for e in seen if e.case_id == case_id]
    assert isinstance(erased.payload, KernelNoteAdded)
    assert erased.erased and erased.payload.client_name != "Bea Example"
    assert await parked_of(bus, name, case_id) == []


async def test_a_transient_failure_is_retried_in_place_and_nothing_overtakes_it(bus: Bus) -> None:
    case_id = f"T{uuid.uuid4().hex[:10]}"
    name = f"transient-{uuid.uuid4().hex[:8]}"
    events = [await bus.note(case_id, f"n{i}") for i in range(5)]
    failures = {"left": 4}
    tried: list[str] = []

    def fail(event: RecordedEvent) -> None:
        if event.case_id != case_id:
            return
        assert isinstance(event.payload, KernelNoteAdded)
        tried.append(event.payload.text)
        if event.payload.text == "n2" and failures["left"]:
            failures["left"] -= 1
            raise OperationalError("SELECT 1", {}, Exception("database is restarting"))

    _, seen = await bus.read_past(
        name, events[-1].seq, "the reader gets past the failing event", fail, transient=(OperationalError,)
    )
    assert tried == ["n0", "n1", "n2", "n2", "n2", "n2", "n2", "n3", "n4"], "retried in place, in order"
    assert mine(seen, {case_id}) == ["n0", "n1", "n2", "n3", "n4"]
    assert await parked_of(bus, name, case_id) == [], "a transient failure is never parked"


async def test_a_deleted_consumer_is_replaced_and_nothing_is_lost(bus: Bus) -> None:
    case_id = f"D{uuid.uuid4().hex[:10]}"
    name = f"deleted-{uuid.uuid4().hex[:8]}"
    seen: list[RecordedEvent] = []
    reader = bus.reader(name, seen)
    await reader.start(bus.nc)
    js = bus.nc.jetstream()
    try:
        for round_ in range(3):
            batch = [await bus.note(case_id, f"r{round_}-{i}") for i in range(4)]
            await until(lambda b=batch: reader.position >= b[-1].seq, "the reader reads the round")  # type: ignore[misc]
            consumers = [c.name for c in await js.consumers_info(STREAM) if c.name.startswith(name)]
            assert consumers, "the reader reads through a consumer of its own"
            for consumer in consumers:
                await js.delete_consumer(STREAM, consumer)
        last = await bus.note(case_id, "after the last deletion")
        await until(lambda: reader.position >= last.seq, "the reader reads on after the deletion")
    finally:
        await reader.stop()
    expected = [f"r{r}-{i}" for r in range(3) for i in range(4)] + ["after the last deletion"]
    assert mine(seen, {case_id}) == expected, "nothing lost, nothing twice, in order"


async def test_a_restarted_reader_resumes_from_its_stored_position(bus: Bus) -> None:
    case_id = f"R{uuid.uuid4().hex[:10]}"
    name = f"restart-{uuid.uuid4().hex[:8]}"
    before = [await bus.note(case_id, f"b{i}") for i in range(3)]
    seen: list[RecordedEvent] = []
    reader = bus.reader(name, seen)
    await reader.start(bus.nc)
    await until(lambda: reader.position >= before[-1].seq, "the first reader catches up")
    stored = KvPositions(bus.nc.jetstream, name)
    await until(lambda: _at_least(stored, before[-1].seq), "the position is stored")
    await reader.stop()
    after = [await bus.note(case_id, f"a{i}") for i in range(3)]
    again = bus.reader(name, seen)
    await again.start(bus.nc)
    try:
        await until(lambda: again.position >= after[-1].seq, "the second reader catches up")
    finally:
        await again.stop()
    assert mine(seen, {case_id}) == ["b0", "b1", "b2", "a0", "a1", "a2"]


async def _at_least(positions: KvPositions, seq: int) -> bool:
    return await positions.load() >= seq


async def test_health_says_a_reader_is_stalled_while_it_cannot_progress(bus: Bus) -> None:
    case_id = f"S{uuid.uuid4().hex[:10]}"
    name = f"stalled-{uuid.uuid4().hex[:8]}"
    blocked = {"on": True}

    def fail(event: RecordedEvent) -> None:
        if event.case_id == case_id and blocked["on"]:
            raise OperationalError("SELECT 1", {}, Exception("database down"))

    seen: list[RecordedEvent] = []
    reader = bus.reader(name, seen, fail, transient=(OperationalError,), stall_after_s=0.5)
    health = ServiceHealth("test", "0", connected=lambda: bus.nc.is_connected, serving=True)
    health.add_reader(reader)
    event = await bus.note(case_id, "blocked")
    await reader.start(bus.nc)
    try:
        status = await until(lambda: _stalled(reader), "the reader is reported stalled")
        assert status.lag > 0 and status.position < event.seq and status.last_seq >= event.seq
        assert not health.ready() and health.as_dict()["ready"] is False
        blocked["on"] = False
        await until(lambda: reader.position >= event.seq, "the reader goes on once the database is back")
        await until(lambda: not reader.status().stalled, "the reader is no longer stalled", DEADLINE_S)
        assert health.ready()
        assert health.as_dict()["readers"][0]["name"] == name
    finally:
        await reader.stop()
    assert await parked_of(bus, name, case_id) == []


def _stalled(reader: CaseReader[RecordedEvent]) -> Any:
    status = reader.status()
    return status if status.stalled else None


async def test_an_old_durable_of_the_readers_name_is_removed(bus: Bus) -> None:
    """Earlier releases read through durable consumers named like the readers: gone at first start."""
    name = f"old-{uuid.uuid4().hex[:8]}"
    js = bus.nc.jetstream()
    await js.add_consumer(STREAM, ConsumerConfig(durable_name=name, ack_policy=AckPolicy.EXPLICIT))
    case_id = f"O{uuid.uuid4().hex[:10]}"
    event = await bus.note(case_id, "read from the stored position, not the durable's")
    seen: list[RecordedEvent] = []
    reader = bus.reader(name, seen)
    await reader.start(bus.nc)
    try:
        await until(lambda: reader.position >= event.seq, "the reader reads")
        # The name is the reader's own (its permission names it), now an unacknowledged consumer
        # from the stored position + 1: the durable, with its acknowledgements, is gone.
        info = await js.consumer_info(STREAM, name)
        assert info.config.durable_name is None and info.config.ack_policy == AckPolicy.NONE
    finally:
        await reader.stop()
    assert mine(seen, {case_id}) == ["read from the stored position, not the durable's"]


async def test_a_batch_applies_together_and_only_what_cannot_be_used_is_parked(bus: Bus) -> None:
    """A reader given apply_batch: what one fetch brings is applied in one call, all or nothing. A
    message that does not decode is parked alone between two batches; a batch that fails with
    anything but a transient failure is applied again event by event, so only the failing event
    is parked; a transient failure of a batch is retried in place."""
    case_id = f"B{uuid.uuid4().hex[:10]}"
    name = f"batch-{uuid.uuid4().hex[:8]}"
    first = [await bus.note(case_id, f"n{i}") for i in range(4)]
    ack = await bus.nc.jetstream().publish(
        f"case.{case_id}-P.referral.KernelNoteAdded", b"{this is not json", stream=STREAM
    )
    rest = [await bus.note(case_id, f"n{i}") for i in range(4, 9)]
    bad = next(e for e in rest if isinstance(e.payload, KernelNoteAdded) and e.payload.text == "n6")
    transient = {"left": 2}
    batches: list[list[str]] = []
    seen: list[RecordedEvent] = []

    def text(event: RecordedEvent) -> str:
        return event.payload.text if isinstance(event.payload, KernelNoteAdded) else ""

    async def apply(event: RecordedEvent) -> None:
        if event.seq == bad.seq:
            raise ValueError("cannot be applied")
        seen.append(event)

    async def apply_batch(batch: Any) -> None:
        events = [e for _, e in batch if e.case_id == case_id]
        if any(text(e) == "n2" for e in events) and transient["left"]:
            transient["left"] -= 1
            raise OperationalError("SELECT 1", {}, Exception("database is restarting"))
        if any(e.seq == bad.seq for e in events):
            raise ValueError("cannot be applied")
        batches.append([text(e) for e in events])
        seen.extend(e for _, e in batch)

    reader = CaseReader(
        name,
        ["case.*.referral.>"],
        lambda seq, subject, data: bus.reading.decode(data, seq=seq, subject=subject),
        apply,
        KvPositions(bus.nc.jetstream, name),
        transient=(OperationalError,),
        apply_batch=apply_batch,
    )
    await reader.start(bus.nc)
    try:
        await until(lambda: reader.position >= rest[-1].seq, "the reader passes the whole case")
    finally:
        await reader.stop()
    assert mine(seen, {case_id}) == [f"n{i}" for i in range(9) if i != 6], "each good event once, in order"
    assert transient["left"] == 0, "the transient failure was retried in place"
    # (a fetch may end among them: the module's stream holds other tests' messages before them)
    assert any(len(b) > 1 for b in batches), "the events before the poison went together"
    parked = {
        int(p["Sanctuary-Stream-Seq"]): p["Sanctuary-Reason"]
        for p in await list_parked(bus.nc, name)
        if p["Sanctuary-Subject"].startswith(f"case.{case_id}")  # the module's stream holds others'
    }
    assert parked == {ack.seq: "undecodable: JSONDecodeError", bad.seq: "not applied: ValueError"}
    assert first[0].seq < ack.seq < rest[0].seq


def _reader_of_case(bus: Bus, name: str, case_id: str, apply: Any) -> CaseReader[RecordedEvent]:
    """A reader of one case's events only: every other case's are not its own."""

    async def decode(seq: int, subject: str, data: bytes) -> RecordedEvent:
        return await bus.reading.decode(data, seq=seq, subject=subject)

    return CaseReader(name, [f"case.{case_id}.>"], decode, apply, KvPositions(bus.nc.jetstream, name))


async def test_a_level_reader_never_says_it_is_behind_while_it_looks_at_the_stream(
    bus: Bus, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Other readers' events move the stream on; this reader's look (the stream's end, then its
    consumer) must not show the new end before the consumer has said none of it is this reader's.
    Health asked in between saw a level reader behind."""
    own, other = f"L{uuid.uuid4().hex[:10]}", f"M{uuid.uuid4().hex[:10]}"
    name = f"level-{uuid.uuid4().hex[:8]}"

    async def apply(event: RecordedEvent) -> None:
        return None

    reader = _reader_of_case(bus, name, own, apply)
    lags_while_asking: list[int] = []
    consumer_info = JetStreamContext.consumer_info

    async def watched(js: JetStreamContext, stream: str, consumer: str, *args: Any, **kwargs: Any) -> Any:
        if consumer == name:
            lags_while_asking.append(reader.status().lag)
        return await consumer_info(js, stream, consumer, *args, **kwargs)

    monkeypatch.setattr(JetStreamContext, "consumer_info", watched)
    first = await bus.note(own, "the reader's own")
    await reader.start(bus.nc)
    try:
        await until(lambda: reader.position >= first.seq, "the reader handles its case's event")
        others = [await bus.note(other, f"another reader's {i}") for i in range(3)]
        assert await reader.caught_up(others[-1].seq, DEADLINE_S), "level once it has looked"
        assert reader.status().lag == 0
    finally:
        await reader.stop()
    assert lags_while_asking, "the reader asked its consumer"
    assert set(lags_while_asking) == {0}, "no look showed the level reader behind"


async def test_a_reader_whose_fetch_comes_back_empty_is_idle_not_stalled(
    bus: Bus, monkeypatch: pytest.MonkeyPatch
) -> None:
    """nats-py gives back an empty list, rather than raising, when the server's word that a pull
    expired arrives before its own timer (often, on a busy machine): here every fetch that brings
    nothing does so. Such a reader still looks at the stream as an idle one does: level with
    other readers' events, never stalled by them. It took the stream's end without looking,
    reported itself behind by every other event, and after its stall time not ready."""
    fetch = JetStreamContext.PullSubscription.fetch

    async def empty_not_raised(sub: JetStreamContext.PullSubscription, *args: Any, **kwargs: Any) -> Any:
        try:
            return await fetch(sub, *args, **kwargs)
        except TimeoutError:  # nats-py's own and asyncio's
            return []

    monkeypatch.setattr(JetStreamContext.PullSubscription, "fetch", empty_not_raised)
    own, other = f"I{uuid.uuid4().hex[:10]}", f"J{uuid.uuid4().hex[:10]}"
    name = f"idle-{uuid.uuid4().hex[:8]}"
    seen: list[int] = []

    async def apply(event: RecordedEvent) -> None:
        seen.append(event.seq)

    reader = _reader_of_case(bus, name, own, apply)
    reader.stall_after_s = 0.5
    first = await bus.note(own, "the reader's own")
    await reader.start(bus.nc)
    try:
        await until(lambda: seen == [first.seq], "the reader handles its case's event")
        others = [await bus.note(other, f"another reader's {i}") for i in range(3)]
        status = await until(
            lambda: reader.status() if reader.status().position >= others[-1].seq else None,
            "the idle reader is level with other readers' events",
        )
        assert status.lag == 0 and not status.stalled
    finally:
        await reader.stop()
