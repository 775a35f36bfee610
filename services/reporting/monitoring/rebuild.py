"""Rebuild the read models from the CASES stream: read every event from sequence 1 with the direct
batch get, project into a fresh generation of tables, then swap it in and bring it up to date.

Safe while the reporting service runs. Until the swap the live reader writes the old tables only;
after it, the live reader's next write finds the new tables' position is not the one it holds
(``PositionMoved``) and reads on from that position + 1, while this catch-up skips what the reader
has already stored: the positions row is locked per transaction, so neither skips a gap. An event
the live reader would park (it cannot be decoded or projected) is left out here too, so a rebuild
and the live tables agree. No case key is used: the projection reads no personal field.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import Callable, Iterator, Sequence

from nats.aio.client import Client as NATS

from services.reporting.monitoring.readmodel.changes import Change
from services.reporting.monitoring.readmodel.consumer import SQL_TRANSIENT
from services.reporting.monitoring.readmodel.store import Projector, ReadModelStore
from shared import directget
from shared.codec import decode_record, parse_json
from shared.directget import Stored
from shared.events import RecordedEvent
from shared.eventstore import STREAM
from shared.logging import get_logger
from shared.reader import MAX_EVENT_BYTES, TRANSIENT
from shared.tasks import cancel_and_wait

log = get_logger(__name__)

BATCH = 1000
YOUNG_COLLECTIONS = (10_000, 10, 10)  # gc thresholds while rebuilding (the default: 700, 10, 10)
WRITE_EVENTS = 4000  # events decoded before they are written, in one transaction
READ_AHEAD = 4  # batches read ahead of the one being decoded
READ_TIMEOUT_S = 60.0  # a batch fails after this long without a reply
Progress = Callable[[int, int], None]  # (events done, events in the stream)
Ahead = asyncio.Queue[list[Stored] | Exception | None]  # batches read ahead; None: no more


async def stream_bounds(nc: NATS) -> tuple[int, int]:
    info = await nc.jetstream().stream_info(STREAM)
    return int(info.state.first_seq), int(info.state.last_seq)


# Every message of CASES (bound to ``case.>``: the same messages). The server counts what a batch
# leaves pending at each request: for ">" from the stream's own state, for any other filter by
# matching every subject stored or scanning every block after the batch, so a batch would cost in
# proportion to the whole history and a whole pass in proportion to its square.
EVERY_EVENT = ">"


async def read_batch(nc: NATS, start: int, batch: int = BATCH) -> list[Stored]:
    """Up to ``batch`` messages of the whole stream from ``start`` (sequence, subject, bytes)."""
    return (await directget.read_batch(nc, STREAM, EVERY_EVENT, start, batch, READ_TIMEOUT_S)).messages


async def rebuild(
    nc: NATS, store: ReadModelStore, project: Projector, progress: Progress | None = None
) -> int:
    """Returns how many events were projected into the new generation, which is now live."""
    store.ensure()
    _, last = await stream_bounds(nc)
    generation = store.new_generation()
    done, seq = await _project_from(nc, store, project, 1, last, generation, progress)
    store.swap(generation)
    # Events appended while rebuilding went to the old tables: bring the new ones up to date.
    _, last = await stream_bounds(nc)
    more, _ = await _project_from(nc, store, project, seq, last, None, None)
    return done + more


def _decoded(seq: int, subject: str, data: bytes, types: frozenset[str] | None) -> RecordedEvent | None:
    """The event with its personal fields read as erased, or None for one the live reader parks.
    With ``types``, an event of any other type is None too, without decoding it: the projection
    would change nothing for it, decodable or not.

    No case key is asked for and no personal data is opened: the projection reads no personal field
    (tests/reporting/test_projection.py projects every event both ways and compares), so a rebuild
    needs neither the key custodian's round trips nor the decryption, and cannot see what it does
    not need. The live reader decodes with the key, which the process's other readers share, and
    reads an event whose key or personal data will not open as this does (``public_decode``)."""
    if len(data) > MAX_EVENT_BYTES:
        log.warning("rebuild left out an oversized message", stream_seq=seq)
        return None
    if types is not None and _ignored_unread(subject, data, types):
        return None
    try:
        record = parse_json(data)
        if types is not None and record.get("type") not in types:
            return None
        return decode_record(record, key=None, seq=seq, subject=subject)
    except Exception as exc:
        log.warning("rebuild left out an undecodable message", stream_seq=seq, error=type(exc).__name__)
        return None


def _ignored_unread(subject: str, data: bytes, types: frozenset[str]) -> bool:
    """Whether the record is of a type outside ``types``, told from its bytes without parsing them.
    The subject names the type; a record is stored with its keys sorted, so "type" comes last. Bytes
    that end ``,"type":"<name>"}`` hold exactly that type, if they are JSON at all: the quote before
    "type" follows a comma, so it opens the key, and that last member is the record's own (a later
    duplicate wins, and nothing follows it). Bytes that are not JSON would be left out anyway."""
    name = subject.rpartition(".")[2]
    return name not in types and name.isidentifier() and data.endswith(b',"type":"' + name.encode() + b'"}')


def _skipping(project: Projector) -> Projector:
    """``project``, but an event it cannot project changes nothing (the live reader parks it)."""

    def safe(event: RecordedEvent) -> Sequence[Change]:
        try:
            return project(event)
        except (*TRANSIENT, *SQL_TRANSIENT):
            raise
        except Exception as exc:
            log.warning(
                "rebuild left out an event it cannot project", stream_seq=event.seq, error=type(exc).__name__
            )
            return []

    return safe


async def _project_from(
    nc: NATS,
    store: ReadModelStore,
    project: Projector,
    seq: int,
    last: int,
    generation: int | None,
    progress: Progress | None,
) -> tuple[int, int]:
    """Project sequences ``seq``..``last``; returns (events projected, the next sequence).

    A pipeline: up to ``READ_AHEAD`` batches are read ahead while this one is decoded; what is
    decoded is written (in a thread) in transactions of about ``WRITE_EVENTS`` events, while the
    next are decoded; writes stay in stream order."""
    done = 0
    types: frozenset[str] | None = getattr(project, "event_types", None)
    ahead: Ahead = asyncio.Queue(READ_AHEAD)
    reading = asyncio.create_task(_read_ahead(nc, seq, last, ahead))
    writing: asyncio.Task[int] | None = None
    safe = _skipping(project)
    decoded: list[RecordedEvent] = []
    through = 0  # the last sequence read and not yet written (0: none)
    try:
        while (raw := await _next(ahead)) is not None:
            seq = raw[-1][0] + 1
            for s, subject, data in raw:
                event = _decoded(s, subject, data, types)
                if event is not None:
                    decoded.append(event)
            through = raw[-1][0]
            if len(decoded) >= WRITE_EVENTS:
                if writing is not None:
                    done += await writing
                writing = asyncio.create_task(
                    asyncio.to_thread(store.apply_many, decoded, safe, generation, through)
                )
                decoded, through = [], 0
            if progress:
                progress(min(seq - 1, last), last)
        if writing is not None:
            done += await writing
            writing = None
        if through:
            done += await asyncio.to_thread(store.apply_many, decoded, safe, generation, through)
    finally:
        # No task of this rebuild is left when it returns or raises.
        await cancel_and_wait(t for t in (reading, writing) if t is not None)
    return done, seq


async def _next(ahead: Ahead) -> list[Stored] | None:
    """The next batch read ahead; None once there are no more. A failed read raises here."""
    item = await ahead.get()
    if isinstance(item, Exception):
        raise item
    return item


async def _read_ahead(nc: NATS, seq: int, last: int, ahead: Ahead) -> None:
    """Read batches from ``seq`` through ``last`` into ``ahead`` (it holds up to READ_AHEAD); then
    None, or the error that stopped the reading."""
    try:
        while seq <= last:
            raw = await read_batch(nc, seq)
            if not raw:
                break
            await ahead.put(raw)
            seq = raw[-1][0] + 1
    except Exception as exc:  # raised where the batches are taken, in stream order
        await ahead.put(exc)
        return
    await ahead.put(None)


@contextlib.contextmanager
def few_collections() -> Iterator[None]:
    """For a process that rebuilds: the garbage collector set for it, then as it was.

    A rebuild makes and drops millions of small objects and leaves next to no cycles. By default
    the collector looks at the young every 700 new objects, and now and then walks every object
    the process has loaded (pydantic's and SQLAlchemy's, the contracts' schemas): that cost about
    a fifth of a rebuild. What is loaded by now is set aside for the collector (it lives as long as
    the process anyway), and the young are looked at less often."""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*YOUNG_COLLECTIONS)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()
