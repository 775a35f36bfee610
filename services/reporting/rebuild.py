"""Rebuild the read models from the CASES stream: read every event from sequence 1 with the direct
batch get, project into a fresh generation of tables, then swap it in."""

from __future__ import annotations

import json
from collections.abc import Callable

from nats.aio.client import Client as NATS

from services.reporting.readmodel.store import Projector, ReadModelStore
from shared.events import RecordedEvent
from shared.eventstore import STREAM, EventStore

BATCH = 500
Progress = Callable[[int, int], None]  # (events done, events in the stream)


async def stream_bounds(nc: NATS) -> tuple[int, int]:
    info = await nc.jetstream().stream_info(STREAM)
    return int(info.state.first_seq), int(info.state.last_seq)


async def read_batch(nc: NATS, start: int, batch: int = BATCH) -> list[tuple[int, str, bytes]]:
    """Up to ``batch`` messages of the whole stream from ``start`` (sequence, subject, bytes)."""
    out: list[tuple[int, str, bytes]] = []
    inbox = nc.new_inbox()
    sub = await nc.subscribe(inbox)
    try:
        request = {"seq": start, "next_by_subj": "case.>", "batch": batch}
        await nc.publish(f"$JS.API.DIRECT.GET.{STREAM}", json.dumps(request).encode(), reply=inbox)
        while True:
            msg = await sub.next_msg(timeout=5)
            headers = msg.headers or {}
            status = headers.get("Status")
            if status in ("404", "204"):
                return out
            if status:
                raise RuntimeError(f"direct get failed: {status}")
            out.append((int(headers["Nats-Sequence"]), headers["Nats-Subject"], msg.data))
    finally:
        await sub.unsubscribe()


async def rebuild(
    nc: NATS, events: EventStore, store: ReadModelStore, project: Projector, progress: Progress | None = None
) -> int:
    """Returns how many events were projected into the new generation, which is now live."""
    store.ensure()
    _, last = await stream_bounds(nc)
    generation = store.new_generation()
    done, seq = await _project_from(nc, events, store, project, 1, last, generation, progress)
    store.swap(generation)
    # Events appended while rebuilding went to the old tables: bring the new ones up to date.
    _, last = await stream_bounds(nc)
    more, _ = await _project_from(nc, events, store, project, seq, last, None, None)
    return done + more


async def _project_from(
    nc: NATS,
    events: EventStore,
    store: ReadModelStore,
    project: Projector,
    seq: int,
    last: int,
    generation: int | None,
    progress: Progress | None,
) -> tuple[int, int]:
    """Project sequences ``seq``..``last``; returns (events projected, the next sequence)."""
    done = 0
    while seq <= last:
        raw = await read_batch(nc, seq)
        if not raw:
            break
        decoded: list[RecordedEvent] = [
            await events.decode(data, seq=s, subject=subj) for s, subj, data in raw
        ]
        done += store.apply_many(decoded, project, generation=generation)
        seq = raw[-1][0] + 1
        if progress:
            progress(min(seq - 1, last), last)
    return done, seq
