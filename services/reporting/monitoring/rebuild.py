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
import collections
import contextlib
import gc
import os
from collections.abc import Callable, Iterator

from nats.aio.client import Client as NATS

from services.reporting.monitoring.projecting import (
    LeftOut,
    Projected,
    ProjectedBatch,
    WorkerPool,
    changes_of,
    collect_less,
    project_raw,
    wanted,
)
from services.reporting.monitoring.readmodel.store import Projector, ReadModelStore
from shared import directget
from shared.directget import Stored
from shared.eventstore import STREAM
from shared.logging import get_logger
from shared.tasks import cancel_and_wait

log = get_logger(__name__)

BATCH = 1000
WRITE_EVENTS = 4000  # events decoded before they are written, in one transaction
READ_AHEAD = 4  # batches read ahead of those being projected
WORKERS_FROM = 50_000  # events in the stream from which a rebuild projects in worker processes
MAX_WORKERS = 4
READ_TIMEOUT_S = 60.0  # a batch fails after this long without a reply
Progress = Callable[[int, int], None]  # (events done, events in the stream)
Ahead = asyncio.Queue[list[Stored] | Exception | None]  # batches read ahead; None: no more


def workers_for(events: int) -> int:
    """Worker processes for a rebuild of ``events``: one per core but this process's, up to
    ``MAX_WORKERS``; none for a history small enough that starting them (a second or so each,
    importing the contracts) would cost more than they save."""
    if events < WORKERS_FROM:
        return 0
    return max(0, min(MAX_WORKERS, (os.cpu_count() or 1) - 1))


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
    nc: NATS,
    store: ReadModelStore,
    project: Projector,
    progress: Progress | None = None,
    workers: int | None = None,
) -> int:
    """Returns how many events were projected into the new generation, which is now live.
    ``workers``: processes that decode and project beside this one (0: this process does it all;
    None: as many as ``workers_for`` says for the stream's size)."""
    store.ensure()
    first, last = await stream_bounds(nc)
    generation = store.new_generation()
    if workers is None:
        workers = workers_for(last - first + 1 if last else 0)
    pool = WorkerPool(workers, project) if workers > 0 else None
    stage: _Stage = pool if pool is not None else _InProcess(project)
    try:
        done, seq = await _project_from(nc, store, stage, 1, last, generation, progress)
        store.swap(generation)
        # Events appended while rebuilding went to the old tables: bring the new ones up to date.
        _, last = await stream_bounds(nc)
        more, _ = await _project_from(nc, store, stage, seq, last, None, None)
    finally:
        if pool is not None:
            await pool.close()
    return done + more


class _InProcess:
    """The projecting stage without workers: each batch is projected as it is handed over."""

    in_flight = 1

    def __init__(self, project: Projector) -> None:
        self._project = project
        self.types: frozenset[str] | None = getattr(project, "event_types", None)

    def submit(self, raw: list[Stored]) -> asyncio.Future[ProjectedBatch]:
        done: asyncio.Future[ProjectedBatch] = asyncio.get_running_loop().create_future()
        done.set_result(project_raw(raw, self._project, self.types))
        return done


_Stage = _InProcess | WorkerPool  # where batches are projected


async def _project_from(
    nc: NATS,
    store: ReadModelStore,
    stage: _Stage,
    seq: int,
    last: int,
    generation: int | None,
    progress: Progress | None,
) -> tuple[int, int]:
    """Project sequences ``seq``..``last``; returns (events projected, the next sequence).

    A pipeline: up to ``READ_AHEAD`` batches are read ahead; batches are projected (by ``stage``,
    several at once in workers); what is projected is written (in a thread) in transactions of about
    ``WRITE_EVENTS`` events while the next are projected. Results and writes stay in stream order."""
    done = 0
    ahead: Ahead = asyncio.Queue(READ_AHEAD)
    reading = asyncio.create_task(_read_ahead(nc, seq, last, ahead))
    writing: asyncio.Task[int] | None = None
    projecting: collections.deque[tuple[int, asyncio.Future[ProjectedBatch]]] = collections.deque()
    projected: list[Projected] = []
    through = 0  # the last sequence read and not yet written (0: none)
    read_all = False
    try:
        while True:
            if not read_all and len(projecting) < stage.in_flight:
                raw = await _next(ahead)
                if raw is None:
                    read_all = True
                else:
                    projecting.append((raw[-1][0], stage.submit(wanted(raw, stage.types))))
                continue
            if not projecting:
                break
            through, future = projecting.popleft()
            batch = await future
            _log_left_out(batch.left_out)
            projected.extend(batch.projected)
            seq = through + 1
            if len(projected) >= WRITE_EVENTS:
                if writing is not None:
                    done += await writing
                writing = asyncio.create_task(
                    asyncio.to_thread(store.apply_many, projected, changes_of, generation, through)
                )
                projected, through = [], 0
            if progress:
                progress(min(seq - 1, last), last)
        if writing is not None:
            done += await writing
            writing = None
        if through:
            done += await asyncio.to_thread(store.apply_many, projected, changes_of, generation, through)
    finally:
        # No task of this rebuild is left when it returns or raises, nor a batch in a worker.
        for _, future in projecting:
            future.cancel()
        await cancel_and_wait(t for t in (reading, writing) if t is not None)
    return done, seq


def _log_left_out(left_out: list[LeftOut]) -> None:
    for note in left_out:
        if note.error:
            log.warning(f"rebuild left out {note.what}", stream_seq=note.seq, error=note.error)
        else:
            log.warning(f"rebuild left out {note.what}", stream_seq=note.seq)


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
    collect_less()
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()
