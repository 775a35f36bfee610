"""A rebuild's middle stage: a span of the stream's sequences is read, and its messages become row
changes, decoded with their personal fields read as erased, then projected. It runs in the
rebuilding process or in worker processes beside it (``WorkerPool``): in one process a rebuild's
reading, decoding, projecting and SQL all take turns under one interpreter lock, and the rebuild is
one core's work however many there are.

A worker reads its spans from the server itself, on a connection of its own made with the same
settings (the same NATS user): the messages' bytes do not pass through the rebuilding process,
whose interpreter then only writes SQL. The decoding and projecting are pure. A worker writes
nothing anywhere, not even a log line: what it could not decode or project comes back as a note
(``LeftOut``) for the rebuilding process to log.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import gc
from collections.abc import Callable, Sequence
from typing import NamedTuple, Protocol

from services.reporting.monitoring.readmodel.changes import Change
from services.reporting.monitoring.readmodel.consumer import SQL_TRANSIENT
from services.reporting.monitoring.readmodel.store import ReadModelStore, make_engine
from services.reporting.monitoring.report.day_counts import Counts
from shared.codec import decode_record, parse_json
from shared.directget import Stored
from shared.events import RecordedEvent
from shared.reader import MAX_EVENT_BYTES, TRANSIENT
from shared.worker_processes import Numbers, numbered, worker_pool

Projector = Callable[[RecordedEvent], Sequence[Change]]
CLOSE_TIMEOUT_S = 5.0  # a worker's connection closing as the worker leaves
YOUNG_COLLECTIONS = (10_000, 10, 10)  # gc thresholds while rebuilding (the default: 700, 10, 10)


class Projected(NamedTuple):
    """One event's row changes (none, for an event the projection cannot project)."""

    seq: int
    changes: Sequence[Change]


class LeftOut(NamedTuple):
    """A message the live reader would park, so a rebuild leaves it out: it changes nothing."""

    seq: int
    what: str  # e.g. "an undecodable message"
    error: str  # the exception's type name ("" when there is none): never its text


class ProjectedBatch(NamedTuple):
    projected: list[Projected]
    left_out: list[LeftOut]


class StreamSource(Protocol):
    """Where a rebuild reads the stream: the messages from ``start`` on, up to ``size`` of them."""

    async def read(self, start: int, size: int) -> list[Stored]: ...

    async def close(self) -> None: ...

    def for_worker(self, number: int) -> StreamSource:
        """The source as worker ``number`` (1, 2, ...) of a pool reads it."""
        ...


async def read_and_project(
    source: StreamSource, first: int, last: int, project: Projector, types: frozenset[str] | None
) -> ProjectedBatch:
    """The span of sequences ``first``..``last`` read from ``source``, decoded and projected.

    A read from ``first`` brings the next messages the stream holds, so one that meets a gap (a
    message deleted) brings some from beyond the span too: those are the next span's."""
    raw = [m for m in await source.read(first, last - first + 1) if m[0] <= last]
    return project_raw(wanted(raw, types), project, types)


def changes_of(item: Projected) -> Sequence[Change]:
    """The "projection" a store applies a Projected with: its changes are already made."""
    return item.changes


def wanted(raw: Sequence[Stored], types: frozenset[str] | None) -> list[Stored]:
    """The messages worth decoding: with ``types`` (those the projection reads), an event of any
    other type is dropped unread, decodable or not: the projection would change nothing for it."""
    if types is None:
        return list(raw)
    return [m for m in raw if not _ignored_unread(m[1], m[2], types)]


def project_raw(raw: Sequence[Stored], project: Projector, types: frozenset[str] | None) -> ProjectedBatch:
    """Decode and project each message (those ``wanted`` kept), in order. A message the live reader
    would park (too large, undecodable, or its projection fails) is left out, with a note; a
    transient error is raised."""
    batch = ProjectedBatch([], [])
    for seq, subject, data in raw:
        event = decode_public(seq, subject, data, types, batch.left_out)
        if event is None:
            continue
        try:
            batch.projected.append(Projected(seq, project(event)))
        except (*TRANSIENT, *SQL_TRANSIENT):
            raise
        except Exception as exc:
            batch.left_out.append(LeftOut(seq, "an event it cannot project", type(exc).__name__))
            batch.projected.append(Projected(seq, []))
    return batch


