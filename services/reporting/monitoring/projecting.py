"""A rebuild's middle stage: stored messages become row changes, decoded with their personal fields
read as erased, then projected. Pure, so it runs in the rebuilding process or in worker processes
beside it (``WorkerPool``): in one process a rebuild's reading, decoding, projecting and SQL all
take turns under one interpreter lock, and the rebuild is one core's work however many there are.

A worker writes nothing anywhere, not even a log line: what it could not decode or project comes
back as a note (``LeftOut``) for the rebuilding process to log.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable, Sequence
from typing import NamedTuple

from services.reporting.monitoring.readmodel.changes import Change
from services.reporting.monitoring.readmodel.consumer import SQL_TRANSIENT
from shared.codec import decode_record, parse_json
from shared.directget import Stored
from shared.events import RecordedEvent
from shared.reader import MAX_EVENT_BYTES, TRANSIENT
from shared.worker_processes import worker_pool

Projector = Callable[[RecordedEvent], Sequence[Change]]
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
    """``workers`` processes projecting batches for one rebuild; each result comes back to the
    event loop that asked. Two batches are in flight per worker: a worker never waits for its next."""

    def __init__(self, workers: int, project: Projector) -> None:
        self._pool = worker_pool(workers, _start_worker, (project,))
        self.in_flight = 2 * workers
        self.types: frozenset[str] | None = getattr(project, "event_types", None)

    def submit(self, raw: list[Stored]) -> asyncio.Future[ProjectedBatch]:
        return asyncio.wrap_future(self._pool.submit(_in_worker, raw))

    async def close(self) -> None:
        await asyncio.to_thread(self._pool.shutdown, True, cancel_futures=True)


def collect_less() -> None:
    """The garbage collector set for a process that rebuilds (see ``rebuild.few_collections``)."""
    gc.freeze()
    gc.set_threshold(*YOUNG_COLLECTIONS)


_project: Projector | None = None  # a worker's projection, set as it starts


def _start_worker(project: Projector) -> None:
    global _project
    _project = project
    collect_less()  # for the worker's life: it does nothing else


def _in_worker(raw: list[Stored]) -> ProjectedBatch:
    assert _project is not None, "a worker is started with its projection"
    return project_raw(raw, _project, getattr(_project, "event_types", None))
