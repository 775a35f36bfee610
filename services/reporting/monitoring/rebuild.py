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
    StreamSource,
    WorkerPool,
    changes_of,
    collect_less,
    read_and_project,
)
from services.reporting.monitoring.reading import OnBus, OnConnection, stream_bounds
from services.reporting.monitoring.readmodel.store import Projector, ReadModelStore
from shared.logging import get_logger
from shared.settings import Settings
from shared.tasks import cancel_and_wait

log = get_logger(__name__)

BATCH = 1000  # sequences per span read and projected
WRITE_EVENTS = 4000  # events decoded before they are written, in one transaction
READ_AHEAD = 4  # spans read ahead of the one being projected (in this process)
WORKERS_FROM = 50_000  # events in the stream from which a rebuild projects in worker processes
MAX_WORKERS = 4
OWNER = "reporting"  # whose NATS user the workers read as
# The consumers of CASES the workers read through, one each (the user's permission names them).
WORKER_CONSUMERS = tuple(f"{OWNER}-rebuild-{n}" for n in range(1, MAX_WORKERS + 1))
Progress = Callable[[int, int], None]  # (events done, events in the stream)


def workers_for(events: int) -> int:
    """Worker processes for a rebuild of ``events``: one per core, up to ``MAX_WORKERS``; none for a
    history small enough that starting them (a second or so each, importing the contracts) would
    cost more than they save. The workers read, decode and project; this process writes SQL."""
    if events < WORKERS_FROM:
        return 0
    return max(1, min(MAX_WORKERS, os.cpu_count() or 1))


async def rebuild(
    nc: NATS,
    store: ReadModelStore,
    project: Projector,
    progress: Progress | None = None,
    workers: int | None = None,
    settings: Settings | None = None,
) -> int:
    """Returns how many events were projected into the new generation, which is now live.
    ``workers``: processes that read, decode and project beside this one (0: this process does it
    all; None: as many as ``workers_for`` says for the stream's size). They connect with
    ``settings``, as the reporting service's user: without settings there are none."""
    store.ensure()
    first, last = await stream_bounds(nc)
    generation = store.new_generation()
    if workers is None:
        workers = workers_for(last - first + 1 if last else 0) if settings is not None else 0
    if workers > 0 and settings is None:
        raise ValueError("a rebuild's workers connect with the settings: give them, or no workers")
    source = OnBus(settings, OWNER, WORKER_CONSUMERS) if settings else None
    pool = WorkerPool(workers, project, source) if source and workers > 0 else None
    stage: _Stage = pool if pool is not None else _InProcess(project, OnConnection(nc))
    try:
        done, seq = await _project_from(store, stage, max(first, 1), last, generation, progress)
        # The new tables' day counts are worked out from every case before the swap: by the
        # workers, when there are some, a span of cases each.
        counted = await pool.count_days(store, generation) if pool is not None else None
        await asyncio.to_thread(store.swap, generation, counted)
        # Events appended while rebuilding went to the old tables: bring the new ones up to date.
        _, last = await stream_bounds(nc)
        more, _ = await _project_from(store, stage, seq, last, None, None)
    finally:
        if pool is not None:
            await pool.close()
    return done + more


class _InProcess:
    """The projecting stage without workers: spans are read ahead on this process's connection, and
    each is projected here as its turn comes."""

    in_flight = READ_AHEAD

    def __init__(self, project: Projector, source: StreamSource) -> None:
        self._project = project
        self._source = source
        self._types: frozenset[str] | None = getattr(project, "event_types", None)

    def submit(self, first: int, last: int) -> asyncio.Future[ProjectedBatch]:
        return asyncio.ensure_future(read_and_project(self._source, first, last, self._project, self._types))


_Stage = _InProcess | WorkerPool  # where spans are read and projected


async def _project_from(
    store: ReadModelStore,
    stage: _Stage,
    seq: int,
    last: int,
    generation: int | None,
    progress: Progress | None,
) -> tuple[int, int]:
    """Project sequences ``seq``..``last``; returns (events projected, the next sequence).

    A pipeline: spans of ``BATCH`` sequences are handed to ``stage``, several at once, to be read
    and projected; what is projected is written (in a thread) in transactions of about
    ``WRITE_EVENTS`` events while the next spans are projected. Results and writes stay in stream
    order: a span's results are taken only after those of every span before it."""
    done = 0
    writing: asyncio.Task[int] | None = None
    projecting: collections.deque[tuple[int, asyncio.Future[ProjectedBatch]]] = collections.deque()
    projected: list[Projected] = []
    through = 0  # the last sequence read and not yet written (0: none)
    handed = seq  # the first sequence not yet handed to the stage
    try:
        while True:
            if handed <= last and len(projecting) < stage.in_flight:
                span_last = min(handed + BATCH - 1, last)
                projecting.append((span_last, stage.submit(handed, span_last)))
                handed = span_last + 1
                continue
            if not projecting:
                break
            through, future = projecting[0]
            batch = await future
            projecting.popleft()
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
        # No task of this rebuild is left when it returns or raises, nor a span in a worker.
        futures = [future for _, future in projecting]
        for future in futures:
            future.cancel()
        await cancel_and_wait(t for t in (*futures, writing) if isinstance(t, asyncio.Task))
        for future in futures:
            if future.done() and not future.cancelled():
                future.exception()  # seen: the rebuild raised the first failure in stream order
    return done, seq


def _log_left_out(left_out: list[LeftOut]) -> None:
    for note in left_out:
        if note.error:
            log.warning(f"rebuild left out {note.what}", stream_seq=note.seq, error=note.error)
        else:
            log.warning(f"rebuild left out {note.what}", stream_seq=note.seq)


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