def decode_public(
    seq: int, subject: str, data: bytes, types: frozenset[str] | None, left_out: list[LeftOut]
) -> RecordedEvent | None:
    """The event with its personal fields read as erased, or None (a note in ``left_out`` if the
    live reader would park it). With ``types``, an event of any other type is None (``wanted`` has
    already dropped those it can tell from their bytes).

    No case key is asked for and no personal data is opened: the projection reads no personal field
    (tests/reporting/test_projection.py projects every event both ways and compares), so a rebuild
    needs neither the key custodian's round trips nor the decryption, and cannot see what it does
    not need. The live reader decodes with the key, which the process's other readers share, and
    reads an event whose key or personal data will not open as this does (``public_decode``)."""
    if len(data) > MAX_EVENT_BYTES:
        left_out.append(LeftOut(seq, "an oversized message", ""))
        return None
    try:
        record = parse_json(data)
        if types is not None and record.get("type") not in types:
            return None
        return decode_record(record, key=None, seq=seq, subject=subject)
    except Exception as exc:
        left_out.append(LeftOut(seq, "an undecodable message", type(exc).__name__))
        return None


def _ignored_unread(subject: str, data: bytes, types: frozenset[str]) -> bool:
    """Whether the record is of a type outside ``types``, told from its bytes without parsing them.
    The subject names the type; a record is stored with its keys sorted, so "type" comes last. Bytes
    that end ``,"type":"<name>"}`` hold exactly that type, if they are JSON at all: the quote before
    "type" follows a comma, so it opens the key, and that last member is the record's own (a later
    duplicate wins, and nothing follows it). Bytes that are not JSON would be left out anyway."""
    name = subject.rpartition(".")[2]
    return name not in types and name.isidentifier() and data.endswith(b',"type":"' + name.encode() + b'"}')


class WorkerPool:
    """``workers`` processes reading and projecting spans of the stream for one rebuild; each result
    comes back to the event loop that asked. Two spans are in flight per worker: a worker never
    waits for its next. ``source`` is how a worker reads (picklable; it connects in the worker), as
    the worker of its number (each takes one of 1..``workers`` as it starts)."""

    def __init__(self, workers: int, project: Projector, source: StreamSource) -> None:
        self._pool = worker_pool(workers, _start_worker, (project, source, numbered(workers)))
        self.in_flight = 2 * workers

    def submit(self, first: int, last: int) -> asyncio.Future[ProjectedBatch]:
        return asyncio.wrap_future(self._pool.submit(_in_worker, first, last))

    async def count_days(self, store: ReadModelStore, generation: int) -> list[Counts]:
        """What each of the generation's spans of cases adds to its day counts (``store.swap``
        takes them), worked out in the workers, a span each at a time: they read the tables
        themselves, on connections of their own (they write nothing)."""
        url = store.engine.url.render_as_string(hide_password=False)
        spans = await asyncio.to_thread(store.case_spans, generation)
        counting = [self._pool.submit(_count_in_worker, url, store.base, generation, *span) for span in spans]
        return list(await asyncio.gather(*(asyncio.wrap_future(f) for f in counting)))

    async def close(self) -> None:
        await asyncio.to_thread(self._pool.shutdown, True, cancel_futures=True)


def collect_less() -> None:
    """The garbage collector set for a process that rebuilds (see ``rebuild.few_collections``)."""
    gc.freeze()
    gc.set_threshold(*YOUNG_COLLECTIONS)


class _Worker(NamedTuple):
    project: Projector
    source: StreamSource
    loop: asyncio.AbstractEventLoop  # the worker's own, run for each read
    stores: dict[tuple[str, str], ReadModelStore]  # (database URL, base) -> the store, once opened


_worker: _Worker | None = None  # set as a worker starts


def _start_worker(project: Projector, source: StreamSource, numbers: Numbers) -> None:
    global _worker
    _worker = _Worker(project, source.for_worker(numbers.get()), asyncio.new_event_loop(), {})
    atexit.register(_stop_worker)  # a worker leaving as its pool shuts down closes its connection
    collect_less()  # for the worker's life: it does nothing else


def _stop_worker() -> None:
    if _worker is not None:
        # Bounded: a server already gone must not keep the worker from leaving.
        with contextlib.suppress(Exception):
            _worker.loop.run_until_complete(asyncio.wait_for(_worker.source.close(), CLOSE_TIMEOUT_S))
        _worker.loop.close()
        for store in _worker.stores.values():
            store.engine.dispose()


def _in_worker(first: int, last: int) -> ProjectedBatch:
    assert _worker is not None, "a worker is started with its projection and its source"
    project, source, loop, _ = _worker
    types = getattr(project, "event_types", None)
    return loop.run_until_complete(read_and_project(source, first, last, project, types))


def _count_in_worker(url: str, base: str, generation: int, first: str, last: str) -> Counts:
    assert _worker is not None, "a worker is started before it is given work"
    store = _worker.stores.get((url, base))
    if store is None:
        store = _worker.stores[(url, base)] = ReadModelStore(make_engine(url), base)
    return store.counts_between(generation, first, last)
